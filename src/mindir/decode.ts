/**
 * Plain (decrypted) MindIR bytes → a typed Model: protobuf decode, graphs, shapes. Nothing here touches a file
 * system or `node:*`, so the same decoding runs in Node and in Cloudflare Workers; reading external weight files
 * and decryption stay with the caller (loader.ts in Node).
 */
import protobuf from 'protobufjs/minimal.js';
import { isMindletError, MindletError } from '../errors.js';
import { inferShapes } from '../graph/shape-inference.js';
import type { Model } from '../graph/types.js';
import { buildGraphs } from './graph-builder.js';
import { mind_ir } from './proto/mind_ir.gen.js';

/** Newest MindIR version this loader knows (FORMAT.md: Version enum). Newer files load with a warning. */
const KNOWN_MIND_IR_VERSION = 3;

export interface MindirDecodeContext {
  /** Name used in errors and `Model.source`. */
  file: string;
  /** Whether the bytes were decrypted first (recorded on the model, and named in errors). */
  encrypted: boolean;
  /** Bytes of an external weight file named by the model (a location relative to the model's folder). */
  readExternal: (location: string) => Uint8Array;
}

/** Decodes plain MindIR bytes synchronously. */
export function decodeMindirPlain(plain: Uint8Array, context: MindirDecodeContext): Model {
  const { file, encrypted, readExternal } = context;
  const proto = decodeModelProto(plain, file, encrypted);
  const warnings: string[] = [];
  if (proto.$unknowns?.length) warnings.push('file has fields this schema does not know (skipped): newer MindSpore?');
  const mindIrVersion = Number(proto.mindIrVersion ?? 0);
  if (mindIrVersion > KNOWN_MIND_IR_VERSION) {
    warnings.push(
      `mind_ir_version ${mindIrVersion} is newer than ${KNOWN_MIND_IR_VERSION}, the newest this loader knows`,
    );
  }
  if (Object.hasOwn(proto, 'littleEndian') && proto.littleEndian === false) {
    throw new MindletError('UNSUPPORTED', 'big-endian MindIR files are not supported', { file });
  }
  try {
    const { graph, subgraphs } = buildGraphs(proto, { file, warnings, readExternal });
    inferShapes(graph, warnings, { file });
    for (const subgraph of subgraphs.values()) inferShapes(subgraph, warnings, { file });
    const model: Model = {
      source: file,
      format: 'mindir',
      producer: proto.producerName ?? '',
      producerVersion: proto.modelVersion || proto.producerVersion || '',
      irVersion: proto.irVersion ?? '',
      mindIrVersion,
      encrypted,
      graph,
      subgraphs,
      warnings,
    };
    const preprocessor = proto.preprocessor?.op;
    if (preprocessor?.length) {
      model.preprocessor = preprocessor.map((op) => ({
        inputColumns: op.inputColumns ?? '',
        outputColumns: op.outputColumns ?? '',
        projectColumns: op.projectColumns ?? '',
        opType: op.opType ?? '',
        operations: op.operations ?? '',
        offload: op.offload ?? false,
      }));
    }
    if (proto.userInfo) model.userInfo = parseUserInfo(proto.userInfo, warnings);
    return model;
  } catch (error) {
    if (isMindletError(error)) throw error;
    // A bug or a shape of input nobody anticipated: still one line naming the file, never a raw TypeError.
    throw new MindletError('INVALID_FORMAT', `cannot read model: ${(error as Error).message}`, { file, cause: error });
  }
}

function decodeModelProto(bytes: Uint8Array, file: string, encrypted: boolean): mind_ir.ModelProto {
  if (bytes.byteLength === 0) throw new MindletError('INVALID_FORMAT', 'file is empty', { file });
  try {
    // Keep unknown fields: an enum value this schema lacks lands there and must become a named error, not a default.
    const reader = protobuf.Reader.create(bytes);
    reader.discardUnknown = false;
    return mind_ir.ModelProto.decode(reader);
  } catch (error) {
    const reason = (error as Error).message;
    const hint = encrypted ? ' after decryption' : '';
    throw new MindletError(
      'INVALID_FORMAT',
      `not a valid MindIR file${hint} (protobuf: ${reason}); truncated or corrupted?`,
      {
        file,
        cause: error,
      },
    );
  }
}

function parseUserInfo(text: string, warnings: string[]): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.fromEntries(
        Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
      );
    }
  } catch {
    warnings.push('user_info is not JSON; kept as text');
  }
  return { text };
}
