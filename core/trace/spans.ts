/**
 * Where a request's time went, as a tree of spans recorded by core while the request runs: plain
 * data, no tracing library, so every target shares it. The request wrapper (serve-request.ts)
 * makes the root when the request log or a trace export is on (otherwise nothing is recorded:
 * every recorder takes `undefined` and does nothing); the parts of core that spend the time add
 * children:
 *
 *   <api> (the request, serve-request.ts)
 *     acquire   waiting for the version: its load when cold (servable-access.ts)
 *     queue     waiting in a batch queue (batcher.ts)
 *     run       the session's run; batch_size rows (batcher.ts, lease-run.ts)
 *       preprocess, postprocess   a pipeline's decoding and output steps (pipeline-session.ts)
 *       step                      a chain's steps, each with its own acquire/queue/run (chain.ts)
 *     encode    from the last run's end to the answer: encoding the outputs (serve-request.ts)
 *
 * Times are the monotonic clock's milliseconds (clock.ts); a batched run's span is the batch's,
 * recorded under each member request. Consumers: the request log (request-log.ts: queue_ms,
 * run_ms, batch_size, encode_ms) and the target's trace export (trace-export.ts).
 */
export interface SpanRecord {
  readonly name: string;
  readonly startMs: number;
  endMs?: number;
  readonly attributes: Record<string, string | number | boolean>;
  readonly children: SpanRecord[];
  /** Set when the span's work failed: the error's text. */
  error?: string;
}

export function rootSpan(name: string, startMs: number): SpanRecord {
  return { name, startMs, attributes: {}, children: [] };
}

/** A child of `parent` started at `startMs`, or undefined when nothing is being recorded. */
export function childSpan(parent: SpanRecord | undefined, name: string, startMs: number, attributes: SpanRecord['attributes'] = {}): SpanRecord | undefined {
  if (!parent) return undefined;
  const span: SpanRecord = { name, startMs, attributes, children: [] };
  parent.children.push(span);
  return span;
}

/** Ends `span` (if recording) at `endMs`, marking it failed when `error` is given. */
export function endSpan(span: SpanRecord | undefined, endMs: number, error?: unknown): void {
  if (!span) return;
  span.endMs = endMs;
  if (error !== undefined) span.error = error instanceof Error ? error.message : String(error);
}

/** Runs `work` inside a child span of `parent` timed by `now`; records nothing when `parent` is undefined. */
export async function inSpan<T>(parent: SpanRecord | undefined, name: string, now: () => number, work: (span: SpanRecord | undefined) => Promise<T> | T): Promise<T> {
  if (!parent) return work(undefined);
  const span = childSpan(parent, name, now());
  try {
    const result = await work(span);
    endSpan(span, now());
    return result;
  } catch (err) {
    endSpan(span, now(), err);
    throw err;
  }
}
