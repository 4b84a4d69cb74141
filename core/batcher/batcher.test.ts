import { describe, expect, it } from 'vitest';
import { Registry } from '../metrics/registry.ts';
import { createBatcher } from './batcher.ts';
import { FakeClock, fakeServable, outValues, params, rows, settle } from '../testing/fake-batching.ts';
import { batchingMetrics } from './metrics.ts';
import { pollPark } from './wait.ts';
import { childSpan, endSpan, rootSpan, type SpanRecord } from '../trace/spans.ts';
import { RunAbort } from '../deadline.ts';

describe('batcher scheduling', () => {
  it('runs a request on an idle queue at once, on its own tensors, whatever the timeout', async () => {
    const clock = new FakeClock();
    const { servable, runs } = fakeServable();
    const batcher = createBatcher(params({ batchTimeoutMicros: 1_000_000 }), clock);
    const inputs = rows([1, 2]);
    const out = await batcher.run(servable, inputs);
    expect(outValues(out)).toEqual([10, 20]);
    expect(runs[0].inputs.x).toBe(inputs.x);
    expect(clock.pending).toBe(0);
  });

  it('merges requests that arrive while the runner is busy, and gives each its own rows in order', async () => {
    const clock = new FakeClock();
    const { servable, runs, rowsPerRun } = fakeServable({ manual: true });
    const batcher = createBatcher(params(), clock);
    const first = batcher.run(servable, rows([1]));
    const rest = [batcher.run(servable, rows([2])), batcher.run(servable, rows([3, 4])), batcher.run(servable, rows([5]))];
    await settle();
    expect(rowsPerRun()).toEqual([1]);
    runs[0].release();
    await settle();
    expect(rowsPerRun()).toEqual([1, 4]);
    runs[1].release();
    expect(outValues(await first)).toEqual([10]);
    expect((await Promise.all(rest)).map(outValues)).toEqual([[20], [30, 40], [50]]);
  });

  it("records each caller's queue and run spans: its wait in the queue, its batch's run and size (request log, traces)", async () => {
    const clock = new FakeClock();
    const { servable, runs } = fakeServable({ manual: true });
    const batcher = createBatcher(params(), clock);
    const firstSpan = rootSpan('predict', 0);
    const laterSpan = rootSpan('predict', 0);
    const first = batcher.run(servable, rows([1]), { span: firstSpan });
    const later = batcher.run(servable, rows([2, 3]), { span: laterSpan });
    await settle();
    await clock.advance(3);
    runs[0].release();
    await first;
    await settle();
    await clock.advance(2);
    runs[1].release();
    await later;
    const spans = (root: SpanRecord) => root.children.map(({ name, startMs, endMs, attributes }) => ({ name, startMs, endMs, attributes }));
    expect(spans(firstSpan)).toEqual([
      { name: 'queue', startMs: 0, endMs: 0, attributes: {} },
      { name: 'run', startMs: 0, endMs: 3, attributes: { batch_size: 1 } },
    ]);
    // Queued for the 3 ms the first batch ran, then its own batch of 2 rows ran for 2.
    expect(spans(laterSpan)).toEqual([
      { name: 'queue', startMs: 0, endMs: 3, attributes: {} },
      { name: 'run', startMs: 3, endMs: 5, attributes: { batch_size: 2 } },
    ]);
  });

  it('records one queue span for a request split across batches, and a run span per batch', async () => {
    const clock = new FakeClock();
    const { servable, runs } = fakeServable({ manual: true });
    const batcher = createBatcher(params({ maxBatchSize: 4, maxExecutionBatchSize: 2, enableLargeBatchSplitting: true }), clock);
    const span = rootSpan('predict', 0);
    endSpan(childSpan(span, 'decode', 0), 0); // what the request did before it queued
    const split = batcher.run(servable, rows([1, 2, 3]), { span });
    await settle();
    await clock.advance(2);
    runs[0].release();
    await settle();
    await clock.advance(1);
    runs[1].release();
    expect(outValues(await split)).toEqual([10, 20, 30]);
    expect(span.children.map(({ name, startMs, endMs, attributes }) => ({ name, startMs, endMs, attributes }))).toEqual([
      { name: 'decode', startMs: 0, endMs: 0, attributes: {} },
      { name: 'queue', startMs: 0, endMs: 0, attributes: {} },
      { name: 'run', startMs: 0, endMs: 2, attributes: { batch_size: 2 } },
      { name: 'run', startMs: 2, endMs: 3, attributes: { batch_size: 1 } },
    ]);
  });

  it('holds an under-full batch until its oldest row waited batch_timeout_micros, a full one not at all', async () => {
    const clock = new FakeClock();
    const { servable, runs, rowsPerRun } = fakeServable({ manual: true });
    const batcher = createBatcher(params({ maxBatchSize: 2, batchTimeoutMicros: 5000 }), clock);
    void batcher.run(servable, rows([1]));
    await clock.advance(1);
    void batcher.run(servable, rows([2]));
    runs[0].release();
    await clock.advance(4);
    expect(rowsPerRun()).toEqual([1]);
    await clock.advance(1);
    expect(rowsPerRun()).toEqual([1, 1]);
    void batcher.run(servable, rows([3]));
    void batcher.run(servable, rows([4]));
    runs[1].release();
    await settle();
    expect(rowsPerRun()).toEqual([1, 1, 2]);
  });

  it('wakes a waiting batch whose timeout moved when the previous run ended (no lost wake-up)', async () => {
    const clock = new FakeClock();
    const { servable, runs, rowsPerRun } = fakeServable({ manual: true });
    const batcher = createBatcher(params({ maxBatchSize: 8, batchTimeoutMicros: 5000 }), clock);
    const first = batcher.run(servable, rows([1]));
    await settle();
    const rest = [batcher.run(servable, rows([2])), batcher.run(servable, rows([3, 4]))];
    // Past the waiting batch's first deadline while the runner is busy: its leader must not sleep
    // for good, because the run's end moves the deadline (and the demand stays above its 3 rows).
    await clock.advance(6);
    runs[0].release();
    expect(outValues(await first)).toEqual([10]);
    await clock.advance(10);
    expect(rowsPerRun()).toEqual([1, 3]);
    runs[1].release();
    expect((await Promise.all(rest)).map(outValues)).toEqual([[20], [30, 40]]);
  });

  it('runs a batch whose timeout passes between two reads of the clock (a loaded machine), instead of parking its leader for good', async () => {
    // The CI flake of test/e2e/batching-shapes.test.ts: the leader woke a little early, saw its
    // batch not yet due, then read the clock again for its next wait, found the deadline passed
    // and parked with no timer; no run was in flight to wake it, so its callers hung.
    const clock = new FakeClock({ readTickMs: 0.3, earlyMs: 0.5 });
    const { servable, runs, rowsPerRun } = fakeServable({ manual: true });
    const batcher = createBatcher(params({ batchTimeoutMicros: 5000 }), clock);
    const first = batcher.run(servable, rows([1]));
    const second = batcher.run(servable, rows([2]));
    await settle();
    // The run saw two rows queued or running: the next batch waits for a second row, or the timeout.
    runs[0].release();
    expect(outValues(await first)).toEqual([10]);
    await clock.advance(20);
    expect(rowsPerRun()).toEqual([1, 1]);
    runs[1].release();
    expect(outValues(await second)).toEqual([20]);
  });

  it('closes the open batch for a request that does not fit it (no splitting), and fills the new one', async () => {
    const clock = new FakeClock();
    const { servable, runs, rowsPerRun } = fakeServable({ manual: true });
    const batcher = createBatcher(params({ maxBatchSize: 4 }), clock);
    const busy = batcher.run(servable, rows([0]));
    // While the runner is busy: 3 rows open a batch; 2 more do not fit it (3 + 2 > 4) and open
    // another; the last row joins that one, not the closed first.
    const rest = [batcher.run(servable, rows([1, 2, 3])), batcher.run(servable, rows([4, 5])), batcher.run(servable, rows([6]))];
    await settle();
    runs[0].release();
    await busy;
    await settle();
    runs[1].release();
    await settle();
    runs[2].release();
    expect((await Promise.all(rest)).map(outValues)).toEqual([[10, 20, 30], [40, 50], [60]]);
    expect(rowsPerRun()).toEqual([1, 3, 3]);
  });

  it("counts a waiting batch's timeout from the previous run's end when that is later than its first row", async () => {
    const clock = new FakeClock();
    const { servable, runs, rowsPerRun } = fakeServable({ manual: true });
    const batcher = createBatcher(params({ batchTimeoutMicros: 5000 }), clock);
    const first = batcher.run(servable, rows([1]));
    const second = batcher.run(servable, rows([2]));
    await settle();
    // The first run takes 4 ms; the second's row arrived at 0. Counted from its arrival it would be
    // due at 5 ms; from the run's end (4 ms) it is due at 9 ms, giving the first run's caller time to come back.
    await clock.advance(4);
    runs[0].release();
    await first;
    await clock.advance(4);
    expect(rowsPerRun()).toEqual([1]);
    await clock.advance(1);
    expect(rowsPerRun()).toEqual([1, 1]);
    runs[1].release();
    await second;
  });

  it("forgets a cancelled request's rows: the callers that came back alone run at once", async () => {
    const clock = new FakeClock();
    const { servable, runs, rowsPerRun } = fakeServable({ manual: true });
    const batcher = createBatcher(params({ batchTimeoutMicros: 5000 }), clock);
    const a = batcher.run(servable, rows([1]));
    const abort = new RunAbort();
    const b = batcher.run(servable, rows([2]), { signal: abort });
    await settle();
    abort.abort();
    await expect(b).rejects.toMatchObject({ code: 'CANCELLED' });
    runs[0].release();
    await a;
    // Idle past the timeout: the demand is forgotten; then one caller, and one more as it returns.
    await clock.advance(6);
    const c = batcher.run(servable, rows([3]));
    await settle();
    runs[1].release();
    await c;
    void batcher.run(servable, rows([4]));
    await settle();
    // The run before saw one row, so one row is all the next batch waits for.
    expect(rowsPerRun()).toEqual([1, 1, 1]);
    runs[2].release();
  });

  it('runs sequential requests at once however long the timeout (concurrency 1)', async () => {
    const clock = new FakeClock();
    const { servable, rowsPerRun } = fakeServable();
    const batcher = createBatcher(params({ batchTimeoutMicros: 1_000_000 }), clock);
    for (let i = 0; i < 3; i++) {
      await batcher.run(servable, rows([i]));
      await clock.advance(1);
    }
    expect(rowsPerRun()).toEqual([1, 1, 1]);
  });

  it('waits (up to the timeout) for the callers the last run served, instead of running one alone', async () => {
    const clock = new FakeClock();
    const { servable, runs, rowsPerRun } = fakeServable({ manual: true });
    const batcher = createBatcher(params({ batchTimeoutMicros: 5000 }), clock);
    const a = batcher.run(servable, rows([1]));
    void batcher.run(servable, rows([2]));
    runs[0].release();
    await a;
    await clock.advance(1);
    expect(rowsPerRun()).toEqual([1]);
    void batcher.run(servable, rows([3]));
    await settle();
    expect(rowsPerRun()).toEqual([1, 2]);
    runs[1].release();
    await settle();
    void batcher.run(servable, rows([4]));
    await clock.advance(4);
    expect(rowsPerRun()).toEqual([1, 2]);
    await clock.advance(1);
    expect(rowsPerRun()).toEqual([1, 2, 1]);
  });

  it('forgets that demand once the queue sat idle for the timeout', async () => {
    const clock = new FakeClock();
    const { servable, runs, rowsPerRun } = fakeServable({ manual: true });
    const batcher = createBatcher(params({ batchTimeoutMicros: 5000 }), clock);
    void batcher.run(servable, rows([1]));
    void batcher.run(servable, rows([2]));
    void batcher.run(servable, rows([3]));
    runs[0].release();
    await clock.advance(5);
    expect(rowsPerRun()).toEqual([1, 2]);
    runs[1].release();
    await clock.advance(5);
    void batcher.run(servable, rows([4]));
    await settle();
    expect(rowsPerRun()).toEqual([1, 2, 1]);
  });

  it('keeps incompatible requests and different servables in separate batches', async () => {
    const clock = new FakeClock();
    const { servable, runs, rowsPerRun } = fakeServable({ manual: true });
    const other = fakeServable();
    const batcher = createBatcher(params({ maxBatchSize: 8 }), clock);
    void batcher.run(servable, rows([0]));
    const wide = batcher.run(servable, rows([1, 2], [1, 2]));
    const narrow = [batcher.run(servable, rows([3])), batcher.run(servable, rows([4]))];
    const ints = batcher.run(servable, { x: { dtype: 'int32', dims: [1, 1], data: Int32Array.from([5]) } });
    expect(outValues(await batcher.run(other.servable, rows([6])))).toEqual([60]);
    for (let i = 0; i < 4; i++) {
      runs[i].release();
      await settle();
    }
    expect(rowsPerRun()).toEqual([1, 1, 2, 1]);
    expect(outValues(await wide)).toEqual([10, 20]);
    expect((await Promise.all(narrow)).map(outValues)).toEqual([[30], [40]]);
    await ints;
  });

  it('pads to the next allowed batch size with the last request’s first row, and never returns padding', async () => {
    const clock = new FakeClock();
    const { servable, runs, rowsPerRun } = fakeServable({ manual: true });
    const batcher = createBatcher(params({ maxBatchSize: 8, allowedBatchSizes: [2, 4, 8] }), clock);
    const a = batcher.run(servable, rows([1]));
    const b = [batcher.run(servable, rows([2])), batcher.run(servable, rows([3, 4]))];
    await settle();
    runs[0].release();
    await settle();
    expect(rowsPerRun()).toEqual([2, 4]);
    expect(Array.from(runs[0].inputs.x.data as Float32Array)).toEqual([1, 1]);
    expect(Array.from(runs[1].inputs.x.data as Float32Array)).toEqual([2, 3, 4, 3]);
    runs[1].release();
    expect(outValues(await a)).toEqual([10]);
    expect((await Promise.all(b)).map(outValues)).toEqual([[20], [30, 40]]);
  });

  it('splits a large request across batches and joins its rows again', async () => {
    const clock = new FakeClock();
    const { servable, runs, rowsPerRun } = fakeServable({ manual: true });
    const split = params({ maxBatchSize: 10, maxExecutionBatchSize: 4, enableLargeBatchSplitting: true });
    const batcher = createBatcher(split, clock);
    void batcher.run(servable, rows([0]));
    const small = batcher.run(servable, rows([1, 2, 3]));
    const large = batcher.run(servable, rows([4, 5, 6, 7, 8, 9]));
    for (let i = 0; i < 4; i++) {
      await settle();
      runs[i].release();
    }
    expect(rowsPerRun()).toEqual([1, 4, 4, 1]);
    expect(outValues(await small)).toEqual([10, 20, 30]);
    expect(outValues(await large)).toEqual([40, 50, 60, 70, 80, 90]);
  });

  it('runs up to num_batch_threads batches of one servable at a time', async () => {
    const clock = new FakeClock();
    const { servable, rowsPerRun } = fakeServable({ manual: true });
    const batcher = createBatcher(params({ numBatchThreads: 2 }), clock);
    for (let i = 0; i < 4; i++) void batcher.run(servable, rows([i]));
    await settle();
    expect(rowsPerRun()).toEqual([1, 1]);
  });

  it('on Workers (pollPark) each caller learns its result from its own timer only', async () => {
    const clock = new FakeClock();
    const { servable, runs } = fakeServable({ manual: true });
    const batcher = createBatcher(params(), { ...clock, park: pollPark(clock.setTimer, 1) });
    const first = batcher.run(servable, rows([1]));
    const results: number[][] = [];
    for (const v of [2, 3]) void batcher.run(servable, rows([v])).then((out) => results.push(outValues(out)));
    await settle();
    runs[0].release();
    await first;
    await settle();
    expect(runs.length).toBe(1);
    await clock.advance(1);
    expect(runs.length).toBe(2);
    runs[1].release();
    await settle();
    expect(results).toEqual([[20]]);
    await clock.advance(1);
    expect(results).toEqual([[20], [30]]);
  });

  it('counts runs, requests, batch sizes, padding and queueing time per servable', async () => {
    const clock = new FakeClock();
    const registry = new Registry();
    const { servable, runs } = fakeServable({ manual: true });
    const batcher = createBatcher(params({ maxBatchSize: 4, allowedBatchSizes: [4] }), { ...clock, metrics: batchingMetrics(registry) });
    // Enqueued at 1 ms, not 0: a wait is the run's start minus the arrival.
    await clock.advance(1);
    const all = [batcher.run(servable, rows([1])), batcher.run(servable, rows([2])), batcher.run(servable, rows([3]))];
    await clock.advance(2);
    runs[0].release();
    await settle();
    runs[1].release();
    await Promise.all(all);
    const failed = batcher.run(servable, rows([4]));
    await settle();
    runs[2].fail(new Error('boom'));
    await expect(failed).rejects.toMatchObject({ code: 'INTERNAL' });
    const text = registry.render();
    // The first batch ran 2 ms, the second none; the failed one none either.
    expect(text).toContain('edgeserve_batch_run_latency_seconds_sum{model="m",version="1"} 0.002');
    expect(text).toContain('edgeserve_batch_requests_total{model="m",version="1",outcome="error"} 1');
    expect(text).toContain('edgeserve_batch_runs_total{model="m",version="1"} 3');
    expect(text).toContain('edgeserve_batch_requests_total{model="m",version="1",outcome="ok"} 3');
    expect(text).toContain('edgeserve_batch_size_bucket{model="m",version="1",le="4"} 3');
    expect(text).toContain('edgeserve_batch_padding_rows_total{model="m",version="1"} 8');
    expect(text).toContain('edgeserve_batch_queueing_latency_seconds_sum{model="m",version="1"} 0.004');
  });
});
