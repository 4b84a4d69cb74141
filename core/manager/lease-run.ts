import { monotonicNow, setTimer } from '../clock.ts';
import { ServingError } from '../errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Lease, Servable } from './servable.ts';

/**
 * How a request's inputs run on a servable: directly (runDirect) or through the batcher. The
 * signal aborts when the client has gone or the deadline has passed; a batcher drops such a
 * request if its batch has not run yet. Used by REST, binary HTTP and gRPC alike.
 */
export type RunFn = (
  servable: Servable,
  inputs: Record<string, Tensor>,
  options?: { signal?: RunSignal },
) => Promise<Record<string, Tensor>>;

/** What a run or a wait may watch: the part of AbortSignal they use (an AbortSignal is one). A listener is called at most once. */
export interface RunSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * A RunSignal and its abort(), made per request: a plain object, because Node's AbortController
 * costs several microseconds to create (it is made transferable), which showed in profiles.
 */
export class RunAbort implements RunSignal {
  aborted = false;
  private listeners: (() => void)[] = [];

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    for (const listener of this.listeners.splice(0)) listener();
  }
}

/** One session run per request. */
export const runDirect: RunFn = (servable, inputs) => servable.session.run(inputs);

/**
 * Prepares inputs on a leased servable (`prepare`: signature checks and decoding, which may
 * throw), runs them through `run`, and rejects with DEADLINE_EXCEEDED once timeoutMs have passed,
 * aborting the run's signal then (and when `signal`, the client's, aborts). Takes ownership of the
 * lease on every path: released at once when preparing fails or the run never starts, else when
 * the run settles, also after a timeout, because the session is still busy until then.
 */
export function runLeased(
  lease: Lease,
  run: RunFn,
  prepare: (servable: Servable) => Record<string, Tensor>,
  timeoutMs: number,
  signal?: RunSignal,
): Promise<Record<string, Tensor>> {
  const controller = new RunAbort();
  const abort = () => controller.abort();
  let work: Promise<Record<string, Tensor>>;
  try {
    const inputs = prepare(lease.servable);
    // A deadline already past: do not start work nobody will wait for.
    if (!(timeoutMs > 0)) throw deadlineExceeded(timeoutMs);
    if (signal?.aborted) throw new ServingError('CANCELLED', 'The request was cancelled');
    signal?.addEventListener('abort', abort);
    work = run(lease.servable, inputs, { signal: controller });
  } catch (err) {
    signal?.removeEventListener('abort', abort);
    lease.release();
    return Promise.reject(err);
  }
  work
    .finally(() => {
      signal?.removeEventListener('abort', abort);
      lease.release();
    })
    .catch(() => {});
  if (timeoutMs === Infinity) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(deadlineExceeded(timeoutMs));
    }, timeoutMs);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * A request's deadline as a function that says how many ms are left (Infinity: none), started
 * when the request starts, so every stage after it (waiting for a model, the run) shares one
 * budget instead of each getting the full timeout.
 */
export function deadlineAfter(timeoutMs: number, now: () => number = monotonicNow): () => number {
  if (timeoutMs === Infinity) return () => Infinity;
  const end = now() + timeoutMs;
  return () => end - now();
}

/**
 * Settles like `work`, or rejects with `expired()` once timeoutMs have passed (or CANCELLED when
 * `signal` aborts) while `work` goes on: what it yields after that is handed to `discard` (a lease
 * to release), since nobody waits for it. Used for the wait for a model to list and load.
 */
export function withinDeadline<T>(
  work: Promise<T>,
  timeoutMs: number,
  expired: () => ServingError,
  discard: (late: T) => void,
  signal?: RunSignal,
): Promise<T> {
  if (timeoutMs === Infinity && !signal) return work;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      cancel();
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => finish(() => reject(new ServingError('CANCELLED', 'The request was cancelled')));
    const cancel = timeoutMs === Infinity ? () => {} : setTimer(() => finish(() => reject(expired())), Math.max(0, timeoutMs));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort);
    work.then(
      (value) => (settled ? discard(value) : finish(() => resolve(value))),
      (err) => finish(() => reject(err)),
    );
  });
}

export function deadlineExceeded(timeoutMs: number): ServingError {
  return new ServingError('DEADLINE_EXCEEDED', `Request did not finish within ${Math.max(0, Math.round(timeoutMs))} ms`);
}
