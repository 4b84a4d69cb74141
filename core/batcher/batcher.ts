/**
 * In-instance micro-batching with TF Serving's BatchingParameters (docs/tf-serving-compat.md section 13).
 *
 * Design: there is no scheduler loop and no batch thread. Every caller runs its own little loop,
 * in its own request context:
 *
 *     enqueue my rows;  until I have my result: if the oldest runnable batch holds my rows, run
 *     it (concat, session.run, split, hand every member its rows); else park.
 *
 * So a batch is always executed by one of its own members, and every other member learns its
 * result by waking up in its own context and reading it from shared, plain data. No promise
 * crosses request contexts. How a parked caller wakes is the one platform choice (wait.ts):
 * notifyPark (Node, Deno, Lambda) resolves it directly when its result lands or its batch becomes
 * runnable; pollPark (Cloudflare Workers, where a promise resolved from another request's context
 * can be cancelled as hung) lets only the caller's own timer wake it, every pollMs.
 * On Workers the executing request must outlive its own response if its client goes away
 * mid-run: pass the run's promise to ctx.waitUntil.
 *
 * Rules (TF Serving's, per servable; a session has one signature, so one queue per servable):
 * - Requests merge only when input names, dtypes and non-batch dims agree; others get their own
 *   batches in the same queue. When a batch may run is queue.ts's rule: at once on an idle
 *   queue, otherwise when full, when it holds the rows the previous run saw in flight, or after
 *   batchTimeoutMicros; at most numBatchThreads batches of one servable run at a time.
 * - Padding up to allowedBatchSizes copies the last request's first row; it never reaches a caller.
 * - With enableLargeBatchSplitting a request fills the open batch and spills into new ones of
 *   maxExecutionBatchSize rows; its pieces are joined again before it returns.
 * - A full queue fails at once (UNAVAILABLE); a failed run fails only its members; a request whose
 *   signal aborts before its batch runs leaves the batch and is never run (CANCELLED).
 * The batch-of-one path concatenates and splits nothing: it runs the caller's own tensors.
 *
 * Which servables batch at all is batchability.ts's rule, decided once per servable from its
 * graph and declared batch axes, logged once and shown as edgeserve_batching_mode: a servable
 * that may not batch, or a request that does not fit its plan, runs the session directly, as
 * with batching off. Declared axes other than 0 concatenate and split there (batch-axes.ts).
 */
import type { BatchingParameters } from '../config/batching.ts';
import { ServingError, asServingError, unavailable } from '../errors.ts';
import type { Servable } from '../manager/servable.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { describePlan, planBatching, type BatchPlan } from './batchability.ts';
import { batchInputs, describeTask, joinChunks, splitOutputs } from './merge.ts';
import type { BatchingMetrics } from './metrics.ts';
import { Queue, type Batch, type Task } from './queue.ts';
import { newWaiter, notifyPark, type Park, type SetTimer } from './wait.ts';
import type { RunContext } from '../backend/backend.ts';
import { childSpan, endSpan } from '../trace/spans.ts';
import { runDirect } from '../manager/lease-run.ts';

export interface BatcherDeps {
  /** Milliseconds on a monotonic clock (performance.now). */
  now: () => number;
  setTimer: SetTimer;
  /** How a waiting caller parks; default notifyPark(setTimer). Workers: pollPark(setTimer, 1). */
  park?: Park;
  metrics?: BatchingMetrics;
  /**
   * Where a run blocks the thread (onnxruntime-web's WASM in a Worker isolate), requests can only
   * join a batch while its runner lets the event loop deliver them: a caller about to run a batch
   * first awaits this once (Workers: a 1 ms timer of its own, so no promise crosses request
   * contexts), then looks again. Default: none. onnxruntime-node blocks too (its run() is
   * synchronous inside a setImmediate): on Node, setImmediate as this yield lets requests that
   * arrived during the last run join the next one.
   */
  yieldBeforeRun?: () => Promise<void>;
  /** Where the batcher says, once per servable, whether it batches and why. Default: none. */
  log?: (message: string) => void;
}

/**
 * One per process or isolate, shared by all requests. run() is a RunFn (core/manager/lease-run.ts)
 * with an optional abort signal (the client went away, or the request's deadline passed).
 * close() fails every queued request with UNAVAILABLE and refuses new ones; runs in flight finish.
 */
export interface Batcher {
  run(servable: Servable, inputs: Record<string, Tensor>, options?: RunContext): Promise<Record<string, Tensor>>;
  close(): void;
}

/** `parameters` may be a function of the servable (per-model overrides); it is read once per servable. */
export function createBatcher(parameters: BatchingParameters | ((servable: Servable) => BatchingParameters), deps: BatcherDeps): Batcher {
  const { now, metrics } = deps;
  const park = deps.park ?? notifyPark(deps.setTimer);
  const paramsFor = typeof parameters === 'function' ? parameters : () => parameters;
  const queues = new WeakMap<Servable, Queue>();
  const plans = new WeakMap<Servable, BatchPlan>();
  /** Queues with batches queued or running: what close() must fail. */
  const active = new Set<Queue>();
  let closed = false;

  const labels = (q: Queue) => ({ model: q.servable.model, version: String(q.servable.version) });
  const cancelled = () => new ServingError('CANCELLED', 'The request was cancelled before its batch ran');

  /**
   * Wakes the member holding the first rows of the next runnable batch. When none may run yet,
   * wakes every batch's leader instead: a run's end moves batch deadlines, and a leader parked
   * without a timer (its old deadline had passed while the runner was busy) must re-arm one.
   */
  function poke(q: Queue): void {
    if (q.idle) {
      active.delete(q);
      return;
    }
    const next = q.runnable(now());
    if (next) next.chunks[0].task.waiter.wake();
    else for (const b of q.batches) b.chunks[0]?.task.waiter.wake();
  }

  function finish(q: Queue, task: Task, outcome: NonNullable<Task['outcome']>, label: string): void {
    if (task.outcome) return;
    task.outcome = outcome;
    q.withdraw(task);
    metrics?.requests.inc({ model: q.servable.model, version: String(q.servable.version), outcome: label });
    task.waiter.wake();
    // A batch that lost its first member has a new one, who must now watch the batch timeout.
    for (const c of task.chunks) if (c.batch.queued) c.batch.chunks[0].task.waiter.wake();
    poke(q);
  }

  function fail(q: Queue, task: Task, error: ServingError): void {
    finish(q, task, { error }, error.code === 'CANCELLED' ? 'cancelled' : 'error');
  }

  async function execute(q: Queue, batch: Batch): Promise<void> {
    q.claim(batch);
    poke(q);
    const startedMs = now();
    const allowed = q.params.allowedBatchSizes;
    const padded = allowed.find((size) => size >= batch.rows) ?? batch.rows;
    const lbl = labels(q);
    for (const c of batch.chunks) metrics?.queueingLatency.observe(lbl, (startedMs - c.task.enqueuedMs) / 1000);
    try {
      const plan = plans.get(q.servable) as Extract<BatchPlan, { mode: 'batched' }>;
      const outputs = await q.servable.session.run(batchInputs(batch, padded - batch.rows, plan.inputs));
      const endedMs = now();
      metrics?.runLatency.observe(lbl, (endedMs - startedMs) / 1000);
      for (const c of batch.chunks) recordRun(c.task, startedMs, endedMs, padded);
      const parts = splitOutputs(batch, outputs, padded, plan.outputs);
      batch.chunks.forEach((c, i) => {
        c.outputs = parts[i];
        if (++c.task.done === c.task.chunks.length) finish(q, c.task, { outputs: joinChunks(c.task, plan.outputs) }, 'ok');
      });
    } catch (err) {
      const endedMs = now();
      for (const c of batch.chunks) {
        recordRun(c.task, startedMs, endedMs, padded, err);
        fail(q, c.task, asServingError(err));
      }
    } finally {
      metrics?.runs.inc(lbl);
      metrics?.batchSize.observe(lbl, padded);
      if (padded > batch.rows) metrics?.paddingRows.inc(lbl, padded - batch.rows);
      q.finished(batch, now());
      poke(q);
    }
  }

  /** The caller's queue span (its first chunk's wait) and this run's span, batch_size its padded rows. */
  function recordRun(task: Task, startedMs: number, endedMs: number, padded: number, error?: unknown): void {
    if (!task.span) return;
    if (!task.span.children.some((s) => s.name === 'queue')) endSpan(childSpan(task.span, 'queue', task.enqueuedMs), startedMs);
    endSpan(childSpan(task.span, 'run', startedMs, { batch_size: padded }), endedMs, error);
  }

  async function run(servable: Servable, inputs: Record<string, Tensor>, options: RunContext = {}) {
    const { signal, span } = options;
    if (closed) throw unavailable('The batcher is shut down');
    if (signal?.aborted) throw cancelled();
    let q = queues.get(servable);
    if (!q) {
      q = new Queue(servable, paramsFor(servable));
      queues.set(servable, q);
      plans.set(servable, announce(q));
    }
    const plan = plans.get(servable)!;
    if (plan.mode === 'unbatched') return runDirect(servable, inputs, options);
    active.add(q);
    const enqueuedMs = now();
    let task: Task;
    try {
      const described = describeTask(inputs, q.params.maxBatchSize, plan.inputs);
      if (!described) {
        poke(q);
        return runDirect(servable, inputs, options);
      }
      const { rows, key } = described;
      task = { inputs, rows, key, enqueuedMs, chunks: [], waiter: newWaiter(), done: 0, outcome: null, span };
      q.enqueue(task, enqueuedMs);
    } catch (err) {
      metrics?.requests.inc({ ...labels(q), outcome: 'rejected' });
      poke(q);
      throw err;
    }
    poke(q);
    const onAbort = () => fail(q, task, cancelled());
    signal?.addEventListener('abort', onAbort);
    try {
      let yielded = !deps.yieldBeforeRun;
      while (!task.outcome) {
        // One reading of the clock for both questions: read twice, a deadline that passes in
        // between (a preempted process) makes "not due yet" and "no wait left" both true, and
        // the leader would park with no timer and nothing left to wake it.
        const nowMs = now();
        const batch = q.runnable(nowMs);
        if (batch && task.chunks.some((c) => c.batch === batch)) {
          if (yielded) await execute(q, batch);
          else await deps.yieldBeforeRun!().then(() => (yielded = true));
        } else await park(task.waiter, q.leaderWaitMs(task, nowMs));
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if ('error' in task.outcome) throw task.outcome.error;
    return task.outcome.outputs;
  }

  /** The servable's plan, logged and exported once (a queue is made once per servable). */
  function announce(q: Queue): BatchPlan {
    const plan = planBatching(q.servable.session.signature, q.params.batchAxes);
    deps.log?.(`model ${q.servable.model} version ${q.servable.version}: ${describePlan(plan)}`);
    metrics?.mode.set({ ...labels(q), mode: plan.mode }, 1);
    return plan;
  }

  function close(): void {
    closed = true;
    for (const q of active) {
      for (const b of [...q.batches]) for (const c of [...b.chunks]) fail(q, c.task, unavailable('The batcher is shut down'));
    }
  }

  return { run, close };
}
