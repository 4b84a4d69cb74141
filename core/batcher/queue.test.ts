import { describe, expect, it } from 'vitest';
import type { Servable } from '../manager/servable.ts';
import { fakeServable, params } from '../testing/fake-batching.ts';
import { Queue, type Task } from './queue.ts';

// The queue's bookkeeping alone, at chosen instants (batcher.test.ts drives it through callers):
// when a batch may run, how long its leader sleeps, and which batch a request joins.
const servable = fakeServable().servable as Servable;
const queue = (over = {}) => new Queue(servable, params({ batchTimeoutMicros: 10_000, maxBatchSize: 4, maxExecutionBatchSize: 4, ...over }));
const task = (rows: number, key = 'k'): Task => ({ inputs: {}, rows, key, enqueuedMs: 0, chunks: [], waiter: { wake() {} } as unknown as Task['waiter'], done: 0, outcome: null });

describe('Queue', () => {
  it('is idle only with no batch queued and none running', () => {
    const q = queue();
    expect(q.idle).toBe(true);
    q.enqueue(task(1), 0);
    expect(q.idle).toBe(false);
    const ran = q.batches[0];
    q.claim(ran);
    expect([q.batches.length, q.idle]).toEqual([0, false]);
    q.finished(ran, 1);
    expect(q.idle).toBe(true);
  });

  it("lets a new batch's leader sleep the whole timeout on a fresh queue", () => {
    const q = queue();
    const t = task(1);
    q.enqueue(t, 100);
    expect(q.leaderWaitMs(t, 100)).toBe(10);
    expect(q.leaderWaitMs(t, 104)).toBe(6);
  });

  it('wakes no one for a batch that is closed, claimed, led by another task, or past its deadline', () => {
    const q = queue();
    const [first, second] = [task(1), task(1)];
    q.enqueue(first, 0);
    q.enqueue(second, 1);
    expect(q.leaderWaitMs(second, 1)).toBe(Infinity); // not its batch's first chunk
    expect(q.leaderWaitMs(first, 10)).toBe(Infinity); // deadline reached
    const full = task(4, 'other');
    q.enqueue(full, 2);
    expect(q.batches[1].closed).toBe(true);
    expect(q.leaderWaitMs(full, 2)).toBe(Infinity); // closed: runnable now
    q.claim(q.batches[0]);
    expect(q.leaderWaitMs(first, 2)).toBe(Infinity); // claimed
  });

  it('counts the timeout from the end of the last run when that is later than the batch opening', () => {
    const q = queue();
    q.enqueue(task(1), 0);
    const ran = q.batches[0];
    q.claim(ran);
    const t = task(1);
    q.enqueue(t, 5);
    q.finished(ran, 8);
    expect(q.leaderWaitMs(t, 8)).toBe(10);
  });

  it('keeps the demand of the last run while the queue has been idle less than the timeout, and forgets it after', () => {
    /** A queue whose last run (ended at 100) saw 2 rows at once, now idle. */
    const afterRun = () => {
      const q = queue();
      q.enqueue(task(1), 0);
      const ran = q.batches[0];
      q.claim(ran);
      const gone = task(1);
      q.enqueue(gone, 1);
      q.finished(ran, 100);
      q.withdraw(gone);
      expect(q.idle).toBe(true);
      return q;
    };
    const soon = afterRun();
    soon.enqueue(task(1), 105);
    expect(soon.runnable(105)).toBeNull(); // waits for 2 rows, or its timeout
    const late = afterRun();
    late.enqueue(task(1), 110);
    expect(late.runnable(110)).toBe(late.batches[0]); // idle for the timeout: runs at once
  });

  it('closes the open batch a request does not fit, and starts another with that request alone', () => {
    const q = queue();
    q.enqueue(task(3), 0);
    q.enqueue(task(2), 1);
    expect(q.batches.map((b) => [b.rows, b.closed, b.chunks.length])).toEqual([[3, true, 1], [2, false, 1]]);
  });

  it('keeps the newer open batch of a key open when an older one of that key is claimed', () => {
    const q = queue();
    q.enqueue(task(4), 0); // full, closed
    q.enqueue(task(1), 1); // opens another
    q.claim(q.batches[0]);
    q.enqueue(task(1), 2);
    expect(q.batches.map((b) => b.rows)).toEqual([2]);
  });
});
