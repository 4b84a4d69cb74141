import { describe, expect, it } from 'vitest';
import type { Manager } from '../manager/manager.ts';
import type { Lease, Servable } from '../manager/servable.ts';
import { Registry } from '../metrics/registry.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { readShadow } from './shadow-settings.ts';
import { createShadow, differences } from './shadow.ts';

const f32 = (...values: number[]): Tensor => ({ dtype: 'float32', dims: [values.length], data: Float32Array.from(values) });

function setup(options: { warm?: number | null; share?: number; now?: () => number } = {}) {
  const settings = readShadow({ label: 'next', share: options.share ?? 1 }, 'w');
  const released: number[] = [];
  const acquired: string[] = [];
  const runs: ((outputs: Record<string, Tensor> | Error) => void)[] = [];
  const manager = {
    shadowFor: () => settings,
    acquire: async (_model: string, request: { label: string }) => {
      acquired.push(request.label);
      return { release: () => acquired.push('released') };
    },
    leaseIfWarm: (): Lease | null =>
      options.warm === null ? null : { servable: { model: 'm', version: options.warm ?? 2 } as Servable, label: 'next', release: () => released.push(options.warm ?? 2) },
  } as unknown as Manager;
  const timers: (() => void)[] = [];
  const registry = new Registry();
  const logs: string[] = [];
  const shadow = createShadow({
    manager,
    run: () => new Promise((resolve, reject) => runs.push((outputs) => (outputs instanceof Error ? reject(outputs) : resolve(outputs)))),
    setTimer: (fn) => (timers.push(fn), () => {}),
    requests: registry.counter('edgeserve_shadow_requests_total', 't'),
    difference: registry.histogram('edgeserve_shadow_max_abs_difference', 't', [1]),
    log: (m) => logs.push(m),
    random: () => 0.5,
    now: options.now,
  });
  const outcome = (o: string) => registry.render().split('\n').filter((l) => l.includes(`outcome="${o}"`)).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return { shadow, runs, timers, released, acquired, outcome, logs, settle, metrics: () => registry.render() };
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

  it('name every differing output, in the log line and in the difference histogram', async () => {
    const s = setup();
    s.shadow.offer('m', 1, { x: f32(1) }, { y: f32(2.5), z: f32(1) });
    s.timers.shift()!();
    await s.settle();
    s.runs.shift()!({ y: f32(3), z: f32(3) });
    await s.settle();
    expect(s.logs).toEqual(['model m: shadow version 2 (label next) differs from version 1: y max abs difference 0.500, z max abs difference 2.00']);
    const counts = s.metrics().split('\n').filter((l) => l.startsWith('edgeserve_shadow_max_abs_difference_count'));
    expect(counts).toEqual(['edgeserve_shadow_max_abs_difference_count{model="m",version="2",output="y"} 1', 'edgeserve_shadow_max_abs_difference_count{model="m",version="2",output="z"} 1']);
  });

  it('skip (counted) a cold shadow, loading it meanwhile, and a second run while one is in flight; nothing when the label is the serving version', async () => {
    const cold = setup({ warm: null });
    cold.shadow.offer('m', 1, { x: f32(1) }, { y: f32(2.5) });
    expect([cold.outcome('skipped'), cold.timers.length]).toEqual([1, 0]);
    await cold.settle();
    expect(cold.acquired).toEqual(['next', 'released']);
    expect(cold.metrics()).toContain('edgeserve_shadow_requests_total{model="m",version="",outcome="skipped"} 1'); // no version was leased

    const busy = setup();
    busy.shadow.offer('m', 1, { x: f32(1) }, { y: f32(2.5) });
    busy.shadow.offer('m', 1, { x: f32(1) }, { y: f32(2.5) });
    expect([busy.outcome('skipped'), busy.timers.length, busy.released]).toEqual([1, 1, [2]]);
    await busy.settle();
    expect(busy.acquired).toEqual([]); // warm already: nothing to load

    const same = setup({ warm: 1 });
    same.shadow.offer('m', 1, { x: f32(1) }, { y: f32(2.5) });
    expect([same.timers.length, same.released, same.outcome('skipped')]).toEqual([0, [1], 0]);

    const none = setup({ share: 0.4 });
    none.shadow.offer('m', 1, { x: f32(1) }, { y: f32(2.5) });
    expect(none.timers.length).toBe(0);
  });

  it('count a matching answer without a log line, and a failed shadow run with one', async () => {
    const s = setup();
    const once = async (answer: Record<string, Tensor> | Error) => {
      s.shadow.offer('m', 1, { x: f32(1) }, { y: f32(2.5) });
      s.timers.shift()!();
      await s.settle();
      s.runs.shift()!(answer);
      await s.settle();
    };
    await once({ y: f32(2.5) });
    expect([s.outcome('match'), s.logs]).toEqual([1, []]);
    await once(new Error('no such input'));
    expect([s.outcome('failed'), s.logs]).toEqual([1, ['model m: shadow version 2 (label next) failed a request version 1 answered: no such input']]);
    expect(s.released).toEqual([2, 2]);
  });

  it('run at the share, and log a differing model once a minute, saying how many differed since', async () => {
    let t = 1_000_000; // a clock that does not start at 0, as a process's does not
    const s = setup({ now: () => t });
    const differ = async () => {
      s.shadow.offer('m', 1, { x: f32(1) }, { y: f32(2.5) });
      s.timers.shift()!();
      await s.settle();
      s.runs.shift()!({ y: f32(3) });
      await s.settle();
    };
    await differ();
    t = 1_059_999;
    await differ();
    await differ();
    expect(s.logs).toHaveLength(1);
    t = 1_060_000;
    await differ();
    expect(s.logs[1]).toBe('model m: shadow version 2 (label next) differs from version 1: y max abs difference 0.500 (2 more since the last line)');
    expect(s.outcome('differ')).toBe(4);

    const atShare = setup({ share: 0.5 });
    atShare.shadow.offer('m', 1, { x: f32(1) }, { y: f32(2.5) });
    const overShare = setup({ share: 0.5000001 });
    overShare.shadow.offer('m', 1, { x: f32(1) }, { y: f32(2.5) });
    expect([atShare.timers.length, overShare.timers.length]).toEqual([0, 1]);
  });

  it('finds differences beyond the tolerance, in shape, dtype and strings; NaN matches NaN', () => {
    expect(differences({ y: f32(1, NaN) }, { y: f32(1 + 1e-7, NaN) }, 1e-5)).toEqual([]);
    expect(differences({ y: f32(1) }, { y: f32(1.1) }, 1e-5)[0].maxAbs).toBeCloseTo(0.1, 6);
    expect(differences({ y: f32(1) }, { y: f32(1, 2) }, 1e-5)).toEqual([{ name: 'y', maxAbs: Infinity }]);
    expect(differences({ y: f32(1) }, {}, 1e-5)).toEqual([{ name: 'y', maxAbs: Infinity }]);
    expect(differences({ c: { dtype: 'string', dims: [1], data: ['cat'] } }, { c: { dtype: 'string', dims: [1], data: ['dog'] } }, 1e-5)).toEqual([{ name: 'c', maxAbs: Infinity }]);
    expect(differences({ y: f32(NaN) }, { y: f32(1) }, 1e-5)).toEqual([{ name: 'y', maxAbs: Infinity }]);
    // Relative beyond 1: 1000 and 1000.0078 agree within 1e-5; exactly the tolerance agrees too.
    expect(differences({ y: f32(1000) }, { y: f32(1000.0078) }, 1e-5)).toEqual([]);
    expect(differences({ y: f32(0.5) }, { y: f32(0.75) }, 0.25)).toEqual([]);
    expect(differences({ c: { dtype: 'string', dims: [1], data: ['cat'] } }, { c: { dtype: 'string', dims: [1], data: ['cat'] } }, 0)).toEqual([]);
    expect(differences({ y: f32(1) }, { y: { dtype: 'float64', dims: [1], data: Float64Array.of(1) } }, 1)).toEqual([{ name: 'y', maxAbs: Infinity }]);
    expect(differences({ y: f32(1, 2) }, { y: { dtype: 'float32', dims: [2, 1], data: Float32Array.of(1, 2) } }, 1)).toEqual([{ name: 'y', maxAbs: Infinity }]);
  });

  it('refuses settings it cannot honour', () => {
    expect(() => readShadow({ share: 1 }, 'w: shadow')).toThrow("w: shadow: label must name one of the model's labels");
    expect(() => readShadow({ label: 'c', share: 2 }, 'w')).toThrow('w: share must be a number from 0 to 1');
    expect(() => readShadow({ label: 'c', every: 1 }, 'w')).toThrow('w: unknown key "every"');
  });
});
