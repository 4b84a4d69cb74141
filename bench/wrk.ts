import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Summary } from './steady.ts';

/**
 * wrk (a C load generator, Debian package `wrk`) as the bench's client: it costs far less CPU per
 * request than a Node client would, so more of the machine goes to the server under test. The
 * body is read from a file by a Lua script, so JSON and binary protobuf go through the same path.
 * Every 2xx counts; anything else, and socket errors, count as errors.
 */
export function ensureWrk(log: (line: string) => void): void {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  log('wrk not found: installing the Debian package (apt-get update && apt-get install -y wrk)');
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export interface WrkRun {
  url: string;
  bodyFile: string;
  contentType: string;
  connections: number;
  durationS: number;
  /** Folder for the Lua script. */
  dir: string;
}

const MARK = 'EDGESERVE-WRK';

export function luaScript(bodyFile: string, contentType: string): string {
  return [
    `local f = assert(io.open(${JSON.stringify(bodyFile)}, "rb"))`,
    'wrk.body = f:read("*a")',
    'f:close()',
    'wrk.method = "POST"',
    `wrk.headers["Content-Type"] = ${JSON.stringify(contentType)}`,
    'done = function(s, latency, requests)',
    '  local e = s.errors',
    `  io.write(string.format("${MARK} %d %d %d %d %d %d\\n", s.requests, e.connect + e.read + e.write + e.status + e.timeout, s.duration,`,
    '    latency:percentile(50), latency:percentile(95), latency:percentile(99)))',
    'end',
    '',
  ].join('\n');
}

/** Parses the script's summary line: requests, errors, duration (µs), p50/p95/p99 (µs). */
export function parseWrk(output: string): Summary {
  const line = output.split('\n').find((l) => l.startsWith(MARK));
  if (!line) throw new Error(`wrk printed no summary:\n${output}`);
  const [requests, errors, durationUs, p50, p95, p99] = line.slice(MARK.length).trim().split(/\s+/).map(Number);
  const ok = requests - errors;
  return { rowsPerSec: (ok * 1e6) / durationUs, p50Ms: p50 / 1000, p95Ms: p95 / 1000, p99Ms: p99 / 1000, errors, windows: 1, steady: true };
}

export async function runWrk(run: WrkRun): Promise<Summary> {
  const script = join(run.dir, 'post.lua');
  await writeFile(script, luaScript(run.bodyFile, run.contentType));
  const args = ['-t1', `-c${run.connections}`, `-d${run.durationS}s`, '--timeout', '10s', '-s', script, run.url];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (text += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}:\n${text}`))));
  });
  return parseWrk(output);
}
