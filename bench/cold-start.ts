import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../test/support/free-port.ts';
import { MODELS, modelBasePath } from './models.ts';

/**
 * `npx tsx bench/cold-start.ts [runs]`: spawn to the first answered predict, for the commands users
 * start the Node server with, against a raw script that imports onnxruntime-node, creates the
 * session and runs once, on the bench's small (0.8 MB) and heavy (33 MB) models. Each case is run
 * `runs` times (default 5), interleaved, and the median is reported with its ratio to the raw
 * script's. A run ends when the predict answers (the raw script: when its run returns).
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
  command: (base: string, port: number) => string[];
  raw?: true;
}

const serverArgs = (base: string, port: number) => [`--model_name=m`, `--model_base_path=${base}`, `--rest_api_port=${port}`, '--port=0'];
const CASES: Case[] = [
  { name: 'raw onnxruntime-node script', command: (base) => ['node', RAW, join(base, '1/model.onnx')], raw: true },
  { name: 'npx edgeserve serve', command: (base, port) => ['npx', 'edgeserve', 'serve', ...serverArgs(base, port)] },
  { name: 'npm start --', command: (base, port) => ['npm', 'start', '--silent', '--', ...serverArgs(base, port)] },
  { name: 'node bin/edgeserve.js serve', command: (base, port) => ['node', 'bin/edgeserve.js', 'serve', ...serverArgs(base, port)] },
  { name: 'node dist/node/main.mjs', command: (base, port) => ['node', 'dist/node/main.mjs', ...serverArgs(base, port)] },
];

async function once(c: Case, base: string, width: number): Promise<number> {
  const port = await freePort();
  const [command, ...args] = c.command(base, port);
  const started = performance.now();
  const child = spawn(command, c.raw ? [...args, String(width)] : args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
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

console.log(`# Spawn to first answer, Node (median of ${runs}, interleaved)\n`);
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
