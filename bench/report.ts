import { TARGETS, type Target } from './args.ts';
import type { ServerSplit } from './scrape.ts';
import type { Summary } from './steady.ts';

/** One measured point: a target at one concurrency (raw loops: one caller, `rows` per call). */
export interface Point {
  model: string;
  target: Target;
  concurrency: number;
  rows: number;
  summary: Summary;
  split: ServerSplit | null;
}

export const LABELS: Record<Target, string> = {
  raw: 'raw session.run',
  plain: 'plain Hono server',
  edgeserve: 'edgeserve, batching off',
  'edgeserve-batching': 'edgeserve, batching on',
};

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

export function table(points: Point[]): string {
  const head = '| target | callers | rows/call | rows/s | p50 ms | p95 ms | p99 ms | errors | windows | queue ms | run ms | batch | server ms |';
  const rule = '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|';
  const byTarget = (a: Point, b: Point) =>
    TARGETS.indexOf(a.target) - TARGETS.indexOf(b.target) || a.concurrency - b.concurrency || a.rows - b.rows;
  const rows = [...points].sort(byTarget).map((p) => {
    const s = p.summary;
    const q = p.split;
    const windows = `${s.windows}${s.steady ? '' : ' (unsteady)'}`;
    return `| ${LABELS[p.target]} | ${p.concurrency} | ${p.rows} | ${f(s.rowsPerSec, 0)} | ${f(s.p50Ms, 2)} | ${f(s.p95Ms, 2)} | ${f(s.p99Ms, 2)} | ${s.errors} | ${windows} | ${f(q?.queueMs ?? NaN, 2)} | ${f(q?.runMs ?? NaN, 2)} | ${f(q?.batchSize ?? NaN)} | ${f(q?.serverMs ?? NaN, 2)} |`;
  });
  return [head, rule, ...rows].join('\n');
}

/** Issue 4's targets on the heavy model, as measured; null where a needed point is missing. */
export function targets(points: Point[], model: string, batch: number): string[] {
  const at = (target: Target, concurrency: number, rows = 1) =>
    points.find((p) => p.model === model && p.target === target && p.concurrency === concurrency && p.rows === rows)?.summary;
  const on32 = at('edgeserve-batching', 32);
  const plain32 = at('plain', 32);
  const rawB = at('raw', 1, batch);
  const on1 = at('edgeserve-batching', 1);
  const plain1 = at('plain', 1);
  const off1 = at('edgeserve', 1);
  const line = (goal: string, value: number | null, ok: (v: number) => boolean, unit: string) =>
    value === null ? `- ${goal}: not measured` : `- ${goal}: **${value.toFixed(2)}${unit}** (${ok(value) ? 'met' : 'missed'})`;
  return [
    line('throughput at 32 callers vs the plain server, goal >= 5x', on32 && plain32 ? on32.rowsPerSec / plain32.rowsPerSec : null, (v) => v >= 5, 'x'),
    line(`throughput at 32 callers vs the raw batch-${batch} loop, goal >= 0.8x`, on32 && rawB ? on32.rowsPerSec / rawB.rowsPerSec : null, (v) => v >= 0.8, 'x'),
    line('p50 latency at 1 caller vs the plain server, goal <= 1.10x', on1 && plain1 ? on1.p50Ms / plain1.p50Ms : null, (v) => v <= 1.1, 'x'),
    line('p50 latency at 1 caller, batching on vs off (the batcher alone), goal <= 1.10x', on1 && off1 ? on1.p50Ms / off1.p50Ms : null, (v) => v <= 1.1, 'x'),
  ];
}
