/**
 * Time as core sees it: a monotonic clock and timers, on the Web-standard setTimeout that every
 * target has (Node, Workers, Deno, Lambda). Targets and tests may inject their own; this is the
 * one default, so no target writes its own setTimer.
 */

/** Schedules fn after ms; returns a function that cancels it. Timers belong to the calling context. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

export const setTimer: SetTimer = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  return () => clearTimeout(timer);
};

/** Milliseconds on a monotonic clock. */
export const monotonicNow = (): number => performance.now();

/**
 * A yield to the event loop through the caller's own timer (a batcher's yieldBeforeRun on
 * isolates whose runs block the thread): no promise is resolved from another request's context.
 */
export const timerYield = (ms: number) => (): Promise<void> => new Promise((resume) => setTimeout(resume, ms));
