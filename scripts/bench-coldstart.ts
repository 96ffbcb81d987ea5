/**
 * Cold start of the bundled Lambda HTTP function: a fresh Node process with the layer on NODE_PATH (as on Lambda)
 * loads ResNet-50 from the S3 stand-in and answers its first KServe request. Split into process start → init done
 * (module import, including download and load), the download and load the function logs, and the first and second
 * inference. "cold" starts with an empty /tmp cache; "restart" reuses the cache a previous environment filled.
 *
 *   npm run bench:coldstart -- [--model resnet50|mobilenetv2|lenet5] [--runs N] [--threads N]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { publishModel } from '../src/store/publish.js';
import { lambdaEvent } from '../test/tools/lambda-events.js';
import { startLambdaRunner } from '../test/tools/lambda-runner.js';
import { buildReferenceNet, type ReferenceNetName } from '../test/tools/reference-nets/index.js';
import { startLocalS3 } from '../test/tools/s3-server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'resnet50' },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
  },
});
const modelName = values.model as ReferenceNetName;
const runs = Number(values.runs);
const BUCKET = 'mindlet-coldstart';

const work = mkdtempSync(path.join(os.tmpdir(), 'mindlet-coldstart-'));
const s3 = await startLocalS3();
try {
  for (const script of ['build-layer.mjs', 'build-functions.mjs'])
    execFileSync(
      process.execPath,
      [path.join(root, 'scripts', script), '--out', path.join(work, script.replace(/^build-|\.mjs$/g, ''))],
      {
        cwd: root,
        stdio: 'pipe',
      },
    );
  const net = buildReferenceNet(modelName);
  const modelFile = path.join(work, 'model.mindir');
  writeFileSync(modelFile, net.mindir);
  await s3.createBucket(BUCKET);
  const published = await publishModel({
    file: modelFile,
    destination: `s3://${BUCKET}`,
    name: modelName,
    version: '1',
    s3: s3.client,
  });

  const [sample] = net.sampleInputs(1);
  const tensorBytes = new Uint8Array(sample!.data.buffer, sample!.data.byteOffset, sample!.data.byteLength);
  const header = new TextEncoder().encode(
    JSON.stringify({
      inputs: [
        {
          name: published.manifest.signature.inputs[0]!.name,
          shape: sample!.shape,
          datatype: 'FP32',
          parameters: { binary_data_size: tensorBytes.byteLength },
        },
      ],
      parameters: { binary_data_output: true },
    }),
  );
  const body = new Uint8Array(header.byteLength + tensorBytes.byteLength);
  body.set(header);
  body.set(tensorBytes, header.byteLength);
  const event = lambdaEvent('api-gateway-http-v2', {
    method: 'POST',
    path: `/v2/models/${modelName}/infer`,
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(header.byteLength),
    },
    body,
  });

  console.log(
    `# cold start: ${modelName} (${(net.mindir.byteLength / 1024 / 1024).toFixed(1)} MiB) from the S3 stand-in, ${values.threads} threads, node ${process.version}`,
  );
  console.log(
    '| run | cache | process start → init done ms | download ms | load ms | first inference ms | second inference ms |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (let run = 1; run <= runs; run++) {
    const cacheDir = path.join(work, `cache-${run}`);
    for (const cache of ['cold', 'restart'] as const) {
      const started = performance.now();
      const runner = await startLambdaRunner({
        bundleDir: path.join(work, 'functions/http'),
        layerNodeModules: path.join(work, 'layer/native-runtime/nodejs/node_modules'),
        env: {
          ...s3.env,
          MODEL_URI: published.modelUri,
          MINDLET_CACHE_DIR: cacheDir,
          MINDLET_THREADS: values.threads!,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      });
      const initMs = performance.now() - started;
      const loaded = runner.initStdout.map((line) => safeJson(line)).find((l) => l?.message === 'model loaded');
      const first = await runner.invoke(event);
      const second = await runner.invoke(event);
      const status = (first.result as { statusCode?: number } | undefined)?.statusCode;
      if (status !== 200)
        throw new Error(
          `first invoke answered ${status}: ${JSON.stringify(first.result ?? first.error).slice(0, 300)}`,
        );
      await runner.close();
      console.log(
        `| ${run} | ${cache} (${loaded?.from}) | ${initMs.toFixed(0)} | ${Number(loaded?.downloadMs).toFixed(0)} | ${Number(loaded?.loadMs).toFixed(0)} | ${first.ms.toFixed(1)} | ${second.ms.toFixed(1)} |`,
      );
    }
  }
} finally {
  await s3.stop();
  rmSync(work, { recursive: true, force: true });
}

function safeJson(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
