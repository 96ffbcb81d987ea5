/**
 * The example CDK app (`npx cdk synth` from the repository root): one endpoint and one batch pipeline for the bundled
 * example model. Builds the function bundles and the layer zip first when they are missing, so a fresh clone
 * synthesizes after `npm install` alone, offline.
 */
import { existsSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ExampleStack } from './example-stack.js';
import { DEFAULT_LAYER_ZIP, mindletPath } from './native-runtime-layer.js';

if (
  !existsSync(mindletPath('dist/functions/http/index.mjs')) ||
  !existsSync(mindletPath('dist/functions/batch/index.mjs'))
) {
  const { buildFunctions } = (await import(mindletPath('scripts/build-functions.mjs'))) as {
    buildFunctions(): Promise<string[]>;
  };
  await buildFunctions();
}
if (!existsSync(DEFAULT_LAYER_ZIP)) {
  const { buildLayer } = (await import(mindletPath('scripts/build-layer.mjs'))) as { buildLayer(): Promise<unknown> };
  await buildLayer();
}

const app = new App();
const endpointUrl: string | undefined = app.node.tryGetContext('mindlet:endpointUrl');
new ExampleStack(app, app.node.tryGetContext('mindlet:stackName') ?? 'MindletExample', {
  batch: app.node.tryGetContext('mindlet:batch') !== 'false',
  // For a manifest placing the model on ascend: where your ECS Anywhere servers serve it.
  ...(endpointUrl === undefined ? {} : { accelerated: { endpointUrl } }),
});
// cdk-nag's AwsSolutions rules on every synth (CDK policy validation): an unacknowledged error fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
