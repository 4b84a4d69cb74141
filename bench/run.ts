/**
 * Issue 13's benchmark: for each model, the raw onnxruntime-node loop at batch 1 and batch B, then
 * each server target (the 60-line node:http server, edgeserve with batching off and on, and on
 * with binary protobuf bodies) under wrk over loopback, one row per request. Each server runs
 * under node --cpu-prof; its RSS is read from /proc. Writes <out>/<date>-<name>.md (goals,
 * tables, memory, profile summaries, the command) and .svg (chart).
 *
 *   npm run bench -- [--quick] [flags]      (tsx bench/run.ts; --help lists the flags)
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBenchArgs, USAGE, type BenchArgs, type Target } from './args.ts';
import { chart } from './chart.ts';
import { MODELS, modelBasePath, parameterCount, predictBody, predictProto, type BenchModel } from './models.ts';
import { profileIn } from './profile.ts';
import { rawLoop } from './raw.ts';
import { goals, LABELS, memoryTable, profiles, table, type Point, type ServerRecord } from './report.ts';
import { scrape, split, type Totals } from './scrape.ts';
import { buildEdgeserve, edgeserve, plainServer, type ServerUnderTest } from './servers.ts';
import { ensureWrk, runWrk } from './wrk.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);
const PROTO = 'application/x-protobuf';

interface Running {
  target: Target;
  server: ServerUnderTest;
  /** The model's :predict URL on that server, the body file wrk sends and its type. */
  url: string;
  bodyFile: string;
  contentType: string;
  record: ServerRecord;
  /** Whether a warm-up load has run (rssWarm is read after the first one). */
  warmed: boolean;
}

async function startTarget(target: Target, model: BenchModel, base: string, args: BenchArgs, dir: string): Promise<ServerUnderTest> {
  const profileDir = args.profile ? join(dir, `profile-${model.name}-${target}`) : null;
  if (target === 'plain') return plainServer(base, args.batch, profileDir);
  const batching = {
    max_batch_size: args.batch,
    batch_timeout_micros: args.batchTimeoutMicros,
    max_enqueued_batches: 1000,
    num_batch_threads: args.batchThreads,
  };
  return edgeserve(model.name, base, target === 'edgeserve' ? null : batching, dir, args.serverFlags, profileDir);
}

/** One POST on a fresh connection (none is left open to hold the server's shutdown). */
function postOnce(url: string, body: Uint8Array | string, contentType: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': contentType } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Starts a server target and checks that it answers one prediction (a row of the right width for JSON). */
async function launch(target: Target, model: BenchModel, base: string, args: BenchArgs, dir: string): Promise<Running> {
  const server = await startTarget(target, model, base, args, dir);
  const url = `${server.url}/v1/models/${model.name}:predict`;
  const proto = target === 'edgeserve-proto';
  const bodyFile = join(dir, `${model.name}.${proto ? 'pb' : 'json'}`);
  const body = proto ? predictProto(model) : predictBody(model);
  await writeFile(bodyFile, body);
  const contentType = proto ? PROTO : 'application/json';
  const check = await postOnce(url, body, contentType);
  const ok = proto ? check.status === 200 : (JSON.parse(check.body.toString()) as { predictions?: number[][] }).predictions?.[0]?.length === model.layers.at(-1);
  if (!ok) {
    await server.stop();
    throw new Error(`${target} answered ${check.status} without a prediction: ${check.body.toString().slice(0, 300)}`);
  }
  const modelBytes = (await stat(join(base, '1', 'model.onnx'))).size;
  const rss = server.rss();
  const record: ServerRecord = { model: model.name, target, modelBytes, rssWarm: rss, rssPeak: rss, profile: null };
  return { target, server, url, bodyFile, contentType, record, warmed: false };
}

async function point(r: Running, model: BenchModel, concurrency: number, args: BenchArgs, dir: string): Promise<Point> {
  const wrk = { url: r.url, bodyFile: r.bodyFile, contentType: r.contentType, connections: concurrency, dir };
  await runWrk({ ...wrk, durationS: args.warmupS });
  if (!r.warmed) {
    r.warmed = true;
    r.record.rssWarm = r.server.rss();
    r.record.rssPeak = Math.max(r.record.rssPeak, r.record.rssWarm);
  }
  const before: Totals | null = r.server.metrics ? await scrape(r.server.url) : null;
  r.server.profiling();
  const cpu0 = r.server.cpuSeconds();
  const t0 = performance.now();
  const summary = await runWrk({ ...wrk, durationS: args.durationS });
  const cores = (r.server.cpuSeconds() - cpu0) / ((performance.now() - t0) / 1000);
  r.server.profiling();
  const after: Totals | null = r.server.metrics ? await scrape(r.server.url) : null;
  r.record.rssPeak = Math.max(r.record.rssPeak, r.server.rss());
  log(`  ${LABELS[r.target]} x${concurrency}: ${summary.rowsPerSec.toFixed(0)} rows/s, p50 ${summary.p50Ms.toFixed(3)} ms, p99 ${summary.p99Ms.toFixed(2)} ms, ${summary.errors} errors, ${cores.toFixed(2)} cores`);
  return { model: model.name, target: r.target, concurrency, rows: 1, summary, split: before && after ? split(before, after) : null, cores };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (!args) return void console.log(USAGE);
  ensureWrk(log);
  buildEdgeserve();
  const startLoad = loadavg()[0].toFixed(2);
  const dir = await mkdtemp(join(tmpdir(), 'edgeserve-bench-run-'));
  const points: Point[] = [];
  const servers: ServerRecord[] = [];
  const models = args.models.map((name) => MODELS.find((m) => m.name === name) ?? fail(`unknown model ${name}`));
  try {
    for (const model of models) {
      const base = await modelBasePath(model);
      log(`${model.name}: ${model.layers.join('-')} MLP, ${(parameterCount(model.layers) / 1e6).toFixed(1)}M parameters`);
      if (args.targets.includes('raw')) {
        for (const rows of [1, args.batch]) {
          const summary = await rawLoop(model, base, rows, args.steady);
          points.push({ model: model.name, target: 'raw', concurrency: 1, rows, summary, split: null });
          log(`  raw batch ${rows}: ${summary.rowsPerSec.toFixed(0)} rows/s, p50 ${summary.p50Ms.toFixed(3)} ms`);
        }
      }
      // All servers up at once and measured in turn at each concurrency (rotating who goes
      // first): background load on a shared machine then hits every target alike. Idle servers
      // cost nothing: onnxruntime's pools do not spin in edgeserve, and wrk drives one at a time.
      const running: Running[] = [];
      try {
        for (const target of args.targets.filter((t) => t !== 'raw')) running.push(await launch(target, model, base, args, dir));
        for (const [i, concurrency] of args.concurrency.entries()) {
          for (let j = 0; j < running.length; j++) points.push(await point(running[(i + j) % running.length], model, concurrency, args, dir));
        }
      } finally {
        await Promise.all(running.map((r) => r.server.stop()));
      }
      for (const r of running) {
        if (r.server.profileDir) r.record.profile = await profileIn(r.server.profileDir);
        servers.push(r.record);
      }
    }
    await writeResults(args, models, points, servers, startLoad);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function writeResults(args: BenchArgs, models: BenchModel[], points: Point[], servers: ServerRecord[], startLoad: string): Promise<void> {
  const stem = `${new Date().toISOString().slice(0, 10)}-${args.name}`;
  await mkdir(args.out, { recursive: true });
  await writeFile(join(args.out, `${stem}.svg`), chart(points, models.map((m) => m.name)));
  const flags = process.argv.slice(2).join(' ');
  const busy = args.concurrency.includes(32) ? 32 : Math.max(...args.concurrency);
  const md = [
    `# Benchmark: ${args.name}`,
    '',
    `Command: \`${['npm run bench', ...(flags ? ['--', flags] : [])].join(' ')}\``,
    '',
    `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${new Date().toISOString()};`,
    `load average ${startLoad} at the start, ${loadavg()[0].toFixed(2)} at the end.`,
    'edgeserve ran as the container image runs it: the esbuild bundle of functions/node/main.ts (functions/node/build.mjs), --device=cpu.',
    `Load: wrk -t1 -cN over loopback, one row per request, ${args.warmupS} s warmup then ${args.durationS} s measured per point; servers measured in turn.`,
    `Raw loops: in-process session.run back to back, default session options, windows of ${args.steady.windowMs} ms until three agree within ${args.steady.tolerance * 100}%.`,
    `Batching on: max_batch_size ${args.batch}, batch_timeout_micros ${args.batchTimeoutMicros}, num_batch_threads ${args.batchThreads}, max_enqueued_batches 1000.`,
    `edgeserve flags added: ${args.serverFlags.length ? `\`${args.serverFlags.join(' ')}\`` : 'none (defaults)'}. The 60-line server queues up to ${args.batch} rows per run.`,
    'queue/run/batch/server columns are edgeserve\'s own metrics over the measured span (mean time queued, mean batched run, mean rows per run, mean time in the server).',
    'RSS after warmup is read once the first point\'s warm-up load has run (start-up garbage, such as the model file\'s bytes, is collected by then); the peak after every point.',
    'cores: CPU time the server process used (all threads, user + system) per second measured; the machine has ' + cpus().length + '.',
    args.profile ? 'Every server ran under the V8 profiler while measured (main thread only; a few percent slower).' : 'No CPU profiles (--no-profile).',
    '',
    `![throughput against p99 latency](./${stem}.svg)`,
    '',
    '## Goals (issue 13)',
    '',
    ...goals(points, servers, args.batch, busy),
    '',
    ...models.flatMap((m) => [
      `## ${m.name}: ${m.layers.join('-')} MLP, ${(parameterCount(m.layers) / 1e6).toFixed(1)}M parameters`,
      '',
      table(points.filter((p) => p.model === m.name)),
      '',
    ]),
    '## Memory',
    '',
    memoryTable(servers),
    '',
    '## Where the main thread\'s time goes (self time, all measured points per server)',
    '',
    'Profiled only while wrk measured (bench/profiled.ts), all points of a server together; shares of the busy time (idle left out).',
    '`(program)` is native code V8 cannot name (libuv, the HTTP parser); onnxruntime\'s run shows as the binding\'s `run` frames.',
    '',
    ...profiles(servers),
  ].join('\n');
  await writeFile(join(args.out, `${stem}.md`), md);
  log(`wrote ${join(args.out, `${stem}.md`)} and .svg`);
}

function fail(message: string): never {
  throw new Error(message);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
