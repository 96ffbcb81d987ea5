/**
 * The placement policy: for a model's profile, what each deploy target would need (memory, warm latency, cold start,
 * cost per million inferences), which hard limits it breaks, and where it should run, with the reasons in sentences
 * that carry the numbers. Estimates are deliberately simple (FLOPs over an achievable throughput, bytes over a
 * bandwidth); PLACEMENT_ASSUMPTIONS names every figure they assume and docs/placement.md explains them. Each target
 * is estimated for the engine that runs there today (TARGET_ENGINES, engines.ts): the GPU and Ascend tasks run
 * mindlet's CPU engine on their host's vCPUs until an accelerator backend exists, and their estimates say so.
 *
 * Decision order: a pinned target wins (kept even when it does not fit, with a warning); then an accelerator the
 * model declares; then, among targets that fit, edge-function (only when the caller opted in), cpu-function,
 * gpu-task, ascend-task; a model that fits nowhere goes to gpu-task with a reason saying so. Never throws for a
 * model that is too big: only for a profile that is not one (negative or non-finite figures).
 */
import { MindletError } from '../errors.js';
import { byteLength } from '../graph/dtype.js';
import { profileModel } from '../graph/profile.js';
import type { Model, TensorInfo } from '../graph/types.js';
import type { Manifest, PlacementTarget, SignatureTensor } from '../store/manifest.js';
import { EDGE_DEFAULT_MAX_BODY_BYTES, edgeMemoryEstimate } from './edge-limits.js';
import { TARGET_ENGINES } from './engines.js';
import {
  DEFAULT_ASCEND_DEVICE,
  DEFAULT_GPU_INSTANCE,
  ECS_ANYWHERE_USD_PER_INSTANCE_HOUR,
  LAMBDA_LIMITS,
  LAMBDA_PRICING,
  WORKERS_LIMITS,
  WORKERS_PRICING,
} from './limits.js';
import {
  EPHEMERAL_HEADROOM_MB,
  FLOPS_PER_ACTIVATION_BYTE,
  memoryEstimate,
  requiredEphemeralStorageMb,
  WEIGHT_COPIES,
} from './memory.js';
import type {
  DeployTarget,
  PlacementDecision,
  PlacementOptions,
  PlacementProfile,
  TargetEngines,
  TargetEstimate,
} from './types.js';

const MIB = 2 ** 20;
const MB_PER_S = 1e6;

/**
 * What the estimates assume beyond the platforms' published limits (limits.ts). Each is a round, conservative figure;
 * where the repository measured something (docs/benchmarks.md) the assumption is derived from that measurement.
 */
export const PLACEMENT_ASSUMPTIONS = {
  /**
   * mindlet's CPU engine per vCPU. Measured on 2 vCPUs (AMD EPYC Zen 4, docs/benchmarks.md): ResNet-50 8.2 GFLOP in
   * 41 ms (~100 GFLOP/s per vCPU), BERT-base ~92, MobileNetV2 ~27 (memory bound). Lambda's x86 cores are an older,
   * shared generation, so half the best measured figure.
   */
  lambdaGflopsPerVcpu: 50,
  /** Per-request work besides the engine: HTTP and JSON handling (0.3 ms measured over a socket), rounded up. */
  cpuFixedOverheadMs: 1,
  /** Latency at the declared batch, times this, must stay under Lambda's 900 s timeout (estimates err by ~2×). */
  lambdaTimeoutMargin: 2,
  /** Node.js runtime start on Lambda before the handler's init (~100–200 ms, docs/benchmarks.md). */
  lambdaRuntimeStartMs: 200,
  /** S3 download into a function: parallel ranged GETs (src/store/model-store.ts), bounded by Lambda's network. */
  lambdaDownloadMBps: 100,
  /** Engine load (decode, fold, pack weights): ResNet-50's 98 MiB in ~250 ms on 2 vCPUs (docs/benchmarks.md). */
  engineLoadMBps: 400,
  /**
   * mindlet's CPU engine per vCPU of a container task's host (gpu-task, ascend-task), derived from the same measurement
   * as lambdaGflopsPerVcpu: ~100 GFLOP/s per vCPU on ResNet-50 on the 2-vCPU Zen 4 dev box, where each vCPU had a
   * whole core's two 256-bit FMA pipes (two threads ran about twice one: docs/engine.md). On EC2 a vCPU is one SMT
   * thread of a core (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-optimize-cpu.html), so a
   * g5.xlarge's 4 vCPUs are 2 cores of a 2nd-generation AMD EPYC (Zen 2, AVX2 only;
   * https://aws.amazon.com/ec2/instance-types/g5/; g6's 3rd-generation EPYC is also AVX2 only). Zen 2 has the same two
   * 256-bit FMA pipes per core, at up to 3.3 GHz (AWS's figure for its 2nd-generation EPYC instances,
   * https://aws.amazon.com/ec2/instance-types/c5/) against the dev box's ~3.7 GHz (118 GFLOP/s per core measured ÷ 32
   * FLOP per cycle): 100 × ½ (two threads share a core) × 3.3 / 3.7 ≈ 45, rounded down to 40 because the AVX2
   * kernels these hosts run (6×16 GEMM tile) were never measured on them.
   */
  taskGflopsPerVcpu: 40,
  /**
   * Node.js start and the engine addon's load in a running container, before the download: ~170 ms measured
   * (bench:coldstart, docs/benchmarks.md: 914 ms cold, less 496 ms download and 245 ms load), rounded up.
   */
  taskStartMs: 200,
  /**
   * vCPUs one ascend-task's CPU engine gets on your Ascend server. Unknown: ECS Anywhere runs the task on your own
   * machine. 4, what a g5.xlarge gives a gpu-task: the task sets no CPU limit, but a server runs a task per NPU device
   * and their engines share its cores (each starts a thread per CPU it sees), so one task's share is small on a
   * server full of devices. Same per-vCPU throughput (taskGflopsPerVcpu): the image is x86-64 with AVX2
   * (containers/Dockerfile.ascend). Override with PlacementOptions.ascendHostVcpus (`mindlet plan --ascend-vcpus`).
   */
  ascendHostVcpus: 4,
  /**
   * Host memory one ascend-task may use on your Ascend server, MiB: what limits a model on the CPU engine there,
   * unknown for the same reason. 15 GiB, what a g5.xlarge leaves a gpu-task after the OS and the ECS agent, so the
   * default claims no more of your server than of a GPU host. Override with PlacementOptions.ascendHostMemoryMb
   * (`mindlet plan --ascend-memory-mb`).
   */
  ascendHostMemoryMb: 15 * 1024,
  /**
   * Fraction of a GPU's FP32 peak an FP32 inference reaches (convolution/GEMM-heavy graphs, no tensor cores). Used
   * only once a GPU backend runs on gpu-task (TARGET_ENGINES); until then the task's estimate is the CPU engine's.
   */
  gpuAchievableFraction: 0.4,
  /** Kernel launches and synchronisation per inference on a GPU. */
  gpuFixedOverheadMs: 2,
  /** Host↔device copies over PCIe 4.0 x16 (~25 GB/s peak), half of peak. */
  pcieGBps: 12,
  /** CUDA context, cuDNN/cuBLAS workspaces and the allocator's slack on the GPU. */
  gpuRuntimeMb: 1024,
  /** Process start, CUDA context creation and library load in a running container. */
  gpuInitMs: 1500,
  /** S3 download onto a GPU instance (g5.xlarge: up to 10 Gbit/s network), about a third of the link. */
  gpuDownloadMBps: 400,
  /** Host memory the OS and the ECS agent keep on a GPU instance. */
  taskHostReservedMb: 1024,
  /** The serving process on the host (Node.js, the SDK) besides the model bytes it stages. */
  taskHostRuntimeMb: 512,
  /**
   * Fraction of an Ascend device's FP16 peak a converted (FP16) graph reaches at small batches. Used only once an
   * Ascend backend runs on ascend-task (TARGET_ENGINES); until then the task's estimate is the CPU engine's.
   */
  ascendAchievableFraction: 0.3,
  /** Task dispatch and synchronisation per inference on an NPU. */
  ascendFixedOverheadMs: 3,
  /** ACL runtime, operator kernels cached on the device (100–200 MB) and workspace. */
  ascendRuntimeMb: 1024,
  /** Process start and ACL device/context initialisation. */
  ascendInitMs: 2000,
  /** S3 download to the user's server (ECS Anywhere runs outside AWS: an internet or Direct Connect link). */
  ascendDownloadMBps: 100,
  /** Single-threaded WebAssembly SIMD on a Worker (an assumption; edge-limits.ts assumes the same 1 GFLOP/s). */
  edgeGflops: 1,
  /** Per-request work besides the engine in a Worker (JSON parsing, response). */
  edgeFixedOverheadMs: 1,
  /** CPU time at the declared batch, times this, must stay under Workers' default CPU limit. */
  edgeCpuMargin: 2,
  /** Isolate start (Workers start in milliseconds) and compiling the engine's WebAssembly module. */
  edgeStartMs: 50,
  /** Reading the model from R2 through a binding. */
  edgeFetchMBps: 100,
  /** Engine load in a single-threaded WebAssembly isolate. */
  edgeLoadMBps: 100,
} as const;

const A = PLACEMENT_ASSUMPTIONS;

/** Manifest placement targets → deploy targets ('auto' pins nothing). */
const PINS: Readonly<Record<PlacementTarget, DeployTarget | undefined>> = {
  cpu: 'cpu-function',
  gpu: 'gpu-task',
  ascend: 'ascend-task',
  edge: 'edge-function',
  auto: undefined,
};

// ---------------------------------------------------------------------------------------------------------------
// Profiles
// ---------------------------------------------------------------------------------------------------------------

/** The policy's view of a loaded model: weights, the graph's peak activations, FLOPs per batch item, I/O sizes. */
export function profileFromModel(model: Model): PlacementProfile {
  const profile = profileModel(model);
  const { inputs, outputs } = model.graph;
  const batch = leadingBatch(inputs[0]?.shape);
  return {
    weightBytes: profile.parameterBytes + profile.constantTensorBytes,
    peakActivationBytes: profile.peakActivationBytes,
    // The profile counts FLOPs at the declared shapes; the policy's unit is one batch item.
    flops: profile.flops / batch,
    batch,
    dynamicDims: inputs.some((input) => input.shape.some((dim) => dim < 0)),
    ioBytes: tensorBytes(inputs) + tensorBytes(outputs),
  };
}

/** The policy's view of a published model from its manifest alone (no peak activations: estimated from FLOPs). */
export function profileFromManifest(manifest: Manifest): PlacementProfile {
  const { inputs, outputs } = manifest.signature;
  const batch = leadingBatch(inputs[0]?.shape);
  const target = manifest.placement?.target;
  return {
    weightBytes: manifest.profile.parameterBytes,
    flops: manifest.profile.flops / batch,
    batch,
    dynamicDims: inputs.some((input) => input.shape.some((dim) => dim < 0)),
    ...(target === 'gpu' || target === 'ascend' ? { accelerator: target } : {}),
    fileBytes: manifest.bytes,
    ioBytes: tensorBytes(inputs) + tensorBytes(outputs),
  };
}

/** The same profile at another batch: peak activations and I/O bytes scale with it, weights and FLOPs per item do not. */
export function withBatch(profile: PlacementProfile, batch: number): PlacementProfile {
  if (!Number.isSafeInteger(batch) || batch < 1)
    throw new MindletError('INVALID_ARGUMENT', `batch must be a positive integer, got ${batch}`);
  const scale = batch / profile.batch;
  return {
    ...profile,
    batch,
    ...(profile.peakActivationBytes === undefined ? {} : { peakActivationBytes: profile.peakActivationBytes * scale }),
    ...(profile.ioBytes === undefined ? {} : { ioBytes: profile.ioBytes * scale }),
  };
}

function leadingBatch(shape: readonly number[] | undefined): number {
  const lead = shape?.[0];
  return lead !== undefined && lead > 0 ? lead : 1;
}

function tensorBytes(tensors: readonly (TensorInfo | SignatureTensor)[]): number {
  return tensors.reduce((sum, tensor) => sum + byteLength(tensor.dtype, tensor.shape), 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Decisions
// ---------------------------------------------------------------------------------------------------------------

/** Where a model with this profile should run, and why; see the module comment for the order. */
export function placeModel(profile: PlacementProfile, options: PlacementOptions = {}): PlacementDecision {
  return decide(profile, options, options.pin === undefined ? undefined : `pinned to ${options.pin} by the caller`);
}

/**
 * The decision for a published model from its manifest: the manifest's `placement.target` pins (cpu → cpu-function,
 * gpu → gpu-task, ascend → ascend-task, edge → edge-function; auto or absent → the policy decides), unless the caller
 * pins another target.
 */
export function placementOfManifest(manifest: Manifest, options: PlacementOptions = {}): PlacementDecision {
  const profile = profileFromManifest(manifest);
  if (options.pin !== undefined) return placeModel(profile, options);
  const declared = manifest.placement?.target;
  const pin = declared === undefined ? undefined : PINS[declared];
  if (pin === undefined) return placeModel(profile, options);
  return decide(
    profile,
    { ...options, pin },
    `pinned to ${pin} by the manifest of ${manifest.name} (placement.target "${declared}")`,
  );
}

/** Every target's estimate, for callers that want the table without a decision. */
export function estimateTargets(
  profile: PlacementProfile,
  options: PlacementOptions = {},
): Record<DeployTarget, TargetEstimate> {
  const checked = sized(profile, options);
  const allowEdge = options.allowEdge === true || options.pin === 'edge-function';
  return estimatesOf(assess(checked, options, allowEdge));
}

interface Assessment {
  estimate: TargetEstimate;
  /** Why it fits, one sentence each with the numbers (used when the target is chosen and fits). */
  fitReasons: string[];
  /**
   * Which engine computes there, when that is not what the target's name suggests (a GPU or Ascend task on the CPU
   * engine): said whenever the target is chosen, fitting or not.
   */
  engineReason?: string;
}

type Assessments = Record<DeployTarget, Assessment>;

/** Every target's assessment at a checked, sized profile, each for the engine that runs there (engines.ts). */
function assess(profile: PlacementProfile, options: PlacementOptions, allowEdge: boolean): Assessments {
  return {
    'cpu-function': cpuFunction(profile),
    'gpu-task': gpuTask(profile, TARGET_ENGINES['gpu-task']),
    'ascend-task': ascendTask(profile, TARGET_ENGINES['ascend-task'], ascendHost(options)),
    'edge-function': edgeFunction(profile, allowEdge),
  };
}

function estimatesOf(assessed: Assessments): Record<DeployTarget, TargetEstimate> {
  return {
    'cpu-function': assessed['cpu-function'].estimate,
    'gpu-task': assessed['gpu-task'].estimate,
    'ascend-task': assessed['ascend-task'].estimate,
    'edge-function': assessed['edge-function'].estimate,
  };
}

function decide(
  profile: PlacementProfile,
  options: PlacementOptions,
  pinReason: string | undefined,
): PlacementDecision {
  const checked = sized(profile, options);
  const allowEdge = options.allowEdge === true || options.pin === 'edge-function';
  const assessed = assess(checked, options, allowEdge);
  const estimates = estimatesOf(assessed);
  const kept = (target: DeployTarget, pinned: boolean, first: string[]): PlacementDecision => {
    const { estimate, fitReasons } = assessed[target];
    const reasons = [...first];
    if (estimate.fits) reasons.push(...fitReasons);
    else reasons.push(`warning: the model does not fit ${target}: ${estimate.limits.join('; ')}`);
    return { target, pinned, reasons, estimates };
  };
  const engineReasons = (target: DeployTarget): string[] => {
    const { engineReason } = assessed[target];
    return engineReason === undefined ? [] : [engineReason];
  };

  if (options.pin !== undefined)
    return kept(options.pin, true, [pinReason ?? `pinned to ${options.pin}`, ...engineReasons(options.pin)]);
  if (checked.accelerator !== undefined) {
    const accelerator = checked.accelerator;
    const target = accelerator === 'gpu' ? 'gpu-task' : 'ascend-task';
    const { estimate } = assessed[target];
    // The routing honours the declaration; the sentence says whether the accelerator is what computes there.
    const first =
      estimate.engine === accelerator
        ? `the model declares the ${accelerator} accelerator, so it runs on ${target}`
        : `the model declares the ${accelerator} accelerator, so it is routed to ${target}, where it computes on ` +
          estimate.engineNote;
    return kept(target, false, [first]);
  }

  const passedOver: string[] = [];
  if (allowEdge) {
    const edge = assessed['edge-function'];
    if (edge.estimate.fits) return { target: 'edge-function', pinned: false, reasons: edge.fitReasons, estimates };
    passedOver.push(`not edge-function: ${edge.estimate.limits.join('; ')}`);
  }
  for (const target of ['cpu-function', 'gpu-task', 'ascend-task'] as const) {
    const { estimate, fitReasons } = assessed[target];
    if (estimate.fits) {
      // The first target that fits leads; the ones passed over explain why it is not a cheaper one.
      const reasons =
        target === 'cpu-function'
          ? [...fitReasons, ...passedOver]
          : [...passedOver, ...engineReasons(target), ...fitReasons];
      return { target, pinned: false, reasons, estimates };
    }
    passedOver.push(`does not fit ${target}: ${estimate.limits.join('; ')}`);
  }
  return {
    target: 'gpu-task',
    pinned: false,
    reasons: [
      'the model fits no target, so it is placed on gpu-task; split it, quantize it, or pin a target with more memory',
      ...engineReasons('gpu-task'),
      ...passedOver,
    ],
    estimates,
  };
}

/** The profile checked, at the batch the options ask for. */
function sized(profile: PlacementProfile, options: PlacementOptions): PlacementProfile {
  checkOptions(options);
  const checked = checkProfile(profile);
  return options.batch === undefined ? checked : withBatch(checked, options.batch);
}

function checkOptions(options: PlacementOptions): void {
  for (const name of ['ascendHostVcpus', 'ascendHostMemoryMb'] as const) {
    const value = options[name];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1))
      throw new MindletError('INVALID_ARGUMENT', `${name} must be a positive integer, got ${value}`);
  }
}

function checkProfile(profile: PlacementProfile): PlacementProfile {
  const count = (name: string, value: number | undefined, optional: boolean) => {
    if (value === undefined && optional) return;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw new MindletError('INVALID_ARGUMENT', `invalid placement profile: ${name} is ${value}`);
  };
  count('weightBytes', profile.weightBytes, false);
  count('flops', profile.flops, false);
  count('peakActivationBytes', profile.peakActivationBytes, true);
  count('fileBytes', profile.fileBytes, true);
  count('ioBytes', profile.ioBytes, true);
  if (!Number.isSafeInteger(profile.batch) || profile.batch < 1)
    throw new MindletError('INVALID_ARGUMENT', `invalid placement profile: batch is ${profile.batch}`);
  return profile;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-target estimates
// ---------------------------------------------------------------------------------------------------------------

/**
 * Live activation bytes at the declared batch: the graph's peak when the model was loaded, else the CPU sizing's rule
 * of thumb from FLOPs (what a deploy sizes from the manifest, so a published model's plan matches its deploy).
 */
function activationBytes(profile: PlacementProfile): number {
  return profile.peakActivationBytes ?? (profile.flops * profile.batch) / FLOPS_PER_ACTIVATION_BYTE;
}

function batchFlops(profile: PlacementProfile): number {
  return profile.flops * profile.batch;
}

function fileBytes(profile: PlacementProfile): number {
  return profile.fileBytes ?? profile.weightBytes;
}

function atBatch(profile: PlacementProfile): string {
  return `at batch ${profile.batch}${profile.dynamicDims ? ' (dynamic dimensions counted as 1)' : ''}`;
}

function cpuFunction(profile: PlacementProfile): Assessment {
  const memory = memoryEstimate(profile.weightBytes, activationBytes(profile));
  // CPU comes with memory: the function is sized at the memory it needs (what a deploy configures).
  const vcpus = Math.min(LAMBDA_LIMITS.maxVcpus, memory.memoryMb / LAMBDA_LIMITS.memoryMbPerVcpu);
  const latencyMs = (batchFlops(profile) / (vcpus * A.lambdaGflopsPerVcpu * 1e9)) * 1000 + A.cpuFixedOverheadMs;
  const file = fileBytes(profile);
  const coldStartMs =
    A.lambdaRuntimeStartMs +
    (file / (A.lambdaDownloadMBps * MB_PER_S)) * 1000 +
    (profile.weightBytes / (A.engineLoadMBps * MB_PER_S)) * 1000;
  const gbSeconds = (memory.memoryMb / 1024) * (Math.ceil(latencyMs) / 1000);
  const costPerMillionUsd = 1e6 * gbSeconds * LAMBDA_PRICING.usdPerGbSecond + LAMBDA_PRICING.usdPerMillionRequests;
  const tmpMb = requiredEphemeralStorageMb(file);
  const timeoutMs = LAMBDA_LIMITS.timeoutSeconds * 1000;

  const sum =
    `weights ${mib(profile.weightBytes)} ×${WEIGHT_COPIES} + activations ${mibOf(memory.activationsMb)} + ` +
    `runtime ${mibOf(memory.runtimeMb)} = ${mibOf(memory.requiredMb)}`;
  const cpu = `on ${vcpus.toFixed(2)} vCPU (${count(memory.memoryMb)} MB)`;
  const tmp = `/tmp: model file ${mib(file)} ×2 + ${count(EPHEMERAL_HEADROOM_MB)} MiB = ${mibOf(tmpMb)}`;
  const limits: string[] = [];
  if (!memory.fitsLambda) limits.push(`${sum}, over Lambda's ${count(LAMBDA_LIMITS.maxMemoryMb)} MB memory limit`);
  if (latencyMs * A.lambdaTimeoutMargin > timeoutMs)
    limits.push(
      `~${duration(latencyMs)} per inference ${atBatch(profile)} ${cpu} leaves less than the ${A.lambdaTimeoutMargin}× ` +
        `margin under Lambda's ${count(LAMBDA_LIMITS.timeoutSeconds)} s timeout`,
    );
  if (tmpMb > LAMBDA_LIMITS.maxEphemeralMb)
    limits.push(`${tmp}, over Lambda's ${count(LAMBDA_LIMITS.maxEphemeralMb)} MB of /tmp`);

  const fitReasons = [
    `${sum} fits Lambda's ${count(LAMBDA_LIMITS.maxMemoryMb)} MB`,
    `~${duration(latencyMs)} per inference ${atBatch(profile)} ${cpu}, within Lambda's ` +
      `${count(LAMBDA_LIMITS.timeoutSeconds)} s timeout; ~$${usd(costPerMillionUsd)} per million inferences`,
    `${tmp}, within Lambda's ${count(LAMBDA_LIMITS.maxEphemeralMb)} MB`,
  ];
  if ((profile.ioBytes ?? 0) > LAMBDA_LIMITS.syncPayloadBytes)
    fitReasons.push(
      `inputs and outputs ${atBatch(profile)} take ${mib(profile.ioBytes ?? 0)}, over Lambda's 6 MB synchronous ` +
        'payload: send large requests through the batch path (S3), or pin a task target for HTTP serving',
    );
  return {
    estimate: {
      target: 'cpu-function',
      engine: TARGET_ENGINES['cpu-function'],
      engineNote: `mindlet's CPU engine ${cpu} of a Lambda function`,
      fits: limits.length === 0,
      memoryMb: memory.requiredMb,
      latencyMs: round(latencyMs),
      coldStartMs: round(coldStartMs),
      costPerMillionUsd: round(costPerMillionUsd),
      limits,
    },
    fitReasons,
  };
}

/** What the CPU engine gets on a container task's host. */
interface TaskHost {
  /** The vCPUs the engine computes on, in words ("the g5.xlarge's 4 vCPUs"). */
  readonly cpus: string;
  readonly vcpus: number;
  /** Host memory the task may use, MiB, and that limit in words. */
  readonly memoryLimitMb: number;
  readonly memoryLimit: string;
  /** Why the accelerator the task was given does not compute, in words. */
  readonly idle: string;
  readonly downloadMBps: number;
  /** The price of the host's time the estimate counts, USD per hour, and the cost sentence for a figure. */
  readonly usdPerHour: number;
  readonly cost: (costPerMillionUsd: number) => string;
}

/** The GPU instance a gpu-task lands on, as its CPU engine sees it. */
function gpuHost(): TaskHost {
  const instance = DEFAULT_GPU_INSTANCE;
  const memoryLimitMb = instance.memoryMb - A.taskHostReservedMb;
  return {
    cpus: `the ${instance.name}'s ${instance.vcpus} vCPUs`,
    vcpus: instance.vcpus,
    memoryLimitMb,
    memoryLimit: `the ${mibOf(memoryLimitMb)} a ${instance.name} leaves after the OS and ECS agent`,
    idle: `no GPU backend runs yet, so the ${instance.gpu} the task reserves is idle`,
    downloadMBps: A.gpuDownloadMBps,
    usdPerHour: instance.usdPerHour,
    cost: (usdPerMillion) => `~$${usd(usdPerMillion)} per million inferences at $${instance.usdPerHour}/h, fully busy`,
  };
}

/** The user's Ascend server, as much of it as one ascend-task's CPU engine is assumed to get. */
function ascendHost(options: PlacementOptions): TaskHost {
  const vcpus = options.ascendHostVcpus ?? A.ascendHostVcpus;
  const memoryLimitMb = options.ascendHostMemoryMb ?? A.ascendHostMemoryMb;
  // Say whether a figure is the default assumption or the caller's, so a plan shows what to override.
  const vcpuSource = options.ascendHostVcpus === undefined ? 'assumed: ascendHostVcpus, --ascend-vcpus' : 'given';
  const memorySource =
    options.ascendHostMemoryMb === undefined ? 'assumed: ascendHostMemoryMb, --ascend-memory-mb' : 'given';
  return {
    cpus: `${vcpus} vCPUs of your Ascend server (${vcpuSource})`,
    vcpus,
    memoryLimitMb,
    memoryLimit: `the ${mibOf(memoryLimitMb)} of your Ascend server one task may use (${memorySource})`,
    idle: 'no Ascend backend runs yet, so the NPU device mapped into the task is idle',
    downloadMBps: A.ascendDownloadMBps,
    usdPerHour: ECS_ANYWHERE_USD_PER_INSTANCE_HOUR,
    cost: (usdPerMillion) =>
      `~$${usd(usdPerMillion)} per million inferences counts only ECS Anywhere's ` +
      `$${ECS_ANYWHERE_USD_PER_INSTANCE_HOUR} per instance-hour: the server is your own`,
  };
}

function gpuTask(profile: PlacementProfile, engine: TargetEngines['gpu-task']): Assessment {
  return engine === 'gpu' ? gpuDevice(profile) : cpuOnTaskHost('gpu-task', profile, gpuHost());
}

function ascendTask(profile: PlacementProfile, engine: TargetEngines['ascend-task'], host: TaskHost): Assessment {
  return engine === 'ascend' ? ascendDevice(profile) : cpuOnTaskHost('ascend-task', profile, host);
}

/**
 * A container task running mindlet's CPU engine on its host, as every task does until an accelerator backend exists:
 * the same throughput-per-vCPU estimate as cpu-function, and host memory (not the accelerator's) as the limit.
 */
function cpuOnTaskHost(target: 'gpu-task' | 'ascend-task', profile: PlacementProfile, host: TaskHost): Assessment {
  const activations = activationBytes(profile);
  const file = fileBytes(profile);
  // The file read at load and the packed weights are both alive while the model loads; activations while it runs.
  const hostBytes = file + profile.weightBytes + activations + A.taskHostRuntimeMb * MIB;
  const latencyMs = (batchFlops(profile) / (host.vcpus * A.taskGflopsPerVcpu * 1e9)) * 1000 + A.cpuFixedOverheadMs;
  const coldStartMs =
    A.taskStartMs +
    (file / (host.downloadMBps * MB_PER_S)) * 1000 +
    (profile.weightBytes / (A.engineLoadMBps * MB_PER_S)) * 1000;
  // One inference at a time on a fully busy host: the floor; idle time adds to it.
  const costPerMillionUsd = ((1e6 * latencyMs) / 3_600_000) * host.usdPerHour;
  const engineNote = `mindlet's CPU engine on ${host.cpus}: ${host.idle}`;

  const memory =
    `host memory: model file ${mib(file)} + packed weights ${mib(profile.weightBytes)} + activations ` +
    `${mib(activations)} + runtime ${count(A.taskHostRuntimeMb)} MiB = ${mib(hostBytes)}`;
  const limits: string[] = [];
  if (hostBytes > host.memoryLimitMb * MIB) limits.push(`${memory}, over ${host.memoryLimit}`);
  const fitReasons = [
    `${memory} fits ${host.memoryLimit}`,
    `~${duration(latencyMs)} per inference ${atBatch(profile)} on ${host.vcpus} vCPUs at ` +
      `${A.taskGflopsPerVcpu} GFLOP/s each plus ${A.cpuFixedOverheadMs} ms; ${host.cost(costPerMillionUsd)}`,
  ];
  return {
    estimate: {
      target,
      engine: 'cpu',
      engineNote,
      fits: limits.length === 0,
      memoryMb: Math.ceil(hostBytes / MIB),
      latencyMs: round(latencyMs),
      coldStartMs: round(coldStartMs),
      costPerMillionUsd: round(costPerMillionUsd),
      limits,
    },
    fitReasons,
    engineReason: `on ${target} the model computes on ${engineNote}`,
  };
}

/**
 * gpu-task once a GPU backend computes on the device (TARGET_ENGINES['gpu-task'] === 'gpu'): a fraction of the
 * GPU's datasheet peak, device memory as the limit. Not used while the CPU engine runs there.
 */
function gpuDevice(profile: PlacementProfile): Assessment {
  const instance = DEFAULT_GPU_INSTANCE;
  const activations = activationBytes(profile);
  const deviceBytes = profile.weightBytes + activations + A.gpuRuntimeMb * MIB;
  const file = fileBytes(profile);
  // The host holds the file while the weights are staged for the copy to the device.
  const hostBytes = file + profile.weightBytes + A.taskHostRuntimeMb * MIB;
  const hostLimitMb = instance.memoryMb - A.taskHostReservedMb;
  const transferMs = ((profile.ioBytes ?? 0) / (A.pcieGBps * 1e9)) * 1000;
  const computeMs = (batchFlops(profile) / (instance.fp32PeakTflops * 1e12 * A.gpuAchievableFraction)) * 1000;
  const latencyMs = computeMs + A.gpuFixedOverheadMs + transferMs;
  const coldStartMs =
    A.gpuInitMs +
    (file / (A.gpuDownloadMBps * MB_PER_S)) * 1000 +
    (profile.weightBytes / (A.engineLoadMBps * MB_PER_S)) * 1000 +
    (profile.weightBytes / (A.pcieGBps * 1e9)) * 1000;
  // One inference at a time on a fully busy instance: the floor; idle instance time adds to it.
  const costPerMillionUsd = ((1e6 * latencyMs) / 3_600_000) * instance.usdPerHour;

  const device =
    `device memory: weights ${mib(profile.weightBytes)} + activations ${mib(activations)} + CUDA runtime ` +
    `${count(A.gpuRuntimeMb)} MiB = ${mib(deviceBytes)}`;
  const gpuName = `the ${instance.gpu}'s ${mibOf(instance.gpuMemoryMb)} (${instance.name})`;
  const host = `host memory: model file ${mib(file)} + staged weights ${mib(profile.weightBytes)} + runtime ${count(A.taskHostRuntimeMb)} MiB = ${mib(hostBytes)}`;
  const limits: string[] = [];
  if (deviceBytes > instance.gpuMemoryMb * MIB) limits.push(`${device}, over ${gpuName}`);
  if (hostBytes > hostLimitMb * MIB)
    limits.push(`${host}, over the ${mibOf(hostLimitMb)} a ${instance.name} leaves after the OS and ECS agent`);
  const fitReasons = [
    `${device} fits ${gpuName}`,
    `~${duration(latencyMs)} per inference ${atBatch(profile)} (${Math.round(A.gpuAchievableFraction * 100)}% of ` +
      `${instance.fp32PeakTflops} TFLOPS FP32 plus ${A.gpuFixedOverheadMs} ms launch and transfer); ` +
      `~$${usd(costPerMillionUsd)} per million inferences at $${instance.usdPerHour}/h, fully busy`,
  ];
  return {
    estimate: {
      target: 'gpu-task',
      engine: 'gpu',
      engineNote: `mindlet's GPU backend on the ${instance.name}'s ${instance.gpu}`,
      fits: limits.length === 0,
      memoryMb: Math.ceil(deviceBytes / MIB),
      latencyMs: round(latencyMs),
      coldStartMs: round(coldStartMs),
      costPerMillionUsd: round(costPerMillionUsd),
      limits,
    },
    fitReasons,
  };
}

/**
 * ascend-task once an Ascend backend computes on the NPU (TARGET_ENGINES['ascend-task'] === 'ascend'): a fraction of
 * the device's FP16 peak, device memory as the limit. Not used while the CPU engine runs there.
 */
function ascendDevice(profile: PlacementProfile): Assessment {
  const npu = DEFAULT_ASCEND_DEVICE;
  const activations = activationBytes(profile);
  // FP32 weights are counted at their size although conversion to FP16 halves them: a margin, not a promise.
  const deviceBytes = profile.weightBytes + activations + A.ascendRuntimeMb * MIB;
  const file = fileBytes(profile);
  const transferMs = ((profile.ioBytes ?? 0) / (A.pcieGBps * 1e9)) * 1000;
  const computeMs = (batchFlops(profile) / (npu.fp16PeakTflops * 1e12 * A.ascendAchievableFraction)) * 1000;
  const latencyMs = computeMs + A.ascendFixedOverheadMs + transferMs;
  const coldStartMs =
    A.ascendInitMs +
    (file / (A.ascendDownloadMBps * MB_PER_S)) * 1000 +
    (profile.weightBytes / (A.engineLoadMBps * MB_PER_S)) * 1000 +
    (profile.weightBytes / (A.pcieGBps * 1e9)) * 1000;
  const costPerMillionUsd = ((1e6 * latencyMs) / 3_600_000) * ECS_ANYWHERE_USD_PER_INSTANCE_HOUR;

  const device =
    `device memory: weights ${mib(profile.weightBytes)} + activations ${mib(activations)} + ACL runtime ` +
    `${count(A.ascendRuntimeMb)} MiB = ${mib(deviceBytes)}`;
  const npuName = `one ${npu.name} device's ${mibOf(npu.deviceMemoryMb)}`;
  const limits: string[] = [];
  if (deviceBytes > npu.deviceMemoryMb * MIB) limits.push(`${device}, over ${npuName}`);
  const fitReasons = [
    `${device} fits ${npuName}`,
    `~${duration(latencyMs)} per inference ${atBatch(profile)} (${Math.round(A.ascendAchievableFraction * 100)}% of ` +
      `${npu.fp16PeakTflops} TFLOPS FP16 plus ${A.ascendFixedOverheadMs} ms dispatch and transfer)`,
    `~$${usd(costPerMillionUsd)} per million inferences counts only ECS Anywhere's ` +
      `$${ECS_ANYWHERE_USD_PER_INSTANCE_HOUR} per instance-hour: the server and its NPUs are your own`,
  ];
  return {
    estimate: {
      target: 'ascend-task',
      engine: 'ascend',
      engineNote: `mindlet's Ascend backend on one ${npu.name} device`,
      fits: limits.length === 0,
      memoryMb: Math.ceil(deviceBytes / MIB),
      latencyMs: round(latencyMs),
      coldStartMs: round(coldStartMs),
      costPerMillionUsd: round(costPerMillionUsd),
      limits,
    },
    fitReasons,
  };
}

function edgeFunction(profile: PlacementProfile, allowed: boolean): Assessment {
  // The same estimate `mindlet deploy --target workers` and the Worker apply (edge-limits.ts), at the declared batch.
  const memory = edgeMemoryEstimate(
    {
      weightBytes: profile.weightBytes,
      fileBytes: fileBytes(profile),
      flops: batchFlops(profile),
      ...(profile.peakActivationBytes === undefined ? {} : { peakActivationBytes: profile.peakActivationBytes }),
      ...(profile.ioBytes === undefined ? {} : { ioBytes: profile.ioBytes }),
    },
    EDGE_DEFAULT_MAX_BODY_BYTES,
  );
  const cpuMs = (batchFlops(profile) / (A.edgeGflops * 1e9)) * 1000 + A.edgeFixedOverheadMs;
  const coldStartMs =
    A.edgeStartMs +
    (fileBytes(profile) / (A.edgeFetchMBps * MB_PER_S)) * 1000 +
    (profile.weightBytes / (A.edgeLoadMBps * MB_PER_S)) * 1000;
  const costPerMillionUsd = WORKERS_PRICING.usdPerMillionRequests + cpuMs * WORKERS_PRICING.usdPerMillionCpuMs;
  const limitMb = WORKERS_LIMITS.memoryBytes / 1e6;

  const sum =
    `file ${mib(memory.fileBytes)} + weights ${mib(memory.weightBytes)} + activations ${mib(memory.activationBytes)} + ` +
    `runtime and one request ${mib(memory.overheadBytes)} = ${mib(memory.totalBytes)}`;
  const limits: string[] = [];
  if (memory.totalBytes > WORKERS_LIMITS.memoryBytes) limits.push(`${sum}, over Workers' ${limitMb} MB per isolate`);
  if (cpuMs * A.edgeCpuMargin > WORKERS_LIMITS.cpuMsDefault)
    limits.push(
      `~${duration(cpuMs)} of CPU per inference ${atBatch(profile)} leaves less than the ${A.edgeCpuMargin}× margin ` +
        `under Workers' ${duration(WORKERS_LIMITS.cpuMsDefault)} CPU limit`,
    );
  if (!allowed)
    limits.unshift(
      'edge-function is opt-in: allow it with allowEdge (mindlet plan --allow-edge)' +
        (limits.length === 0 ? "; the model would fit Workers' limits" : ''),
    );
  const fitReasons = [
    `${sum} fits Workers' ${limitMb} MB isolate`,
    `~${duration(cpuMs)} of CPU per inference ${atBatch(profile)}, within Workers' ` +
      `${duration(WORKERS_LIMITS.cpuMsDefault)} CPU limit` +
      (cpuMs > WORKERS_LIMITS.cpuMsFree
        ? ` (over Workers Free's ${WORKERS_LIMITS.cpuMsFree} ms: needs Workers Paid)`
        : '') +
      `; ~$${usd(costPerMillionUsd)} per million inferences`,
  ];
  return {
    estimate: {
      target: 'edge-function',
      engine: TARGET_ENGINES['edge-function'],
      engineNote: "mindlet's WebAssembly engine (SIMD128, one thread) in a Worker isolate",
      fits: limits.length === 0,
      memoryMb: Math.ceil(memory.totalBytes / MIB),
      latencyMs: round(cpuMs),
      coldStartMs: round(coldStartMs),
      costPerMillionUsd: round(costPerMillionUsd),
      limits,
    },
    fitReasons,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers in sentences
// ---------------------------------------------------------------------------------------------------------------

/** Four significant digits: estimates are not more precise than that, and JSON stays readable. */
function round(value: number): number {
  return Number(value.toPrecision(4));
}

function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

function mib(bytes: number): string {
  return mibOf(bytes / MIB);
}

function mibOf(value: number): string {
  if (value >= 100 * 1024) return `${count(value / 1024)} GiB`;
  if (value >= 10 * 1024) return `${(value / 1024).toFixed(1)} GiB`;
  if (value >= 100) return `${count(value)} MiB`;
  if (value >= 10) return `${value.toFixed(1)} MiB`;
  return `${value.toFixed(2)} MiB`;
}

function duration(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 3600) return `${seconds < 10 ? seconds.toFixed(1) : count(seconds)} s`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function usd(value: number): string {
  if (value >= 100) return count(value);
  if (value >= 0.01) return value.toFixed(2);
  return value.toPrecision(2);
}
