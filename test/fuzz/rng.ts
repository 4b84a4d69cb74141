/**
 * A small seeded PRNG (mulberry32) so every fuzz run with the same seed sends the same bodies:
 * a failing case is reproduced by its seed and index alone.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  bytes(n: number): number[] {
    return Array.from({ length: n }, () => this.int(256));
  }
}

/** The rng of case `index` of a run: independent of how many cases ran before it. */
export function caseRng(seed: number, kind: string, index: number): Rng {
  let h = seed ^ 0x9e3779b9;
  for (const c of `${kind}:${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return new Rng(h);
}
