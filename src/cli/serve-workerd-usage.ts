/** `mindlet serve --runtime workerd`'s help text (apart from the command, which loads Miniflare only when run). */
export const SERVE_WORKERD_USAGE = `  serve --runtime workerd [--r2-dir DIR] [--models NAME[@V],...] [--port N] [--host ADDR]
        [--max-body-bytes N]
                                        the Cloudflare Worker build, run locally by workerd (Miniflare)
                                        over an R2 bucket filled from DIR (laid out like the bucket:
                                        models/<name>/<version>/...; default: the bundled LeNet example)
                                        --models: default every model under DIR/models`;
