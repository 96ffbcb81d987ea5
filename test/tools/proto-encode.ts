/**
 * Encodes MindIR protobuf messages from plain objects for tests (the shipped decoders are decode-only), using
 * protobufjs reflection over the same proto/mind_ir.proto the loader's decoders were generated from.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const schema = protobuf.loadSync(path.join(root, 'proto', 'mind_ir.proto'));
const ModelProto = schema.lookupType('mind_ir.ModelProto');

/** Plain-object form of a ModelProto (camelCase field names, enums as numbers). */
export type ModelObject = Record<string, unknown>;

export function encodeModelProto(model: ModelObject): Uint8Array {
  // Encode the plain object as is (no fromObject): it would coerce unknown enum values to 0, hiding them.
  return ModelProto.encode(model).finish();
}

export const repoRoot = root;
/** A real MindIR file in test/fixtures/mindir (provenance: test/fixtures/README.md). */
export const fixture = (name: string) => path.join(root, 'test', 'fixtures', 'mindir', name);
/** A real MindSpore Lite file or its data in test/fixtures/mslite (provenance: test/fixtures/README.md). */
export const liteFixture = (name: string) => path.join(root, 'test', 'fixtures', 'mslite', name);
