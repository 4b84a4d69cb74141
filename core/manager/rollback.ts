import type { RollbackGuard } from '../repository/delivery-settings.ts';
import type { Slot } from './model-state.ts';

/**
 * The rollback guard of model.json ("rollback": {"max_error_rate", "min_requests"}), per
 * instance: each instance counts the requests its own versions answered and pulls a version out
 * of the traffic split on its own, with no coordination (instances that see little traffic may
 * never reach min_requests). Counts live on the slot, so a version loaded again, or a label moved
 * to another version, starts from zero.
 *
 * The guard compares, it does not just count: a failure is any request that reached the version
 * and did not succeed (4xx or 5xx, but not a client that gave up), and a version is pulled when,
 * after min_requests, its failure rate exceeds the rate of the other labels of the split on this
 * instance (the version it would replace, on the same kind of traffic) by more than
 * max_error_rate. Bad input that fails on every version pulls nothing; a canary that fails where
 * stable answers is pulled, whether its failures are the caller's 4xx (a smaller vocabulary, a
 * stricter shape) or 5xx.
 */
export interface Outcomes {
  requests: number;
  errors: number;
}

/**
 * Counts one answered request on `slot`; returns true when this one makes the slot cross the
 * guard (it is then marked pulled; the caller logs and counts the rollback once).
 */
export function countOutcome(slot: Slot, failed: boolean, guard: RollbackGuard | undefined, baseline: Outcomes): boolean {
  slot.outcomes.requests += 1;
  if (failed) slot.outcomes.errors += 1;
  if (!guard || slot.pulled) return false;
  const { requests, errors } = slot.outcomes;
  if (requests < guard.minRequests || errors / requests - rate(baseline) <= guard.maxErrorRate) return false;
  slot.pulled = true;
  return true;
}

const rate = (o: Outcomes) => (o.requests ? o.errors / o.requests : 0);
const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

export function rollbackMessage(model: string, labels: string[], slot: Slot, guard: RollbackGuard, baseline: Outcomes): string {
  const { requests, errors } = slot.outcomes;
  return (
    `model ${model}: rolled back ${labels.map((l) => `label ${l}`).join(', ')} (version ${slot.version}) on this instance: ` +
    `${errors} failed in ${requests} requests (${percent(errors / requests)}), against ${percent(rate(baseline))} on the other labels ` +
    `(${baseline.errors} in ${baseline.requests}): more than ${percent(guard.maxErrorRate)} worse; its traffic goes to the other labels, pinned requests still reach it`
  );
}
