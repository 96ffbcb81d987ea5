/**
 * Publishing a model: the file goes to S3 with a `mindlet.json` beside it describing its signature, cost and key
 * reference. The model is loaded first (so a broken file is refused before anything is uploaded) and the manifest
 * is written last, so a reader that finds a manifest always finds its model.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { MindletError } from '../errors.js';
import { readModelFile } from '../graph/model-file.js';
import type { Graph, Model } from '../graph/types.js';
import { encryptionMode } from '../mindir/encryption.js';
import { loadModel } from '../model/load.js';
import { resolveKeyRef } from './key-ref.js';
import { buildManifest, MANIFEST_FILE, type Manifest } from './manifest.js';
import { checkModelName, checkModelVersion, isValidModelName } from './names.js';
import { s3Error } from './object-errors.js';
import { createS3Client } from './s3-client.js';
import { parseS3Prefix, s3Location } from './uri.js';

export interface PublishOptions {
  /** The model file (.mindir or .ms). */
  file: string;
  /** `s3://bucket` or `s3://bucket/` → `models/<name>/<version>/`; `s3://bucket/prefix/` → `prefix/`. */
  destination: string;
  /** @default the file's base name, with characters outside A-Z a-z 0-9 . _ - replaced by '-' */
  name?: string;
  /** @default '1' */
  version?: string;
  placement?: Manifest['placement'];
  /** Where servers find the key of an encrypted model (env:, secretsmanager:, ssm:); required for one. */
  keyRef?: string;
  /** Class labels by public output name (`*`: the only output), for KServe's classification extension. @default none */
  labels?: Record<string, string[]>;
  /** The key (hex) to load an encrypted model here; never uploaded. @default resolved from keyRef */
  key?: string;
  /** @default createS3Client() */
  s3?: S3Client;
  onProgress?(doneBytes: number, totalBytes: number): void;
}

export interface PublishResult {
  modelUri: string;
  manifestUri: string;
  manifest: Manifest;
}

/** Multipart part size for the model upload (S3's minimum is 5 MiB). */
const UPLOAD_PART_BYTES = 8 * 1024 * 1024;
const UPLOAD_QUEUE = 4;

export async function publishModel(options: PublishOptions): Promise<PublishResult> {
  const name = checkModelName(options.name ?? defaultModelName(options.file));
  const version = checkModelVersion(options.version ?? '1');
  const { bucket, prefix } = parseS3Prefix(options.destination);
  const bytes = await readModelFile(options.file);
  const key =
    options.key ??
    (options.keyRef !== undefined && isEncrypted(bytes) ? await resolveKeyRef(options.keyRef) : undefined);
  const model = await loadModel(bytes, {
    label: options.file,
    externalDataDir: path.dirname(path.resolve(options.file)),
    ...(key === undefined ? {} : { key }),
  });
  refuseExternalWeights(model, options.file);
  const modelFile = `model.${model.format === 'mslite' ? 'ms' : 'mindir'}`;
  const folder = prefix || `models/${name}/${version}/`;
  const manifest = buildManifest(model, {
    name,
    version,
    modelFile,
    bytes: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    ...(options.placement ? { placement: options.placement } : {}),
    ...(options.keyRef === undefined ? {} : { keyRef: options.keyRef }),
    ...(options.labels === undefined ? {} : { labels: options.labels }),
    ...(model.encrypted ? { encryptionMode: encryptionMode(bytes) ?? 'AES-GCM' } : {}),
  });
  const modelLocation = s3Location(bucket, `${folder}${modelFile}`);
  const manifestLocation = s3Location(bucket, `${folder}${MANIFEST_FILE}`);

  const client = options.s3 ?? createS3Client();
  try {
    const upload = new Upload({
      client,
      params: {
        Bucket: bucket,
        Key: modelLocation.key,
        Body: bytes,
        ContentType: 'application/octet-stream',
        Metadata: { sha256: manifest.sha256 },
      },
      partSize: UPLOAD_PART_BYTES,
      queueSize: UPLOAD_QUEUE,
    });
    const total = bytes.byteLength;
    options.onProgress?.(0, total);
    upload.on('httpUploadProgress', (event) => options.onProgress?.(Math.min(event.loaded ?? 0, total), total));
    await upload.done().catch((error: unknown) => {
      throw s3Error(error, modelLocation, 'write');
    });
    options.onProgress?.(total, total);
    await client
      .send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: manifestLocation.key,
          Body: `${JSON.stringify(manifest, null, 2)}\n`,
          ContentType: 'application/json',
        }),
      )
      .catch((error: unknown) => {
        throw s3Error(error, manifestLocation, 'write');
      });
  } finally {
    if (!options.s3) client.destroy();
  }
  return { modelUri: modelLocation.uri, manifestUri: manifestLocation.uri, manifest };
}

/** A model name from a file name: `ResNet 50 (v2).mindir` → `ResNet-50-v2`. */
export function defaultModelName(file: string): string {
  const base = path.basename(file).replace(/\.(mindir|ms)$/i, '');
  const name = base
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[-.]+$/, '')
    .slice(0, 64);
  if (!isValidModelName(name))
    throw new MindletError(
      'INVALID_ARGUMENT',
      `cannot make a model name from ${JSON.stringify(path.basename(file))}; pass --name`,
    );
  return name;
}

function isEncrypted(bytes: Uint8Array): boolean {
  return encryptionMode(bytes) !== undefined;
}

/** Only the model file is uploaded: a model whose weights live in other files would be published broken. */
function refuseExternalWeights(model: Model, file: string): void {
  const graphs: Graph[] = [model.graph, ...model.subgraphs.values()];
  for (const graph of graphs) {
    for (const weight of graph.parameters.values()) {
      if (weight.storage.kind === 'external')
        throw new MindletError(
          'UNSUPPORTED',
          `weights of ${weight.name} live in ${weight.storage.location}; publishing models with external weight files is not supported yet`,
          { file },
        );
    }
  }
}
