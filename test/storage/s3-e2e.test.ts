import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../core/repository/version-files.ts';
import { label } from '../../cli/label.ts';
import { ls } from '../../cli/ls.ts';
import { push } from '../../cli/push.ts';
import { startServer, type ServerProcess } from '../e2e/server-process.ts';
import { largeModel } from '../fixtures/onnx-writer.ts';
import { startS3rver, type S3rverHarness } from './s3rver.ts';

// The real server process serving models from a real S3-compatible server (s3rver), rolled out
// with the `edgeserve` CLI: the bin for the rollout under load, its commands in-process elsewhere
// (each spawn costs a second or two). Model version N answers y = x + N, so every answer names
// its version.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUCKET = 'models';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-s3-e2e-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function modelFile(version: number, bytes = 2048): string {
  const file = join(dir, `v${version}-${bytes}.onnx`);
  writeFileSync(file, largeModel(bytes, { offset: version }));
  return file;
}

/** Runs bin/edgeserve.js; resolves with its exit code and output. */
function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/edgeserve.js', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

async function predict(server: ServerProcess, path: string) {
  const res = await fetch(`${server.url}/v1/models/${path}:predict`, { method: 'POST', body: '{"instances": [[10]]}' });
  const text = await res.text();
  const body = JSON.parse(text);
  return { status: res.status, version: res.headers.get('x-model-version'), y: body.predictions?.[0]?.[0] as number | undefined, error: body.error as string | undefined, text };
}

async function status(server: ServerProcess, model: string) {
  return (await (await fetch(`${server.url}/v1/models/${model}`)).json()).model_version_status as { version: string; state: string; status: { error_code: string; error_message: string } }[];
}

/** Polls `check` until it returns true or the deadline passes (no fixed sleeps). */
async function until(check: () => Promise<boolean>, what: string, deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('serving from S3: rollout by upload', () => {
  let s3: S3rverHarness;
  let server: ServerProcess;
  let cliEnv: Record<string, string>;
  beforeAll(async () => {
    s3 = await startS3rver(BUCKET);
    cliEnv = { ...s3.env, AWS_ENDPOINT_URL_S3: s3.endpoint };
    await push([modelFile(1), '--model', 'm', '--to', `s3://${BUCKET}/repo`], cliEnv, () => {});
    await s3.put('repo/m/model.json', JSON.stringify({ version_policy: { latest: { num_versions: 2 } }, labels: { stable: 1 } }));
    // Keys outside the model's prefix that no request may reach.
    const secret = largeModel(2048, { offset: 666 });
    await s3.put('repo/secret/1/model.onnx', secret);
    await s3.put('repo/secret/1/manifest.json', JSON.stringify({ files: [{ path: 'model.onnx', size: secret.byteLength, sha256: await sha256Hex(secret) }] }));
    await s3.put('secret.onnx', secret);
    server = await startServer([`--model_base_path=s3://${BUCKET}/repo/m`, '--model_name=m', `--s3_endpoint=${s3.endpoint}`, '--file_system_poll_wait_seconds=1'], s3.env);
  });
  afterAll(async () => {
    await server?.stop();
    await s3?.stop();
  });

  it('loads version 1 from S3 and serves it', async () => {
    expect(s3.requests.some((r) => r.startsWith(`GET /${BUCKET}/repo/m/1/model.onnx`))).toBe(true);
    expect(await predict(server, 'm')).toMatchObject({ status: 200, version: '1', y: 11 });
  });

  it('rolls out v2 pushed with the CLI while requests run: none fails, then x-model-version is 2', async () => {
    const seen: { status: number; version: string | null }[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const r = await predict(server, 'm');
        seen.push({ status: r.status, version: r.version });
        expect(r.y, r.text).toBe(Number(r.version) + 10);
      }
    })();
    try {
      const pushed = await cli(['push', modelFile(2), '--model', 'm', '--to', `s3://${BUCKET}/repo`], cliEnv);
      expect(pushed.code, pushed.output).toBe(0);
      expect(pushed.output).toContain('pushed m version 2');
      await until(async () => seen.at(-1)?.version === '2', 'version 2 to serve');
    } finally {
      running = false;
      await loop;
    }
    expect(seen.filter((r) => r.status !== 200)).toEqual([]);
    expect(new Set(seen.map((r) => r.version))).toEqual(new Set(['1', '2']));
    // The manifest went up after the model file.
    const puts = s3.requests.filter((r) => r.startsWith(`PUT /${BUCKET}/repo/m/2/`));
    expect(puts.map((r) => r.split(' ')[1].split('?')[0])).toEqual([`/${BUCKET}/repo/m/2/model.onnx`, `/${BUCKET}/repo/m/2/manifest.json`]);
  });

  it('answers requests pinned to a version or a label with exactly that version', async () => {
    expect(await predict(server, 'm/versions/1')).toMatchObject({ status: 200, version: '1', y: 11 });
    expect(await predict(server, 'm/labels/stable')).toMatchObject({ status: 200, version: '1', y: 11 });
    expect(await predict(server, 'm/versions/2')).toMatchObject({ status: 200, version: '2', y: 12 });
  });

  it('moves the stable label with one CLI call, and back', async () => {
    for (const target of [2, 1]) {
      const out: string[] = [];
      await label(['m', `stable=${target}`, '--to', `s3://${BUCKET}/repo`], cliEnv, (m) => out.push(m));
      expect(out[0]).toBe(`m: stable -> ${target} (was ${3 - target})`);
      await until(async () => (await predict(server, 'm/labels/stable')).version === String(target), `stable -> ${target}`);
      expect(await predict(server, 'm/labels/stable')).toMatchObject({ status: 200, y: 10 + target });
    }
  });

  it('never serves a corrupt v3 (sha256 mismatch): it ends as END with the reason, v2 keeps serving', async () => {
    const bytes = largeModel(2048, { offset: 3 });
    await s3.put('repo/m/3/model.onnx', bytes);
    await s3.put('repo/m/3/manifest.json', JSON.stringify({ files: [{ path: 'model.onnx', size: bytes.byteLength, sha256: '0'.repeat(64) }] }));
    const versions: (string | null)[] = [];
    await until(async () => {
      const r = await predict(server, 'm');
      expect(r.status).toBe(200);
      versions.push(r.version);
      return (await status(server, 'm')).some((s) => s.version === '3' && s.state === 'END');
    }, 'v3 to end');
    expect(versions).not.toContain('3');
    const v3 = (await status(server, 'm')).find((s) => s.version === '3')!;
    expect(v3.status.error_code).toBe('DATA_LOSS');
    expect(v3.status.error_message).toContain('repo/m/3/model.onnx does not match its sha256 in the manifest');
    expect(await predict(server, 'm')).toMatchObject({ status: 200, version: '2' });
    await expect(predict(server, 'm/versions/3')).resolves.toMatchObject({ status: 404 });
  });

  it('lists the repository with the CLI', async () => {
    const out: string[] = [];
    await ls(['m', '--to', `s3://${BUCKET}/repo`], cliEnv, (m) => out.push(m));
    expect(out.join('\n').split('\n').map((line) => line.split(/\s+/))).toEqual([
      ['MODEL', 'VERSION', 'STATE', 'SIZE', 'LABELS'],
      ['m', '3', 'unverified', '2.0', 'KiB'],
      ['m', '2', 'unverified', '2.0', 'KiB'],
      ['m', '1', 'unverified', '2.0', 'KiB', 'stable'],
      ['m:', 'version', 'policy', 'latest(2)'],
    ]);
    out.length = 0;
    await ls(['m', '--verify', '--to', `s3://${BUCKET}/repo`], cliEnv, (m) => out.push(m));
    expect(out.join('\n').split('\n').map((line) => line.split(/\s+/).slice(0, 3))).toEqual([
      ['MODEL', 'VERSION', 'STATE'],
      ['m', '3', 'corrupt'],
      ['m', '2', 'verified'],
      ['m', '1', 'verified'],
      ['m:', 'version', 'policy'],
      ['m', 'version', '3:'],
    ]);
    expect(out.join('\n')).toContain('repo/m/3/model.onnx does not match its sha256 in the manifest');
  });

  it('never reads keys outside the model prefix, whatever the model name', async () => {
    const before = s3.requests.length;
    for (const path of ['secret', '..%2Fsecret', 'm%2F..%2Fsecret', 'm%2F..%2F..%2Fsecret.onnx', '..', 'm/labels/..%2F..%2Fsecret', 'm/versions/1%2F..%2F..%2Fsecret']) {
      const r = await predict(server, path).catch(() => ({ status: 0, y: undefined, text: '' }));
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.y, path).not.toBe(676);
    }
    expect(s3.requests.slice(before).filter((r) => r.includes('secret'))).toEqual([]);
    expect(s3.requests.filter((r) => r.includes('secret') && r.startsWith('GET'))).toEqual([]);
  });
});

describe('serving from S3: cost and outages', () => {
  let s3: S3rverHarness;
  let server: ServerProcess;
  beforeAll(async () => {
    s3 = await startS3rver(BUCKET);
    for (const v of [1, 2]) {
      const bytes = largeModel(100_000, { offset: v });
      await s3.put(`repo/m/${v}/model.onnx`, bytes);
      await s3.put(`repo/m/${v}/manifest.json`, JSON.stringify({ files: [{ path: 'model.onnx', size: bytes.byteLength, sha256: await sha256Hex(bytes) }] }));
    }
    await s3.put('repo/m/model.json', JSON.stringify({ version_policy: { all: {} } }));
    // The cache holds one version: v2 loads first, then v1 evicts it. v1 is warm, v2 is cold.
    server = await startServer(
      [`--model_base_path=s3://${BUCKET}/repo/m`, '--model_name=m', `--s3_endpoint=${s3.endpoint}`, '--file_system_poll_wait_seconds=60', '--cache_bytes=150000'],
      s3.env,
    );
    expect((await status(server, 'm')).map((s) => [s.version, s.state])).toEqual([
      ['2', 'START'],
      ['1', 'AVAILABLE'],
    ]);
  });
  afterAll(async () => {
    await server?.stop();
    await s3?.stop();
  });

  const storageCalls = async () => {
    const text = await (await fetch(`${server.url}/monitoring/prometheus/metrics`)).text();
    return [...text.matchAll(/^edgeserve_storage_calls_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
  };

  it('makes no storage calls for warm requests within the poll interval', async () => {
    const [requests, metric] = [s3.requests.length, await storageCalls()];
    expect(metric).toBeGreaterThan(0);
    for (let i = 0; i < 25; i++) expect(await predict(server, 'm/versions/1')).toMatchObject({ status: 200, y: 11 });
    expect(s3.requests.length).toBe(requests);
    expect(await storageCalls()).toBe(metric);
  });

  it('with storage stopped, keeps answering warm requests and answers cold ones 503 quickly', async () => {
    await s3.stop();
    for (let i = 0; i < 5; i++) expect(await predict(server, 'm/versions/1')).toMatchObject({ status: 200, y: 11 });
    const cold = await predict(server, 'm/versions/2');
    expect(cold.status).toBe(503);
    expect(cold.error).toMatch(/^Cannot read s3:\/\/models\/repo\/m\/2\/manifest\.json: ECONNREFUSED/);
    expect(cold.text).not.toContain('S3RVER');
    const started = Date.now();
    for (let i = 0; i < 5; i++) expect((await predict(server, 'm/versions/2')).status).toBe(503); // backing off: no storage call
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await predict(server, 'm')).toMatchObject({ status: 200, version: '1' }); // latest falls back to the warm version
  });
});
