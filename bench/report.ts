import { TARGETS, type Target } from './args.ts';
import type { ProfileRow } from './profile.ts';
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
  /** CPU the server process used per wall second while measured (all threads); absent for raw loops. */
  cores?: number;
}

/** One server process over its whole sweep: memory and where its main thread's time went. */
export interface ServerRecord {
  model: string;
  target: Target;
  modelBytes: number;
  /**
   * RSS after the first point's warm-up load (wrk's unmeasured seconds: start-up garbage such as the
   * model file's bytes is collected by then, as in any server that has served), and the largest seen
   * after each point.
   */
  rssWarm: number;
  rssPeak: number;
  profile: ProfileRow[] | null;
}

export const LABELS: Record<Target, string> = {
  raw: 'raw session.run',
  plain: '60-line node:http server',
  edgeserve: 'edgeserve, batching off',
  'edgeserve-batching': 'edgeserve, batching on',
  'edgeserve-proto': 'edgeserve, batching on, protobuf',
};

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—');
const mib = (n: number) => f(n / 1024 ** 2, 0);

export function table(points: Point[]): string {
  const head = '| target | callers | rows/call | rows/s | p50 ms | p95 ms | p99 ms | errors | queue ms | run ms | batch | server ms | cores |';
  const rule = '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|';
  const byTarget = (a: Point, b: Point) =>
    TARGETS.indexOf(a.target) - TARGETS.indexOf(b.target) || a.concurrency - b.concurrency || a.rows - b.rows;
  const rows = [...points].sort(byTarget).map((p) => {
    const s = p.summary;
    const q = p.split;
    return `| ${LABELS[p.target]} | ${p.concurrency} | ${p.rows} | ${f(s.rowsPerSec, 0)} | ${f(s.p50Ms, 3)} | ${f(s.p95Ms, 2)} | ${f(s.p99Ms, 2)} | ${s.errors} | ${f(q?.queueMs ?? NaN, 2)} | ${f(q?.runMs ?? NaN, 2)} | ${f(q?.batchSize ?? NaN)} | ${f(q?.serverMs ?? NaN, 2)} | ${f(p.cores ?? NaN, 2)} |`;
  });
  return [head, rule, ...rows].join('\n');
}

/** Issue 13's goals, as measured; "not measured" where a needed point is missing. */
export function goals(points: Point[], servers: ServerRecord[], batch: number, busy = 32): string[] {
  const at = (model: string, target: Target, concurrency: number, rows = 1) =>
    points.find((p) => p.model === model && p.target === target && p.concurrency === concurrency && p.rows === rows)?.summary ?? null;
  const ratio = (a: Summary | null, b: Summary | null) => (a && b ? a.rowsPerSec / b.rowsPerSec : null);
  const overhead = (a: Summary | null, raw: Summary | null) => (a && raw ? (a.p50Ms - raw.p50Ms) * 1000 : null);
  const line = (goal: string, value: number | null, ok: (v: number) => boolean, unit: string) =>
    value === null ? `- ${goal}: not measured` : `- ${goal}: **${value.toFixed(2)}${unit}** (${ok(value) ? 'met' : 'missed'})`;
  const rawB = at('heavy', 'raw', 1, batch);
  const heavy = (t: Target) => at('heavy', t, busy);
  const server = (model: string, t: Target) => servers.find((s) => s.model === model && s.target === t);
  const plainHeavy = server('heavy', 'plain');
  const onHeavy = server('heavy', 'edgeserve-batching');
  return [
    line(`heavy, JSON, ${busy} callers vs the 60-line server, goal >= 1.5x`, ratio(heavy('edgeserve-batching'), heavy('plain')), (v) => v >= 1.5, 'x'),
    line(`heavy, JSON, ${busy} callers vs the raw batch-${batch} loop, goal >= 0.4x`, ratio(heavy('edgeserve-batching'), rawB), (v) => v >= 0.4, 'x'),
    line(`heavy, protobuf, ${busy} callers vs the raw batch-${batch} loop, goal >= 0.7x`, ratio(heavy('edgeserve-proto'), rawB), (v) => v >= 0.7, 'x'),
    line(`heavy, batching on vs off at ${busy} callers, goal >= 4x`, ratio(heavy('edgeserve-batching'), heavy('edgeserve')), (v) => v >= 4, 'x'),
    line('small, 1 caller, batching on: p50 minus the raw batch-1 p50, goal <= 60 µs', overhead(at('small', 'edgeserve-batching', 1), at('small', 'raw', 1)), (v) => v <= 60, ' µs'),
    line('small, 1 caller, batching off: p50 minus the raw batch-1 p50, goal <= 60 µs', overhead(at('small', 'edgeserve', 1), at('small', 'raw', 1)), (v) => v <= 60, ' µs'),
    line(`small, ${busy} callers vs the 60-line server, goal >= 1.0x`, ratio(at('small', 'edgeserve-batching', busy), at('small', 'plain', busy)), (v) => v >= 1, 'x'),
    line(
      'heavy, batching on: RSS after warmup minus model size vs the 60-line server\'s, goal <= 1.0x',
      plainHeavy && onHeavy ? (onHeavy.rssWarm - onHeavy.modelBytes) / (plainHeavy.rssWarm - plainHeavy.modelBytes) : null,
      (v) => v <= 1,
      'x',
    ),
  ];
}

export function memoryTable(servers: ServerRecord[]): string {
  const rows = servers.map((s) => `| ${s.model} | ${LABELS[s.target]} | ${mib(s.modelBytes)} | ${mib(s.rssWarm)} | ${mib(s.rssPeak)} | ${mib(s.rssWarm - s.modelBytes)} |`);
  return ['| model | server | model MiB | RSS after warmup MiB | peak RSS under load MiB | warm RSS - model MiB |', '|---|---|--:|--:|--:|--:|', ...rows].join('\n');
}

/** Each server's main-thread CPU profile over its whole sweep: top functions by self time. */
export function profiles(servers: ServerRecord[]): string[] {
  return servers
    .filter((s) => s.profile)
    .flatMap((s) => [
      `### ${s.model}, ${LABELS[s.target]}`,
      '',
      '| self time | function |',
      '|--:|---|',
      ...s.profile!.map((r) => `| ${(r.share * 100).toFixed(1)}% | \`${r.name}\` |`),
      '',
    ]);
}
