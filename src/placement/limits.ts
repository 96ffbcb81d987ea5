/**
 * Each deploy target's hard limits, hardware and list prices, as the platforms document them (read 2026; each
 * figure cites where it comes from). The placement policy (policy.ts) checks models against these and prices them;
 * the assumptions it adds on top (achievable throughput, download speeds) live there, not here.
 */
import { WORKERS_LIMITS } from './edge-limits.js';

// ---------------------------------------------------------------------------------------------------------------
// cpu-function: AWS Lambda (x86_64)
// ---------------------------------------------------------------------------------------------------------------

/**
 * Lambda's memory range: 128 MB to 10,240 MB in 1 MB steps; Lambda's "MB" is 2^20 bytes
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html).
 */
export const LAMBDA_MIN_MEMORY_MB = 128;
export const LAMBDA_MAX_MEMORY_MB = 10_240;

/**
 * Lambda's /tmp range: 512 MB (the default) to 10,240 MB
 * (https://docs.aws.amazon.com/lambda/latest/dg/API_EphemeralStorage.html).
 */
export const LAMBDA_MIN_EPHEMERAL_MB = 512;
export const LAMBDA_MAX_EPHEMERAL_MB = 10_240;

/**
 * Lambda's other hard limits (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): a function
 * runs at most 900 s per invocation; synchronous invocations carry at most 6 MB of request and 6 MB of response;
 * the deployment package (code and layers, unzipped) is at most 250 MB — models are not in it (they are downloaded
 * to /tmp at init), so it bounds the runtime layer, not the model. CPU is allocated in proportion to memory: one
 * vCPU's worth at 1,769 MB (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html), up to 6 vCPUs
 * at 10,240 MB (https://aws.amazon.com/blogs/aws/new-for-aws-lambda-functions-with-up-to-10-gb-of-memory-and-6-vcpus/).
 */
export const LAMBDA_LIMITS = {
  minMemoryMb: LAMBDA_MIN_MEMORY_MB,
  maxMemoryMb: LAMBDA_MAX_MEMORY_MB,
  minEphemeralMb: LAMBDA_MIN_EPHEMERAL_MB,
  maxEphemeralMb: LAMBDA_MAX_EPHEMERAL_MB,
  timeoutSeconds: 900,
  /** Synchronous request (and, separately, response) payload. */
  syncPayloadBytes: 6 * 2 ** 20,
  /** Function code and layers, unzipped. */
  deploymentPackageUnzippedMb: 250,
  /** Memory that buys one vCPU-second per second. */
  memoryMbPerVcpu: 1769,
  maxVcpus: 6,
} as const;

/**
 * Lambda list prices, x86_64, first pricing tier, US East (N. Virginia): $0.0000166667 per GB-second of duration
 * (memory in GB × billed seconds, billed per 1 ms) and $0.20 per million requests (https://aws.amazon.com/lambda/pricing/).
 */
export const LAMBDA_PRICING = {
  usdPerGbSecond: 0.000_016_666_7,
  usdPerMillionRequests: 0.2,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// gpu-task: ECS on EC2 GPU instances (the AcceleratedService construct's default instance types)
// ---------------------------------------------------------------------------------------------------------------

export interface GpuInstanceType {
  readonly name: string;
  readonly gpu: string;
  /** Accelerator memory of the one GPU, MiB. */
  readonly gpuMemoryMb: number;
  readonly vcpus: number;
  /** Host memory, MiB. */
  readonly memoryMb: number;
  /** Peak FP32 throughput of the GPU (non-tensor), TFLOP/s. */
  readonly fp32PeakTflops: number;
  /** On-demand Linux price, US East (N. Virginia), USD per hour. */
  readonly usdPerHour: number;
}

/**
 * g5.xlarge: one NVIDIA A10G with 24 GiB, 4 vCPUs, 16 GiB (https://aws.amazon.com/ec2/instance-types/g5/), on-demand
 * $1.006/h in us-east-1 (https://aws.amazon.com/ec2/pricing/on-demand/). The A10G is AWS's variant of the A10: same
 * 24 GB GDDR6 at 600 GB/s (https://www.baseten.co/blog/nvidia-a10-vs-a10g-for-ml-model-inference/); the A10's
 * datasheet gives 31.2 TFLOPS FP32 peak (https://www.nvidia.com/en-us/data-center/products/a10-gpu/).
 *
 * g6.xlarge: one NVIDIA L4 with 24 GiB, 4 vCPUs, 16 GiB (https://aws.amazon.com/ec2/instance-types/g6/), on-demand
 * about $0.805/h in us-east-1 (https://aws.amazon.com/ec2/pricing/on-demand/); the L4 peaks at 30.3 TFLOPS FP32
 * (https://www.nvidia.com/en-us/data-center/l4/).
 */
export const GPU_INSTANCES = {
  'g5.xlarge': {
    name: 'g5.xlarge',
    gpu: 'NVIDIA A10G',
    gpuMemoryMb: 24 * 1024,
    vcpus: 4,
    memoryMb: 16 * 1024,
    fp32PeakTflops: 31.2,
    usdPerHour: 1.006,
  },
  'g6.xlarge': {
    name: 'g6.xlarge',
    gpu: 'NVIDIA L4',
    gpuMemoryMb: 24 * 1024,
    vcpus: 4,
    memoryMb: 16 * 1024,
    fp32PeakTflops: 30.3,
    usdPerHour: 0.805,
  },
} as const satisfies Record<string, GpuInstanceType>;

/** The instance the policy sizes and prices gpu-task for (the first of AcceleratedService's default types). */
export const DEFAULT_GPU_INSTANCE: GpuInstanceType = GPU_INSTANCES['g5.xlarge'];

// ---------------------------------------------------------------------------------------------------------------
// ascend-task: ECS Anywhere external instances with Huawei Ascend NPUs (the user's own servers)
// ---------------------------------------------------------------------------------------------------------------

export interface AscendDevice {
  readonly name: string;
  /** Memory of one NPU device (one `/dev/davinci<N>`, what a task is given), MiB. */
  readonly deviceMemoryMb: number;
  /**
   * Peak FP16 throughput of one device, TFLOP/s. Ascend inference parts publish no FP32 figure: their cube units
   * compute in FP16/INT8, and float32 models are converted to FP16 for them (ATC's default precision mode on
   * inference products), so FP16 is the figure latency is estimated from.
   */
  readonly fp16PeakTflops: number;
}

/**
 * Atlas 300I Duo inference card: two Ascend 310P processors (two devices) per card
 * (https://www.hiascend.com/document/detail/en/mindcluster/730/clustersched/schedulingug/dl_affinity_0009.html),
 * 96 GB LPDDR4X (or 48 GB) at 408 GB/s, 140 TFLOPS FP16 and 280 TOPS INT8 per card
 * (https://e.huawei.com/en/products/computing/ascend/atlas-300i-duo). Per device: half of the 96 GB card, 48 GiB,
 * and 70 TFLOPS FP16.
 */
export const ATLAS_300I_DUO_DEVICE: AscendDevice = {
  name: 'Ascend 310P (Atlas 300I Duo, 96 GB card)',
  deviceMemoryMb: 48 * 1024,
  fp16PeakTflops: 70,
};

/**
 * Servers with Ascend 910B NPUs (Atlas 800I A2) give 64 GB of HBM per device, eight devices per server
 * (https://docs.sglang.io/docs/hardware-platforms/ascend-npus/ascend_npu_reference). Huawei publishes no per-device
 * FP16 figure for the 910B, so the policy sizes ascend-task for the inference card, whose figures are published;
 * a model needing 48–64 GiB is reported as not fitting; pin ascend-task for it if your servers carry 910Bs.
 */
export const ASCEND_910B_DEVICE_MEMORY_MB = 64 * 1024;

/** The device the policy sizes ascend-task for. */
export const DEFAULT_ASCEND_DEVICE: AscendDevice = ATLAS_300I_DUO_DEVICE;

/**
 * ECS Anywhere charges $0.01025 per hour for each registered external instance (https://aws.amazon.com/ecs/pricing/);
 * the server, its NPUs, power and network are the user's own and not in any estimate here.
 */
export const ECS_ANYWHERE_USD_PER_INSTANCE_HOUR = 0.010_25;

// ---------------------------------------------------------------------------------------------------------------
// edge-function: Cloudflare Workers (opt-in)
// ---------------------------------------------------------------------------------------------------------------

/**
 * Workers' limits (https://developers.cloudflare.com/workers/platform/limits/): 128 MB of memory per isolate, CPU
 * time 30 s per request by default and up to 5 min on paid plans (10 ms on Workers Free), Worker size 3 MB (Free) /
 * 10 MB (paid) compressed, request bodies up to 100 MB on the Free and Pro Cloudflare plans. Kept in one place,
 * edge-limits.ts, which the Worker itself also reads.
 */
export { WORKERS_LIMITS };

/**
 * Workers Paid (Standard usage model) list prices beyond the included usage: $0.30 per million requests and $0.02 per
 * million CPU milliseconds (https://developers.cloudflare.com/workers/platform/pricing/).
 */
export const WORKERS_PRICING = {
  usdPerMillionRequests: 0.3,
  usdPerMillionCpuMs: 0.02,
} as const;
