/**
 * The native engine as a Lambda layer: the zip `npm run build:layer` writes (scripts/build-layer.mjs), which unpacks
 * to /opt/nodejs/node_modules/@mindlet/native-runtime where Lambda's NODE_PATH finds it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** The layer zip scripts/build-layer.mjs writes on an x86_64 machine, relative to the package root. */
export const DEFAULT_LAYER_ZIP = 'layers/native-runtime/dist/layer-x86_64.zip';

export interface NativeRuntimeLayerProps {
  /**
   * The layer zip.
   * @default `layers/native-runtime/dist/layer-x86_64.zip` in the mindlet package (`npm run build:layer`)
   */
  readonly zipPath?: string;
  /**
   * Layer name.
   * @default a name CloudFormation generates
   */
  readonly layerVersionName?: string;
  /**
   * What happens to old layer versions when they leave the stack.
   * @default RemovalPolicy.DESTROY (CDK's default for layer versions)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The Node.js runtime every mindlet function uses: the major the project builds and tests on (package.json's `node`
 * devDependency), so the layer's addon and the bundles are tested on what Lambda runs.
 */
export const LAMBDA_NODE_RUNTIME = lambda.Runtime.NODEJS_22_X;

/** The native runtime layer: Node.js 22, x86_64 (the addon is built for the machine `build:layer` runs on). */
export class NativeRuntimeLayer extends Construct {
  readonly layerVersion: lambda.LayerVersion;

  constructor(scope: Construct, id: string, props: NativeRuntimeLayerProps = {}) {
    super(scope, id);
    const zipPath = props.zipPath ?? mindletPath(DEFAULT_LAYER_ZIP);
    if (!existsSync(zipPath))
      throw new Error(`native runtime layer ${zipPath} is missing: build it with \`npm run build:layer\``);
    this.layerVersion = new lambda.LayerVersion(this, 'Layer', {
      code: lambda.Code.fromAsset(zipPath),
      compatibleRuntimes: [LAMBDA_NODE_RUNTIME],
      compatibleArchitectures: [lambda.Architecture.X86_64],
      description: "mindlet's native CPU engine (@mindlet/native-runtime)",
      layerVersionName: props.layerVersionName,
      removalPolicy: props.removalPolicy,
    });
  }
}

/**
 * A path inside the mindlet package, wherever this module runs from (infra/ under tsx, dist/infra/ when compiled):
 * the nearest folder above it whose package.json is mindlet's, else the working directory.
 */
export function mindletPath(relative: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'mindlet')
      return path.join(dir, relative);
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(relative);
    dir = parent;
  }
}
