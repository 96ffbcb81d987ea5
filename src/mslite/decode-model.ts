/**
 * MindSpore Lite bytes → the typed Model: decodes the FlatBuffer (either schema generation), lowers Lite's primitives
 * to MindSpore's, cancels layout transposes and infers shapes. No file system here (loader.ts reads files), so this
 * also runs in Cloudflare Workers.
 */
import { MindletError } from '../errors.js';
import { inferShapes } from '../graph/shape-inference.js';
import type { Model } from '../graph/types.js';
import { decodeLiteModel, hasCurrentIdentifier, type LiteModel } from './decode.js';
import { FlatbufferError } from './flatbuffer.js';
import { optimizeLayout } from './layout.js';
import { lowerLiteModel } from './lower.js';

export interface MsLiteLoadOptions {
  /** Name used in errors and `Model.source` when loading from a buffer. */
  label?: string;
  /** Refuse files larger than this many bytes. */
  maxBytes?: number;
}

const FRAMEWORKS = ['TF', 'CAFFE', 'ONNX', 'MINDIR', 'TFLITE', 'PYTORCH'];

/** Whether bytes look like a MindSpore Lite model: the "MSL2" identifier, or a v0 root table naming Lite. */
export function isMsLite(bytes: Uint8Array): boolean {
  if (hasCurrentIdentifier(bytes)) return true;
  try {
    return decodeHeader(bytes).startsWith('MindSpore Lite');
  } catch {
    return false;
  }
}

/** The MetaGraph's version string, read without decoding the rest. */
function decodeHeader(bytes: Uint8Array): string {
  if (bytes.byteLength < 16) return '';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const root = view.getUint32(0, true);
  if (root + 4 > bytes.byteLength) return '';
  const vtable = root - view.getInt32(root, true);
  if (vtable < 0 || vtable + 6 > bytes.byteLength) return '';
  const vtableSize = view.getUint16(vtable, true);
  if (vtableSize < 8 || vtable + vtableSize > bytes.byteLength) return '';
  const field = view.getUint16(vtable + 6, true); // slot 1: version
  if (field === 0) return '';
  const at = root + field;
  if (at + 4 > bytes.byteLength) return '';
  const str = at + view.getUint32(at, true);
  if (str + 4 > bytes.byteLength) return '';
  const length = view.getUint32(str, true);
  if (str + 4 + length > bytes.byteLength || length > 256) return '';
  return new TextDecoder().decode(bytes.subarray(str + 4, str + 4 + length));
}

export function decodeMsLite(bytes: Uint8Array, options: MsLiteLoadOptions = {}): Model {
  const file = options.label ?? '<buffer>';
  if (options.maxBytes !== undefined && bytes.byteLength > options.maxBytes) {
    throw new MindletError(
      'LIMIT_EXCEEDED',
      `model is ${bytes.byteLength} bytes, over the limit of ${options.maxBytes}`,
      { file },
    );
  }
  let lite: LiteModel;
  try {
    lite = decodeLiteModel(bytes);
  } catch (error) {
    if (error instanceof FlatbufferError || error instanceof RangeError) {
      throw new MindletError(
        'INVALID_FORMAT',
        `not a valid MindSpore Lite model (truncated or corrupted?): ${error.message}`,
        {
          file,
          cause: error,
        },
      );
    }
    throw error;
  }
  if (lite.obfuscated) {
    throw new MindletError(
      'UNSUPPORTED',
      'the model is obfuscated (converter --enableObfuscation); mindlet cannot run obfuscated graphs',
      { file },
    );
  }
  const warnings: string[] = [];
  if (!lite.version.startsWith('MindSpore Lite')) {
    warnings.push(
      `version string "${lite.version}" does not name MindSpore Lite; decoded as the ${lite.generation} schema`,
    );
  }
  if (lite.subGraphs.length > 1) {
    warnings.push(`the model has ${lite.subGraphs.length} sub-graphs (control flow); only the main graph is lowered`);
  }
  const lowered = lowerLiteModel(lite, file);
  warnings.push(...lowered.warnings);
  const graph = lowered.graph;
  const layoutTransposes = optimizeLayout(graph);
  inferShapes(graph, warnings, { file });
  const ops: Record<string, number> = {};
  for (const node of lite.nodes) ops[node.op] = (ops[node.op] ?? 0) + 1;
  const framework =
    lite.generation === 'v0' && lite.fmkType === 0
      ? 'TF or not recorded'
      : (FRAMEWORKS[lite.fmkType] ?? String(lite.fmkType));
  return {
    source: file,
    format: 'mslite',
    producer: 'MindSpore Lite',
    producerVersion: lite.version.replace(/^MindSpore Lite\s*/, ''),
    irVersion: lite.generation === 'current' ? 'MSL2' : 'v0',
    mindIrVersion: 0,
    encrypted: false,
    graph,
    subgraphs: new Map(),
    warnings,
    mslite: { generation: lite.generation, sourceFramework: framework, ops, layoutTransposes },
  };
}
