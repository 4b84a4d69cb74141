import { ServingError } from '../errors.ts';
import type { RunFn } from '../http/inference.ts';
import type { Lease } from '../manager/servable.ts';
import type { Tensor } from '../tensor/tensor.ts';

/**
 * Runs inputs on a leased servable (through `run`, so the batcher applies) and rejects with
 * DEADLINE_EXCEEDED once timeoutMs have passed. Takes ownership of the lease: it is released
 * when the run settles, also after a timeout, because the session is still busy until then.
 * Callers that fail before calling this release the lease themselves.
 */
export function runLeased(lease: Lease, run: RunFn, inputs: Record<string, Tensor>, timeoutMs: number): Promise<Record<string, Tensor>> {
  let work: Promise<Record<string, Tensor>>;
  try {
    // A deadline already past: do not start work nobody will wait for.
    if (!(timeoutMs > 0)) throw deadlineExceeded(timeoutMs);
    work = run(lease.servable, inputs);
  } catch (err) {
    lease.release();
    return Promise.reject(err);
  }
  work.finally(() => lease.release()).catch(() => {});
  if (timeoutMs === Infinity) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(deadlineExceeded(timeoutMs)), timeoutMs);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function deadlineExceeded(timeoutMs: number): ServingError {
  return new ServingError('DEADLINE_EXCEEDED', `Request did not finish within ${Math.max(0, Math.round(timeoutMs))} ms`);
}
