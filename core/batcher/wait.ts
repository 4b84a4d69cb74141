import type { SetTimer } from '../clock.ts';

/**
 * How a caller waiting for its batch is parked and woken: the one piece of the batcher that
 * differs between platforms (see the design note at the top of batcher.ts).
 *
 * Contract of Park: it is called only from the waiting request's own context, and resolves at
 * the latest after `maxWaitMs` (Infinity: no limit), or earlier when woken, or earlier still for
 * no reason at all: the caller always re-checks its state, so a spurious wake-up is harmless and a
 * missed one must not be. While parked, `waiter.wake` may be called from any request's context;
 * it must be safe to call at any time, any number of times.
 */
export interface Waiter {
  wake: () => void;
}

export type Park = (waiter: Waiter, maxWaitMs: number) => Promise<void>;

export type { SetTimer };

const noop = () => {};

export function newWaiter(): Waiter {
  return { wake: noop };
}

/**
 * Node, Deno, Lambda: wake() resolves the parked promise directly, so a caller learns its result
 * in the same turn as the batch finishes. A timer covers maxWaitMs (the batch timeout).
 */
export function notifyPark(setTimer: SetTimer): Park {
  return (waiter, maxWaitMs) =>
    new Promise<void>((resolve) => {
      const cancel = maxWaitMs === Infinity ? noop : setTimer(() => done(), maxWaitMs);
      const done = () => {
        waiter.wake = noop;
        cancel();
        resolve();
      };
      waiter.wake = done;
    });
}

/**
 * Cloudflare Workers: a promise resolved from another request's context may be cancelled as hung,
 * so wake() does nothing and the caller's own timer wakes it every pollMs (sooner for maxWaitMs).
 * Only the caller's context ever creates or resolves its promise.
 */
export function pollPark(setTimer: SetTimer, pollMs: number): Park {
  return (waiter, maxWaitMs) =>
    new Promise<void>((resolve) => {
      waiter.wake = noop;
      setTimer(resolve, Math.min(pollMs, maxWaitMs));
    });
}
