/** `mindlet publish`: upload a model and its manifest to S3, with a progress bar on stderr. */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { MindletError } from '../errors.js';
import { type Manifest, PLACEMENT_TARGETS, type PlacementTarget } from '../store/manifest.js';
import { publishModel } from '../store/publish.js';
import { formatBytes } from './format.js';
import { progressLine } from './progress.js';

export const PUBLISH_USAGE = `usage: mindlet publish <model-file> <s3-uri> [--name N] [--version V] [--placement ${PLACEMENT_TARGETS.join('|')}]
                       [--key-ref REF] [--key HEX] [--labels [OUTPUT=]FILE ...]
  uploads the model and mindlet.json (its signature, size, FLOPs, placement, key reference) beside it
  <s3-uri>      s3://bucket (or s3://bucket/) → models/<name>/<version>/model.<mindir|ms>
                s3://bucket/prefix/ → prefix/model.<mindir|ms>
  --name        model name (default: the file's base name)
  --version     model version (default: 1)
  --placement   where the model should run: cpu (a function), gpu or ascend (a container task), edge
                (Cloudflare Workers), auto (default: decided at deploy time; see mindlet plan)
  --key-ref     where servers find an encrypted model's key: env:NAME, secretsmanager:<id>[#field], ssm:<name>
  --key         the key (hex) to read an encrypted model here (default: MINDLET_MODEL_KEY, else --key-ref);
                never uploaded
  --labels      class names for an output, one per line in class order (Triton's label file): FILE for the
                model's only output, OUTPUT=FILE for a named one; KServe's classification extension answers with them
  S3 endpoint and region come from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL and AWS_REGION`;

export interface PublishIo {
  out(line: string): void;
  err(line: string): void;
}

export async function publishCommand(args: string[], io: PublishIo): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      version: { type: 'string' },
      placement: { type: 'string' },
      'key-ref': { type: 'string' },
      key: { type: 'string' },
      labels: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(PUBLISH_USAGE);
    return;
  }
  if (positionals.length !== 2) {
    io.err(PUBLISH_USAGE);
    throw new MindletError('INVALID_ARGUMENT', 'publish takes a model file and an s3:// destination');
  }
  const [file, destination] = positionals as [string, string];
  let placement: Manifest['placement'];
  if (values.placement !== undefined) {
    if (!PLACEMENT_TARGETS.includes(values.placement as PlacementTarget))
      throw new MindletError('INVALID_ARGUMENT', `--placement must be one of ${PLACEMENT_TARGETS.join(', ')}`);
    placement = { target: values.placement as PlacementTarget };
  }
  const labels = values.labels === undefined ? undefined : await readLabelFiles(values.labels);
  const key = values.key ?? process.env.MINDLET_MODEL_KEY;
  const bar = progressLine(io.err);
  const result = await publishModel({
    file,
    destination,
    ...(values.name === undefined ? {} : { name: values.name }),
    ...(values.version === undefined ? {} : { version: values.version }),
    ...(placement ? { placement } : {}),
    ...(values['key-ref'] === undefined ? {} : { keyRef: values['key-ref'] }),
    ...(key ? { key } : {}),
    ...(labels ? { labels } : {}),
    onProgress: (done, total) =>
      bar.update(total > 0 ? done / total : 1, `uploading ${formatBytes(done)} / ${formatBytes(total)}`),
  }).finally(bar.end);
  io.out(result.modelUri);
  io.out(result.manifestUri);
}

/** `--labels FILE` (the only output, `*`) or `--labels OUTPUT=FILE`: one label per line, blank lines at the end ignored. */
async function readLabelFiles(specs: string[]): Promise<Record<string, string[]>> {
  const labels: Record<string, string[]> = {};
  for (const spec of specs) {
    const at = spec.indexOf('=');
    const [output, file] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : ['*', spec];
    if (Object.hasOwn(labels, output))
      throw new MindletError('INVALID_ARGUMENT', `--labels names ${output === '*' ? 'the output' : output} twice`);
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new MindletError(
        'NOT_FOUND',
        `--labels ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
      );
    });
    labels[output] = text.replace(/\r?\n+$/, '').split(/\r?\n/);
  }
  return labels;
}
