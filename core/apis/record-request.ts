import type { Manager } from '../manager/manager.ts';
import type { ServingMetrics } from '../metrics/serving-metrics.ts';

/** What one finished request reports, whichever transport carried it. */
export interface RequestOutcome {
  /** As the request named it; names the manager does not serve share one "(unknown)" series. */
  model: string;
  /** The version that answered; '' when none was resolved. */
  version: string;
  /** The metrics' api label: predict, grpc_predict, oip_infer, ... */
  api: string;
  /** HTTP status, or the HTTP status of the gRPC code. */
  status: number;
  seconds: number;
  /** The traffic label that chose the version, if one did. */
  label?: string;
}

/** The apis whose answers the rollback guard counts: inference, over any transport. */
const INFERENCE_APIS = new Set(['predict', 'classify', 'regress', 'oip_infer', 'grpc_predict', 'grpc_classify', 'grpc_regress', 'grpc_oip_ModelInfer']);

/**
 * Records a finished request the same way for REST, binary HTTP, gRPC and OIP: the request counter and
 * latency, and for an inference that reached a version, the rollback guard's count (5xx only) and
 * the per-label series (progressive delivery, docs/api.md).
 */
export function recordRequest(manager: Manager, metrics: ServingMetrics, o: RequestOutcome): void {
  // Unknown names share one series, so callers cannot grow the metrics without bound.
  const model = manager.has(o.model) ? o.model : '(unknown)';
  const labels = { model, version: o.version, api: o.api };
  metrics.requests.inc({ model, version: o.version, api: o.api, status: String(o.status) });
  metrics.requestLatency.observe(labels, o.seconds);
  if (o.version === '' || !INFERENCE_APIS.has(o.api)) return;
  manager.recordOutcome(model, Number(o.version), o.status >= 500);
  if (o.label === undefined) return;
  metrics.labelRequests.inc({ model, label: o.label, version: o.version, status: String(o.status) });
  metrics.labelLatency.observe({ model, label: o.label, version: o.version }, o.seconds);
}
