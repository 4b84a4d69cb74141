import { monotonicNow, setTimer } from './clock.ts';
import { ServingError } from './errors.ts';

/**
 * A request's deadline and cancellation, as every stage sees them: how much time is left
 * (deadlineAfter), a wait bounded by it (withinDeadline), and the signal a client's departure or
 * the deadline aborts (RunSignal). Transports make them, the manager and the batcher watch them.
 */

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
