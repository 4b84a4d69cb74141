import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunContext } from '../backend/backend.ts';
import type { RunSignal } from '../deadline.ts';
import { ServingError } from '../errors.ts';
import type { Lease, Servable } from '../manager/servable.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { rootSpan } from '../trace/spans.ts';
import { runDirect, runLeased } from './lease-run.ts';

function lease() {
  const l = { released: 0, servable: {} as Servable, release: () => void (l.released += 1) };
  return l as Lease & { released: number };
}

function gate() {
  let open!: (v: Record<string, Tensor>) => void;
  const done = new Promise<Record<string, Tensor>>((r) => (open = r));
  return { done, open };
}

afterEach(() => vi.useRealTimers());

describe('runLeased', () => {
  it('answers DEADLINE_EXCEEDED at the deadline but releases the lease only when the run ends', async () => {
    vi.useFakeTimers();
    const l = lease();
    const g = gate();
    const result = runLeased(l, () => g.done, () => ({}), 100);
    const settled = expect(result).rejects.toEqual(new ServingError('DEADLINE_EXCEEDED', 'Request did not finish within 100 ms'));
    await vi.advanceTimersByTimeAsync(100);
    await settled;
    expect(l.released).toBe(0);
    g.open({});
    await vi.waitFor(() => expect(l.released).toBe(1));
  });

  it('does not start a run whose deadline has passed', async () => {
    const l = lease();
    const run = vi.fn();
    await expect(runLeased(l, run, () => ({}), -5)).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(run).not.toHaveBeenCalled();
    expect(l.released).toBe(1);
  });

  it('returns outputs and releases once', async () => {
    const l = lease();
    await expect(runLeased(l, async () => ({ y: { dtype: 'bool', dims: [], data: new Uint8Array(1) } }), () => ({}), 1000)).resolves.toHaveProperty('y');
    expect(l.released).toBe(1);
  });

  it('does not start a run whose deadline is exactly now (0 ms left)', async () => {
    const l = lease();
    const run = vi.fn();
    await expect(runLeased(l, run, () => ({}), 0)).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(run).not.toHaveBeenCalled();
    expect(l.released).toBe(1);
  });

  it('does not start a run for a client already gone: CANCELLED, lease released', async () => {
    const l = lease();
    const run = vi.fn();
    const client = new AbortController();
    client.abort();
    await expect(runLeased(l, run, () => ({}), 1000, client.signal)).rejects.toEqual(new ServingError('CANCELLED', 'The request was cancelled'));
    expect(run).not.toHaveBeenCalled();
    expect(l.released).toBe(1);
  });

  it("aborts the run's signal when the client goes away, and leaves no listener on the client's signal once the run ends", async () => {
    const l = lease();
    const g = gate();
    let seen: RunSignal | undefined;
    const client = new AbortController();
    const result = runLeased(l, (_s, _i, options) => ((seen = options?.signal), g.done), () => ({}), 1000, client.signal);
    client.abort();
    expect(seen?.aborted).toBe(true);
    g.open({});
    await result;
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
  });

  it("leaves no listener on the client's signal when the run fails to start", async () => {
    const l = lease();
    const client = new AbortController();
    const run = () => {
      throw new ServingError('INTERNAL', 'the session is gone');
    };
    await expect(runLeased(l, run, () => ({}), 1000, client.signal)).rejects.toMatchObject({ message: 'the session is gone' });
    expect(getEventListeners(client.signal, 'abort')).toHaveLength(0);
    expect(l.released).toBe(1);
  });

  it('never cuts short a run without a deadline', async () => {
    vi.useFakeTimers();
    const l = lease();
    const g = gate();
    const result = runLeased(l, () => g.done, () => ({}), Infinity);
    let settled = false;
    result.finally(() => (settled = true)).catch(() => {});
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(settled).toBe(false);
    g.open({});
    await expect(result).resolves.toEqual({});
  });

  it('leaves no timer behind once a run answers before its deadline', async () => {
    vi.useFakeTimers();
    const l = lease();
    await runLeased(l, async () => ({}), () => ({}), 60_000);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('runDirect', () => {
  const servable = (run: (inputs: Record<string, Tensor>, context?: RunContext) => Promise<Record<string, Tensor>>) =>
    ({ session: { signature: { inputs: [], outputs: [] }, run, release: async () => {} } }) as unknown as Servable;
  const rows = (n: number): Tensor => ({ dtype: 'float32', dims: [n, 1], data: new Float32Array(n) });

  it('runs the session without a context', async () => {
    await expect(runDirect(servable(async () => ({ y: rows(1) })), { x: rows(1) })).resolves.toHaveProperty('y');
  });

  it("records a run span with the first input's rows as batch_size, and 0 for a run without inputs", async () => {
    const parent = rootSpan('request', 0);
    await runDirect(servable(async () => ({})), { x: rows(3) }, { span: parent });
    await runDirect(servable(async () => ({})), {}, { span: parent });
    expect(parent.children.map((c) => [c.name, c.attributes])).toEqual([
      ['run', { batch_size: 3 }],
      ['run', { batch_size: 0 }],
    ]);
  });
});
