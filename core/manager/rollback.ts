import type { RollbackGuard } from '../repository/delivery-settings.ts';
import type { Slot } from './model-state.ts';

/**
 * The rollback guard of model.json ("rollback": {"max_error_rate", "min_requests"}), per
 * instance: each instance counts the requests its own versions answered and pulls a version out
 * of the traffic split on its own, with no coordination (instances that see little traffic may
 * never reach min_requests). Counts live on the slot, so a version loaded again, or a label moved
 * to another version, starts from zero. Failures are server-side only: 5xx answers and run
 * failures; a caller's 4xx is not the version's fault.
 */

/**
 * Counts one answered request on `slot`; returns true when this one makes the slot cross the
 * guard (it is then marked pulled; the caller logs and counts the rollback once).
 */
export function countOutcome(slot: Slot, failed: boolean, guard: RollbackGuard | undefined): boolean {
  slot.outcomes.requests += 1;
  if (failed) slot.outcomes.errors += 1;
  if (!guard || slot.pulled) return false;
  const { requests, errors } = slot.outcomes;
  if (requests < guard.minRequests || errors / requests <= guard.maxErrorRate) return false;
  slot.pulled = true;
  return true;
}

export function rollbackMessage(model: string, labels: string[], slot: Slot, guard: RollbackGuard): string {
  const { requests, errors } = slot.outcomes;
  const rate = ((errors / requests) * 100).toFixed(1);
  return (
    `model ${model}: rolled back ${labels.map((l) => `label ${l}`).join(', ')} (version ${slot.version}) on this instance: ` +
    `${errors} errors in ${requests} requests (${rate}% > ${(guard.maxErrorRate * 100).toFixed(1)}%); its traffic goes to the other labels, pinned requests still reach it`
  );
}
