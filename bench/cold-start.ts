import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { putVersion } from '../test/edge/r2-repository.ts';
import { buildBundle, startWorker } from '../test/edge/worker-harness.ts';
import { freePort } from '../test/support/free-port.ts';
import { MODELS, modelBasePath } from './models.ts';

/**
 * `npx tsx bench/cold-start.ts [runs]`: start to the first answered predict, on the bench's small
 * (0.8 MB) and heavy (33 MB) models, for the commands users start the Node server with, against a
 * raw script that imports onnxruntime-node, creates the session and runs once; and for the other
 * targets, each from nothing: Deno (a process, WASM), the CPU container image (`docker run`, when
 * a daemon and the edgeserve:cpu image are here: npm run test:container builds it) and the Worker
 * (a new workerd isolate under miniflare: module start, onnxruntime-web's WASM, the R2 read, the
 * session, the run; the bucket's filling is not timed). Each case runs `runs` times (default 5),
 * interleaved, and the median is reported with its ratio to the raw script's. Lambda's cold start
 * has its own bench (bench/lambda-cold-start.ts: init, first invocation, re-init).
 */
const ROOT = resolve(import.meta.dirname, '..');
const runs = Number(process.argv[2] ?? 5);

const RAW = join(tmpdir(), 'edgeserve-cold-start-raw.mjs');
writeFileSync(
  RAW,
  `import { createRequire } from 'node:module';
const ort = createRequire(${JSON.stringify(join(ROOT, 'package.json'))})('onnxruntime-node');
const [file, width] = process.argv.slice(2);
const session = await ort.InferenceSession.create(file);
await session.run({ x: new ort.Tensor('float32', new Float32Array(Number(width)), [1, Number(width)]) });
console.log('answered');
`,
);

interface Case {
  name: string;
  command?: (base: string, port: number) => string[];
  raw?: true;
  /** For targets that are not one process: starts, answers the first predict, stops; the ms it took. */
  measure?: (base: string, width: number) => Promise<number>;
  env?: (base: string, port: number) => Record<string, string>;
}

const serverArgs = (base: string, port: number) => [`--model_name=m`, `--model_base_path=${base}`, `--rest_api_port=${port}`, '--port=0'];
// Deno and the Worker serve a repository root: one with the model under the name "m".
const roots = new Map<string, string>();
const rootOf = (base: string) => {
  if (!roots.has(base)) {
    const root = mkdtempSync(join(tmpdir(), 'edgeserve-cold-root-'));
    cpSync(base, join(root, 'm'), { recursive: true });
    roots.set(base, root);
  }
  return roots.get(base)!;
};
const docker = spawnSync('docker', ['image', 'inspect', 'edgeserve:cpu'], { stdio: 'ignore' }).status === 0;
const worker = await buildBundle();

async function workerColdStart(base: string, width: number): Promise<number> {
  const started = performance.now();
  const w = await startWorker(worker.dir);
  const ready = performance.now() - started;
  try {
    const model = new Uint8Array(readFileSync(join(base, '1/model.onnx')));
    await putVersion(w.put, 'm/1', { 'model.onnx': model });
    const first = performance.now();
    const res = await w.fetch('/v1/models/m:predict', { method: 'POST', body: JSON.stringify({ instances: [Array(width).fill(0)] }) });
    if (res.status !== 200) throw new Error(`worker: ${res.status} ${await res.text()}`);
    return ready + (performance.now() - first);
  } finally {
    await w.stop();
  }
}

const CASES: Case[] = [
  { name: 'raw onnxruntime-node script', command: (base) => ['node', RAW, join(base, '1/model.onnx')], raw: true },
  { name: 'npx edgeserve serve', command: (base, port) => ['npx', 'edgeserve', 'serve', ...serverArgs(base, port)] },
  { name: 'npm start --', command: (base, port) => ['npm', 'start', '--silent', '--', ...serverArgs(base, port)] },
  { name: 'node bin/edgeserve.js serve', command: (base, port) => ['node', 'bin/edgeserve.js', 'serve', ...serverArgs(base, port)] },
  { name: 'node dist/node/main.mjs', command: (base, port) => ['node', 'dist/node/main.mjs', ...serverArgs(base, port)] },
  {
    name: 'Deno, WASM (functions/deno/main.ts)',
    command: () => ['node_modules/.bin/deno', 'run', '--unstable-no-legacy-abort', '--allow-net', '--allow-read', '--allow-env', '--allow-sys', 'functions/deno/main.ts'],
    env: (base, port) => ({ MODEL_BASE_PATH: rootOf(base), PORT: String(port), HOST: '127.0.0.1', BACKEND: 'wasm' }),
  },
  ...(docker
    ? [{ name: 'container image (docker run edgeserve:cpu)', command: (base: string, port: number) => ['docker', 'run', '--rm', '--network', 'host', '-v', `${base}:/models/m:ro`, 'edgeserve:cpu', '--model_name=m', '--model_base_path=/models/m', '--rest_api_host=127.0.0.1', `--rest_api_port=${port}`, '--port=0'] }]
    : []),
  { name: 'Worker (workerd under miniflare, R2)', measure: workerColdStart },
];

async function once(c: Case, base: string, width: number): Promise<number> {
  if (c.measure) return c.measure(base, width);
  const port = await freePort();
  const [command, ...args] = c.command!(base, port);
  const started = performance.now();
  const env = c.env ? { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...c.env(base, port) } : process.env;
  const child = spawn(command, c.raw ? [...args, String(width)] : args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  try {
    if (c.raw) {
      await new Promise<void>((done, failed) => {
        child.stdout!.on('data', (b: Buffer) => (output += b) && output.includes('answered') && done());
        child.once('exit', (code) => (code === 0 ? done() : failed(new Error(`${c.name}: exit ${code}`))));
      });
      return performance.now() - started;
    }
    child.stdout!.on('data', (b: Buffer) => (output += b));
    child.stderr!.on('data', (b: Buffer) => (output += b));
    const body = JSON.stringify({ instances: [Array(width).fill(0)] });
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${port}/v1/models/m:predict`, { method: 'POST', body }).catch(() => null);
      if (res?.status === 200) return performance.now() - started;
      if (child.exitCode !== null) throw new Error(`${c.name} exited:\n${output}`);
      if (performance.now() - started > 60_000) throw new Error(`${c.name}: no answer after 60 s (last: ${res?.status ?? 'no connection'}):\n${output}`);
      await new Promise((done) => setTimeout(done, 2));
    }
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  console.log(`# Start to first answer (median of ${runs}, interleaved)\n`);
  console.log(`| how it starts | ${MODELS.map((m) => `${m.name} model`).join(' | ')} |`);
  console.log(`| --- | ${MODELS.map(() => '--:').join(' | ')} |`);
  const results = new Map<string, number[]>();
  for (const model of MODELS) {
    const base = await modelBasePath(model);
    const times = new Map(CASES.map((c) => [c.name, [] as number[]]));
    for (let i = 0; i < runs; i++) for (const c of CASES) times.get(c.name)!.push(await once(c, base, model.layers[0]));
    for (const c of CASES) results.set(`${c.name}|${model.name}`, [median(times.get(c.name)!)]);
  }
  for (const c of CASES) {
    const cells = MODELS.map((m) => {
      const ms = results.get(`${c.name}|${m.name}`)![0];
      const raw = results.get(`${CASES[0].name}|${m.name}`)![0];
      return c.raw ? `${ms.toFixed(0)} ms` : `${ms.toFixed(0)} ms (${(ms / raw).toFixed(2)}x)`;
    });
    console.log(`| ${c.name} | ${cells.join(' | ')} |`);
  }
} finally {
  worker.remove();
  for (const root of roots.values()) rmSync(root, { recursive: true, force: true });
}
