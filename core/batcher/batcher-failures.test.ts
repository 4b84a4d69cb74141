import { describe, expect, it } from 'vitest';
import { ServingError } from '../errors.ts';
import { Registry } from '../metrics/registry.ts';
import { createBatcher } from './batcher.ts';
import { FakeClock, fakeServable, outValues, params, rows, settle } from '../testing/fake-batching.ts';
import { batchingMetrics } from './metrics.ts';
import { QUEUE_FULL } from './queue.ts';

const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: ServingError) => `${e.code}: ${e.message}`);

describe('batcher failures', () => {
  it('runs a request that does not fit the batch plan alone, as batching off would, and keeps TF Serving’s size check', async () => {
    const clock = new FakeClock();
    const { servable, runs } = fakeServable();
    const batcher = createBatcher(params({ maxBatchSize: 2 }), clock);
    const scalar = { x: { dtype: 'float32' as const, dims: [], data: Float32Array.from([1]) } };
    const uneven = { ...rows([1]), y: { dtype: 'float32' as const, dims: [2], data: Float32Array.from([1, 2]) } };
    const stranger = { z: { dtype: 'float32' as const, dims: [1], data: Float32Array.from([1]) } };
    expect(outValues(await batcher.run(servable, scalar))).toEqual([10]);
    expect(outValues(await batcher.run(servable, uneven))).toEqual([10]);
    expect(Object.keys(await batcher.run(servable, stranger))).toEqual(['z_out']);
    expect(runs.map((r) => r.inputs)).toEqual([scalar, uneven, stranger]);
    expect(await code(batcher.run(servable, rows([1, 2, 3])))).toBe('INVALID_ARGUMENT: Task size 3 is larger than maximum input batch size 2');
    expect(runs).toHaveLength(3);
  });

  it('answers a full queue at once with UNAVAILABLE and TF Serving’s wording', async () => {
    const clock = new FakeClock();
    const registry = new Registry();
    const { servable, runs } = fakeServable({ manual: true });
    const batcher = createBatcher(params({ maxBatchSize: 2, maxEnqueuedBatches: 1 }), { ...clock, metrics: batchingMetrics(registry) });
    void batcher.run(servable, rows([1]));
    const queued = batcher.run(servable, rows([2, 3]));
    expect(await code(batcher.run(servable, rows([4])))).toBe(`UNAVAILABLE: ${QUEUE_FULL}`);
    expect(registry.render()).toContain('edgeserve_batch_requests_total{model="m",version="1",outcome="rejected"} 1');
    runs[0].release();
    await settle();
    runs[1].release();
    expect(outValues(await queued)).toEqual([20, 30]);
  });

  it('fails only the members of a failing batch', async () => {
    const clock = new FakeClock();
    const { servable, runs } = fakeServable({ manual: true });
    const batcher = createBatcher(params(), clock);
    const first = batcher.run(servable, rows([1]));
    const doomed = [batcher.run(servable, rows([2])), batcher.run(servable, rows([3]))];
    runs[0].fail(new ServingError('INVALID_ARGUMENT', 'bad input'));
    expect(await code(first)).toBe('INVALID_ARGUMENT: bad input');
    const later = batcher.run(servable, rows([4]));
    runs[1].fail(new Error('native crash at /home/secret'));
    expect(await Promise.all(doomed.map(code))).toEqual(['INTERNAL: Internal error', 'INTERNAL: Internal error']);
    await settle();
    runs[2].release();
    expect(outValues(await later)).toEqual([40]);
  });

  it('fails a batch whose outputs lack the batch dimension with FAILED_PRECONDITION', async () => {
    const clock = new FakeClock();
    const { servable } = fakeServable();
    servable.session.run = async () => ({ y: { dtype: 'float32', dims: [], data: Float32Array.from([1]) } });
    const batcher = createBatcher(params(), clock);
    expect(await code(batcher.run(servable, rows([1])))).toBe('FAILED_PRECONDITION: Batched output tensor has 0 dimensions');
    servable.session.run = async () => ({ y: { dtype: 'float32', dims: [3], data: new Float32Array(3) } });
    expect(await code(batcher.run(servable, rows([1])))).toMatch(/^FAILED_PRECONDITION: Batched output tensor's 0th dimension does not equal/);
  });

  it('drops a request whose signal aborts before its batch runs, and never runs it', async () => {
    const clock = new FakeClock();
    const { servable, runs, rowsPerRun } = fakeServable({ manual: true });
    const batcher = createBatcher(params(), clock);
    void batcher.run(servable, rows([1]));
    const gone = new AbortController();
    const kept = batcher.run(servable, rows([2]));
    const dropped = batcher.run(servable, rows([3, 4]), { signal: gone.signal });
    gone.abort();
    expect(await code(dropped)).toBe('CANCELLED: The request was cancelled before its batch ran');
    expect(await code(batcher.run(servable, rows([5]), { signal: gone.signal }))).toMatch(/^CANCELLED/);
    runs[0].release();
    await settle();
    expect(rowsPerRun()).toEqual([1, 1]);
    expect(Array.from(runs[1].inputs.x.data as Float32Array)).toEqual([2]);
    runs[1].release();
    expect(outValues(await kept)).toEqual([20]);
  });

  it('counts each request once, by how it ended: cancelled while its batch ran, failed with the run, or ok', async () => {
    const clock = new FakeClock();
    const registry = new Registry();
    const { servable, runs } = fakeServable({ manual: true });
    const batcher = createBatcher(params(), { ...clock, metrics: batchingMetrics(registry) });
    const gone = new AbortController();
    const left = code(batcher.run(servable, rows([1]), { signal: gone.signal }));
    await settle();
    gone.abort();
    runs[0].release();
    expect(await left).toBe('CANCELLED: The request was cancelled before its batch ran');
    const failed = code(batcher.run(servable, rows([2])));
    await settle();
    runs[1].fail(new ServingError('INTERNAL', 'boom'));
    expect(await failed).toBe('INTERNAL: boom');
    const ok = batcher.run(servable, rows([3]));
    await settle();
    runs[2].release();
    await ok;
    const counted = registry.render().split('\n').filter((l) => l.startsWith('edgeserve_batch_requests_total{'));
    expect(counted).toEqual([
      'edgeserve_batch_requests_total{model="m",version="1",outcome="cancelled"} 1',
      'edgeserve_batch_requests_total{model="m",version="1",outcome="error"} 1',
      'edgeserve_batch_requests_total{model="m",version="1",outcome="ok"} 1',
    ]);
  });

  it('never runs a batch whose members all went away', async () => {
    const clock = new FakeClock();
    const { servable, runs } = fakeServable({ manual: true });
    const batcher = createBatcher(params({ batchTimeoutMicros: 1000 }), clock);
    void batcher.run(servable, rows([1]));
    const gone = new AbortController();
    const both = [batcher.run(servable, rows([2]), { signal: gone.signal }), batcher.run(servable, rows([3]), { signal: gone.signal })];
    gone.abort();
    await Promise.all(both.map(code));
    runs[0].release();
    await clock.advance(5);
    expect(runs).toHaveLength(1);
  });

  it('hands the batch timeout to the next member when the oldest one goes away', async () => {
    const clock = new FakeClock();
    const { servable, runs, rowsPerRun } = fakeServable({ manual: true });
    const batcher = createBatcher(params({ batchTimeoutMicros: 5000 }), clock);
    void batcher.run(servable, rows([1]));
    const gone = new AbortController();
    void code(batcher.run(servable, rows([2]), { signal: gone.signal }));
    const kept = batcher.run(servable, rows([3]));
    runs[0].release();
    await clock.advance(1);
    gone.abort();
    await clock.advance(3);
    expect(rowsPerRun()).toEqual([1]);
    await clock.advance(1);
    expect(rowsPerRun()).toEqual([1, 1]);
    runs[1].release();
    expect(outValues(await kept)).toEqual([30]);
  });

  it('close() fails queued requests and refuses new ones; the running batch still finishes', async () => {
    const clock = new FakeClock();
    const { servable, runs } = fakeServable({ manual: true });
    const batcher = createBatcher(params(), clock);
    const running = batcher.run(servable, rows([1]));
    const queued = batcher.run(servable, rows([2]));
    batcher.close();
    expect(await code(queued)).toBe('UNAVAILABLE: The batcher is shut down');
    expect(await code(batcher.run(servable, rows([3])))).toBe('UNAVAILABLE: The batcher is shut down');
    runs[0].release();
    expect(outValues(await running)).toEqual([10]);
  });
});
