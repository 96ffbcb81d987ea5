/**
 * The FMA peak probe behind `npm run bench`: it must run the loop the CPU supports and return finite, positive
 * rates. No timing bounds beyond that: the figure depends on the machine and on whatever else runs on it.
 */
import { describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/runtime/native.js';

const addon = nativeAddon();
const features = addon.cpuFeatures();
const sane = (value: number) => Number.isFinite(value) && value > 0;

describe('measureFmaPeak', () => {
  it('runs the best loop the CPU reports, on the threads asked for', () => {
    const peak = addon.measureFmaPeak({ threads: 2, milliseconds: 50 });
    expect(peak.isa).toBe(features.avx512f ? 'avx512' : 'avx2');
    expect(peak.threads).toBe(2);
    expect(sane(peak.gflopsTotal)).toBe(true);
    expect(sane(peak.gflopsPerThread)).toBe(true);
    expect(peak.gflopsPerThread).toBeCloseTo(peak.gflopsTotal / 2, 6);
  });

  it('defaults to one thread and runs the AVX2 loop when asked', () => {
    const peak = addon.measureFmaPeak({ milliseconds: 20, isa: 'avx2' });
    expect(peak).toMatchObject({ isa: 'avx2', threads: 1 });
    expect(sane(peak.gflopsTotal)).toBe(true);
    expect(peak.gflopsPerThread).toBe(peak.gflopsTotal);
  });

  it.runIf(features.avx512f)('runs the AVX-512 loop when asked on a CPU that has it', () => {
    expect(addon.measureFmaPeak({ milliseconds: 20, isa: 'avx512' }).isa).toBe('avx512');
  });

  it('refuses thread counts, durations and loops it cannot honour', () => {
    for (const options of [
      { threads: 0 },
      { threads: 1.5 },
      { threads: 2000 },
      { milliseconds: 1 },
      { milliseconds: Number.NaN },
      { isa: 'sse' as 'avx2' },
      ...(features.avx512f ? [] : [{ isa: 'avx512' as const }]),
    ])
      expect(() => addon.measureFmaPeak(options), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
  });
});
