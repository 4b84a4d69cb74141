/**
 * The GPU check (`npm run check:gpu`, or bench/gpu-check.sh on a bare machine): serves the heavy
 * benchmark model (bench/models.ts, about 25M parameters) with the container entry twice, once
 * with --device=gpu and once with --device=cpu, both with batching on, then
 *   1. reports which provider the gpu server really uses: its device log line and its x-backend
 *      header ("onnxruntime-node-cuda" only when the CUDA provider loaded), and whether that device
 *      line is the first thing it printed;
 *   2. compares the two servers' outputs on the same rows (max |gpu - cpu| must be <= 1e-4);
 *   3. runs the same closed-loop load on each (`--seconds` per server, `--concurrency` callers of
 *      `--rows` rows each) and prints rows/s and latency side by side as a Markdown table.
 * Without a usable GPU the gpu server falls back to CPU and says so; the check still runs and says
 * in one line that both rows are CPU. `--out FILE` also writes the report (bench/results/...).
 * `--require-gpu` exits 1 when CUDA is not active (for a machine that has a GPU).
 *
 *   npx tsx bench/gpu-check.ts [--seconds 10] [--concurrency 32] [--rows 1] [--out FILE] [--require-gpu]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closedLoop, httpPoster } from './load.ts';
import { MODELS, inputRows, modelBasePath, parameterCount } from './models.ts';
import { textFormat } from './servers.ts';
import { percentile } from './steady.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const seconds = Number(arg('seconds', '10'));
const concurrency = Number(arg('concurrency', '32'));
const rows = Number(arg('rows', '1'));
const out = arg('out', '');
const requireGpu = process.argv.includes('--require-gpu');
const model = MODELS.find((m) => m.name === 'heavy')!;

interface Server {
  device: string;
  url: string;
  output: () => string;
  stop: () => Promise<void>;
}

function startContainer(device: 'gpu' | 'cpu', basePath: string, batchingFile: string): Promise<Server> {
  const args = ['--import', 'tsx', 'functions/node/main.ts', `--device=${device}`, '--rest_api_host=127.0.0.1', '--rest_api_port=0', '--port=0'];
  args.push(`--model_name=${model.name}`, `--model_base_path=${basePath}`, '--enable_batching=true', `--batching_parameters_file=${batchingFile}`);
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /REST API at (http:\/\/\S+)/.exec(output)?.[1];
      if (!url) return;
      const stop = () => new Promise<void>((done) => (child.exitCode !== null ? done() : (child.once('exit', () => done()), child.kill('SIGTERM'))));
      resolve({ device, url, output: () => output, stop });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`--device=${device} server exited with ${code}:\n${output}`)));
  });
}

async function predict(server: Server, instances: number[][]): Promise<{ backend: string; y: number[] }> {
  const res = await fetch(`${server.url}/v1/models/${model.name}:predict`, { method: 'POST', body: JSON.stringify({ instances }) });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`--device=${server.device}: HTTP ${res.status}: ${JSON.stringify(body)}`);
  return { backend: res.headers.get('x-backend') ?? '?', y: (body.predictions as number[][]).flat() };
}

async function load(server: Server): Promise<{ rowsPerS: number; p50: number; p99: number; errors: number }> {
  const body = JSON.stringify({ instances: inputRows(model, rows) });
  const poster = httpPoster(`${server.url}/v1/models/${model.name}:predict`, body, rows, concurrency);
  const loop = closedLoop(concurrency, poster.post);
  await new Promise((r) => setTimeout(r, Math.min(2000, seconds * 200))); // warm-up, not counted
  loop.drain();
  const started = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const sample = loop.drain();
  const elapsed = performance.now() - started;
  await loop.stop();
  poster.close();
  const sorted = sample.latenciesMs.sort((a, b) => a - b);
  return { rowsPerS: (sample.rows * 1000) / elapsed, p50: percentile(sorted, 50), p99: percentile(sorted, 99), errors: sample.errors };
}

const dir = await mkdtemp(join(tmpdir(), 'edgeserve-gpu-check-'));
const servers: Server[] = [];
try {
  const basePath = await modelBasePath(model);
  const batchingFile = join(dir, 'batching.pbtxt');
  await writeFile(batchingFile, textFormat({ max_batch_size: 64, batch_timeout_micros: 2000, max_enqueued_batches: 1000, num_batch_threads: 1 }));
  const gpu = await startContainer('gpu', basePath, batchingFile);
  servers.push(gpu);
  const cpu = await startContainer('cpu', basePath, batchingFile);
  servers.push(cpu);

  const firstLine = gpu.output().split('\n')[0];
  const deviceLine = gpu.output().split('\n').find((l) => l.startsWith('edgeserve: device:')) ?? '(no device line)';
  const probeRows = inputRows(model, 8);
  const [g, c] = [await predict(gpu, probeRows), await predict(cpu, probeRows)];
  const cuda = g.backend === 'onnxruntime-node-cuda';
  const maxDiff = Math.max(...g.y.map((v, i) => Math.abs(v - c.y[i])));
  const agree = maxDiff <= 1e-4;

  const results = [];
  for (const server of [gpu, cpu]) results.push({ server, backend: server === gpu ? g.backend : c.backend, ...(await load(server)) });
  const table = [
    '| --device | x-backend | rows/s | p50 ms | p99 ms | errors |',
    '|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.server.device} | ${r.backend} | ${r.rowsPerS.toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} |`),
  ];
  const report = [
    `# GPU check — ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Model: ${model.name} MLP ${model.layers.join('x')} (${(parameterCount(model.layers) / 1e6).toFixed(1)}M parameters), batching on ` +
      `(max_batch_size 64, 2 ms timeout); ${concurrency} closed-loop callers of ${rows} row(s), ${seconds} s per server after a warm-up.`,
    '',
    `- CUDA provider active: ${cuda ? 'yes' : 'NO'} (x-backend ${g.backend})`,
    `- gpu server's device line: ${deviceLine}`,
    `- its first log line is edgeserve's device line: ${firstLine === deviceLine ? 'yes' : `no (${firstLine.slice(0, 200)})`}`,
    `- outputs, gpu vs cpu, 8 rows x ${model.layers.at(-1)}: max |diff| = ${maxDiff.toExponential(2)} (${agree ? 'within' : 'OVER'} 1e-4)`,
    ...(cuda ? [] : ['- No usable GPU here: the --device=gpu server fell back to CPU, so both rows below run on the CPU.']),
    '',
    ...table,
    '',
    `Command: \`${['npx tsx bench/gpu-check.ts', ...process.argv.slice(2)].join(' ')}\``,
    '',
    `Machine: ${cpus().length} x ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}, ${process.platform}/${process.arch}`,
  ].join('\n');
  console.log(report);
  if (out) await writeFile(out, report + '\n');
  if (!agree || (requireGpu && !cuda)) process.exitCode = 1;
} finally {
  for (const s of servers) await s.stop();
  await rm(dir, { recursive: true, force: true });
}
