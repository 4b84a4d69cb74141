import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../e2e/server-process.ts';
import { grpcClient, grpcError, Status, type GrpcClient } from './client.ts';

// ModelService.HandleReloadConfigRequest on the real server: a new model list applied without a
// restart (models added and removed, labels moved), all or nothing, with no request failing
// during the swap.
const MODELS = resolve(import.meta.dirname, '../../models');
const config = (name: string, labels: Record<string, number> = {}, policy: object = { latest: { num_versions: 1 } }) => ({
  name,
  base_path: join(MODELS, name),
  model_platform: 'onnx',
  model_version_policy: policy,
  version_labels: labels,
});
const reload = (...configs: object[]) => ({ config: { model_config_list: { config: configs } } });

let server: ServerProcess;
let client: GrpcClient;
beforeAll(async () => {
  server = await startServer(['--model_name=half_plus_two', `--model_base_path=${join(MODELS, 'half_plus_two')}`], {}, { grpc: true });
  client = grpcClient(server.grpcAddress!.replace(/^[^:]+/, '127.0.0.1'));
});
afterAll(async () => {
  client?.close();
  await server?.stop();
});

const predictHalfPlusTwo = () => fetch(`${server.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0]]}' }).then((r) => r.status);

describe('HandleReloadConfigRequest', () => {
  it('adds and removes models and moves labels without a restart, failing no request on a model kept', async () => {
    const during = Promise.all(Array.from({ length: 40 }, predictHalfPlusTwo));
    const res = await client.call('model', 'HandleReloadConfigRequest', reload(config('half_plus_two'), config('classifier', { stable: 1 }, { all: {} })));
    expect(res.status ?? {}).toEqual({});
    expect((await during).every((s) => s === 200)).toBe(true);
    const classified = await fetch(`${server.url}/v1/models/classifier/labels/stable:classify`, { method: 'POST', body: '{"examples": [{"inputs": [0, 0, 5, 0]}]}' });
    expect(classified.status).toBe(200);
    // A label moved to a version that is AVAILABLE (v2 loaded by its first request).
    expect((await fetch(`${server.url}/v1/models/classifier/versions/2/metadata`)).status).toBe(200);
    await client.call('model', 'HandleReloadConfigRequest', reload(config('half_plus_two'), config('classifier', { stable: 2 }, { all: {} })));
    const stable = await fetch(`${server.url}/v1/models/classifier/labels/stable/metadata`).then((r) => r.json() as Promise<{ model_spec: { version: string } }>);
    expect(stable.model_spec.version).toBe('2');
    // Left out of the list: gone, and new requests answer 404.
    await client.call('model', 'HandleReloadConfigRequest', reload(config('classifier', { stable: 2 }, { all: {} })));
    const gone = await fetch(`${server.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0]]}' });
    expect(gone.status).toBe(404);
    expect(server.output()).toContain('model half_plus_two: removed from the model list');
  });

  it('refuses a label on a version that is not available, or a list that does not parse, and changes nothing', async () => {
    const before = await fetch(`${server.url}/v1/models/classifier/labels/stable/metadata`).then((r) => r.status);
    expect(await grpcError(client.call('model', 'HandleReloadConfigRequest', reload(config('classifier', { stable: 7 }, { all: {} }))))).toEqual({
      code: Status.FAILED_PRECONDITION,
      details: 'Request to assign label to version 7 of model classifier, which is not currently available for inference',
    });
    const unnamed = await grpcError(client.call('model', 'HandleReloadConfigRequest', reload({ base_path: '/x', model_platform: 'onnx' })));
    expect(unnamed.code).toBe(Status.INVALID_ARGUMENT);
    expect(await grpcError(client.call('model', 'HandleReloadConfigRequest', {}))).toEqual({ code: Status.INVALID_ARGUMENT, details: 'ReloadConfigRequest has no config.model_config_list' });
    expect(await fetch(`${server.url}/v1/models/classifier/labels/stable/metadata`).then((r) => r.status)).toBe(before);
  });
});

describe('--model_config_file_poll_wait_seconds', () => {
  it('applies a changed config file without a restart, and keeps serving when the file breaks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeserve-config-poll-'));
    const file = join(dir, 'models.config');
    const list = (...names: string[]) => `model_config_list { ${names.map((n) => `config { name: "${n}" base_path: "${join(MODELS, n)}" model_platform: "onnx" }`).join(' ')} }`;
    writeFileSync(file, list('half_plus_two'));
    const polled = await startServer([`--model_config_file=${file}`, '--model_config_file_poll_wait_seconds=1']);
    const answered = (model: string) => fetch(`${polled.url}/v1/models/${model}/metadata`).then((r) => r.status);
    const until = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 200 && !(await check()); i++) await new Promise((done) => setTimeout(done, 50));
    };
    try {
      expect(await answered('regressor')).toBe(404);
      writeFileSync(file, list('half_plus_two', 'regressor'));
      await until(async () => (await answered('regressor')) === 200);
      expect(await answered('regressor')).toBe(200);
      writeFileSync(file, 'model_config_list { config { name: ');
      await until(async () => polled.output().includes('not applied, the served models stay'));
      expect(polled.output()).toContain(`--model_config_file=${file}: not applied, the served models stay`);
      expect([await answered('half_plus_two'), await answered('regressor')]).toEqual([200, 200]);
    } finally {
      await polled.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
