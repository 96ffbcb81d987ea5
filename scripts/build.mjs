// Compiles src/ to dist/ and copies the generated protobuf decoders (plain JS, not compiled by tsc) beside it.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
rmSync(path.join(root, 'dist'), { recursive: true, force: true });
execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
const generated = path.join(root, 'src', 'mindir', 'proto');
const target = path.join(root, 'dist', 'src', 'mindir', 'proto');
mkdirSync(target, { recursive: true });
for (const file of readdirSync(generated)) {
  if (file.endsWith('.gen.js') || file.endsWith('.gen.d.ts'))
    copyFileSync(path.join(generated, file), path.join(target, file));
}
