// Regenerates the static protobuf decoders in src/mindir/proto/ from proto/*.proto.
// Static code (not reflection) because it halves module init and first-decode time (see docs/decisions.md).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'node_modules', '.bin');
const schemas = [
  { proto: 'proto/mind_ir.proto', out: 'src/mindir/proto/mind_ir.gen', rootName: 'mind_ir_schema' },
  { proto: 'proto/checkpoint.proto', out: 'src/mindir/proto/checkpoint.gen', rootName: 'checkpoint_schema' },
];
const decodeOnly = ['--no-create', '--no-encode', '--no-verify', '--no-convert', '--no-delimited', '--no-typeurl'];
for (const { proto, out, rootName } of schemas) {
  execFileSync(
    path.join(bin, 'pbjs'),
    ['-t', 'static-module', '-w', 'es6', '--root', rootName, ...decodeOnly, '-o', `${out}.js`, proto],
    { cwd: root, stdio: 'inherit' },
  );
  execFileSync(path.join(bin, 'pbts'), ['--no-comments', '-o', `${out}.d.ts`, `${out}.js`], {
    cwd: root,
    stdio: 'inherit',
  });
}
