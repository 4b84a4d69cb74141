/**
 * Steady-state measurement: cut a running closed loop into fixed windows until three consecutive
 * windows agree on throughput within `tolerance` (or `maxWindows` is reached), then summarise
 * those last three windows together. Pure helpers (agree, percentile, summarise) are tested alone.
 */

/** What a closed loop completed since the last drain. */
export interface Sample {
  latenciesMs: number[];
  rows: number;
  errors: number;
}

/** A sample and the wall time it took. */
export interface Window extends Sample {
  durationMs: number;
}

/** Throughput and latency percentiles over the summarised windows. */
export interface Summary {
  rowsPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  errors: number;
  windows: number;
  /** False when maxWindows ran out before three windows agreed. */
  steady: boolean;
}

export interface SteadyOptions {
  windowMs: number;
  maxWindows: number;
  /** Relative spread allowed among the last three windows' throughputs: (max - min) / max. */
  tolerance: number;
}

export const throughput = (w: Window) => (w.rows * 1000) / w.durationMs;

export function agree(windows: Window[], tolerance: number): boolean {
  if (windows.length < 3) return false;
  const last = windows.slice(-3).map(throughput);
  const max = Math.max(...last);
  return max > 0 && (max - Math.min(...last)) / max <= tolerance;
}

/** Nearest-rank percentile of ascending-sorted values; NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarise(windows: Window[], steady: boolean, total: number): Summary {
  const lat = windows.flatMap((w) => w.latenciesMs).sort((a, b) => a - b);
  const rows = windows.reduce((n, w) => n + w.rows, 0);
  const ms = windows.reduce((n, w) => n + w.durationMs, 0);
  return {
    rowsPerSec: (rows * 1000) / ms,
    p50Ms: percentile(lat, 50),
    p95Ms: percentile(lat, 95),
    p99Ms: percentile(lat, 99),
    errors: windows.reduce((n, w) => n + w.errors, 0),
    windows: total,
    steady,
  };
}

/**
 * Measures a loop that is already running. `atBoundary` runs at every window boundary (first one
 * before the first window) and its results are returned for the boundaries around the last three
 * windows: [start, end], e.g. to diff server metrics over exactly the summarised span.
 */
export async function measure<B>(
  drain: () => Sample,
  options: SteadyOptions,
  atBoundary: () => Promise<B>,
): Promise<{ summary: Summary; span: [B, B] }> {
  const windows: Window[] = [];
  const boundaries: B[] = [await atBoundary()];
  drain();
  let started = performance.now();
  while (windows.length < options.maxWindows) {
    await new Promise((r) => setTimeout(r, options.windowMs));
    const sample = drain();
    const now = performance.now();
    windows.push({ ...sample, durationMs: now - started });
    started = now;
    boundaries.push(await atBoundary());
    if (agree(windows, options.tolerance)) break;
  }
  const last = windows.slice(-3);
  const span: [B, B] = [boundaries[boundaries.length - 1 - last.length], boundaries[boundaries.length - 1]];
  return { summary: summarise(last, agree(windows, options.tolerance), windows.length), span };
}
