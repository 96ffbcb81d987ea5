/**
 * What the protocols' routes are built from: the repository of served models (src/repository: the app only sees a
 * `ModelRepository` of `ServedModel`s, never the store, the engine or a platform), request bounds and an observer.
 */
import type { ModelRepository } from '../repository/types.js';

export type * from '../repository/types.js';

/** Bounds on what one request may ask of the server. */
export interface ServingLimits {
  /**
   * Largest request body in bytes.
   * @default 6291456 (6 MiB, the payload limit of a synchronous Lambda invocation)
   */
  maxBodyBytes: number;
  /**
   * Most elements one request tensor may declare or carry, checked before any buffer is allocated.
   * @default 16777216 (2^24)
   */
  maxTensorElements: number;
  /**
   * Most `instances` in one MindSpore Serving request.
   * @default 1024
   */
  maxInstances: number;
}

export const DEFAULT_SERVING_LIMITS: Readonly<ServingLimits> = {
  maxBodyBytes: 6 * 1024 * 1024,
  maxTensorElements: 1 << 24,
  maxInstances: 1024,
};

/** What a function adapter may want to count: the app reports, the adapter decides where it goes (metrics, logs). */
export interface ServingObserver {
  /** After every inference the engine ran. */
  inference?(event: { model: string; version: string; ms: number }): void;
  /** After every request, whatever its outcome. */
  request?(event: {
    requestId: string;
    method: string;
    path: string;
    status: number;
    ms: number;
    requestBytes: number;
    responseBytes: number;
  }): void;
}

/** What each protocol's routes are built from. */
export interface ProtocolOptions {
  repository: ModelRepository;
  limits: ServingLimits;
  observer?: ServingObserver;
}
