import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServingError } from '../errors.ts';
import type { Lease, Servable } from '../manager/servable.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { runLeased } from './lease-run.ts';

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
});
