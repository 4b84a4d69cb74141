import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.ts';

// docs/edge.md's local loop, command for command: `edgeserve push --to ./staging`, `wrangler r2
// object put --local` for each file (manifest last), then `npm run dev:worker`, which starts
// `wrangler dev` on the real wrangler.toml (its [build] command builds the Worker when it changed). The local bucket lives in a temporary
// --persist-to folder. Wrangler needs no login and no network for this: the variables below turn
// off its telemetry, its update check (part of the banner) and its fetch of Request.cf data.
const run = promisify(execFile);
const WRANGLER = 'node_modules/.bin/wrangler';
const ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};

let dir: string;
let dev: ChildProcess | undefined;
let output = '';
let base = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-wrangler-'));
  const staging = join(dir, 'staging');
  const state = join(dir, 'state');
  await run('node', ['bin/edgeserve.js', 'push', 'models/half_plus_two/1/model.onnx', '--model', 'half_plus_two', '--version', '1', '--to', staging], { env: ENV });
  for (const file of ['model.onnx', 'manifest.json']) {
    await run(WRANGLER, ['r2', 'object', 'put', `edgeserve-models/half_plus_two/1/${file}`, '--file', join(staging, 'half_plus_two/1', file), '--local', '--persist-to', state], { env: ENV });
  }
  const port = await freePort();
  // Its own process group, so that stopping it stops npm, the shell, wrangler and workerd.
  dev = spawn('npm', ['run', 'dev:worker', '--', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', state], { env: ENV, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  base = await new Promise<string>((resolve, reject) => {
    const ready = `Ready on http://127.0.0.1:${port}`;
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) resolve(`http://127.0.0.1:${port}`);
    };
    dev!.stdout!.on('data', seen);
    dev!.stderr!.on('data', seen);
    dev!.once('exit', (code) => reject(new Error(`npm run dev:worker exited (${code}) before it was ready:\n${output}`)));
  });
}, 120_000);

afterAll(async () => {
  if (dev?.pid !== undefined && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev!.once('exit', resolve));
    process.kill(-dev.pid, 'SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm run dev:worker (wrangler dev, local R2)', () => {
  it('predicts with the model put into the local bucket', async () => {
    const res = await fetch(`${base}/v1/models/half_plus_two:predict`, { method: 'POST', body: JSON.stringify({ instances: [[1.0], [2.0], [5.0]] }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-model-version')).toBe('1');
    expect(await res.json()).toEqual({ predictions: [[2.5], [3.0], [4.5]] });
  });

  it('builds the Worker at most once, and makes no call out to the network', () => {
    // wrangler runs the [build] command again when its watcher starts ("restarting build"); the
    // command then finds the bundle up to date.
    expect(output.split('Worker bundle in dist/worker:').length - 1).toBeLessThanOrEqual(1);
    expect(output).toContain('Worker bundle in dist/worker is up to date.');
    expect(output).not.toContain('Request.cf');
    expect(output).not.toMatch(/update available/);
  });
});
