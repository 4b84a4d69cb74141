import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServingError } from '../errors.ts';
import { DEFAULT_STORAGE_POLICY, TRANSIENT_NETWORK_CODES, safeCode, storageCall, type Failure, type StoragePolicy } from './storage-call.ts';

// Timers and sleeps are injected: `timers` holds the pending timeout callbacks; tests fire them.
function harness(over: Partial<StoragePolicy> = {}) {
  const timers = new Set<() => void>();
  const sleeps: number[] = [];
  const policy: StoragePolicy = {
    timeoutMs: 100,
    retries: 2,
    backoffMs: 50,
    setTimer: (fire) => {
      const timer = () => fire(); // one entry per timer set, even for the same callback
      timers.add(timer);
      return () => timers.delete(timer);
    },
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    ...over,
  };
  const fireAll = () => [...timers].forEach((f) => f());
  return { policy, timers, sleeps, fireAll };
}

const transient = (reason: string): Failure => ({ transient: true, reason });

describe('storageCall', () => {
  it('keeps the underlying error as cause (for logs) while the message stays a short code', async () => {
    const { policy } = harness({ retries: 0 });
    const underlying = new Error('GET https://b.s3/k?X-Amz-Signature=secret: socket hang up');
    const err = await storageCall('Cannot read s3://b/k', policy, async () => Promise.reject(underlying), () => transient('ECONNRESET')).catch((e) => e);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', message: 'Cannot read s3://b/k: ECONNRESET' });
    expect(err.cause).toBe(underlying);
  });

  it('returns the first success and clears its timer', async () => {
    const { policy, timers } = harness();
    expect(await storageCall('Cannot list x', policy, async () => 42, () => transient('x'))).toBe(42);
    expect(timers.size).toBe(0);
  });

  it('retries transient failures with doubling backoff, then reports the reason and attempts', async () => {
    const { policy, sleeps } = harness();
    let attempts = 0;
    const err = await storageCall(
      'Cannot read s3://b/k',
      policy,
      async () => {
        attempts += 1;
        throw new Error('connect ECONNREFUSED secret-details');
      },
      () => transient('ECONNREFUSED'),
    ).catch((e: unknown) => e);
    expect(attempts).toBe(3);
    expect(sleeps).toEqual([25, 50]); // random 0.5 x 50 x 2^n
    expect(err).toBeInstanceOf(ServingError);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', message: 'Cannot read s3://b/k: ECONNREFUSED after 3 attempts' });
  });

  it('does not retry a failure that will not go away', async () => {
    const { policy, sleeps } = harness();
    let attempts = 0;
    const call = storageCall('Cannot read s3://b/k', policy, async () => {
      attempts += 1;
      throw new Error('denied');
    }, () => ({ transient: false, reason: 'AccessDenied (HTTP 403)' }));
    await expect(call).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'Cannot read s3://b/k: AccessDenied (HTTP 403)' });
    expect(attempts).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('abandons an attempt that makes no progress within the timeout, aborting its signal', async () => {
    const { policy, fireAll } = harness();
    let signal: AbortSignal | undefined;
    const call = storageCall('Cannot list s3://b/p/', policy, (s) => {
      signal = s;
      return new Promise(() => {}); // never settles, like a hung connection
    }, () => transient('x'));
    await Promise.resolve();
    fireAll();
    await expect(call).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'Cannot list s3://b/p/: storage did not answer within 100 ms' });
    expect(signal!.aborted).toBe(true);
  });

  it('restarts the timeout on progress, so a long download is not cut off', async () => {
    const { policy, timers, fireAll } = harness();
    let progress!: () => void;
    let finish!: (v: string) => void;
    const call = storageCall('Cannot read x', policy, (_s, p) => {
      progress = p;
      return new Promise<string>((resolve) => (finish = resolve));
    }, () => transient('x'));
    await Promise.resolve();
    const first = [...timers][0];
    progress();
    expect(timers.has(first)).toBe(false); // the old timer was cancelled
    expect(timers.size).toBe(1);
    finish('done');
    expect(await call).toBe('done');
    expect(timers.size).toBe(0);
    fireAll(); // nothing left to fire
  });

  it('keeps one timeout across retries, so a retry never stretches the call past timeoutMs', async () => {
    const { policy, timers, fireAll } = harness();
    let attempts = 0;
    const call = storageCall('Cannot read s3://b/k', policy, async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('socket hang up'); // the store closed an idle connection
      return new Promise<never>(() => {}); // the retry hangs
    }, () => transient('ECONNRESET'));
    const first = [...timers][0];
    await new Promise((r) => setTimeout(r, 0));
    expect(attempts).toBe(2);
    expect([...timers]).toEqual([first]); // the retry did not start a fresh timeout
    fireAll();
    await expect(call).rejects.toMatchObject({ message: 'Cannot read s3://b/k: storage did not answer within 100 ms' });
    expect(timers.size).toBe(0);
  });

  it('aborts a timed-out attempt with "storage timeout", and keeps that as the cause', async () => {
    const { policy, fireAll } = harness({ retries: 0 });
    let signal!: AbortSignal;
    const call = storageCall('Cannot list s3://b/p/', policy, (s) => {
      signal = s;
      return new Promise(() => {});
    }, () => transient('x'));
    await Promise.resolve();
    fireAll();
    const err = await call.catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', message: 'Cannot list s3://b/p/: storage did not answer within 100 ms' });
    expect(signal.reason).toEqual(new Error('storage timeout'));
    expect((err as Error).cause).toBe(signal.reason);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0); // the hung attempt holds nothing
  });

  it('ends the call when the timeout falls in a backoff, without another attempt', async () => {
    const { policy, fireAll } = harness({ sleep: () => new Promise(() => {}) }); // a backoff that outlasts the timeout
    let attempts = 0;
    const call = storageCall('Cannot read s3://b/k', policy, async () => {
      attempts += 1;
      throw new Error('socket hang up');
    }, () => transient('ECONNRESET'));
    await new Promise((r) => setTimeout(r, 0));
    fireAll();
    const err = await call.catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', message: 'Cannot read s3://b/k: storage did not answer within 100 ms' });
    expect((err as Error).cause).toBeUndefined();
    expect(attempts).toBe(1);
  });

  it('does not restart the timeout for progress that comes after it', async () => {
    const { policy, timers, fireAll } = harness();
    let progress!: () => void;
    const call = storageCall('Cannot read x', policy, (_s, p) => {
      progress = p;
      return new Promise(() => {}); // ignores its signal and goes on
    }, () => transient('x'));
    await Promise.resolve();
    fireAll();
    await expect(call).rejects.toThrow('Cannot read x: storage did not answer within 100 ms');
    progress(); // a late chunk
    expect(timers.size).toBe(0);
  });

  it('leaves no listener on the signal once an attempt succeeds or fails', async () => {
    const { policy } = harness({ retries: 0 });
    const signals: AbortSignal[] = [];
    await storageCall('Cannot read x', policy, async (s) => (signals.push(s), 1), () => transient('x'));
    await storageCall('Cannot read x', policy, async (s) => (signals.push(s), Promise.reject(new Error('no'))), () => transient('x')).catch(() => {});
    expect(signals.map((s) => getEventListeners(s, 'abort').length)).toEqual([0, 0]);
  });

  describe('with the default policy', () => {
    afterEach(() => {
      vi.useRealTimers();
      vi.restoreAllMocks();
    });

    it('waits 10 s for an answer', async () => {
      vi.useFakeTimers();
      const call = storageCall('Cannot read s3://b/k', DEFAULT_STORAGE_POLICY, () => new Promise(() => {}), () => transient('x'));
      let settled = false;
      call.catch(() => {}).finally(() => (settled = true));
      await vi.advanceTimersByTimeAsync(9_999);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await expect(call).rejects.toThrow('Cannot read s3://b/k: storage did not answer within 10000 ms');
    });

    it('retries twice, backing off a random share of 200 ms, then of 400 ms', async () => {
      vi.useFakeTimers();
      vi.spyOn(Math, 'random').mockReturnValue(0.5);
      let attempts = 0;
      const call = storageCall('Cannot read s3://b/k', DEFAULT_STORAGE_POLICY, async () => {
        attempts += 1;
        throw new Error('connect ECONNREFUSED');
      }, () => transient('ECONNREFUSED'));
      call.catch(() => {});
      await vi.advanceTimersByTimeAsync(99);
      expect(attempts).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(attempts).toBe(2);
      await vi.advanceTimersByTimeAsync(199);
      expect(attempts).toBe(2);
      await vi.advanceTimersByTimeAsync(1);
      expect(attempts).toBe(3);
      await expect(call).rejects.toThrow('Cannot read s3://b/k: ECONNREFUSED after 3 attempts');
    });
  });
});

describe('TRANSIENT_NETWORK_CODES', () => {
  it('holds the Node and undici codes of a store that is restarting or briefly unreachable', () => {
    expect([...TRANSIENT_NETWORK_CODES].sort()).toEqual([
      'EAI_AGAIN',
      'ECONNREFUSED',
      'ECONNRESET',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'EPIPE',
      'ETIMEDOUT',
      'UND_ERR_CONNECT_TIMEOUT',
      'UND_ERR_SOCKET',
    ]);
  });
});

describe('safeCode', () => {
  it('keeps a code of letters, digits, _ . - that starts with a letter, up to 64 characters', () => {
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET', 'x', 'Http2.Error-1', 'A'.repeat(64)]) expect(safeCode(code), code).toBe(code);
  });

  it('refuses free text, junk around a code, and values that are not strings', () => {
    for (const value of ['', ' ECONNRESET', 'ECONNRESET: GET https://b/k?sig=secret', '1ABC', 'A'.repeat(65), 'a b']) expect(safeCode(value), value).toBeNull();
    for (const value of [undefined, null, 42, true, ['ECONNRESET']]) expect(safeCode(value), String(value)).toBeNull();
  });
});
