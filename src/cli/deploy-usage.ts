/** `mindlet deploy`'s help text (apart from the command, which loads the CDK only when run). */
export const DEPLOY_USAGE = `  deploy <model-uri> [--target lambda] [--name STACK] [--batch] [--dry-run] [--out DIR]
                                        the AWS CDK stack for a model published with \`mindlet publish\`
                                        (s3://bucket/models/<name>/<version>/model.mindir): an HTTP endpoint,
                                        with --batch also a batch pipeline; --dry-run synthesizes only and lists
                                        the resources; otherwise \`cdk deploy\` (AWS credentials needed)
  deploy --target workers --models NAME[@V],... [--name WORKER] [--bucket R2-BUCKET] [--out DIR]
         [--max-body-bytes N] [--cpu-ms N] [--dry-run]
                                        a Cloudflare Worker serving models from an R2 bucket
                                        (models/<name>/<version>/...; no version: the highest): writes
                                        worker.js, the WebAssembly engine and wrangler.toml into --out and
                                        prints the \`npx wrangler deploy\` line to run (default bucket
                                        mindlet-models; --cpu-ms sets [limits] cpu_ms, paid plans)`;
