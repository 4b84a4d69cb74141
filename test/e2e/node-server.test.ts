import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initOf, runOipConformance } from '../conformance/oip-run.ts';
import { pathOf, runConformance } from '../conformance/run.ts';
import { identityModel } from '../fixtures/onnx-writer.ts';
import { startServer, type ServerProcess } from './server-process.ts';

// The real server process on loopback, over the bundled example repository.
let server: ServerProcess;
beforeAll(async () => {
  server = await startServer(['--model_config_file=models/models.config']);
});
afterAll(() => server?.stop());

async function call(s: ServerProcess, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(s.url + path, { method, body, headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('TF Serving REST conformance (node server)', () => {
  runConformance(async (request) => {
    const body = request.body ? await request.text() : undefined;
    return fetch(server.url + pathOf(request), { method: request.method, body });
  });

  it('stays healthy after every bad request', async () => {
    const res = await call(server, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect((await call(server, 'POST', '/v1/models/half_plus_two:predict', '{"instances": [[1.0]]}')).status).toBe(200);
  });

  it('exports request and load metrics in Prometheus text', async () => {
    const res = await call(server, 'GET', '/monitoring/prometheus/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/edgeserve_requests_total\{model="half_plus_two",version="1",api="predict",status="200"\} \d+/);
    expect(res.text).toContain('edgeserve_model_loads_total{model="classifier",version="2",outcome="ok"} 1');
    expect(res.text).toContain('edgeserve_request_latency_seconds_bucket');
  });

  it('unknown model names share one metrics series', async () => {
    await call(server, 'POST', '/v1/models/random-name-1:predict', '{"instances": [[1]]}');
    const res = await call(server, 'GET', '/monitoring/prometheus/metrics');
    expect(res.text).not.toContain('random-name-1');
    expect(res.text).toContain('model="(unknown)"');
  });
});

describe('Open Inference Protocol conformance (node server)', () => {
  runOipConformance(async (request) => fetch(server.url + pathOf(request), await initOf(request)));
});

describe('server options', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgeserve-e2e-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses bodies over --max_body_bytes with 413, gzip bombs included', async () => {
    const s = await startServer(['--model_config_file=models/models.config', '--max_body_bytes=1024']);
    try {
      const big = JSON.stringify({ instances: Array.from({ length: 500 }, () => [1.0]) });
      const res = await call(s, 'POST', '/v1/models/half_plus_two:predict', big);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.text).error).toContain('larger than the limit of 1024 bytes');
      const bomb = new Uint8Array(await new Response(new Blob([big]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
      expect(bomb.byteLength).toBeLessThan(1024);
      const gz = await fetch(s.url + '/v1/models/half_plus_two:predict', { method: 'POST', body: bomb, headers: { 'content-encoding': 'gzip' } });
      expect(gz.status).toBe(413);
      const small = new Uint8Array(await new Response(new Blob(['{"instances": [[1.0]]}']).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
      const ok = await fetch(s.url + '/v1/models/half_plus_two:predict', { method: 'POST', body: small, headers: { 'content-encoding': 'gzip' } });
      expect(await ok.json()).toEqual({ predictions: [[2.5]] });
    } finally {
      await s.stop();
    }
  });

  it('guards every route but health with API keys from the environment', async () => {
    const s = await startServer(['--model_config_file=models/models.config'], { EDGESERVE_API_KEYS: 'k1,k2' });
    try {
      expect((await call(s, 'GET', '/healthz')).status).toBe(200);
      const none = await call(s, 'GET', '/v1/models/half_plus_two');
      expect(none.status).toBe(401);
      expect(JSON.parse(none.text)).toEqual({ error: 'Missing or invalid API key' });
      expect((await call(s, 'GET', '/v1/models/half_plus_two', undefined, { authorization: 'Bearer nope' })).status).toBe(401);
      expect((await call(s, 'GET', '/monitoring/prometheus/metrics')).status).toBe(401);
      expect((await call(s, 'GET', '/v1/models/half_plus_two', undefined, { authorization: 'Bearer k2' })).status).toBe(200);
    } finally {
      await s.stop();
    }
  });

  it('gives the same answers on the wasm backend', async () => {
    const s = await startServer(['--model_config_file=models/models.config', '--backend=wasm']);
    try {
      for (const path of ['/v1/models/classifier/versions/1:predict', '/v1/models/classifier:predict']) {
        const body = JSON.stringify({ instances: [[1, 2, 3, 4], [0.5, -1, 2, 0]] });
        const [a, b] = await Promise.all([call(s, 'POST', path, body), call(server, 'POST', path, body)]);
        expect(a.status).toBe(200);
        const [pa, pb] = [JSON.parse(a.text).predictions.flat(), JSON.parse(b.text).predictions.flat()];
        pa.forEach((v: number, i: number) => expect(v).toBeCloseTo(pb[i], 6));
      }
      const ids = '{"instances": [{"x": [1, 2, 3], "ids": [9007199254740993, 1]}]}';
      expect((await call(s, 'POST', '/v1/models/multi_io:predict', ids)).text).toBe((await call(server, 'POST', '/v1/models/multi_io:predict', ids)).text);
    } finally {
      await s.stop();
    }
  });

  it('serves one model from MODEL_NAME / MODEL_BASE_PATH; a file that is not ONNX ends as END', async () => {
    const base = join(dir, 'env');
    cpSync('models/half_plus_two', join(base, 'hpt'), { recursive: true });
    cpSync(join(base, 'hpt', '1'), join(base, 'hpt', '2'), { recursive: true });
    writeFileSync(join(base, 'hpt', '2', 'model.onnx'), 'this is not an onnx file');
    const s = await startServer([], { MODEL_NAME: 'hpt', MODEL_BASE_PATH: base });
    try {
      const status = JSON.parse((await call(s, 'GET', '/v1/models/hpt')).text).model_version_status;
      expect(status[0]).toMatchObject({ version: '2', state: 'END', status: { error_code: 'INVALID_ARGUMENT' } });
      expect(status[0].status.error_message).toContain('Could not load the model as ONNX');
      expect(status[1]).toMatchObject({ version: '1', state: 'AVAILABLE' });
      const res = await call(s, 'POST', '/v1/models/hpt:predict', '{"instances": [[1.0]]}');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-model-version')).toBe('1');
    } finally {
      await s.stop();
    }
  });

  it('rolls out a version copied into the folder after the poll interval, with no failed request', async () => {
    const base = join(dir, 'rollout');
    cpSync('models/half_plus_two/1', join(base, '1'), { recursive: true });
    const s = await startServer(['--model_name=m', `--model_base_path=${base}`, '--file_system_poll_wait_seconds=1']);
    try {
      writeFileSync(join(base, '2.tmp'), ''); // not a version folder: ignored
      cpSync('models/half_plus_two/1', join(base, '2'), { recursive: true });
      const seen = new Set<string>();
      const deadline = Date.now() + 20_000;
      while (!seen.has('2') && Date.now() < deadline) {
        const res = await call(s, 'POST', '/v1/models/m:predict', '{"instances": [[1.0]]}');
        expect(res.status, res.text).toBe(200);
        seen.add(res.headers.get('x-model-version')!);
      }
      expect([...seen].sort()).toEqual(['1', '2']);
    } finally {
      await s.stop();
    }
  });

  it('answers every dtype through the JSON codec (identity models)', async () => {
    const base = join(dir, 'dtypes');
    const cases: [string, string, string][] = [
      ['int8', '[[-128, 127]]', '[[-128,127]]'],
      ['uint8', '[[0, 255]]', '[[0,255]]'],
      ['int16', '[[-32768, 32767]]', '[[-32768,32767]]'],
      ['int32', '[[-2147483648, 2147483647]]', '[[-2147483648,2147483647]]'],
      ['int64', '[[-9223372036854775808, 9223372036854775807]]', '[[-9223372036854775808,9223372036854775807]]'],
      ['uint32', '[[0, 4294967295]]', '[[0,4294967295]]'],
      ['uint64', '[[0, 18446744073709551615]]', '[[0,18446744073709551615]]'],
      ['float64', '[[0.1, 0.3333333333333333]]', '[[0.1,0.33333333333333331]]'],
      ['float32', '[[0.1, 3.4028235e38]]', '[[0.1,3.40282347e+38]]'],
      ['float16', '[[0.5, 65504]]', '[[0.5,65504.0]]'],
      ['bool', '[[true, false]]', '[[true,false]]'],
      ['string', '[["a", {"b64": "aGk="}]]', '[["a","hi"]]'],
    ];
    const config = ['model_config_list {'];
    for (const [dtype] of cases) {
      const folder = join(base, dtype, '1');
      cpSync('models/half_plus_two/1', folder, { recursive: true });
      writeFileSync(join(folder, 'model.onnx'), identityModel(dtype as never, ['batch', 2]));
      config.push(`config { name: "${dtype}" base_path: "${dtype}" model_platform: "onnx" }`);
    }
    writeFileSync(join(base, 'models.config'), config.join('\n') + '\n}\n');
    const s = await startServer([`--model_config_file=${join(base, 'models.config')}`]);
    try {
      for (const [dtype, input, output] of cases) {
        const res = await call(s, 'POST', `/v1/models/${dtype}:predict`, `{"instances": ${input}}`);
        expect(res.text, dtype).toBe(`{"predictions":${output}}`);
      }
      const bad = await call(s, 'POST', '/v1/models/int8:predict', '{"instances": [[1.5, 2]]}');
      expect(bad.status).toBe(400);
      const range = await call(s, 'POST', '/v1/models/uint8:predict', '{"instances": [[256, 2]]}');
      expect(range.status).toBe(400);
    } finally {
      await s.stop();
    }
  });
});
