/**
 * Seeded random numbers for reference-network weights and sample inputs: mulberry32 (32-bit state, fast, good
 * enough for test data), so the same seed gives the same bytes on every machine and Node version.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    // Mix the seed so nearby seeds (1, 2, 3) start far apart.
    this.state = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal number (Box-Muller; the second value is dropped to keep the sequence simple). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** A derived generator, so each tensor's values do not depend on how many values earlier tensors drew. */
  fork(label: string): Rng {
    let h = this.state ^ 0x811c9dc5;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Rng(h >>> 0);
  }
}

/** Zero-mean values with standard deviation `std`: uniform on [-a, a] with a = std·√3 (fast for 100M values). */
export function uniformStd(rng: Rng, count: number, std: number): Float32Array {
  const out = new Float32Array(count);
  const a = std * Math.sqrt(3) * 2;
  for (let i = 0; i < count; i++) out[i] = (rng.next() - 0.5) * a;
  return out;
}

/** Values uniform on [lo, hi). */
export function uniform(rng: Rng, count: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = lo + rng.next() * (hi - lo);
  return out;
}

/** Normal values with mean `mean` and standard deviation `std`. */
export function normal(rng: Rng, count: number, mean: number, std: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = mean + rng.normal() * std;
  return out;
}
