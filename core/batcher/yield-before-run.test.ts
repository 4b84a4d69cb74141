import { describe, expect, it } from 'vitest';
import { createBatcher } from './batcher.ts';
import { FakeClock, fakeServable, outValues, params, rows, settle } from '../testing/fake-batching.ts';
import { pollPark } from './wait.ts';

// yieldBeforeRun (Workers): a run that blocks the isolate lets no request in while it runs, so
// without a yield every request of a burst would run alone. The caller about to run waits once
// on its own timer; requests arriving meanwhile join its batch.
describe('yieldBeforeRun', () => {
  it('lets requests that arrive while the first caller yields join its batch', async () => {
    const clock = new FakeClock();
    const { servable, rowsPerRun } = fakeServable();
    const yieldBeforeRun = () => new Promise<void>((resume) => clock.setTimer(resume, 1));
    const batcher = createBatcher(params(), { ...clock, park: pollPark(clock.setTimer, 1), yieldBeforeRun });
    const first = batcher.run(servable, rows([1]));
    await settle();
    expect(rowsPerRun()).toEqual([]); // yielding, not running
    const later = [2, 3].map((v) => batcher.run(servable, rows([v])));
    await clock.advance(5);
    expect(rowsPerRun()).toEqual([3]);
    expect((await Promise.all([first, ...later])).map(outValues)).toEqual([[10], [20], [30]]);
  });

  it('without it, a burst whose runs finish at once runs one request at a time', async () => {
    const clock = new FakeClock();
    const { servable, rowsPerRun } = fakeServable();
    const batcher = createBatcher(params(), { ...clock, park: pollPark(clock.setTimer, 1) });
    const first = batcher.run(servable, rows([1]));
    await settle();
    const later = [2, 3].map((v) => batcher.run(servable, rows([v])));
    await clock.advance(5);
    await Promise.all([first, ...later]);
    expect(rowsPerRun()).toEqual([1, 1, 1]);
  });
});
