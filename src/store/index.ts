/**
 * Object storage: model URIs, the S3 client, the download cache, manifests, key references, publishing, and streaming
 * object I/O for batch prediction.
 */

export { readJsonObject, writeJsonObject } from './json-objects.js';
export { type KeyRef, parseKeyRef, type ResolveKeyRefOptions, resolveKeyRef } from './key-ref.js';
export {
  buildManifest,
  MANIFEST_FILE,
  type Manifest,
  type ManifestFields,
  PLACEMENT_TARGETS,
  type PlacementTarget,
  parseManifest,
  publicTensorNames,
  type SignatureTensor,
} from './manifest.js';
export {
  type FetchedObject,
  type FetchOptions,
  ModelStore,
  type ModelStoreOptions,
  type ObjectVersion,
} from './model-store.js';
export { checkModelName, checkModelVersion, isValidModelName, isValidModelVersion } from './names.js';
export { ObjectChangedError, TransientStoreError } from './object-errors.js';
export { headObject, type ObjectHead } from './object-head.js';
export { type ListedObject, listObjects } from './object-listing.js';
export { type ObjectSinkOptions, openObjectSink } from './object-sink.js';
export { type ObjectSource, type ObjectSourceOptions, openObjectSource } from './object-source.js';
export { type PublishOptions, type PublishResult, publishModel } from './publish.js';
export { createS3Client, type S3ClientOptions } from './s3-client.js';
export { type ModelLocation, parseModelUri, parseS3Prefix, type S3Prefix, siblingLocation } from './uri.js';
