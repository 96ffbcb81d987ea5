/**
 * The IAM grants several constructs share, written once: read access to where an encrypted model's key lives
 * (`secretsmanager:` → GetSecretValue on that one secret, `ssm:` → GetParameter on that one parameter, `env:` →
 * nothing: the key is in the function's own environment), and the batch prefixes a function or task reads and writes.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { parseKeyRef } from '../src/store/key-ref.js';

export function grantKeyRef(grantee: iam.IGrantable & IConstruct, keyRef: string): void {
  const ref = parseKeyRef(keyRef);
  const stack = Stack.of(grantee);
  if (ref.kind === 'secretsmanager') {
    const arn = ref.secretId.startsWith('arn:')
      ? ref.secretId
      : // A secret's ARN ends in '-' and six random characters.
        stack.formatArn({
          service: 'secretsmanager',
          resource: 'secret',
          resourceName: `${ref.secretId}-??????`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        });
    iam.Grant.addToPrincipal({ grantee, actions: ['secretsmanager:GetSecretValue'], resourceArns: [arn] });
  } else if (ref.kind === 'ssm') {
    const arn = ref.name.startsWith('arn:')
      ? ref.name
      : stack.formatArn({
          service: 'ssm',
          resource: 'parameter',
          resourceName: ref.name.replace(/^\//, ''),
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        });
    iam.Grant.addToPrincipal({ grantee, actions: ['ssm:GetParameter'], resourceArns: [arn] });
  }
}

/**
 * `s3:GetObject` under the input prefix; `s3:GetObject`/`PutObject`/`AbortMultipartUpload` under the output prefix;
 * `s3:ListBucket` limited to the output prefix; and the bucket's key, if it has one. Shared by the batch function,
 * `AcceleratedService`'s workers and heavy-job tasks.
 */
export function grantPrefixes(grantee: iam.IGrantable, bucket: s3.IBucket, input: string, output: string): void {
  const principal = grantee.grantPrincipal;
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${input}*`)] }),
  );
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      resources: [bucket.arnForObjects(`${output}*`)],
    }),
  );
  // Listing lets a missing status file answer 404 rather than 403; limited to the output prefix.
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${output}*`] } },
    }),
  );
  bucket.encryptionKey?.grantEncryptDecrypt(grantee);
}

export function checkPrefix(what: string, prefix: string): string {
  if (!prefix.endsWith('/') || prefix.startsWith('/') || prefix.includes('..') || prefix.includes('*'))
    throw new Error(`${what} ${JSON.stringify(prefix)}: give a key prefix ending in '/', e.g. 'in/'`);
  return prefix;
}
