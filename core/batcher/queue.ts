import type { BatchingParameters } from '../config/batching.ts';
import { unavailable, type ServingError } from '../errors.ts';
import type { Servable } from '../manager/servable.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Waiter } from './wait.ts';
import type { SpanRecord } from '../trace/spans.ts';

/** One caller's request: its rows sit in one chunk, or in several when large-batch splitting cut it. */
export interface Task {
  readonly inputs: Record<string, Tensor>;
  readonly rows: number;
  /** Requests merge only when their keys are equal: input names, dtypes and non-batch dims. */
  readonly key: string;
  readonly enqueuedMs: number;
  readonly chunks: Chunk[];
  readonly waiter: Waiter;
  /** Chunks whose outputs have arrived. */
  done: number;
  /** Set once, by finish(); the caller returns or throws it. */
  outcome: { outputs: Record<string, Tensor> } | { error: ServingError } | null;
  /** The caller's span: its rows' queue and run spans are recorded under it (core/trace/spans.ts). */
  readonly span?: SpanRecord;
}

/** Rows [start, start + rows) of a task, placed in one batch; outputs arrive when that batch ran. */
export interface Chunk {
  readonly task: Task;
  readonly start: number;
  readonly rows: number;
  readonly batch: Batch;
  outputs: Record<string, Tensor> | null;
}

/** Chunks that will run as one session.run, in row order. */
export interface Batch {
  readonly key: string;
  readonly chunks: Chunk[];
  rows: number;
  readonly openedMs: number;
  /** Takes no more rows: full, or cut short by a task that did not fit. */
  closed: boolean;
  /** In its queue's `batches`; false once a runner claimed it. */
  queued: boolean;
}

export const QUEUE_FULL = 'The batch scheduling queue to which this task was submitted is full';

/**
 * The batches of one servable, oldest first. Synchronous bookkeeping only; batcher.ts runs it.
 * Invariants: a batch holds chunks of one key and at most maxExecutionBatchSize rows; at most one
 * batch per key is open; a batch leaves `batches` when claimed; `running` counts claimed batches
 * not yet finished and never exceeds numBatchThreads; `rows` counts rows queued or running.
 *
 * When a batch may run (runnable), with a runner free:
 *   1. it is closed (full, or cut short by a request that did not fit), or
 *   2. it holds at least `demand` rows: as many as were queued or running at once during the
 *      previous run. Under a closed loop the callers served by one run come back together, so
 *      the next batch waits for them instead of running the first to return alone; at
 *      concurrency 1 the demand is 1 and every request runs at once. A queue that was empty and
 *      free for batchTimeoutMicros forgets its demand (0): an idle queue runs a request at once.
 *   3. it has waited batchTimeoutMicros since its oldest row arrived or its queue's last run
 *      ended, whichever is later (TF Serving counts from the arrival only; counting from the run's
 *      end too gives the callers of that run time to come back).
 * With batchTimeoutMicros 0, rule 3 always holds: every batch runs as soon as a runner is free,
 * as in TF Serving.
 */
export class Queue {
  readonly batches: Batch[] = [];
  running = 0;
  private rows = 0;
  private peak = 0;
  private demand = 0;
  private lastRunEndMs = -Infinity;
  private readonly open = new Map<string, Batch>();
  private readonly timeoutMs: number;

  constructor(
    readonly servable: Servable,
    readonly params: BatchingParameters,
  ) {
    this.timeoutMs = params.batchTimeoutMicros / 1000;
  }

  get idle(): boolean {
    return this.batches.length === 0 && this.running === 0;
  }

  /**
   * Adds the task's rows to the open batch of its key and/or new batches. Throws UNAVAILABLE,
   * changing nothing, when that would exceed maxEnqueuedBatches.
   */
  enqueue(task: Task, nowMs: number): void {
    const { maxExecutionBatchSize: capacity, enableLargeBatchSplitting: splitting } = this.params;
    const open = this.open.get(task.key);
    // An open batch always has room (a full one is closed); with splitting a task fills what is left.
    const joins = open !== undefined && (splitting || task.rows <= capacity - open.rows);
    const intoOpen = open && joins ? Math.min(task.rows, capacity - open.rows) : 0;
    const fresh = Math.ceil((task.rows - intoOpen) / capacity) || (joins ? 0 : 1);
    if (this.batches.length + fresh > this.params.maxEnqueuedBatches) throw unavailable(QUEUE_FULL);

    if (this.idle && nowMs - this.lastRunEndMs >= this.timeoutMs) this.demand = 0;
    if (open && joins) this.add(open, task, 0, intoOpen);
    else if (open) this.close(open);
    for (let start = intoOpen, n = 0; n < fresh; n++, start += capacity) {
      const batch: Batch = { key: task.key, chunks: [], rows: 0, openedMs: nowMs, closed: false, queued: true };
      this.batches.push(batch);
      this.open.set(task.key, batch);
      this.add(batch, task, start, Math.min(capacity, task.rows - start));
    }
  }

  /** The oldest batch that may run now (rules above), if a runner is free. */
  runnable(nowMs: number): Batch | null {
    if (this.running >= this.params.numBatchThreads) return null;
    for (const b of this.batches) if (b.closed || b.rows >= this.demand || nowMs >= this.deadline(b)) return b;
    return null;
  }

  /** Takes the batch out of the queue for a runner. */
  claim(batch: Batch): void {
    this.batches.splice(this.batches.indexOf(batch), 1);
    this.close(batch);
    batch.queued = false;
    this.running++;
  }

  /** A claimed batch's run ended: its rows leave, and the peak seen during the run becomes the demand. */
  finished(batch: Batch, nowMs: number): void {
    this.running--;
    this.rows -= batch.rows;
    this.demand = this.peak;
    this.peak = this.rows;
    this.lastRunEndMs = nowMs;
  }

  /** Removes the task's chunks that have not run yet (it was cancelled or failed); drops emptied batches. */
  withdraw(task: Task): void {
    for (const chunk of task.chunks) {
      const b = chunk.batch;
      if (!b.queued) continue;
      b.chunks.splice(b.chunks.indexOf(chunk), 1);
      b.rows -= chunk.rows;
      this.rows -= chunk.rows;
      if (b.chunks.length > 0) continue;
      this.batches.splice(this.batches.indexOf(b), 1);
      this.close(b);
      b.queued = false;
    }
  }

  /** How long the task may sleep before a batch it leads (holds the first chunk of) times out. */
  leaderWaitMs(task: Task, nowMs: number): number {
    let wait = Infinity;
    for (const c of task.chunks) {
      const b = c.batch;
      const left = this.deadline(b) - nowMs;
      if (b.queued && !b.closed && b.chunks[0] === c && left > 0) wait = Math.min(wait, left);
    }
    return wait;
  }

  private deadline(batch: Batch): number {
    return Math.max(batch.openedMs, this.lastRunEndMs) + this.timeoutMs;
  }

  private add(batch: Batch, task: Task, start: number, rows: number): void {
    const chunk: Chunk = { task, start, rows, batch, outputs: null };
    batch.chunks.push(chunk);
    task.chunks.push(chunk);
    batch.rows += rows;
    this.rows += rows;
    this.peak = Math.max(this.peak, this.rows);
    if (batch.rows >= this.params.maxExecutionBatchSize) this.close(batch);
  }

  private close(batch: Batch): void {
    batch.closed = true;
    if (this.open.get(batch.key) === batch) this.open.delete(batch.key);
  }
}
