/**
 * Weighted traffic between labels, as pure functions (the manager supplies the state):
 * model.json's `"traffic": {"stable": 90, "canary": 10}` splits requests that pin neither a
 * version nor a label. Callers: core/manager/manager.ts (routeUnpinned). No I/O, no clock, no
 * randomness of its own: the caller passes a point in [0, 1), drawn from an injected random
 * source, or derived from a routing key (routingPoint) so one key always lands on one label.
 */

/** Label -> weight (non-negative; only the ratios matter). */
export type TrafficWeights = Readonly<Record<string, number>>;

/** The request header whose value makes routing sticky (docs/storage.md, "Progressive delivery"). */
export const ROUTING_KEY_HEADER = 'x-edgeserve-routing-key';
/** The response header naming the label whose version answered. */
export const MODEL_LABEL_HEADER = 'x-model-label';

/**
 * The label a request at `point` (0 <= point < 1) goes to, among the labels with a positive
 * weight that `eligible` accepts; null when none does. A label left out (not ready, failed,
 * rolled back) gives its share to the others in proportion, since only eligible weights are
 * summed. Labels are taken in name order, so the same point, weights and eligible set always give
 * the same label (sticky routing), whatever order model.json lists them in.
 */
export function chooseLabel(weights: TrafficWeights, eligible: (label: string) => boolean, point: number): string | null {
  const labels = Object.keys(weights)
    .filter((label) => weights[label] > 0 && eligible(label))
    .sort();
  const total = labels.reduce((sum, label) => sum + weights[label], 0);
  if (labels.length === 0 || !(total > 0)) return null;
  let at = Math.min(Math.max(point, 0), 1 - Number.EPSILON) * total;
  for (const label of labels) {
    at -= weights[label];
    if (at < 0) return label;
  }
  return labels[labels.length - 1];
}

/**
 * A routing key's point in [0, 1): FNV-1a over its UTF-8 bytes, then a murmur3 finaliser so that
 * keys differing in one character spread over the whole range. Stable across processes and
 * targets, so every instance sends one key to the same label.
 */
export function routingPoint(key: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** Labels by weight, highest first (ties by name): the order a cold model loads them in. */
export function byWeight(weights: TrafficWeights): string[] {
  return Object.keys(weights)
    .filter((label) => weights[label] > 0)
    .sort((a, b) => weights[b] - weights[a] || (a < b ? -1 : 1));
}
