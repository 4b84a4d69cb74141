import { Registry } from './registry.ts';

/** Seconds buckets shared by request and load latency: 1 ms .. 60 s. */
const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The metrics every target exports at /monitoring/prometheus/metrics. One instance per process. */
export function servingMetrics(registry = new Registry()) {
  return {
    registry,
    requests: registry.counter('edgeserve_requests_total', 'Requests by model, version, API and HTTP status.'),
    requestLatency: registry.histogram(
      'edgeserve_request_latency_seconds',
      'Request latency by model, version and API.',
      LATENCY_BUCKETS_S,
    ),
    loads: registry.counter('edgeserve_model_loads_total', 'Servable loads by model, version and outcome.'),
    loadLatency: registry.histogram('edgeserve_model_load_latency_seconds', 'Servable load latency.', LATENCY_BUCKETS_S),
    cacheBytes: registry.gauge('edgeserve_model_cache_bytes', 'Bytes of model held by loaded servables.'),
    labelRequests: registry.counter(
      'edgeserve_label_requests_total',
      'Inference requests answered through a label (asked for or routed by model.json traffic), by model, label, version and HTTP status.',
    ),
    labelLatency: registry.histogram('edgeserve_label_request_latency_seconds', 'Request latency by model, label and version.', LATENCY_BUCKETS_S),
    rollbacks: registry.counter('edgeserve_rollbacks_total', 'Versions taken out of the traffic split by the rollback guard, by model, version and label.'),
    captures: registry.counter('edgeserve_capture_records_total', 'Captured requests (model.json "capture") by model and outcome: written, or dropped (buffer full or the write failed).'),
    shadowRequests: registry.counter('edgeserve_shadow_requests_total', 'Requests run again on a shadow version (model.json "shadow"), by model, the shadow version and outcome: match, differ, failed, skipped.'),
    shadowDifference: registry.histogram(
      'edgeserve_shadow_max_abs_difference',
      "A differing shadow answer's largest absolute difference from the served answer, by model, shadow version and output.",
      [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10],
    ),
    storageCalls: registry.counter(
      'edgeserve_storage_calls_total',
      'Model repository calls (list, read) by model, operation and outcome (ok, missing, error).',
    ),
  };
}

export type ServingMetrics = ReturnType<typeof servingMetrics>;
