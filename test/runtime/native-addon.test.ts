/**
 * The addon must load on Lambda x86_64 (Amazon Linux 2023: glibc 2.34) with nothing installed: it may need
 * only glibc and the GCC runtime (libgcc_s), and no symbol version newer than what Amazon Linux 2023 ships.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/runtime/native.js';
import { repoRoot } from '../tools/proto-encode.js';

const addon = path.join(repoRoot, 'layers/native-runtime/build/Release/mindlet_native.node');
const HOST_LIBS =
  /^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libgcc_s\.so\.1|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|\/lib64\/ld-linux-x86-64\.so\.2)$/;
const AMAZON_LINUX_2023_GLIBC = [2, 34];

describe('the native addon binary', () => {
  it('needs nothing beyond glibc and libgcc_s (ldd)', () => {
    // Without LD_PRELOAD: the sanitizer run preloads ASan into every process, which ldd would list too.
    const { LD_PRELOAD: _preload, ...env } = process.env;
    const libs = execFileSync('ldd', [addon], { encoding: 'utf8', env })
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[0] ?? '')
      .filter(Boolean);
    expect(libs.length).toBeGreaterThan(1);
    expect(libs.filter((lib) => !HOST_LIBS.test(lib))).toEqual([]);
  });

  it('imports no glibc symbol newer than 2.34 and no libstdc++ symbols (libstdc++ is linked in)', () => {
    const symbols = execFileSync('objdump', ['-T', addon], { encoding: 'utf8' });
    const versions = [...symbols.matchAll(/\(GLIBC_(\d+)\.(\d+)(?:\.\d+)?\)/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(versions.length).toBeGreaterThan(0);
    const newer = versions.filter(
      ([major = 0, minor = 0]) =>
        major * 1000 + minor > (AMAZON_LINUX_2023_GLIBC[0] ?? 0) * 1000 + (AMAZON_LINUX_2023_GLIBC[1] ?? 0),
    );
    expect(newer).toEqual([]);
    expect(symbols).not.toMatch(/GLIBCXX_|CXXABI_/);
  });

  it('reports the CPU features it dispatches on', () => {
    const features = nativeAddon().cpuFeatures();
    expect(features.avx2).toBe(true);
    expect(typeof features.avx512f).toBe('boolean');
  });
});
