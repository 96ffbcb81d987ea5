/**
 * The graph description buildGraphSpec makes for the native addon, as one binary buffer for the WebAssembly
 * engine (decoded with bounds checks by layers/native-runtime/src/wasm/binding.cc). Little-endian throughout:
 *
 *   graph   = u32 magic "MSG1" · u32 count · value* · indices (inputs) · indices (outputs) · u32 count · node*
 *   value   = str name · str dtype · u8 flags (1: shape known, 2: constant) · [shape] · [tensor]
 *   tensor  = str dtype · shape · u32 byte length · zero padding to a multiple of 16 from the buffer's start · bytes
 *   node    = str name · str op · indices (inputs) · indices (outputs) · u32 count · (str key · attr)*
 *   attr    = u8 kind · payload: 0 none · 1 number (f64) · 2 integer (i64, from a bigint) · 3 bool (u8) ·
 *             4 string (str) · 5 list (u32 count · attr*) · 6 tensor · 7 dtype name (str)
 *   shape   = u32 rank · i64 dims       indices = u32 count · i32*       str = u32 byte length · UTF-8
 *
 * Constant bytes are aligned so the engine reads weights in place, as the addon does from the model's buffers.
 * No `node:` imports: Workers encode graphs too.
 */
import { MindletError } from '../../errors.js';
import type { GraphSpec, SpecTensor } from '../graph-spec.js';

export const GRAPH_MAGIC = 0x3147534d; // "MSG1" read as a little-endian u32
/** Tensor bytes start at a multiple of this from the buffer's start (the engine copies the buffer 64-aligned). */
export const TENSOR_ALIGN = 16;

const AttrKind = { None: 0, Number: 1, Int: 2, Bool: 3, String: 4, List: 5, Tensor: 6, Type: 7 } as const;

const MAX_U32 = 0xffff_ffff;
const utf8 = new TextEncoder();

/**
 * Two passes over the same code: the first only counts bytes, the second writes them into a buffer of exactly
 * that size, so large weights are copied once.
 */
class Sink {
  pos = 0;
  private readonly view: DataView | undefined;

  constructor(private readonly out?: Uint8Array) {
    this.view = out ? new DataView(out.buffer, out.byteOffset, out.byteLength) : undefined;
  }

  u8(v: number): void {
    this.view?.setUint8(this.pos, v);
    this.pos += 1;
  }
  u32(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > MAX_U32) {
      throw new MindletError('LIMIT_EXCEEDED', `the graph is too large for the WebAssembly engine (a count of ${v})`);
    }
    this.view?.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  i32(v: number): void {
    this.view?.setInt32(this.pos, v, true);
    this.pos += 4;
  }
  i64(v: number | bigint): void {
    this.view?.setBigInt64(this.pos, BigInt.asIntN(64, typeof v === 'bigint' ? v : BigInt(Math.trunc(v))), true);
    this.pos += 8;
  }
  f64(v: number): void {
    this.view?.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  bytes(b: Uint8Array): void {
    this.out?.set(b, this.pos);
    this.pos += b.byteLength;
  }
  str(s: string): void {
    const b = utf8.encode(s);
    this.u32(b.byteLength);
    this.bytes(b);
  }
  // The buffer is zero-filled, so padding is only a skip.
  align(n: number): void {
    this.pos += (n - (this.pos % n)) % n;
  }
}

/** The binary description of a graph (see the format above). */
export function encodeGraphSpec(spec: GraphSpec): Uint8Array {
  const sizer = new Sink();
  write(sizer, spec);
  const out = new Uint8Array(sizer.pos);
  const writer = new Sink(out);
  write(writer, spec);
  return out;
}

function write(w: Sink, spec: GraphSpec): void {
  w.u32(GRAPH_MAGIC);
  w.u32(spec.values.length);
  for (const value of spec.values) {
    w.str(value.name);
    w.str(value.dtype);
    w.u8((value.shape ? 1 : 0) | (value.tensor ? 2 : 0));
    if (value.shape) shape(w, value.shape);
    if (value.tensor) tensor(w, value.tensor);
  }
  indices(w, spec.inputs);
  indices(w, spec.outputs);
  w.u32(spec.nodes.length);
  for (const node of spec.nodes) {
    w.str(node.name);
    w.str(node.op);
    indices(w, node.inputs);
    indices(w, node.outputs);
    const attrs = Object.entries(node.attrs);
    w.u32(attrs.length);
    for (const [key, value] of attrs) {
      w.str(key);
      attr(w, value);
    }
  }
}

function shape(w: Sink, dims: readonly number[]): void {
  w.u32(dims.length);
  for (const d of dims) w.i64(d);
}

function indices(w: Sink, list: readonly number[]): void {
  w.u32(list.length);
  for (const k of list) w.i32(k);
}

function tensor(w: Sink, t: SpecTensor | { dtype: string; shape: number[]; data: ArrayBufferView }): void {
  w.str(t.dtype);
  shape(w, t.shape);
  const data = t.data;
  w.u32(data.byteLength);
  w.align(TENSOR_ALIGN);
  w.bytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

// The attribute values the addon reads (src/addon.cc read_attr): anything else is "none", as there.
function attr(w: Sink, value: unknown): void {
  if (typeof value === 'number') {
    w.u8(AttrKind.Number);
    w.f64(value);
  } else if (typeof value === 'bigint') {
    w.u8(AttrKind.Int);
    w.i64(value);
  } else if (typeof value === 'boolean') {
    w.u8(AttrKind.Bool);
    w.u8(value ? 1 : 0);
  } else if (typeof value === 'string') {
    w.u8(AttrKind.String);
    w.str(value);
  } else if (Array.isArray(value)) {
    w.u8(AttrKind.List);
    w.u32(value.length);
    for (const item of value) attr(w, item);
  } else if (isTensorAttr(value)) {
    w.u8(AttrKind.Tensor);
    tensor(w, value.tensor);
  } else if (typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string') {
    w.u8(AttrKind.Type);
    w.str((value as { type: string }).type);
  } else {
    w.u8(AttrKind.None);
  }
}

function isTensorAttr(value: unknown): value is { tensor: { dtype: string; shape: number[]; data: ArrayBufferView } } {
  if (typeof value !== 'object' || value === null || !('tensor' in value)) return false;
  const t = (value as { tensor: unknown }).tensor;
  return (
    typeof t === 'object' &&
    t !== null &&
    typeof (t as { dtype?: unknown }).dtype === 'string' &&
    Array.isArray((t as { shape?: unknown }).shape) &&
    ArrayBuffer.isView((t as { data?: unknown }).data)
  );
}
