import { setTimer as timeoutTimer } from '../clock.ts';
import { unavailable } from '../errors.ts';

/**
 * One storage round trip with a timeout and bounded retries, shared by the object-store sources
 * (S3, R2). Callers describe the call for messages ("list s3://bucket/prefix/m/") and say how to
 * classify a failure; every failure leaves as ServingError UNAVAILABLE (HTTP 503) whose message is
 * `what` plus a short reason code: never the underlying error's text, which may quote a signed
 * request or a credential. The underlying error rides along as `cause`, for log lines only.
 *
 * Timeout: a call that makes no progress for timeoutMs is abandoned, even if the operation
 * ignores its AbortSignal. Long downloads call progress() per chunk, so a 1 GB model is not cut off
 * while bytes keep arriving. Transient failures (network errors, 5xx, throttling) are retried
 * `retries` times with exponential backoff and full jitter, within the same timeout: the timer
 * runs across attempts and backoffs, so retries never stretch a call past timeoutMs without
 * progress (a stalled store that drops its idle connection at 5 s gets one retry, then the call
 * fails at 10 s, not 15 s). A timeout is not retried: slow storage stays slow, and the manager
 * backs off instead of piling requests onto it.
 */
export interface StoragePolicy {
  /** An attempt that makes no progress for this long fails. */
  timeoutMs: number;
  /** Extra attempts after a transient failure. */
  retries: number;
  /** Upper bound of the first backoff; doubles per retry. */
  backoffMs: number;
  /** Injected by tests; default setTimeout. Returns a function that cancels the timer. */
  setTimer?: (fire: () => void, ms: number) => () => void;
  /** Injected by tests; default: a setTimeout promise. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const DEFAULT_STORAGE_POLICY: StoragePolicy = { timeoutMs: 10_000, retries: 2, backoffMs: 200 };

/** How a failed attempt is reported: `reason` is a short code safe to show ("ECONNREFUSED", "AccessDenied (HTTP 403)"). */
export interface Failure {
  transient: boolean;
  reason: string;
}

/** `attempt` gets an AbortSignal to pass on and a progress callback that restarts the timeout. */
export type Attempt<T> = (signal: AbortSignal, progress: () => void) => Promise<T>;

export async function storageCall<T>(
  what: string,
  policy: StoragePolicy,
  attempt: Attempt<T>,
  classify: (err: unknown) => Failure,
): Promise<T> {
  const setTimer = policy.setTimer ?? timeoutTimer;
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const random = policy.random ?? Math.random;
  // One no-progress timer for the whole call, retries and backoffs included: a retry does not
  // get a fresh timeout, so a call fails at most timeoutMs after its last progress.
  const controller = new AbortController();
  let timedOut = false;
  const expire = () => {
    timedOut = true;
    controller.abort(new Error('storage timeout'));
  };
  let cancel = setTimer(expire, policy.timeoutMs);
  const progress = () => {
    if (timedOut) return;
    cancel();
    cancel = setTimer(expire, policy.timeoutMs);
  };
  const timeout = (cause?: unknown) => unavailable(`${what}: storage did not answer within ${policy.timeoutMs} ms`, { cause });
  try {
    for (let tries = 1; ; tries++) {
      try {
        return await untilAborted(attempt(controller.signal, progress), controller.signal);
      } catch (err) {
        if (timedOut) throw timeout(err);
        const failure = classify(err);
        if (!failure.transient || tries > policy.retries) {
          const after = tries > 1 ? ` after ${tries} attempts` : '';
          throw unavailable(`${what}: ${failure.reason}${after}`, { cause: err });
        }
        await untilAborted(sleep(Math.floor(random() * policy.backoffMs * 2 ** (tries - 1))), controller.signal).catch(() => {});
        if (timedOut) throw timeout();
      }
    }
  } finally {
    cancel();
  }
}

/** Node's network error codes that mean "try again": the store may be restarting or briefly unreachable. */
export const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** A code from an error object, if it looks like one (letters, digits, _ . -); never free text. */
export function safeCode(value: unknown): string | null {
  return typeof value === 'string' && /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(value) ? value : null;
}

/** Rejects when `signal` aborts, whether or not `work` listens to it (the R2 binding does not). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
