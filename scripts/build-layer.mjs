// Lays out the native runtime Lambda layer from the built addon. A layer unpacks to /opt and Lambda's NODE_PATH
// includes /opt/nodejs/node_modules, so the addon ships as the package @mindlet/native-runtime there:
//   dist/layer/native-runtime/nodejs/node_modules/@mindlet/native-runtime/{package.json, mindlet_native.node}
// and the same tree zipped as layers/native-runtime/dist/layer-<arch>.zip (x86_64 or arm64, Lambda's names;
// members stored, via the package's own zip writer), the artifact a LayerVersion is made from.
// The addon links libstdc++ statically; it needs only glibc (<= 2.34), libm and libgcc_s, which Lambda's
// Node.js runtime (Amazon Linux 2023) has, so the layer carries no lib/ of shared libraries.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ADDON = path.join(root, 'layers/native-runtime/build/Release/mindlet_native.node');
const PACKAGE_NAME = '@mindlet/native-runtime';
const PACKAGE_DIR = `nodejs/node_modules/${PACKAGE_NAME}`;
const ADDON_FILE = 'mindlet_native.node';

/** The layer's package.json: `main` is the addon itself, so `require('@mindlet/native-runtime')` loads it. */
function packageJson() {
  const { version, license } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  return {
    name: PACKAGE_NAME,
    version,
    description: "mindlet's native CPU engine (Node-API addon), as the Lambda layer installs it",
    license,
    private: true,
    main: ADDON_FILE,
    os: ['linux'],
    cpu: ['x64'],
    engines: { node: '>=20' },
  };
}

/** Lambda's name for the architecture the addon was built for. */
export const LAYER_ARCH = process.arch === 'arm64' ? 'arm64' : 'x86_64';
export const LAYER_ZIP = path.join(root, `layers/native-runtime/dist/layer-${LAYER_ARCH}.zip`);

export async function buildLayer({
  outDir = path.join(root, 'dist/layer'),
  zip = true,
  zipFile: zipTarget = LAYER_ZIP,
} = {}) {
  if (!existsSync(ADDON)) throw new Error(`${ADDON} is missing; build it first with \`npm run build:native\``);
  const layerDir = path.join(outDir, 'native-runtime');
  rmSync(layerDir, { recursive: true, force: true });
  const packageDir = path.join(layerDir, PACKAGE_DIR);
  mkdirSync(packageDir, { recursive: true });
  const manifest = `${JSON.stringify(packageJson(), null, 2)}\n`;
  writeFileSync(path.join(packageDir, 'package.json'), manifest);
  copyFileSync(ADDON, path.join(packageDir, ADDON_FILE));

  let zipFile;
  if (zip) {
    const zipModule = path.join(root, 'dist/src/tensor/zip.js');
    if (!existsSync(zipModule)) throw new Error(`${zipModule} is missing; run \`npm run build\` first`);
    const { writeZip } = await import(pathToFileURL(zipModule).href);
    const entries = [
      { name: `${PACKAGE_DIR}/package.json`, data: new TextEncoder().encode(manifest) },
      { name: `${PACKAGE_DIR}/${ADDON_FILE}`, data: readFileSync(ADDON) },
    ];
    zipFile = zipTarget;
    mkdirSync(path.dirname(zipFile), { recursive: true });
    writeFileSync(zipFile, writeZip(entries, zipFile));
  }
  return { layerDir, nodeModules: path.join(layerDir, 'nodejs/node_modules'), zipFile };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const outDir = at > 0 ? path.resolve(process.argv[at + 1] ?? '') : undefined;
  const zipAt = process.argv.indexOf('--zip');
  const zipFile = zipAt > 0 ? path.resolve(process.argv[zipAt + 1] ?? '') : undefined;
  const result = await buildLayer({
    zip: !process.argv.includes('--no-zip'),
    ...(outDir ? { outDir } : {}),
    ...(zipFile ? { zipFile } : {}),
  });
  console.log(
    `layer: ${path.relative(root, result.layerDir)}${result.zipFile ? `, ${path.relative(root, result.zipFile)} (${(statSync(result.zipFile).size / 2 ** 20).toFixed(2)} MiB)` : ''}`,
  );
}
