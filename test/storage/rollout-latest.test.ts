import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../core/repository/version-files.ts';
import { startServer, type ServerProcess } from '../e2e/server-process.ts';
import { largeModel } from '../fixtures/onnx-writer.ts';
import { nonDecreasing, startLoad } from '../support/load-clients.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { startS3rver, type S3rverHarness } from './s3rver.ts';

// "Latest" only moves forward for every client during a rollout, while storage is slow, serves a
// corrupt version, or dies mid-download; each model has latest(1) and a label on an older v1, so
// the labelled version is warm the whole time and must never answer an unpinned request.
// Storage is s3rver behind a TCP proxy that the test slows, stalls or kills.
const BODY = '{"instances": [[10]]}';

let s3: S3rverHarness;
let proxy: TcpProxy;
let server: ServerProcess;
let dir: string;

async function putVersion(model: string, version: number, corrupt = false): Promise<void> {
  const bytes = largeModel(2048, { offset: version });
  const sha256 = corrupt ? '0'.repeat(64) : await sha256Hex(bytes);
  await s3.put(`repo/${model}/${version}/model.onnx`, bytes);
  await s3.put(`repo/${model}/${version}/manifest.json`, JSON.stringify({ files: [{ path: 'model.onnx', size: bytes.byteLength, sha256 }] }));
}

async function versionState(model: string, version: number): Promise<{ state: string; code: string } | undefined> {
  const body = await (await fetch(`${server.url}/v1/models/${model}`)).json();
  const found = (body.model_version_status ?? []).find((s: { version: string }) => s.version === String(version));
  return found && { state: found.state, code: found.status.error_code };
}

/** Polls until `check` holds; bounded, so a regression fails instead of hanging. */
async function until(check: () => boolean | Promise<boolean>, what: string, limitMs = 8000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  s3 = await startS3rver('models');
  proxy = await startTcpProxy(Number(new URL(s3.endpoint).port));
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-rollout-'));
  const config = ['model_config_list {'];
  for (const model of ['slow', 'corrupt', 'dies']) {
    await putVersion(model, 1);
    await putVersion(model, 4);
    await s3.put(`repo/${model}/model.json`, JSON.stringify({ version_policy: { latest: { num_versions: 1 } }, labels: { stable: 1 } }));
    config.push(`config { name: "${model}" base_path: "s3://models/repo/${model}" model_platform: "onnx" }`);
  }
  writeFileSync(join(dir, 'models.config'), config.join('\n') + '\n}\n');
  server = await startServer([`--model_config_file=${join(dir, 'models.config')}`, `--s3_endpoint=${proxy.endpoint}`, '--file_system_poll_wait_seconds=1'], s3.env);
  for (const model of ['slow', 'corrupt', 'dies']) {
    await until(async () => (await versionState(model, 1))?.state === 'AVAILABLE' && (await versionState(model, 4))?.state === 'AVAILABLE', `${model} v1 and v4`);
  }
}, 30_000);

afterAll(async () => {
  await server?.stop();
  await proxy?.stop();
  await s3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a rollout never answers "latest" with an older version', () => {
  it('while storage is slow: 4 until 5 is AVAILABLE, then 5', async () => {
    const load = startLoad(`${server.url}/v1/models/slow:predict`, BODY);
    try {
      await until(() => load.seen().has(4), 'v4 answering');
      proxy.set({ kind: 'delay', ms: 150 });
      await putVersion('slow', 5);
      await until(() => load.result.versions.every((seen) => seen.at(-1) === 5), 'every client on v5');
    } finally {
      proxy.set({ kind: 'pass' });
    }
    const { versions, failures } = await load.stop();
    expect(failures).toEqual([]);
    for (const seen of versions) expect(nonDecreasing(seen), seen.join(',')).toBe(true);
    expect([...load.seen()].sort()).toEqual([4, 5]);
  }, 15_000);

  it('when the new version is corrupt: 4 keeps serving, never the labelled 1', async () => {
    const load = startLoad(`${server.url}/v1/models/corrupt:predict`, BODY);
    await until(() => load.seen().has(4), 'v4 answering');
    await putVersion('corrupt', 5, true);
    await until(async () => (await versionState('corrupt', 5))?.code === 'DATA_LOSS', 'v5 failing its checksum');
    const before = load.result.versions.map((seen) => seen.length);
    await until(() => load.result.versions.every((seen, i) => seen.length > before[i] + 2), 'more answers after the failure');
    const { versions, failures } = await load.stop();
    expect(failures).toEqual([]);
    for (const seen of versions) expect(new Set(seen), seen.join(',')).toEqual(new Set([4]));
  }, 15_000);

  it('when storage dies mid-download: 4 serves through the outage, then 5', async () => {
    const load = startLoad(`${server.url}/v1/models/dies:predict`, BODY);
    try {
      await until(() => load.seen().has(4), 'v4 answering');
      proxy.set({ kind: 'delay', ms: 150 });
      await putVersion('dies', 5);
      await until(async () => (await versionState('dies', 5))?.state === 'LOADING', 'v5 downloading');
      proxy.set({ kind: 'down' });
      await until(async () => (await versionState('dies', 5))?.code === 'UNAVAILABLE', 'v5 failing for want of storage');
      const before = load.result.versions.map((seen) => seen.length);
      await until(() => load.result.versions.every((seen, i) => seen.length > before[i] + 2), 'answers during the outage');
      expect(load.seen()).toEqual(new Set([4]));
      proxy.set({ kind: 'pass' });
      await until(() => load.result.versions.every((seen) => seen.at(-1) === 5), 'every client on v5 after storage is back');
    } finally {
      proxy.set({ kind: 'pass' });
    }
    const { versions, failures } = await load.stop();
    expect(failures).toEqual([]);
    for (const seen of versions) expect(nonDecreasing(seen), seen.join(',')).toBe(true);
  }, 20_000);
});
