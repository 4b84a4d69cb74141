import { afterEach, describe, expect, it, vi } from 'vitest';
import { unavailable } from '../errors.ts';
import { deferred, setup } from '../testing/fake-manager.ts';

// acquire's `wait`: the request's deadline bounds the wait for a load; the load goes on.
afterEach(() => vi.useRealTimers());

describe('Manager.acquire with a deadline', () => {
  it('rejects DEADLINE_EXCEEDED at the deadline while the load goes on for later requests', async () => {
    vi.useFakeTimers();
    const t = setup({ '1/model.onnx': 'model-1' });
    const gate = deferred();
    t.backend.gate = gate.promise;
    const waiting = t.manager.acquire('m', {}, { timeoutMs: 100 });
    const settled = expect(waiting).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED', message: 'Request did not finish within 100 ms' });
    await vi.advanceTimersByTimeAsync(100);
    await settled;
    gate.resolve();
    vi.useRealTimers();
    await vi.waitFor(async () => expect((await t.manager.status('m', 1))[0].state).toBe('AVAILABLE'));
    expect(await t.versionOf()).toBe(1);
    expect(t.backend.loads).toEqual(['model-1']);
  });

  it('rejects UNAVAILABLE with the last storage fault when a retried load outlasts the deadline', async () => {
    vi.useFakeTimers();
    const t = setup({ '1/model.onnx': 'model-1' });
    const read = t.source.read.bind(t.source);
    let calls = 0;
    t.source.read = async (path) => {
      if (path.startsWith('1/') && ++calls === 1) throw unavailable('Cannot read memory:/1/model.onnx: ECONNRESET');
      if (path.startsWith('1/')) return new Promise<never>(() => {}); // storage now stalls
      return read(path);
    };
    await expect(t.manager.acquire('m')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    t.clock.ms += 10_000; // past the backoff: the next request retries the load
    const waiting = t.manager.acquire('m', {}, { timeoutMs: 100 });
    const settled = expect(waiting).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'Cannot read memory:/1/model.onnx: ECONNRESET (still retrying)' });
    await vi.advanceTimersByTimeAsync(100);
    await settled;
  });

  it('answers a warm version at once', async () => {
    const t = setup({ '1/model.onnx': 'model-1' });
    await t.manager.preload();
    const lease = await t.manager.acquire('m', {}, { timeoutMs: 0 });
    expect(lease.servable.version).toBe(1);
    lease.release();
  });
});
