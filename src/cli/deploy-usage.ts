/** `mindlet deploy`'s help text (apart from the command, which loads the CDK only when run). */
export const DEPLOY_USAGE = `  deploy <model-uri> [--name STACK] [--batch] [--dry-run] [--out DIR]
                                        the AWS CDK stack for a model published with \`mindlet publish\`
                                        (s3://bucket/models/<name>/<version>/model.mindir): an HTTP endpoint,
                                        with --batch also a batch pipeline; --dry-run synthesizes only and lists
                                        the resources; otherwise \`cdk deploy\` (AWS credentials needed)`;
