/**
 * Read access to where an encrypted model's key lives, for the function that resolves its `MODEL_KEY_REF`:
 * `secretsmanager:` → GetSecretValue on that one secret, `ssm:` → GetParameter on that one parameter, `env:` →
 * nothing (the key is in the function's own environment).
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
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
