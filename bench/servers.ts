import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A server under test, running as a child process on a loopback port. */
export interface ServerUnderTest {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  /** Whether it serves edgeserve's Prometheus metrics (queueing vs run time). */
  metrics: boolean;
  /** Resident set size now, from /proc (bytes); NaN where /proc is missing. */
  rss(): number;
  /** CPU seconds the process has used, all its threads (user + system, /proc); NaN where /proc is missing. */
  cpuSeconds(): number;
  /** Folder where the process writes a CPU profile per profiled span (null: not profiled; bench/profiled.ts). */
  profileDir: string | null;
  /** Starts, or stops and writes, a profiled span; nothing when not profiled. */
  profiling(): void;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY = /(?:REST API at|listening at) (http:\/\/[^\s;]+)/;

/**
 * Starts `node --import tsx <script> ...args` (under bench/profiled.ts when `profileDir` is set)
 * and resolves with its URL once it prints one.
 */
async function start(script: string, args: string[], metrics: boolean, profileDir: string | null): Promise<ServerUnderTest> {
  if (profileDir) await mkdir(profileDir, { recursive: true });
  const entry = profileDir ? ['bench/profiled.ts', profileDir, script] : [script];
  const child = spawn(process.execPath, ['--import', 'tsx', ...entry, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = READY.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening:\n${output}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => (clearTimeout(timer), resolve()));
      child.kill('SIGTERM');
    });
  const rss = () => {
    try {
      return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
    } catch {
      return NaN;
    }
  };
  const cpuSeconds = () => {
    try {
      // Fields 14 and 15 of /proc/PID/stat, after the parenthesised name: utime and stime in clock ticks (100 Hz on Linux).
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return NaN;
    }
  };
  const profiling = () => void (profileDir && child.kill('SIGUSR2'));
  return { url, metrics, rss, cpuSeconds, profileDir, profiling, stop };
}

export function plainServer(basePath: string, maxBatch: number, profileDir: string | null): Promise<ServerUnderTest> {
  return start('bench/plain-server.ts', [`--model=${join(basePath, '1', 'model.onnx')}`, `--max-batch=${maxBatch}`], false, profileDir);
}

/** TF Serving's text-format BatchingParameters, as written to the file the server reads. */
export type BatchingFile = Record<string, number | boolean>;

/**
 * edgeserve as the container image runs it: functions/node/build.mjs's esbuild bundle
 * (dist/node/main.mjs, built once per bench run) with --device=cpu. Run from source under
 * tsx, every closure goes through esbuild's keepNames helper, which cost the small model about
 * 15% of its throughput at 32 callers (docs/performance.md).
 */
export function buildEdgeserve(): void {
  execFileSync('node', ['functions/node/build.mjs', '--if-changed'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** `extra`: more server flags (thread settings). Call buildEdgeserve() first. */
export async function edgeserve(
  name: string,
  basePath: string,
  batching: BatchingFile | null,
  dir: string,
  extra: string[],
  profileDir: string | null,
): Promise<ServerUnderTest> {
  const args = ['--device=cpu', '--rest_api_host=127.0.0.1', '--rest_api_port=0', '--port=0', `--model_name=${name}`, `--model_base_path=${basePath}`, ...extra];
  if (batching) {
    const file = join(dir, `batching-${name}.pbtxt`);
    await writeFile(file, textFormat(batching));
    args.push('--enable_batching=true', `--batching_parameters_file=${file}`);
  }
  return start('dist/node/main.mjs', args, true, profileDir);
}

export function textFormat(params: BatchingFile): string {
  return Object.entries(params)
    .map(([field, value]) => `${field} { value: ${value} }\n`)
    .join('');
}
