import type { RunContext } from '../backend/backend.ts';
import { monotonicNow } from '../clock.ts';
import { childSpan, endSpan, type SpanRecord } from '../trace/spans.ts';
import { deadlineAfter, deadlineExceeded, RunAbort, type RunSignal } from '../deadline.ts';
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
  options?: RunContext,
) => Promise<Record<string, Tensor>>;

/**
 * One session run per request; with a span to record under, a run span (batch_size: the first
 * input's rows) that the session's own steps nest in. Unrecorded: no extra promise.
 */
export const runDirect: RunFn = (servable, inputs, options) => (options?.span ? recordedRun(servable, inputs, options, options.span) : servable.session.run(inputs, options));

async function recordedRun(servable: Servable, inputs: Record<string, Tensor>, options: RunContext, parent: SpanRecord): Promise<Record<string, Tensor>> {
  const span = childSpan(parent, 'run', monotonicNow(), { batch_size: Object.values(inputs)[0]?.dims[0] ?? 0 });
  try {
    const outputs = await servable.session.run(inputs, { ...options, span });
    endSpan(span, monotonicNow());
    return outputs;
  } catch (err) {
    endSpan(span, monotonicNow(), err);
    throw err;
  }
}

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
  span?: SpanRecord,
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
    work = run(lease.servable, inputs, { signal: controller, timeLeft: deadlineAfter(timeoutMs), span });
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
