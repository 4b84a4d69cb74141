import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_TOLERANCE } from '../core/manager/warmup.ts';
import { childLocation, objectUrl, parseObjectUrl } from '../core/repository/object-url.ts';
import { createService } from '../core/service/create-service.ts';
import { settingsFromFlags } from '../core/service/settings.ts';
import { parseFlags } from '../core/config/flags.ts';
import { UsageError, parseArgs } from './args.ts';
import { REPLAY_USAGE } from './usage.ts';

/**
 * `edgeserve replay`: captured requests (core/capture/capture.ts's JSON lines) run again on one
 * version, through the same service the server composes (runtime/node: folder or S3 source,
 * onnxruntime-node, the version's pipeline), pinned with /versions/N. Prints what differs; with
 * --warmup, writes warmup.json with the version's answers as golden outputs.
 */
interface Captured {
  status: number;
  model: string;
  request?: { inputs: Record<string, unknown> };
  outputs?: Record<string, unknown>;
}

export interface OutputReport {
  name: string;
  compared: number;
  maxAbs: number;
  maxRel: number;
  overTolerance: number;
  /** Requests whose top class (argmax of the last axis, or the string itself) agrees; null: not a classifier-like output. */
  top1: number | null;
}

export interface ReplayReport {
  replayed: number;
  failed: { line: string; error: string }[];
  outputs: OutputReport[];
}

export async function replay(argv: string[], env: Record<string, string | undefined>, log = (m: string) => console.log(m)): Promise<ReplayReport> {
  const args = parseArgs(argv, { options: ['model', 'version', 'to', 'tolerance', 'warmup', 's3_endpoint'] });
  const [captures] = args.positional;
  const model = args.options.get('model');
  const version = Number(args.options.get('version'));
  const repo = args.options.get('to') ?? env.EDGESERVE_REPOSITORY;
  if (!captures || args.positional.length > 1 || !model || !Number.isInteger(version) || version < 1 || !repo) throw new UsageError(`replay needs CAPTURES, --model, --version and --to\n${REPLAY_USAGE}`);
  const tolerance = Number(args.options.get('tolerance') ?? DEFAULT_TOLERANCE);
  if (!(tolerance >= 0)) throw new UsageError('--tolerance must be a number >= 0');
  const records = (await readCaptures(captures)).filter((r) => r.model === model && r.status < 400 && r.request);
  if (records.length === 0) throw new UsageError(`${captures}: no successful captured requests of model ${model}`);

  const service = await replayService(model, version, repo, env, args.options.get('s3_endpoint'));
  const report: ReplayReport = { replayed: 0, failed: [], outputs: [] };
  const stats = new Map<string, OutputReport>();
  const golden: { request: unknown; expected: Record<string, unknown> }[] = [];
  try {
    for (const record of records) {
      const body = JSON.stringify(record.request);
      const res = await service.fetch(new Request(`http://replay/v1/models/${encodeURIComponent(model)}/versions/${version}:predict`, { method: 'POST', body }));
      const answer = (await res.json()) as { outputs?: unknown; error?: string };
      if (!res.ok) {
        report.failed.push({ line: body.slice(0, 80), error: answer.error ?? String(res.status) });
        continue;
      }
      report.replayed++;
      const names = Object.keys(record.outputs ?? {});
      const got = (names.length === 1 && !isNamed(answer.outputs, names) ? { [names[0]]: answer.outputs } : answer.outputs) as Record<string, unknown>;
      golden.push({ request: record.request, expected: got });
      for (const name of names) compare(stats, name, record.outputs![name], got[name], tolerance);
    }
  } finally {
    service.close();
  }
  report.outputs = [...stats.values()];
  const warmup = args.options.get('warmup');
  if (warmup) await writeFile(warmup, JSON.stringify({ requests: golden, tolerance }, null, 2) + '\n');
  log(formatReport(report, model, version, tolerance, warmup));
  return report;
}

const isNamed = (outputs: unknown, names: string[]) =>
  typeof outputs === 'object' && outputs !== null && !Array.isArray(outputs) && names.every((n) => n in (outputs as object));

async function readCaptures(path: string): Promise<Captured[]> {
  const info = await stat(path).catch(() => {
    throw new UsageError(`${path}: no such file or folder`);
  });
  const files = info.isDirectory()
    ? (await readdir(path, { recursive: true })).filter((f) => f.endsWith('.jsonl')).sort().map((f) => join(path, f))
    : [path];
  const records: Captured[] = [];
  for (const file of files) {
    for (const [i, line] of (await readFile(file, 'utf8')).split('\n').entries()) {
      if (!line.trim()) continue;
      try {
        records.push(JSON.parse(line) as Captured);
      } catch {
        throw new UsageError(`${file}:${i + 1}: not a captured request (invalid JSON)`);
      }
    }
  }
  return records;
}

/** The server's own composition, over the one model, on onnxruntime-node. */
async function replayService(model: string, version: number, repo: string, env: Record<string, string | undefined>, endpoint?: string) {
  const { sourceFactory } = await import('../runtime/node/sources.ts');
  const { onnxruntimeNode } = await import('../runtime/node/onnxruntime-node.ts');
  const { nodeImageCodecs } = await import('../runtime/node/image-codecs.ts');
  const { nodeSha256 } = await import('../runtime/node/sha256.ts');
  const { namedSteps } = await import('../steps/index.ts');
  const basePath = repo.startsWith('s3://') ? objectUrl(childLocation(parseObjectUrl(repo), model)) : join(repo, model);
  const flags = parseFlags([`--model_name=${model}`, `--model_base_path=${basePath}`], {});
  const service = createService(
    { ...settingsFromFlags(flags, null), pollIntervalMs: -1 },
    {
      models: {
        configs: [{ name: model, basePath, platform: 'onnx', versionPolicy: { kind: 'specific', versions: [version] }, labels: {} }],
        sourceAt: sourceFactory({ endpoint, env }),
      },
      backend: onnxruntimeNode({ flags }),
      sha256: nodeSha256,
      imageCodecs: nodeImageCodecs(),
      namedSteps,
    },
  );
  return service;
}

function compare(stats: Map<string, OutputReport>, name: string, captured: unknown, replayed: unknown, tolerance: number): void {
  const s = stats.get(name) ?? { name, compared: 0, maxAbs: 0, maxRel: 0, overTolerance: 0, top1: null };
  stats.set(name, s);
  s.compared++;
  const a = flat(captured);
  const b = flat(replayed);
  let over = a.length !== b.length;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (typeof a[i] === 'number' && typeof b[i] === 'number') {
      const abs = Math.abs((a[i] as number) - (b[i] as number));
      s.maxAbs = Math.max(s.maxAbs, abs);
      s.maxRel = Math.max(s.maxRel, abs / Math.max(Math.abs(a[i] as number), 1e-30));
      if (abs > tolerance * Math.max(1, Math.abs(a[i] as number))) over = true;
    } else if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) over = true;
  }
  if (over) s.overTolerance++;
  const top = topClasses(captured);
  if (top) s.top1 = (s.top1 ?? 0) + (JSON.stringify(top) === JSON.stringify(topClasses(replayed)) ? 1 : 0);
}

const flat = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);

/** Per row: the argmax of the last axis of a [batch, classes] float output, or a string output's value; null otherwise. */
function topClasses(v: unknown): unknown[] | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  if (typeof v[0] === 'string') return v;
  if (!Array.isArray(v[0]) || !v.every((row) => Array.isArray(row) && row.length > 1 && row.every((x) => typeof x === 'number'))) return null;
  return (v as number[][]).map((row) => row.indexOf(Math.max(...row)));
}

function formatReport(report: ReplayReport, model: string, version: number, tolerance: number, warmup?: string): string {
  const lines = [`replayed ${report.replayed} captured requests of ${model} on version ${version}${report.failed.length ? `; ${report.failed.length} failed` : ''}`];
  for (const f of report.failed.slice(0, 5)) lines.push(`  failed: ${f.error}`);
  for (const o of report.outputs) {
    const share = (n: number) => `${((100 * n) / o.compared).toFixed(1)}%`;
    lines.push(
      `  ${o.name}: max abs ${o.maxAbs.toPrecision(3)}, max rel ${o.maxRel.toPrecision(3)}, ${share(o.overTolerance)} over tolerance ${tolerance}${o.top1 === null ? '' : `, top-1 agrees ${share(o.top1)}`}`,
    );
  }
  if (warmup) lines.push(`wrote ${warmup}: ${report.replayed} requests with version ${version}'s answers as golden outputs`);
  return lines.join('\n');
}
