import { createServer, type Server } from 'node:net';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpReceiver } from '../support/otlp-receiver.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { startDeno, type DenoProcess } from './deno-process.ts';

// The Deno function's mistakes at start read as the Node server's do (one shared mapping,
// core/config/listen-error.ts, and the Catalog's listing at start): one line and exit code 2 for a
// busy port; a repository root with no models said in the log and by readiness. And its request log.
const started: DenoProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((d) => d.stop()));
});

describe('the Deno function at start', () => {
  it('says a busy PORT in one line and exits 2', async () => {
    const busy: Server = createServer();
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
    const port = (busy.address() as { port: number }).port;
    try {
      const failure = await startDeno({ PORT: String(port), BACKEND: 'wasm', MODEL_BASE_PATH: './models' }).then(
        (d) => (started.push(d), 'started'),
        (err: Error) => err.message,
      );
      expect(failure).toBe(`deno exited with 2 before listening:\nedgeserve: PORT=${port}: 127.0.0.1:${port} is already in use (pick another port, or stop the server using it)\n`);
    } finally {
      busy.close();
    }
  }, 60_000);

  it('says a MODEL_BASE_PATH with no models, and is not ready', async () => {
    const deno = await startDeno({ BACKEND: 'wasm', MODEL_BASE_PATH: './modls' });
    started.push(deno);
    const why = 'no models found at ./modls: it does not exist or is empty (each model is a folder there, holding numbered version folders)';
    expect(deno.output()).toContain(`edgeserve: ${why}`);
    const res = await fetch(`${deno.url}/readyz`);
    expect([res.status, await res.json()]).toEqual([503, { ready: false, error: why, models: [] }]);
  }, 60_000);

  it('writes the request log (REQUEST_LOG) as JSON lines', async () => {
    const deno = await startDeno({ BACKEND: 'wasm', MODEL_BASE_PATH: './models', REQUEST_LOG: 'errors' });
    started.push(deno);
    await fetch(`${deno.url}/v1/models/nope:predict`, { method: 'POST', body: '{"instances": [[1.0]]}', headers: { 'x-request-id': 'deno-1' } });
    let line: string | undefined;
    for (let i = 0; i < 100 && !line; i++) {
      line = deno.output().split('\n').find((l) => l.startsWith('{'));
      if (!line) await new Promise((done) => setTimeout(done, 20));
    }
    expect(JSON.parse(line!)).toMatchObject({ request_id: 'deno-1', model: 'nope', status: 404, error_code: 'NOT_FOUND' });
  }, 60_000);

  it('writes captured requests (model.json "capture") into the model folder it may write to', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'edgeserve-deno-capture-'));
    try {
      cpSync('models/half_plus_two', join(repo, 'half_plus_two'), { recursive: true });
      writeFileSync(join(repo, 'half_plus_two', 'model.json'), JSON.stringify({ capture: { sample_rate: 1 } }));
      const deno = await startDeno({ BACKEND: 'wasm', MODEL_BASE_PATH: repo }, [`--allow-write=${repo}`]);
      started.push(deno);
      const res = await fetch(`${deno.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0]]}', headers: { 'x-request-id': 'deno-capture' } });
      expect(res.status).toBe(200);
      // Written a second after it is held: wait for the file.
      const files = () => (existsSync(join(repo, 'half_plus_two', 'captures')) ? readdirSync(join(repo, 'half_plus_two', 'captures'), { recursive: true }).map(String).filter((f) => f.endsWith('.jsonl')) : []);
      for (let i = 0; i < 200 && files().length === 0; i++) await new Promise((done) => setTimeout(done, 25));
      const [file] = files();
      expect(JSON.parse(readFileSync(join(repo, 'half_plus_two', 'captures', file), 'utf8'))).toMatchObject({ request_id: 'deno-capture', status: 200, outputs: { y: [[2.5]] } });
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  }, 60_000);

  it("sends traces over OTLP/HTTP (OpenTelemetry's SDK under Deno), parented to the client's traceparent", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const deno = await startDeno({ BACKEND: 'wasm', MODEL_BASE_PATH: './models', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '20' });
      started.push(deno);
      const traceparent = '00-6bf92f3577b34da6a3ce929d0e0e4736-20f067aa0ba902b7-01';
      const res = await fetch(`${deno.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0]]}', headers: { traceparent } });
      expect(res.status).toBe(200);
      const spans = await receiver.waitFor((all) => all.some((s) => s.parentSpanId === '20f067aa0ba902b7'));
      const root = spans.find((s) => s.parentSpanId === '20f067aa0ba902b7')!;
      expect(root).toMatchObject({ traceId: '6bf92f3577b34da6a3ce929d0e0e4736', name: 'predict', kind: 2, service: 'edgeserve' });
    } finally {
      await receiver.close();
    }
  }, 60_000);
});
