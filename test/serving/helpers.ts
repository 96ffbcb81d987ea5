/**
 * Fixtures for the serving tests: real engine models from test/fixtures/mindir, a synthetic echo model with one
 * input per KServe datatype, a model that fails, and a repository with a model still loading.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ServingError } from '../../src/errors.js';
import type { DType } from '../../src/graph/types.js';
import { StaticModelRepository, servedModelFromSession } from '../../src/repository/served-model.js';
import { loadSession } from '../../src/runtime/index.js';
import type { Session } from '../../src/runtime/types.js';
import { createServingApp, type ServingAppOptions } from '../../src/serving/app.js';
import type { ModelIndexEntry, ModelRepository, ServedModel } from '../../src/serving/types.js';
import { decodeNpy } from '../../src/tensor/index.js';
import type { Tensor } from '../../src/tensor/types.js';
import { repoRoot } from '../tools/proto-encode.js';

export const fixtures = path.join(repoRoot, 'test/fixtures/mindir');

/** KServe datatype → dtype, written out independently of the codec's table. */
export const DATATYPES: ReadonlyArray<[string, DType]> = [
  ['BOOL', 'bool'],
  ['UINT8', 'uint8'],
  ['UINT16', 'uint16'],
  ['UINT32', 'uint32'],
  ['UINT64', 'uint64'],
  ['INT8', 'int8'],
  ['INT16', 'int16'],
  ['INT32', 'int32'],
  ['INT64', 'int64'],
  ['FP16', 'float16'],
  ['FP32', 'float32'],
  ['FP64', 'float64'],
  ['BF16', 'bfloat16'],
];

/** Returns its inputs as outputs (`in_fp32` → `out_fp32`), one dynamic 1-D input per datatype. */
export function echoModel(): ServedModel {
  const infos = DATATYPES.map(([datatype, dtype]) => ({ datatype: datatype.toLowerCase(), dtype }));
  return {
    name: 'echo',
    version: '1',
    platform: 'mindspore_mindir',
    inputs: infos.map(({ datatype, dtype }) => ({ name: `in_${datatype}`, dtype, shape: [-1] })),
    outputs: infos.map(({ datatype, dtype }) => ({ name: `out_${datatype}`, dtype, shape: [-1] })),
    async run(inputs: Tensor[]): Promise<Tensor[]> {
      return inputs.map(({ dtype, shape, data }) => ({ dtype, shape: [...shape], data: data.slice() }));
    },
  };
}

/** A model whose engine throws a plain Error carrying internals a response must not show. */
export function brokenModel(): ServedModel {
  return {
    name: 'broken',
    version: '1',
    platform: 'mindspore_mindir',
    inputs: [{ name: 'x', dtype: 'float32', shape: [-1] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: [-1] }],
    async run(): Promise<Tensor[]> {
      throw new Error('segfault near /opt/secret/engine.cc:42');
    },
  };
}

export interface TestModels {
  lenet: Session;
  add: Session;
  relu: Session;
  /** lenet versions 1 and 2 (the same engine), add, relu, echo and broken. */
  repository: StaticModelRepository;
  close(): void;
}

export async function loadTestModels(): Promise<TestModels> {
  const lenet = await loadSession(path.join(fixtures, 'ori_net.mindir'), { threads: 1 });
  const add = await loadSession(path.join(fixtures, 'add_no_encrpty.mindir'), { threads: 1 });
  const relu = await loadSession(path.join(fixtures, 'relu.mindir'), { threads: 1 });
  const repository = new StaticModelRepository([
    servedModelFromSession(lenet, { name: 'lenet', version: '1', platform: 'mindspore_mindir' }),
    servedModelFromSession(lenet, { name: 'lenet', version: '2', platform: 'mindspore_mindir' }),
    servedModelFromSession(add, { name: 'add', version: '1', platform: 'mindspore_mindir' }),
    servedModelFromSession(relu, { name: 'relu', version: '3', platform: 'mindspore_mindir' }),
    echoModel(),
    brokenModel(),
  ]);
  return {
    lenet,
    add,
    relu,
    repository,
    close() {
      for (const session of [lenet, add, relu]) session.close();
    },
  };
}

/** A repository over another with one more model that never finishes loading: not ready, 503 on use. */
export class LoadingRepository implements ModelRepository {
  constructor(
    private readonly inner: ModelRepository,
    private readonly loading: ModelIndexEntry = {
      name: 'pending',
      version: '1',
      state: 'LOADING',
      reason: 'downloading',
    },
  ) {}

  index(): ModelIndexEntry[] {
    return [...this.inner.index(), this.loading];
  }

  async resolve(name: string, version?: string): Promise<ServedModel> {
    if (name === this.loading.name && (version === undefined || version === this.loading.version))
      throw new ServingError('UNAVAILABLE', `model ${name} is still loading`);
    return this.inner.resolve(name, version);
  }

  ready(): boolean {
    return false;
  }
}

/** The real digit image the examples use, as LeNet's [1,1,32,32] float32 input. */
export function digitSeven(): Tensor {
  return decodeNpy(new Uint8Array(readFileSync(path.join(repoRoot, 'examples/digit-7.npy'))));
}

export function testApp(repository: ModelRepository, options: Omit<ServingAppOptions, 'repository'> = {}) {
  return createServingApp({ repository, ...options });
}

/** Test bodies are read loosely and their shape asserted, so `json()` is untyped. */
// biome-ignore lint/suspicious/noExplicitAny: the tests assert each body's shape
export type Json = any;

export interface TestResponse extends Response {
  json(): Promise<Json>;
}

export interface SendOptions {
  /** A value to send as JSON (Content-Type application/json unless `headers` says otherwise). */
  json?: unknown;
  body?: Uint8Array | string;
  headers?: Record<string, string>;
}

export function send(
  app: { fetch(request: Request): Response | Promise<Response> },
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<TestResponse> {
  const headers = new Headers(options.headers);
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  return Promise.resolve(app.fetch(new Request(`http://localhost${path}`, { method, headers, body })));
}

/** A binary-extension body: JSON header, then each chunk in order; returns it with its header length. */
export function binaryBody(header: unknown, chunks: readonly Uint8Array[]): { body: Uint8Array; headerLength: number } {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = new Uint8Array(json.byteLength + chunks.reduce((sum, c) => sum + c.byteLength, 0));
  body.set(json, 0);
  let at = json.byteLength;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return { body, headerLength: json.byteLength };
}

/** Bytes of a typed array's view (tests run on little-endian hosts, as the protocol's byte order is). */
export function bytesOf(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

/** Splits a binary response into its JSON header and the bytes after it. */
export async function splitBinaryResponse(response: Response): Promise<{ header: Json; rest: Uint8Array }> {
  const length = Number(response.headers.get('inference-header-content-length'));
  const bytes = new Uint8Array(await response.arrayBuffer());
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(0, length))), rest: bytes.subarray(length) };
}
