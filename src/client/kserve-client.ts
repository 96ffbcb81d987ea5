/**
 * A client for servers speaking the Open Inference Protocol (KServe v2) over REST: health, model metadata and
 * inference, with tensors as JSON or in the binary tensor data extension (JSON header, then raw little-endian bytes,
 * split by `Inference-Header-Content-Length`). Any v2 server works: mindlet's own, KServe, Triton.
 */
import { MindletError, type MindletErrorCode } from '../errors.js';
import { DTYPE_SIZES, elementCount } from '../graph/dtype.js';
import type { DType } from '../graph/types.js';
import {
  bfloat16BitsToNumber,
  float16BitsToNumber,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from '../tensor/float16.js';
// The datatype names are the protocol's: one table for server and client (pure functions, no server code).
import { dtypeOfDatatype, kserveDatatype } from '../tensor/kserve-codec.js';
import type { NamedTensor, Tensor, TensorData } from '../tensor/types.js';

export { dtypeOfDatatype, kserveDatatype };

export interface KServeClientOptions {
  /** The fetch to use (tests, proxies, retries). Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Headers sent with every request (authorization, API keys). Default: none. */
  headers?: Record<string, string>;
  /** Milliseconds to wait for a whole response; 0 waits forever. Default: 60000. */
  timeoutMs?: number;
}

/** A tensor the server declares: its protocol datatype and the matching dtype; -1 marks a dynamic dimension. */
export interface TensorMetadata {
  name: string;
  datatype: string;
  dtype: DType;
  shape: number[];
}

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

export interface InferOptions {
  /** Model version. Default: the server's default version. */
  version?: string;
  /** Outputs to return, by name. Default: all of them. */
  outputs?: string[];
  /**
   * Binary tensor data extension: true always, false never, 'auto' when the inputs exceed 64 KiB or hold values
   * JSON cannot carry exactly (NaN, ±Infinity, int64 beyond 2^53).
   * @default 'auto'
   */
  binary?: boolean | 'auto';
  /** Request id, echoed by the server. Default: none. */
  id?: string;
}

export interface InferResult {
  modelName: string;
  modelVersion?: string;
  id?: string;
  outputs: NamedTensor[];
}

/** A failed request: `status` is the HTTP status, undefined when no response came (refused, timed out). */
export class KServeError extends MindletError {
  readonly status: number | undefined;

  constructor(code: MindletErrorCode, message: string, status: number | undefined, cause?: unknown) {
    super(code, message, cause === undefined ? {} : { cause });
    this.name = 'KServeError';
    this.status = status;
  }
}

/** Above this many input bytes, 'auto' switches to binary: JSON text of floats is ~3x their bytes and slow to parse. */
export const AUTO_BINARY_BYTES = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 60_000;
const HEADER_LENGTH = 'inference-header-content-length';

type ArrayOf = new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => TensorData;

const ARRAYS: Partial<Record<DType, ArrayOf>> = {
  bool: Uint8Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  float32: Float32Array,
  float64: Float64Array,
};

// Binary tensors are little-endian on the wire; typed arrays use the host's order.
const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class KServeClient {
  private readonly base: string;
  private readonly fetcher: typeof fetch;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, options: KServeClientOptions = {}) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new MindletError('INVALID_ARGUMENT', `not a URL: ${JSON.stringify(baseUrl.slice(0, 200))}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new MindletError('INVALID_ARGUMENT', `${baseUrl}: only http and https URLs are served over REST`);
    if (url.search || url.hash) throw new MindletError('INVALID_ARGUMENT', `${baseUrl}: a base URL takes no ? or #`);
    // A path prefix (an API Gateway stage, a reverse proxy's mount point) is kept; /v2/... is appended to it.
    this.base = url.href.replace(/\/+$/, '');
    this.fetcher = options.fetch ?? fetch;
    this.headers = { ...options.headers };
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(Number.isSafeInteger(timeoutMs) && timeoutMs >= 0))
      throw new MindletError('INVALID_ARGUMENT', `timeoutMs must be a non-negative integer, got ${timeoutMs}`);
    this.timeoutMs = timeoutMs;
  }

  /** `GET /v2/health/live`: true when the server answers 200. Throws when nothing answers. */
  async live(): Promise<boolean> {
    return (await this.send('GET', '/v2/health/live')).ok;
  }

  /** `GET /v2/health/ready`: true when the server answers 200 (every model it serves is ready). */
  async ready(): Promise<boolean> {
    return (await this.send('GET', '/v2/health/ready')).ok;
  }

  /** `GET /v2/models/{model}[/versions/{v}]/ready`: true when that model can take requests. */
  async modelReady(model: string, version?: string): Promise<boolean> {
    return (await this.send('GET', `${modelPath(model, version)}/ready`)).ok;
  }

  /** `GET /v2/models/{model}[/versions/{v}]`: the model's inputs and outputs, datatypes mapped to dtypes. */
  async metadata(model: string, version?: string): Promise<ModelMetadata> {
    const path = modelPath(model, version);
    const response = await this.send('GET', path);
    const body = await this.responseBytes(response, 'GET', path);
    if (!response.ok) throw statusError(response.status, 'GET', this.base + path, body);
    const json = parseJson(body, `${this.base}${path}: response`);
    return parseMetadata(json, `${this.base}${path}`);
  }

  /** `POST /v2/models/{model}[/versions/{v}]/infer`: one inference; outputs decoded into typed arrays. */
  async infer(
    model: string,
    inputs: ReadonlyArray<{ name: string } & Tensor>,
    options: InferOptions = {},
  ): Promise<InferResult> {
    const path = `${modelPath(model, options.version)}/infer`;
    const where = `${this.base}${path}`;
    const encoded = inputs.map((input) => checkedInput(input));
    const mode = options.binary ?? 'auto';
    const binary =
      mode === 'auto'
        ? encoded.reduce((sum, input) => sum + input.data.byteLength, 0) > AUTO_BINARY_BYTES ||
          encoded.some((input) => !jsonExact(input))
        : mode;
    if (!binary)
      for (const input of encoded)
        if (!jsonExact(input))
          throw new MindletError(
            'INVALID_ARGUMENT',
            `input ${input.name}: holds values JSON cannot carry exactly (NaN, Infinity or int64 beyond 2^53); send it binary`,
          );

    const request: Record<string, unknown> = {};
    if (options.id !== undefined) request.id = options.id;
    if (binary && options.outputs === undefined) request.parameters = { binary_data_output: true };
    request.inputs = encoded.map((input) => ({
      name: input.name,
      shape: input.shape,
      datatype: input.datatype,
      ...(binary ? { parameters: { binary_data_size: input.data.byteLength } } : { data: jsonData(input) }),
    }));
    if (options.outputs !== undefined)
      request.outputs = options.outputs.map((name) =>
        binary ? { name, parameters: { binary_data: true } } : { name },
      );

    const header = new TextEncoder().encode(JSON.stringify(request));
    let body: Uint8Array;
    const headers: Record<string, string> = {};
    if (binary) {
      body = concat([header, ...encoded.map((input) => littleEndianBytes(input.data))]);
      headers['content-type'] = 'application/octet-stream';
      headers['inference-header-content-length'] = String(header.byteLength);
    } else {
      body = header;
      headers['content-type'] = 'application/json';
    }
    const response = await this.send('POST', path, body, headers);
    const bytes = await this.responseBytes(response, 'POST', path);
    if (!response.ok) throw statusError(response.status, 'POST', where, bytes);
    return parseInferResponse(bytes, response.headers.get(HEADER_LENGTH), where);
  }

  private async send(
    method: string,
    path: string,
    body?: Uint8Array,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const url = this.base + path;
    try {
      return await this.fetcher(url, {
        method,
        headers: { accept: 'application/json', ...this.headers, ...headers },
        ...(body === undefined ? {} : { body }),
        ...(this.timeoutMs > 0 ? { signal: AbortSignal.timeout(this.timeoutMs) } : {}),
      });
    } catch (error) {
      throw networkError(error, method, url, this.timeoutMs);
    }
  }

  private async responseBytes(response: Response, method: string, path: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw networkError(error, method, this.base + path, this.timeoutMs);
    }
  }
}

function modelPath(model: string, version: string | undefined): string {
  if (model === '') throw new MindletError('INVALID_ARGUMENT', 'a model name is required');
  if (version === '') throw new MindletError('INVALID_ARGUMENT', 'a model version must not be empty');
  const base = `/v2/models/${encodeURIComponent(model)}`;
  return version === undefined ? base : `${base}/versions/${encodeURIComponent(version)}`;
}

interface EncodedInput {
  name: string;
  shape: number[];
  datatype: string;
  dtype: DType;
  data: TensorData;
}

function checkedInput(input: { name: string } & Tensor): EncodedInput {
  const { name, dtype, shape, data } = input;
  const datatype = kserveDatatype(dtype);
  if (datatype === undefined || datatype === 'BYTES')
    throw new MindletError('UNSUPPORTED', `input ${name}: dtype ${dtype} has no KServe v2 tensor encoding here`);
  if (!shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0))
    throw new MindletError('INVALID_ARGUMENT', `input ${name}: shape [${shape.join(',')}] has a non-size dimension`);
  const count = elementCount(shape);
  if (data.length !== count)
    throw new MindletError(
      'INVALID_ARGUMENT',
      `input ${name}: shape [${shape.join(',')}] needs ${count} elements, the data has ${data.length}`,
    );
  return { name, shape: [...shape], datatype, dtype, data };
}

/** Can JSON carry every value exactly? float16/bfloat16 bits always survive as the numbers they stand for. */
function jsonExact(input: EncodedInput): boolean {
  const { data, dtype } = input;
  if (dtype === 'float32' || dtype === 'float64') {
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i] as number)) return false;
  } else if (dtype === 'float16' || dtype === 'bfloat16') {
    const exponentMask = dtype === 'float16' ? 0x7c00 : 0x7f80;
    for (let i = 0; i < data.length; i++) if (((data[i] as number) & exponentMask) === exponentMask) return false;
  } else if (dtype === 'int64' || dtype === 'uint64') {
    const limit = BigInt(Number.MAX_SAFE_INTEGER);
    for (let i = 0; i < data.length; i++) {
      const value = data[i] as bigint;
      if (value > limit || value < -limit) return false;
    }
  }
  return true;
}

function jsonData(input: EncodedInput): Array<number | boolean> {
  const { data, dtype } = input;
  const out = new Array<number | boolean>(data.length);
  for (let i = 0; i < data.length; i++) {
    const raw = data[i]!;
    if (dtype === 'bool') out[i] = raw !== 0;
    else if (typeof raw === 'bigint') out[i] = Number(raw);
    else if (dtype === 'float16') out[i] = float16BitsToNumber(raw);
    else if (dtype === 'bfloat16') out[i] = bfloat16BitsToNumber(raw);
    else out[i] = raw;
  }
  return out;
}

/** A tensor's bytes as the wire wants them: little-endian, bool as one byte 0 or 1. */
function littleEndianBytes(data: TensorData): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_LITTLE || data.BYTES_PER_ELEMENT === 1) return bytes;
  const swapped = new Uint8Array(bytes.byteLength);
  const size = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.byteLength; i += size)
    for (let b = 0; b < size; b++) swapped[i + b] = bytes[i + size - 1 - b]!;
  return swapped;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

function parseInferResponse(bytes: Uint8Array, headerLength: string | null, where: string): InferResult {
  let jsonEnd = bytes.byteLength;
  if (headerLength !== null) {
    jsonEnd = Number(headerLength);
    if (!/^\d+$/.test(headerLength.trim()) || jsonEnd > bytes.byteLength)
      throw new MindletError(
        'INVALID_FORMAT',
        `${where}: response Inference-Header-Content-Length ${JSON.stringify(headerLength.slice(0, 40))} does not fit a ${bytes.byteLength}-byte body`,
      );
  }
  const json = parseJson(bytes.subarray(0, jsonEnd), `${where}: response`);
  if (!isRecord(json) || !Array.isArray(json.outputs))
    throw new MindletError('INVALID_FORMAT', `${where}: response has no "outputs" list`);
  let offset = jsonEnd;
  const outputs = json.outputs.map((raw, index): NamedTensor => {
    const label = `${where}: output ${index}`;
    if (!isRecord(raw) || typeof raw.name !== 'string')
      throw new MindletError('INVALID_FORMAT', `${label} has no name`);
    const { dtype, shape } = tensorHeader(raw, `${where}: output ${raw.name}`);
    const name = raw.name;
    const size = isRecord(raw.parameters) ? raw.parameters.binary_data_size : undefined;
    if (size !== undefined) {
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || offset + size > bytes.byteLength)
        throw new MindletError(
          'INVALID_FORMAT',
          `${where}: output ${name}: binary_data_size ${JSON.stringify(size)} runs past the ${bytes.byteLength}-byte body`,
        );
      const data = binaryData(bytes.subarray(offset, offset + size), dtype, shape, `${where}: output ${name}`);
      offset += size;
      return { name, dtype, shape, data };
    }
    return { name, dtype, shape, data: jsonTensorData(raw.data, dtype, shape, `${where}: output ${name}`) };
  });
  const result: InferResult = {
    modelName: typeof json.model_name === 'string' ? json.model_name : '',
    outputs,
  };
  if (typeof json.model_version === 'string') result.modelVersion = json.model_version;
  if (typeof json.id === 'string') result.id = json.id;
  return result;
}

function tensorHeader(raw: Record<string, unknown>, label: string): { dtype: DType; shape: number[] } {
  const datatype = raw.datatype;
  const dtype = typeof datatype === 'string' ? dtypeOfDatatype(datatype) : undefined;
  if (dtype === undefined)
    throw new MindletError('INVALID_FORMAT', `${label}: unknown datatype ${JSON.stringify(datatype)?.slice(0, 40)}`);
  if (dtype === 'string')
    throw new MindletError('UNSUPPORTED', `${label}: BYTES tensors are not decoded by this client`);
  const shape = raw.shape;
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && (dim as number) >= 0))
    throw new MindletError(
      'INVALID_FORMAT',
      `${label}: shape ${JSON.stringify(shape)?.slice(0, 80)} is not a list of sizes`,
    );
  return { dtype, shape: shape as number[] };
}

function binaryData(bytes: Uint8Array, dtype: DType, shape: number[], label: string): TensorData {
  const count = elementCount(shape);
  const size = DTYPE_SIZES[dtype];
  if (bytes.byteLength !== count * size)
    throw new MindletError(
      'INVALID_FORMAT',
      `${label}: ${bytes.byteLength} bytes of binary data for ${count} ${dtype} elements (${count * size} bytes)`,
    );
  // A copy: the typed array needs its own aligned buffer, and must not keep the whole body alive.
  const copy = bytes.slice();
  if (!HOST_LITTLE && size > 1) for (let i = 0; i < copy.byteLength; i += size) copy.subarray(i, i + size).reverse();
  return new ARRAYS[dtype]!(copy.buffer, 0, count);
}

/** JSON tensor data (flat, or nested as some servers send it) → a typed array of `dtype`. */
function jsonTensorData(data: unknown, dtype: DType, shape: number[], label: string): TensorData {
  if (!Array.isArray(data)) throw new MindletError('INVALID_FORMAT', `${label}: no "data" list`);
  const values = data.flat(Number.POSITIVE_INFINITY) as unknown[];
  const count = elementCount(shape);
  if (values.length !== count)
    throw new MindletError('INVALID_FORMAT', `${label}: ${values.length} values for shape [${shape.join(',')}]`);
  const out = new ARRAYS[dtype]!(new ArrayBuffer(count * DTYPE_SIZES[dtype]), 0, count);
  for (let i = 0; i < count; i++) {
    const value = values[i];
    if (dtype === 'bool') {
      if (typeof value !== 'boolean' && value !== 0 && value !== 1) throw badValue(label, i, value);
      out[i] = value === true || value === 1 ? 1 : 0;
    } else if (value === null && (dtype === 'float32' || dtype === 'float64')) {
      // JSON has no NaN or Infinity; servers write null for them, and which one it was is lost.
      out[i] = Number.NaN;
    } else if (typeof value !== 'number') {
      throw badValue(label, i, value);
    } else if (dtype === 'float16') {
      out[i] = float32ToFloat16Bits(value);
    } else if (dtype === 'bfloat16') {
      out[i] = float32ToBfloat16Bits(value);
    } else if (dtype === 'int64' || dtype === 'uint64') {
      if (!Number.isInteger(value)) throw badValue(label, i, value);
      out[i] = BigInt(value);
    } else {
      out[i] = value;
    }
  }
  return out;
}

function parseMetadata(json: unknown, where: string): ModelMetadata {
  if (!isRecord(json) || typeof json.name !== 'string')
    throw new MindletError('INVALID_FORMAT', `${where}: model metadata has no name`);
  const tensors = (list: unknown, what: string): TensorMetadata[] => {
    if (!Array.isArray(list)) throw new MindletError('INVALID_FORMAT', `${where}: model metadata has no ${what} list`);
    return list.map((raw, index) => {
      if (!isRecord(raw) || typeof raw.name !== 'string')
        throw new MindletError('INVALID_FORMAT', `${where}: ${what} ${index} has no name`);
      const datatype = raw.datatype;
      const dtype = typeof datatype === 'string' ? dtypeOfDatatype(datatype) : undefined;
      if (dtype === undefined)
        throw new MindletError(
          'INVALID_FORMAT',
          `${where}: ${what} ${raw.name}: unknown datatype ${JSON.stringify(datatype)?.slice(0, 40)}`,
        );
      const shape = raw.shape;
      if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && (dim as number) >= -1))
        throw new MindletError('INVALID_FORMAT', `${where}: ${what} ${raw.name}: bad shape ${JSON.stringify(shape)}`);
      return { name: raw.name, datatype: datatype as string, dtype, shape: shape as number[] };
    });
  };
  return {
    name: json.name,
    versions: Array.isArray(json.versions) ? json.versions.filter((v): v is string => typeof v === 'string') : [],
    platform: typeof json.platform === 'string' ? json.platform : '',
    inputs: tensors(json.inputs, 'input'),
    outputs: tensors(json.outputs, 'output'),
  };
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    const start = new TextDecoder().decode(bytes.subarray(0, 60));
    throw new MindletError('INVALID_FORMAT', `${what} is not JSON (starts ${JSON.stringify(start)})`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Statuses onto error codes; the status itself stays on the error. */
function statusCode(status: number): MindletErrorCode {
  if (status === 404 || status === 503) return 'NOT_FOUND';
  if (status === 413) return 'LIMIT_EXCEEDED';
  if (status >= 400 && status < 500) return 'INVALID_ARGUMENT';
  return 'UNSUPPORTED';
}

/** A non-2xx answer, with the server's own `error` message where the body has one. */
function statusError(status: number, method: string, url: string, body: Uint8Array): KServeError {
  let detail: string | undefined;
  try {
    const json: unknown = JSON.parse(new TextDecoder().decode(body));
    if (isRecord(json) && typeof json.error === 'string') detail = json.error;
  } catch {
    // Not JSON (a proxy's HTML page, say): the start of the text says more than nothing.
  }
  if (detail === undefined) {
    const text = new TextDecoder().decode(body.subarray(0, 200)).trim();
    detail = text || '(empty body)';
  }
  return new KServeError(statusCode(status), `${method} ${url}: HTTP ${status}: ${detail}`, status);
}

function networkError(error: unknown, method: string, url: string, timeoutMs: number): KServeError {
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return new KServeError('LIMIT_EXCEEDED', `${method} ${url}: no answer within ${timeoutMs} ms`, undefined, error);
  // undici's "fetch failed" hides the reason (ECONNREFUSED, ENOTFOUND) in `cause`.
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
  return new KServeError('NOT_FOUND', `${method} ${url}: cannot reach the server (${reason})`, undefined, error);
}

function badValue(label: string, index: number, value: unknown): MindletError {
  return new MindletError(
    'INVALID_FORMAT',
    `${label}: element ${index} is ${JSON.stringify(value)?.slice(0, 40) ?? String(value)}`,
  );
}
