import type { Registry } from '../metrics/registry.ts';

/** Seconds, 0.1 ms .. 10 s: queueing is often well under a millisecond. */
const SECONDS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const ROWS_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/**
 * The batcher's metrics, registered on the process's registry (one call per registry). Every
 * series is labelled {model, version}; requests_total adds outcome: ok | error | cancelled |
 * rejected (queue full, or a request the batcher cannot take). runs_total against
 * requests_total{outcome="ok"} is the merge ratio; queueing plus run latency is a request's time
 * inside the batcher. batching_mode{mode="batched"|"unbatched"} is 1 for each servable the batcher
 * has seen: whether it merges requests at all (batchability.ts).
 */
export function batchingMetrics(registry: Registry) {
  return {
    runs: registry.counter('edgeserve_batch_runs_total', 'Batched session runs by model and version.'),
    requests: registry.counter('edgeserve_batch_requests_total', 'Requests through the batcher by model, version and outcome.'),
    batchSize: registry.histogram('edgeserve_batch_size', 'Rows per batched run, padding included.', ROWS_BUCKETS),
    paddingRows: registry.counter('edgeserve_batch_padding_rows_total', 'Padding rows added to reach allowed_batch_sizes.'),
    queueingLatency: registry.histogram(
      'edgeserve_batch_queueing_latency_seconds',
      'Time from enqueue to the start of its run, per request chunk.',
      SECONDS_BUCKETS,
    ),
    mode: registry.gauge('edgeserve_batching_mode', 'Whether a servable merges requests (mode="batched") or runs each alone (mode="unbatched").'),
    runLatency: registry.histogram('edgeserve_batch_run_latency_seconds', 'Duration of batched session runs.', SECONDS_BUCKETS),
  };
}

export type BatchingMetrics = ReturnType<typeof batchingMetrics>;
