import { describe, expect, it } from 'vitest';
import { newSlot } from './model-state.ts';
import { countOutcome, rollbackMessage } from './rollback.ts';

// The guard's arithmetic on one slot, and the line an operator reads when it acts
// (manager-traffic.test.ts runs it through the manager's traffic split).
describe('rollback guard', () => {
  const guard = { maxErrorRate: 0.1, minRequests: 4 };

  it('pulls once the failure rate passes the baseline by more than max_error_rate, after min_requests', () => {
    const slot = newSlot(3, '3');
    const baseline = { requests: 10, errors: 1 }; // 10%
    expect([countOutcome(slot, true, guard, baseline), countOutcome(slot, false, guard, baseline), countOutcome(slot, false, guard, baseline)]).toEqual([false, false, false]);
    // 4 requests, 1 failed: 25% against 10% is 15 points worse.
    expect(countOutcome(slot, false, guard, baseline)).toBe(true);
    expect(slot.pulled).toBe(true);
    expect(countOutcome(slot, true, guard, baseline)).toBe(false); // pulled once
  });

  it('names every label it pulls and both rates', () => {
    const slot = newSlot(3, '3');
    slot.outcomes = { requests: 8, errors: 2 };
    expect(rollbackMessage('m', ['canary', 'beta'], slot, guard, { requests: 40, errors: 2 })).toBe(
      'model m: rolled back label canary, label beta (version 3) on this instance: 2 failed in 8 requests (25.0%), against 5.0% on the other labels ' +
        '(2 in 40): more than 10.0% worse; its traffic goes to the other labels, pinned requests still reach it',
    );
  });
});
