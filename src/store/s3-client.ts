/**
 * One S3 client configuration for every part of mindlet, so any S3-compatible server (MinIO, s3rver, LocalStack)
 * works by setting an endpoint in the environment.
 */
import { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  /** @default AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else AWS's own endpoints */
  endpoint?: string;
  /** @default AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1 */
  region?: string;
  /** @default true when MINDLET_S3_FORCE_PATH_STYLE is 1/true, or the endpoint's host is an IP address or localhost */
  forcePathStyle?: boolean;
}

/** The endpoint the environment names for S3 (the SDK reads these too; reading them here makes both always work). */
export function s3EndpointFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (/^(1|true)$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '')) return undefined;
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

export function regionFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
}

/** S3Client from the environment (see S3ClientOptions for every default). */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const endpoint = options.endpoint ?? s3EndpointFromEnv();
  const forcePathStyle = options.forcePathStyle ?? (pathStyleFromEnv() || isLocalEndpoint(endpoint));
  return new S3Client({
    region: options.region ?? regionFromEnv(),
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle,
    // The default region is a guess: follow S3's redirect to the bucket's own region instead of failing.
    followRegionRedirects: true,
  });
}

function pathStyleFromEnv(): boolean {
  return /^(1|true)$/i.test(process.env.MINDLET_S3_FORCE_PATH_STYLE ?? '');
}

/** Virtual-hosted buckets (`bucket.127.0.0.1`) cannot resolve on IP or localhost endpoints. */
function isLocalEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[');
  } catch {
    return false;
  }
}

let sharedClient: S3Client | undefined;

/** The client a caller passed, else one made from the environment on first use and shared by every later caller. */
export function sharedS3Client(options: { s3?: S3Client | undefined } = {}): S3Client {
  if (options.s3) return options.s3;
  sharedClient ??= createS3Client();
  return sharedClient;
}
