/**
 * The example app: `npx cdk synth` from the repository root works offline, cdk-nag's AwsSolutions pack finds nothing
 * unacknowledged (and does fail a broader grant), no statement grants object access outside the model's and the
 * batch's prefixes, and the synthesized template matches its snapshot.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExampleStack } from '../../infra/example-stack.js';

const root = path.resolve(import.meta.dirname, '../..');
let assets: string;

beforeAll(() => {
  assets = mkdtempSync(path.join(tmpdir(), 'mindlet-example-app-'));
  for (const name of ['http', 'batch']) {
    mkdirSync(path.join(assets, name));
    writeFileSync(path.join(assets, name, 'index.mjs'), `export const handler = async () => '${name}';\n`);
  }
  writeFileSync(path.join(assets, 'layer.zip'), Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]));
});

afterAll(() => rmSync(assets, { recursive: true, force: true }));

function exampleApp(): { app: App; stack: ExampleStack } {
  const app = new App();
  const stack = new ExampleStack(app, 'MindletExample', {
    functionsDir: assets,
    layerZip: path.join(assets, 'layer.zip'),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

/** Object-level S3 actions: what reads or writes data. */
const OBJECT_ACTION = /^s3:(Get|Put|Delete|Abort|Restore|Replicate)\w*Object|^s3:\*$|^s3:(GetObject|PutObject)\*?$/;

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const object = value as Record<string, unknown>;
  if ('Fn::Join' in object) return ((object['Fn::Join'] as [string, unknown[]])[1] ?? []).map(flatten).join('');
  if ('Fn::GetAtt' in object) return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Ref' in object) return `<${object.Ref as string}>`;
  return JSON.stringify(value);
}

describe('the example app', () => {
  it('passes cdk-nag AwsSolutions with every finding acknowledged in code, and fails a broader grant', () => {
    expect(() => exampleApp().app.synth()).not.toThrow();
    const { app, stack } = exampleApp();
    stack.registry!.bucket.grantRead(stack.endpoint.function);
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5/);
  });

  it('grants object access only under the model prefix and the batch prefixes', () => {
    const template = Template.fromStack(exampleApp().stack).toJSON() as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const objectResources: string[] = [];
    for (const resource of Object.values(template.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      const document = resource.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> };
      for (const statement of document.Statement) {
        const actions = ([] as unknown[]).concat(statement.Action) as string[];
        if (!actions.some((action) => OBJECT_ACTION.test(action))) continue;
        objectResources.push(...([] as unknown[]).concat(statement.Resource).map(flatten));
      }
    }
    expect(objectResources.length).toBeGreaterThan(0);
    for (const resource of objectResources)
      expect(resource).toMatch(/^<(ModelsBucket\w+|Data\w+)\.Arn>\/(models\/lenet\/|in\/|out\/)\*$/);
  });

  it('synthesizes the template in its snapshot', () => {
    const template = Template.fromStack(exampleApp().stack).toJSON();
    expect(template).toMatchSnapshot();
  });

  it('synthesizes with `npx cdk synth` from a checkout, offline', async () => {
    const out = path.join(assets, 'cdk.out');
    const { stdout } = await promisify(execFile)('npx', ['cdk', 'synth', '--quiet', '--output', out], {
      cwd: root,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
      maxBuffer: 16 << 20,
    });
    expect(stdout).not.toMatch(/ERROR/);
    const template = JSON.parse(readFileSync(path.join(out, 'MindletExample.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const types = Object.values(template.Resources).map((r) => r.Type);
    for (const type of [
      'AWS::Lambda::Function',
      'AWS::Lambda::LayerVersion',
      'AWS::ApiGatewayV2::Api',
      'AWS::SQS::Queue',
    ])
      expect(types).toContain(type);
  }, 180_000);
});
