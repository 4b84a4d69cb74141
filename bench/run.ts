/**
 * Issue 4's benchmark: for each model, the raw onnxruntime-node loop at batch 1 and batch B, then
 * each server target under a closed-loop load sweep over loopback HTTP, each point measured to a
 * steady state. Writes <out>/<date>-<name>.md (tables, targets, the command) and .svg (chart).
 *
 *   npm run bench -- [--quick] [flags]      (tsx bench/run.ts; --help lists the flags)
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBenchArgs, USAGE, type BenchArgs, type Target } from './args.ts';
import { chart } from './chart.ts';
import { closedLoop, httpPoster } from './load.ts';
import { MODELS, modelBasePath, parameterCount, predictBody, type BenchModel } from './models.ts';
import { rawLoop } from './raw.ts';
import { LABELS, table, targets, type Point } from './report.ts';
import { scrape, split, type Totals } from './scrape.ts';
import { edgeserve, plainServer, type ServerUnderTest } from './servers.ts';
import { measure } from './steady.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function startTarget(target: Target, model: BenchModel, base: string, args: BenchArgs, dir: string): Promise<ServerUnderTest> {
  if (target === 'plain') return plainServer(base);
  const batching = {
    max_batch_size: args.batch,
    batch_timeout_micros: args.batchTimeoutMicros,
    max_enqueued_batches: 1000,
    num_batch_threads: args.batchThreads,
  };
  return edgeserve(model.name, base, target === 'edgeserve-batching' ? batching : null, dir);
}

interface Running {
  target: Target;
  server: ServerUnderTest;
  /** The model's :predict URL on that server. */
  url: string;
}

/** Starts a server target and checks that it answers one prediction row of the right width. */
async function launch(target: Target, model: BenchModel, base: string, args: BenchArgs, dir: string): Promise<Running> {
  const server = await startTarget(target, model, base, args, dir);
  const url = `${server.url}/v1/models/${model.name}:predict`;
  const check = await fetch(url, { method: 'POST', body: predictBody(model), headers: { 'content-type': 'application/json' } });
  const predictions = ((await check.json()) as { predictions?: number[][] }).predictions;
  if (predictions?.[0]?.length !== model.layers.at(-1)) {
    await server.stop();
    throw new Error(`${target} answered ${check.status} without a prediction row`);
  }
  return { target, server, url };
}

async function point({ target, server, url }: Running, model: BenchModel, concurrency: number, args: BenchArgs): Promise<Point> {
  const poster = httpPoster(url, predictBody(model), 1, concurrency);
  const loop = closedLoop(concurrency, poster.post);
  const atBoundary = (): Promise<Totals | null> => (server.metrics ? scrape(server.url) : Promise.resolve(null));
  const { summary, span } = await measure(() => loop.drain(), args.steady, atBoundary);
  await loop.stop();
  poster.close();
  const [before, after] = span;
  log(`  ${LABELS[target]} x${concurrency}: ${summary.rowsPerSec.toFixed(0)} rows/s, p99 ${summary.p99Ms.toFixed(2)} ms`);
  return { model: model.name, target, concurrency, rows: 1, summary, split: before && after ? split(before, after) : null };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (!args) return void console.log(USAGE);
  const startLoad = loadavg()[0].toFixed(2);
  const dir = await mkdtemp(join(tmpdir(), 'edgeserve-bench-run-'));
  const points: Point[] = [];
  const models = args.models.map((name) => MODELS.find((m) => m.name === name) ?? fail(`unknown model ${name}`));
  try {
    for (const model of models) {
      const base = await modelBasePath(model);
      log(`${model.name}: ${model.layers.join('-')} MLP, ${(parameterCount(model.layers) / 1e6).toFixed(1)}M parameters`);
      if (args.targets.includes('raw')) {
        for (const rows of [1, args.batch]) {
          const summary = await rawLoop(model, base, rows, args.steady);
          points.push({ model: model.name, target: 'raw', concurrency: 1, rows, summary, split: null });
          log(`  raw batch ${rows}: ${summary.rowsPerSec.toFixed(0)} rows/s, p99 ${summary.p99Ms.toFixed(2)} ms`);
        }
      }
      // All servers up at once and measured in turn at each concurrency (rotating who goes
      // first): background load on a shared machine then hits every target alike.
      const running: Running[] = [];
      try {
        for (const target of args.targets.filter((t) => t !== 'raw')) running.push(await launch(target, model, base, args, dir));
        for (const [i, concurrency] of args.concurrency.entries()) {
          for (let j = 0; j < running.length; j++) points.push(await point(running[(i + j) % running.length], model, concurrency, args));
        }
      } finally {
        await Promise.all(running.map((r) => r.server.stop()));
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await writeResults(args, models, points, startLoad);
}

async function writeResults(args: BenchArgs, models: BenchModel[], points: Point[], startLoad: string): Promise<void> {
  const stem = `${new Date().toISOString().slice(0, 10)}-${args.name}`;
  await mkdir(args.out, { recursive: true });
  await writeFile(join(args.out, `${stem}.svg`), chart(points, models.map((m) => m.name)));
  const heavy = models.find((m) => m.name === 'heavy');
  const flags = process.argv.slice(2).join(' ');
  const md = [
    `# Benchmark: ${args.name}`,
    '',
    `Command: \`${['npm run bench', ...(flags ? ['--', flags] : [])].join(' ')}\``,
    '',
    `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${new Date().toISOString()};`,
    `load average ${startLoad} at the start, ${loadavg()[0].toFixed(2)} at the end (the bench itself adds about 2).`,
    `Closed loop over loopback HTTP, one row per request; each point is the last three of up to ${args.steady.maxWindows} windows of ${args.steady.windowMs} ms,`,
    `taken once three consecutive windows agree within ${args.steady.tolerance * 100}% on throughput. Batching on: max_batch_size ${args.batch},`,
    `batch_timeout_micros ${args.batchTimeoutMicros}, num_batch_threads ${args.batchThreads}, max_enqueued_batches 1000. queue/run/batch/server columns`,
    'are the server\'s own metrics over the same span (mean time queued in the batcher, mean batched run, mean rows per run, mean time in the server).',
    '',
    `![throughput against p99 latency](./${stem}.svg)`,
    '',
    ...(heavy ? ['## Targets (heavy model)', '', ...targets(points, 'heavy', args.batch), ''] : []),
    ...models.flatMap((m) => [
      `## ${m.name}: ${m.layers.join('-')} MLP, ${(parameterCount(m.layers) / 1e6).toFixed(1)}M parameters`,
      '',
      table(points.filter((p) => p.model === m.name)),
      '',
    ]),
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
