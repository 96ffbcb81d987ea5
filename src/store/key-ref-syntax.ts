/**
 * The syntax of key references (`env:NAME`, `secretsmanager:<id>[#field]`, `ssm:<name>`), apart from resolving them
 * (key-ref.ts, which needs the AWS SDK): manifests are checked with this alone, so reading a manifest pulls in no
 * SDK and no `node:*` module (the Workers bundle reads manifests too).
 */
import { MindletError } from '../errors.js';

export type KeyRef =
  | { kind: 'env'; name: string }
  | { kind: 'secretsmanager'; secretId: string; field?: string }
  | { kind: 'ssm'; name: string };

const MAX_REF = 2048;

/** Parses a reference; INVALID_ARGUMENT when it is none of the three forms. */
export function parseKeyRef(ref: string): KeyRef {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (typeof ref !== 'string' || ref.length > MAX_REF || /[\u0000-\u001f\u007f]/.test(ref)) throw badRef(ref);
  const colon = ref.indexOf(':');
  const scheme = colon < 0 ? '' : ref.slice(0, colon);
  const rest = ref.slice(colon + 1);
  if (scheme === 'env' && /^[A-Za-z_][A-Za-z0-9_]{0,255}$/.test(rest)) return { kind: 'env', name: rest };
  if (scheme === 'ssm' && /^[A-Za-z0-9_.\-/:]{1,2048}$/.test(rest)) return { kind: 'ssm', name: rest };
  if (scheme === 'secretsmanager') {
    const hash = rest.indexOf('#');
    const secretId = hash < 0 ? rest : rest.slice(0, hash);
    const field = hash < 0 ? undefined : rest.slice(hash + 1);
    if (/^[A-Za-z0-9/_+=.@:!-]{1,2048}$/.test(secretId) && field !== '')
      return field === undefined ? { kind: 'secretsmanager', secretId } : { kind: 'secretsmanager', secretId, field };
  }
  throw badRef(ref);
}

function badRef(ref: unknown): MindletError {
  const shown = typeof ref === 'string' ? JSON.stringify(ref.slice(0, 100)) : String(ref);
  return new MindletError(
    'INVALID_ARGUMENT',
    `invalid key reference ${shown}: use env:NAME, secretsmanager:<secret-id-or-arn>[#jsonField] or ssm:<parameter-name>`,
  );
}
