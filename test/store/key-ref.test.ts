import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { isMindletError } from '../../src/errors.js';
import { parseKeyRef, resolveKeyRef } from '../../src/store/key-ref.js';
import { AwsJsonError, type AwsJsonStandIn, startAwsJsonStandIn } from './aws-json-stand-in.js';

const KEY = randomBytes(16).toString('hex');
const OTHER_KEY = randomBytes(32).toString('hex');
const BINARY_KEY = randomBytes(24);

let aws: AwsJsonStandIn;

beforeAll(async () => {
  aws = await startAwsJsonStandIn({
    'secretsmanager.GetSecretValue': (body) => {
      const id = body.SecretId;
      const base = { ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${id}`, Name: id, VersionId: 'v1' };
      if (id === 'model-key') return { ...base, SecretString: KEY };
      if (id === 'model-keys-json') return { ...base, SecretString: JSON.stringify({ lenet: OTHER_KEY, count: 3 }) };
      if (id === 'binary-key') return { ...base, SecretBinary: BINARY_KEY.toString('base64') };
      if (id === 'not-a-key') return { ...base, SecretString: 'hunter2' };
      if (id === 'forbidden') throw new AwsJsonError('AccessDeniedException', 'not allowed');
      throw new AwsJsonError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    },
    'AmazonSSM.GetParameter': (body) => {
      if (body.Name === '/mindlet/lenet/key')
        return { Parameter: { Name: body.Name, Type: 'SecureString', Value: KEY, Version: 1, DataType: 'text' } };
      throw new AwsJsonError('ParameterNotFound', '');
    },
  });
});
afterAll(async () => {
  await aws.stop();
});
beforeEach(() => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  aws.calls.length = 0;
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    expect(isMindletError(error)).toBe(true);
    return error as Error & { code?: string };
  }
  throw new Error('expected a MindletError');
}

describe('parseKeyRef', () => {
  test('reads the three forms', () => {
    expect(parseKeyRef('env:MINDLET_MODEL_KEY')).toEqual({ kind: 'env', name: 'MINDLET_MODEL_KEY' });
    expect(parseKeyRef('secretsmanager:prod/models#lenet')).toEqual({
      kind: 'secretsmanager',
      secretId: 'prod/models',
      field: 'lenet',
    });
    expect(parseKeyRef('secretsmanager:arn:aws:secretsmanager:eu-west-1:1:secret:k-AbCdEf')).toMatchObject({
      secretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:k-AbCdEf',
    });
    expect(parseKeyRef('ssm:/mindlet/key')).toEqual({ kind: 'ssm', name: '/mindlet/key' });
  });

  test.each([
    '',
    'key',
    'env:',
    'env:1BAD',
    'env:A-B',
    'ssm:',
    'secretsmanager:',
    'secretsmanager:x#',
    'vault:x',
    'ssm:a b',
  ])('%j is INVALID_ARGUMENT', (ref) => {
    expect(() => parseKeyRef(ref)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('resolveKeyRef', () => {
  test('env: reads the variable, and says which one is missing without showing values', async () => {
    vi.stubEnv('LENET_KEY', KEY);
    expect(await resolveKeyRef('env:LENET_KEY')).toBe(KEY);
    expect(await resolveKeyRef('env:OTHER', { env: { OTHER: ` ${OTHER_KEY}\n` } })).toBe(OTHER_KEY);
    const missing = await failure(resolveKeyRef('env:NO_SUCH_KEY_VARIABLE'));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('NO_SUCH_KEY_VARIABLE');
    vi.stubEnv('WRONG_KEY', 'secret-words');
    const wrong = await failure(resolveKeyRef('env:WRONG_KEY'));
    expect(wrong.code).toBe('INVALID_ARGUMENT');
    expect(wrong.message).not.toContain('secret-words');
  });

  test('secretsmanager: text, JSON field and binary secrets through the endpoint option', async () => {
    expect(await resolveKeyRef('secretsmanager:model-key', { endpoint: aws.endpoint })).toBe(KEY);
    expect(await resolveKeyRef('secretsmanager:model-keys-json#lenet', { endpoint: aws.endpoint })).toBe(OTHER_KEY);
    expect(await resolveKeyRef('secretsmanager:binary-key', { endpoint: aws.endpoint })).toBe(
      BINARY_KEY.toString('hex'),
    );
    expect(aws.calls.map((call) => call.target)).toEqual(Array(3).fill('secretsmanager.GetSecretValue'));
    expect(aws.calls[1]!.body).toEqual({ SecretId: 'model-keys-json' });
  });

  test('secretsmanager: missing secrets, fields and permissions are clear errors', async () => {
    const options = { endpoint: aws.endpoint };
    const missing = await failure(resolveKeyRef('secretsmanager:no-such-secret', options));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('secretsmanager:no-such-secret');
    expect((await failure(resolveKeyRef('secretsmanager:model-keys-json#resnet', options))).code).toBe('NOT_FOUND');
    expect((await failure(resolveKeyRef('secretsmanager:model-keys-json#count', options))).code).toBe('NOT_FOUND');
    expect((await failure(resolveKeyRef('secretsmanager:model-key#field', options))).code).toBe('INVALID_ARGUMENT');
    const denied = await failure(resolveKeyRef('secretsmanager:forbidden', options));
    expect(denied.code).toBe('DECRYPTION_FAILED');
    expect(denied.message).toContain('secretsmanager:GetSecretValue');
    const notKey = await failure(resolveKeyRef('secretsmanager:not-a-key', options));
    expect(notKey.code).toBe('INVALID_ARGUMENT');
    expect(notKey.message).not.toContain('hunter2');
  });

  test('secretsmanager: the SDK finds the stand-in through AWS_ENDPOINT_URL_SECRETS_MANAGER', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', aws.endpoint);
    expect(await resolveKeyRef('secretsmanager:model-key')).toBe(KEY);
  });

  test('ssm: decrypted parameter values, through the option and AWS_ENDPOINT_URL_SSM', async () => {
    expect(await resolveKeyRef('ssm:/mindlet/lenet/key', { endpoint: aws.endpoint })).toBe(KEY);
    expect(aws.calls[0]).toEqual({
      target: 'AmazonSSM.GetParameter',
      body: { Name: '/mindlet/lenet/key', WithDecryption: true },
    });
    vi.stubEnv('AWS_ENDPOINT_URL_SSM', aws.endpoint);
    expect(await resolveKeyRef('ssm:/mindlet/lenet/key')).toBe(KEY);
    const missing = await failure(resolveKeyRef('ssm:/mindlet/none'));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain('ssm:/mindlet/none');
  });
});
