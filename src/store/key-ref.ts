/**
 * Key references: where an encrypted model's key lives (`env:NAME`, `secretsmanager:<id>[#field]`, `ssm:<name>`), so
 * manifests and configuration name a key without holding it. Errors name the reference, never the key.
 */
import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { MindletError } from '../errors.js';
import { parseKey } from '../mindir/encryption.js';
import { type KeyRef, parseKeyRef } from './key-ref-syntax.js';
import { regionFromEnv } from './s3-client.js';

export { type KeyRef, parseKeyRef } from './key-ref-syntax.js';

export interface ResolveKeyRefOptions {
  /** @default a client for the secret's ARN region, else AWS_REGION (endpoint: AWS_ENDPOINT_URL_SECRETS_MANAGER) */
  secretsManager?: SecretsManagerClient;
  /** @default a client for the parameter's ARN region, else AWS_REGION (endpoint: AWS_ENDPOINT_URL_SSM) */
  ssm?: SSMClient;
  /** Endpoint for both services when no client is given (tests, VPC endpoints). */
  endpoint?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** The key text (hex) a reference points at, checked to be a MindSpore key (16, 24 or 32 bytes). */
export async function resolveKeyRef(ref: string, options: ResolveKeyRefOptions = {}): Promise<string> {
  const parsed = parseKeyRef(ref);
  const text = await fetchKeyText(parsed, ref, options);
  try {
    parseKey(text);
  } catch (error) {
    throw new MindletError('INVALID_ARGUMENT', `key reference ${ref} holds no usable key: ${(error as Error).message}`);
  }
  return text.trim();
}

async function fetchKeyText(parsed: KeyRef, ref: string, options: ResolveKeyRefOptions): Promise<string> {
  const env = options.env ?? process.env;
  switch (parsed.kind) {
    case 'env': {
      const value = env[parsed.name];
      if (!value)
        throw new MindletError('NOT_FOUND', `key reference ${ref}: environment variable ${parsed.name} is not set`);
      return value;
    }
    case 'secretsmanager': {
      const owned = options.secretsManager === undefined;
      const client =
        options.secretsManager ?? new SecretsManagerClient(clientConfig(parsed.secretId, options.endpoint, env));
      try {
        const secret = await client.send(new GetSecretValueCommand({ SecretId: parsed.secretId }));
        return secretText(secret, parsed.field, ref);
      } catch (error) {
        throw awsError(error, ref, 'secret');
      } finally {
        if (owned) client.destroy();
      }
    }
    case 'ssm': {
      const owned = options.ssm === undefined;
      const client = options.ssm ?? new SSMClient(clientConfig(parsed.name, options.endpoint, env));
      try {
        const result = await client.send(new GetParameterCommand({ Name: parsed.name, WithDecryption: true }));
        const value = result.Parameter?.Value;
        if (!value) throw new MindletError('NOT_FOUND', `key reference ${ref}: the parameter has no value`);
        return value;
      } catch (error) {
        throw awsError(error, ref, 'parameter');
      } finally {
        if (owned) client.destroy();
      }
    }
  }
}

function secretText(secret: GetSecretValueCommandOutput, field: string | undefined, ref: string): string {
  if (secret.SecretString === undefined) {
    if (secret.SecretBinary && field === undefined) return Buffer.from(secret.SecretBinary).toString('hex');
    throw new MindletError('NOT_FOUND', `key reference ${ref}: the secret has no text value`);
  }
  if (field === undefined) return secret.SecretString;
  let json: unknown;
  try {
    json = JSON.parse(secret.SecretString);
  } catch {
    throw new MindletError(
      'INVALID_ARGUMENT',
      `key reference ${ref}: the secret is not JSON, so it has no field ${field}`,
    );
  }
  const value = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[field] : undefined;
  if (typeof value !== 'string' || !Object.hasOwn(json as object, field))
    throw new MindletError('NOT_FOUND', `key reference ${ref}: the secret has no string field ${field}`);
  return value;
}

/** An ARN names its region; use it, so a key in another region is found without configuration. */
function clientConfig(id: string, endpoint: string | undefined, env: NodeJS.ProcessEnv) {
  const arnRegion = /^arn:[^:]+:(?:secretsmanager|ssm):([a-z0-9-]+):/.exec(id)?.[1];
  return { region: arnRegion ?? regionFromEnv(env), ...(endpoint ? { endpoint } : {}) };
}

function awsError(error: unknown, ref: string, what: 'secret' | 'parameter'): unknown {
  if (error instanceof MindletError) return error;
  const name = (error as { name?: string }).name ?? '';
  if (name === 'ResourceNotFoundException' || name === 'ParameterNotFound' || name === 'ParameterVersionNotFound')
    return new MindletError('NOT_FOUND', `key reference ${ref}: no such ${what}`, { cause: error });
  if (/AccessDenied|UnauthorizedOperation|KMS/i.test(name))
    return new MindletError(
      'DECRYPTION_FAILED',
      `key reference ${ref}: access denied reading the ${what} (${name}); grant ${what === 'secret' ? 'secretsmanager:GetSecretValue' : 'ssm:GetParameter'} (and kms:Decrypt for its KMS key)`,
      { cause: error },
    );
  return new MindletError(
    'DECRYPTION_FAILED',
    `key reference ${ref}: cannot read the ${what}: ${(error as Error).message ?? name}`,
    { cause: error },
  );
}
