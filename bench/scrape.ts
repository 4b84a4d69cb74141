/**
 * Reads edgeserve's Prometheus metrics and turns two scrapes into the server's own account of a
 * measurement span: mean time queued in the batcher, mean batched run, mean batch size, and mean
 * time per request inside the server (routing, JSON, manager, batcher, run).
 */

/** Totals of the series the bench needs, summed over labels. */
export type Totals = Record<string, number>;

const WANTED = [
  'edgeserve_batch_queueing_latency_seconds_sum',
  'edgeserve_batch_queueing_latency_seconds_count',
  'edgeserve_batch_run_latency_seconds_sum',
  'edgeserve_batch_run_latency_seconds_count',
  'edgeserve_batch_size_sum',
  'edgeserve_batch_size_count',
  'edgeserve_request_latency_seconds_sum',
  'edgeserve_request_latency_seconds_count',
];

export function parseTotals(text: string): Totals {
  const totals: Totals = Object.fromEntries(WANTED.map((name) => [name, 0]));
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{[^}]*\})? ([-+.\deE]+|NaN)$/.exec(line);
    if (match && match[1] in totals) totals[match[1]] += Number(match[2]);
  }
  return totals;
}

export async function scrape(baseUrl: string): Promise<Totals> {
  const res = await fetch(`${baseUrl}/monitoring/prometheus/metrics`);
  return parseTotals(await res.text());
}

export interface ServerSplit {
  /** Mean ms a request waited in the batcher before its run started. */
  queueMs: number;
  /** Mean ms of one batched session.run. */
  runMs: number;
  batchSize: number;
  /** Mean ms between the server receiving a request and answering it. */
  serverMs: number;
}

/** Means over the span between two scrapes; NaN where nothing was counted (e.g. batching off). */
export function split(before: Totals, after: Totals): ServerSplit {
  const mean = (metric: string, scale: number) => {
    const count = after[`${metric}_count`] - before[`${metric}_count`];
    return count > 0 ? ((after[`${metric}_sum`] - before[`${metric}_sum`]) / count) * scale : NaN;
  };
  return {
    queueMs: mean('edgeserve_batch_queueing_latency_seconds', 1000),
    runMs: mean('edgeserve_batch_run_latency_seconds', 1000),
    batchSize: mean('edgeserve_batch_size', 1),
    serverMs: mean('edgeserve_request_latency_seconds', 1000),
  };
}
