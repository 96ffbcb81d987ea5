/** The engine's refusal of a model it cannot run: UNSUPPORTED at session creation, naming every missing primitive. */
import { expect } from 'vitest';
import { isMindletError } from '../../src/errors.js';
import type { Model } from '../../src/graph/types.js';
import { createSession, findUnsupportedOps } from '../../src/runtime/session.js';

/**
 * `unsupported` lists each missing primitive with the node that uses it, as `findUnsupportedOps` reports them; the
 * session error must carry the UNSUPPORTED code and name each primitive (and, given, its node).
 */
export function expectRefusedByEngine(model: Model, unsupported: Array<{ op: string; node?: string }>): void {
  const found = findUnsupportedOps(model);
  expect(found.map((u) => u.op)).toEqual(unsupported.map((u) => u.op));
  let error: unknown;
  try {
    createSession(model, { threads: 1 }).close();
  } catch (caught) {
    error = caught;
  }
  expect(isMindletError(error) && error.code).toBe('UNSUPPORTED');
  const message = (error as Error).message;
  expect(message).toMatch(/unsupported operators?: /);
  for (const { op, node } of unsupported) {
    expect(message).toContain(op);
    if (node !== undefined) {
      expect(found.find((u) => u.op === op)?.node).toBe(node);
      expect(message).toContain(`${op} (node ${node})`);
    }
  }
}
