// Prints every C++ source of the addon, relative to binding.gyp, one per line (node-gyp's <!@ expansion).
// src/wasm/ is the WebAssembly build's C ABI (scripts/build-wasm.sh), not part of the addon.
const fs = require('node:fs');
const path = require('node:path');
const root = path.join(__dirname, '..');
function walk(dir) {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return rel === 'src/wasm' ? [] : walk(rel);
    return entry.name.endsWith('.cc') ? [rel] : [];
  });
}
console.log(walk('src').sort().join('\n'));
