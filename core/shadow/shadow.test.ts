import { describe, expect, it } from 'vitest';
import type { Manager } from '../manager/manager.ts';
import type { Lease, Servable } from '../manager/servable.ts';
import { Registry } from '../metrics/registry.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { readShadow } from './shadow-settings.ts';
import { createShadow, differences } from './shadow.ts';

const f32 = (...values: number[]): Tensor => ({ dtype: 'float32', dims: [values.length], data: Float32Array.from(values) });

function setup(options: { warm?: number | null; share?: number } = {}) {
  const settings = readShadow({ label: 'next', share: options.share ?? 1 }, 'w');
  const released: number[] = [];
  const acquired: string[] = [];
  const runs: ((outputs: Record<string, Tensor>) => void)[] = [];
  const manager = {
    shadowFor: () => settings,
    acquire: async () => {
      acquired.push('next');
      return { release: () => {} };
    },
    leaseIfWarm: (): Lease | null =>
      options.warm === null ? null : { servable: { model: 'm', version: options.warm ?? 2 } as Servable, label: 'next', release: () => released.push(options.warm ?? 2) },
  } as unknown as Manager;
  const timers: (() => void)[] = [];
  const registry = new Registry();
  const logs: string[] = [];
  const shadow = createShadow({
    manager,
    run: () => new Promise((resolve) => runs.push(resolve)),
    setTimer: (fn) => (timers.push(fn), () => {}),
    requests: registry.counter('edgeserve_shadow_requests_total', 't'),
    difference: registry.histogram('edgeserve_shadow_max_abs_difference', 't', [1]),
    log: (m) => logs.push(m),
    random: () => 0.5,
  });
  const outcome = (o: string) => registry.render().split('\n').filter((l) => l.includes(`outcome="${o}"`)).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return { shadow, runs, timers, released, acquired, outcome, logs, settle };
}

describe('shadow runs', () => {
  it('start only after the request, on a timer, and compare the answers', async () => {
    const s = setup();
    s.shadow.offer('m', 1, { x: f32(1) }, { y: f32(2.5) });
    expect(s.runs).toHaveLength(0);
    s.timers.shift()!();
    await s.settle();
    s.runs.shift()!({ y: f32(3) });
    await s.settle();
    expect([s.outcome('differ'), s.released]).toEqual([1, [2]]);
    expect(s.logs).toEqual(['model m: shadow version 2 (label next) differs from version 1: y max abs difference 0.500']);
  });

  it('skip (counted) a cold shadow, loading it meanwhile, and a second run while one is in flight; nothing when the label is the serving version', async () => {
    const cold = setup({ warm: null });
    cold.shadow.offer('m', 1, { x: f32(1) }, { y: f32(2.5) });
    expect([cold.outcome('skipped'), cold.timers.length, cold.acquired]).toEqual([1, 0, ['next']]);

    const busy = setup();
    busy.shadow.offer('m', 1, { x: f32(1) }, { y: f32(2.5) });
    busy.shadow.offer('m', 1, { x: f32(1) }, { y: f32(2.5) });
    expect([busy.outcome('skipped'), busy.timers.length, busy.released]).toEqual([1, 1, [2]]);

    const same = setup({ warm: 1 });
    same.shadow.offer('m', 1, { x: f32(1) }, { y: f32(2.5) });
    expect([same.timers.length, same.released, same.outcome('skipped')]).toEqual([0, [1], 0]);

    const none = setup({ share: 0.4 });
    none.shadow.offer('m', 1, { x: f32(1) }, { y: f32(2.5) });
    expect(none.timers.length).toBe(0);
  });

  it('finds differences beyond the tolerance, in shape, dtype and strings; NaN matches NaN', () => {
    expect(differences({ y: f32(1, NaN) }, { y: f32(1 + 1e-7, NaN) }, 1e-5)).toEqual([]);
    expect(differences({ y: f32(1) }, { y: f32(1.1) }, 1e-5)[0].maxAbs).toBeCloseTo(0.1, 6);
    expect(differences({ y: f32(1) }, { y: f32(1, 2) }, 1e-5)).toEqual([{ name: 'y', maxAbs: Infinity }]);
    expect(differences({ y: f32(1) }, {}, 1e-5)).toEqual([{ name: 'y', maxAbs: Infinity }]);
    expect(differences({ c: { dtype: 'string', dims: [1], data: ['cat'] } }, { c: { dtype: 'string', dims: [1], data: ['dog'] } }, 1e-5)).toEqual([{ name: 'c', maxAbs: Infinity }]);
    expect(differences({ y: f32(NaN) }, { y: f32(1) }, 1e-5)).toEqual([{ name: 'y', maxAbs: Infinity }]);
  });

  it('refuses settings it cannot honour', () => {
    expect(() => readShadow({ share: 1 }, 'w: shadow')).toThrow("w: shadow: label must name one of the model's labels");
    expect(() => readShadow({ label: 'c', share: 2 }, 'w')).toThrow('w: share must be a number from 0 to 1');
    expect(() => readShadow({ label: 'c', every: 1 }, 'w')).toThrow('w: unknown key "every"');
  });
});
