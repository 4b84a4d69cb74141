import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Backend } from './backend/backend.ts';
import { ServingError, asServingError, errorLogText, isUnexpectedError, unavailable } from './errors.ts';
import { createApp } from './http/app.ts';
import { fromFetch } from './http/exchange.ts';
import { Manager } from './manager/manager.ts';
import { runDirect } from './manager/lease-run.ts';
import { servingMetrics } from './metrics/serving-metrics.ts';
import { MemorySource } from './repository/memory-source.ts';

// The underlying failure a user must never see but an operator must: it names an internal path.
const CAUSE = 'ort: /opt/models/secret-root/m/1/model.onnx: protobuf parsing failed';

const failingBackend: Backend = {
  name: 'failing',
  load: async () => {
    throw new Error(CAUSE);
  },
};

function setup() {
  const source = new MemorySource();
  source.put('1/model.onnx', 'not onnx');
  const logs: string[] = [];
  const config = { name: 'm', basePath: 'memory:', platform: 'onnx', versionPolicy: { kind: 'latest', numVersions: 1 }, labels: {} } as const;
  const manager = new Manager([{ config, source }], {
    backend: failingBackend,
    cacheBytes: 1 << 20,
    pollIntervalMs: -1,
    log: (line) => logs.push(line),
  });
  return { manager, logs };
}

afterEach(() => vi.restoreAllMocks());

describe('errors keep their cause', () => {
  it('asServingError keeps the original error as cause, and the generic message', () => {
    const original = new Error('boom');
    const error = asServingError(original, 'Failed to load');
    expect(error).toMatchObject({ code: 'INTERNAL', message: 'Failed to load' });
    expect(error.cause).toBe(original);
    expect(asServingError(error)).toBe(error);
  });

  it('errorLogText prints the chain: ServingError messages, stacks of anything else', () => {
    const root = new Error('socket hang up');
    const text = errorLogText(unavailable('Cannot read s3://b/m/1/model.onnx: ECONNRESET', { cause: root }));
    expect(text).toContain('Cannot read s3://b/m/1/model.onnx: ECONNRESET; caused by: Error: socket hang up');
    expect(text).toContain('errors.test.ts'); // the stack of the non-ServingError cause
    expect(errorLogText('plain')).toBe('plain');
  });

  it('isUnexpectedError: unknown errors and INTERNAL wrappers of them, not expected failures', () => {
    expect(isUnexpectedError(new Error('x'))).toBe(true);
    expect(isUnexpectedError(asServingError(new Error('x')))).toBe(true);
    expect(isUnexpectedError(new ServingError('NOT_FOUND', 'gone'))).toBe(false);
    expect(isUnexpectedError(unavailable('down', { cause: new Error('x') }))).toBe(false);
  });

  it("a failed load's log line contains the underlying cause", async () => {
    const { manager, logs } = setup();
    await expect(manager.acquire('m', {})).rejects.toMatchObject({ code: 'INTERNAL', message: 'Failed to load version 1 of model m' });
    const line = logs.find((l) => l.includes('load failed'));
    expect(line).toContain('Failed to load version 1 of model m');
    expect(line).toContain(CAUSE);
  });

  it('the HTTP body carries the message only, never the cause', async () => {
    const { manager } = setup();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const metrics = servingMetrics();
    const host = { services: { manager, run: runDirect, maxTensorBytes: 1 << 24 }, recorder: { manager, metrics, now: () => 0 }, apiKeys: null, timeoutMs: 5000, maxBodyBytes: 1 << 20, tensorContent: false, reloadConfig: null };
    const app = createApp({ host });
    const request = new Request('http://x/v1/models/m:predict', { method: 'POST', body: '{"instances": [1]}', headers: { 'content-type': 'application/json' } });
    const response = await app(fromFetch(request));
    expect(response.status).toBe(500);
    const body = String(response.body);
    expect(JSON.parse(body)).toEqual({ error: 'Failed to load version 1 of model m' });
    expect(body).not.toContain('protobuf');
    expect(body).not.toContain('secret-root');
    // The transport logs the unexpected failure with its cause.
    expect(logged.mock.calls.flat().join('\n')).toContain(CAUSE);
  });
});
