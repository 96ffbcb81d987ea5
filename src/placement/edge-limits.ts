/**
 * Cloudflare Workers limits, and whether a model fits them. The Worker checks a model's manifest against these before
 * it fetches the model, so a model too big for an isolate is refused with a message naming the numbers instead of
 * crashing the isolate; `mindlet deploy --target workers` runs the same check before writing anything.
 *
 * Sources (read 2026): https://developers.cloudflare.com/workers/platform/limits/ (account plan and Worker limits,
 * request body size by Cloudflare plan), https://developers.cloudflare.com/changelog/2025-03-25-higher-cpu-limits/
 * (CPU time: 30 s by default, `limits.cpu_ms` up to 300,000 on paid plans), and
 * https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-1xxx-errors/error-1102
 * (the 128 MB memory limit is per isolate, which may serve several requests at once).
 * Nothing here imports `node:*`: the Worker bundle includes this file.
 */
import { MindletError } from '../errors.js';
import { byteLength } from '../graph/dtype.js';
import type { Manifest, SignatureTensor } from '../store/manifest.js';

const MIB = 1024 * 1024;

/** The platform's numbers, as Cloudflare documents them (see the sources above). */
export const WORKERS_LIMITS = {
  /** Memory per isolate (JS heap and WebAssembly memory together), on every plan. "128 MB": read as 10^6 bytes. */
  memoryBytes: 128 * 1000 * 1000,
  /** CPU time per request: Workers Free. */
  cpuMsFree: 10,
  /** CPU time per request on paid plans unless `limits.cpu_ms` says otherwise. */
  cpuMsDefault: 30_000,
  /** Most `limits.cpu_ms` may be set to (paid plans). */
  cpuMsMax: 300_000,
  /** Worker size after compression (gzip): Workers Free and paid plans. */
  scriptBytesFree: 3 * 1000 * 1000,
  scriptBytesPaid: 10 * 1000 * 1000,
  /** Request body size on the Free and Pro Cloudflare plans (Business 200 MB, Enterprise 500 MB by default). */
  requestBodyBytes: 100 * 1000 * 1000,
  /** Subrequests per request (R2 binding calls count): Workers Free; paid plans allow 10,000. */
  subrequestsFree: 50,
  subrequestsPaid: 10_000,
  /** Time the Worker's global scope may take at startup (models therefore load on the first request, not here). */
  startupMs: 1000,
} as const;

/** Largest request body the Worker takes by default: JSON tensors expand several times once parsed (see below). */
export const EDGE_DEFAULT_MAX_BODY_BYTES = 8 * MIB;
/**
 * Highest `MAX_BODY_BYTES` may go: one such request takes ~4× its size once parsed (below), so at 16 MiB a request
 * and the runtime still leave ~40% of the isolate for models; far under the plan's 100 MB body limit.
 */
export const EDGE_MAX_BODY_BYTES_CEILING = 16 * MIB;

/**
 * Memory one request costs beyond its body bytes, as a multiple of the body: the bytes, their text, the parsed JSON
 * numbers (8 bytes each for ~10 characters of text) and the typed arrays built from them add up to ~3-4× the body.
 */
const REQUEST_EXPANSION = 4;
/** The runtime, the bundle's code and the compiled engine module, before any model (an allowance, not a measurement). */
const RUNTIME_BYTES = 8 * MIB;
/**
 * Activations when no profile gives their peak: a coarse, deliberately high bound from FLOPs. A convolution spends
 * at least ~2·k²·C_in FLOPs per 4-byte output element, so a layer's output is far below its FLOPs / 8, and the peak
 * holds only a couple of layers; dense models, whose cost is their weights, come out tiny either way.
 */
const FLOPS_PER_ACTIVATION_BYTE = 64;
/**
 * Single-thread wasm SIMD throughput assumed for CPU-time estimates (an assumption, not a measurement on
 * Cloudflare's hardware): 1 GFLOP/s, well under what the kernels reach natively on one core.
 */
const EDGE_FLOPS_PER_MS = 1e6;

/** What the estimate needs about a model (a manifest gives all but the peak activations). */
export interface EdgeModelProfile {
  /** Weight bytes the engine keeps (parameters plus tensor constants). */
  weightBytes: number;
  /** Size of the model file, held whole while it is decoded. Default: `weightBytes`. */
  fileBytes?: number;
  /** FLOPs of one inference at batch 1. */
  flops: number;
  /** Peak live activation bytes when a profile of the loaded model knows it. */
  peakActivationBytes?: number;
  /** Bytes of the inputs and outputs at their declared shapes (dynamic dimensions as 1). */
  ioBytes?: number;
}

export interface EdgeMemoryEstimate {
  /** Everything below added up. */
  totalBytes: number;
  fileBytes: number;
  weightBytes: number;
  activationBytes: number;
  /** Runtime plus one request at the body limit. */
  overheadBytes: number;
}

export interface EdgeFit {
  fits: boolean;
  estimate: EdgeMemoryEstimate;
  /** Memory available to this model: the isolate's limit less what other models already take. */
  availableBytes: number;
  /** Estimated CPU milliseconds of one inference at batch 1 (see EDGE_FLOPS_PER_MS). */
  cpuMs: number;
  /** Why it does not fit (one line), when it does not. */
  reason?: string;
}

/** What a model costs an isolate: its file while decoding, the engine's copy of the weights, activations, a request. */
export function edgeMemoryEstimate(
  profile: EdgeModelProfile,
  maxBodyBytes: number = EDGE_DEFAULT_MAX_BODY_BYTES,
): EdgeMemoryEstimate {
  const weightBytes = nonNegative(profile.weightBytes);
  const fileBytes = nonNegative(profile.fileBytes ?? weightBytes);
  const fromFlops = nonNegative(profile.flops) / FLOPS_PER_ACTIVATION_BYTE;
  const activationBytes = Math.ceil(
    profile.peakActivationBytes ?? Math.max(2 * nonNegative(profile.ioBytes ?? 0), fromFlops),
  );
  const overheadBytes = RUNTIME_BYTES + REQUEST_EXPANSION * maxBodyBytes;
  return {
    totalBytes: fileBytes + weightBytes + activationBytes + overheadBytes,
    fileBytes,
    weightBytes,
    activationBytes,
    overheadBytes,
  };
}

/** The estimate's inputs from a manifest: file size, weights, FLOPs and signature sizes. */
export function edgeProfileFromManifest(manifest: Manifest): EdgeModelProfile {
  const io = (tensors: readonly SignatureTensor[]) => tensors.reduce((sum, t) => sum + byteLength(t.dtype, t.shape), 0);
  return {
    weightBytes: manifest.profile.parameterBytes,
    fileBytes: manifest.bytes,
    flops: manifest.profile.flops,
    ioBytes: io(manifest.signature.inputs) + io(manifest.signature.outputs),
  };
}

export interface EdgeFitOptions {
  /** The Worker's request body limit (it sizes the per-request working memory). @default EDGE_DEFAULT_MAX_BODY_BYTES */
  maxBodyBytes?: number;
  /** Memory other models in the same isolate already take (their file and weights). @default 0 */
  usedBytes?: number;
  /** The isolate's memory. @default WORKERS_LIMITS.memoryBytes */
  memoryBytes?: number;
}

/**
 * Whether a published model fits one Workers isolate, judged from its manifest alone (nothing is fetched). The
 * reason, when it does not, says what the model needs and where to serve it instead.
 */
export function checkEdgeFit(manifest: Manifest, options: EdgeFitOptions = {}): EdgeFit {
  const profile = edgeProfileFromManifest(manifest);
  const estimate = edgeMemoryEstimate(profile, options.maxBodyBytes ?? EDGE_DEFAULT_MAX_BODY_BYTES);
  const memoryBytes = options.memoryBytes ?? WORKERS_LIMITS.memoryBytes;
  const usedBytes = options.usedBytes ?? 0;
  const availableBytes = memoryBytes - usedBytes;
  const cpuMs = profile.flops / EDGE_FLOPS_PER_MS;
  if (estimate.totalBytes <= availableBytes) return { fits: true, estimate, availableBytes, cpuMs };
  const others = usedBytes > 0 ? ` with ${mib(usedBytes)} MiB taken by the other models served here` : '';
  const reason =
    `model ${manifest.name} needs ~${mib(estimate.totalBytes)} MiB (file ${mib(estimate.fileBytes)} + weights ` +
    `${mib(estimate.weightBytes)} + activations ${mib(estimate.activationBytes)} + runtime and one request ` +
    `${mib(estimate.overheadBytes)} MiB), over the ${memoryBytes / 1e6} MB Workers memory limit${others}; ` +
    'serve it with a cpu-function (mindlet plan)';
  return { fits: false, estimate, availableBytes, cpuMs, reason };
}

/** Memory a loaded model keeps in the isolate after its file is dropped: the engine's weights and activations. */
export function edgeResidentBytes(estimate: EdgeMemoryEstimate): number {
  return estimate.weightBytes + estimate.activationBytes;
}

/** The Worker's body limit from its `MAX_BODY_BYTES` variable (unset or empty: the edge default). */
export function edgeBodyLimit(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return EDGE_DEFAULT_MAX_BODY_BYTES;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value < 1 || value > EDGE_MAX_BODY_BYTES_CEILING)
    throw new MindletError(
      'INVALID_ARGUMENT',
      `MAX_BODY_BYTES must be an integer from 1 to ${EDGE_MAX_BODY_BYTES_CEILING} (16 MiB: parsed JSON takes several times its size in a 128 MB isolate), got "${raw.slice(0, 40)}"`,
    );
  return value;
}

function nonNegative(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

function mib(bytes: number): string {
  const value = bytes / MIB;
  return value >= 10 ? value.toFixed(0) : value.toFixed(1);
}
