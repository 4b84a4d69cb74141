import { describe, expect, it } from 'vitest';
import { Registry } from './registry.ts';

describe('Registry', () => {
  it('keeps one series per label set, in creation order, and renders them', () => {
    const r = new Registry();
    const c = r.counter('c_total', 'help');
    c.inc({ model: 'm', version: '1' });
    c.inc({ model: 'm', version: '2' });
    c.inc({ model: 'm', version: '1' }, 2);
    c.inc({ model: 'm' });
    c.inc();
    expect([c.get({ model: 'm', version: '1' }), c.get({ model: 'm', version: '2' }), c.get({ model: 'm' }), c.get(), c.get({ model: 'x' })]).toEqual([3, 1, 1, 1, 0]);
    expect(r.render()).toBe(
      ['# HELP c_total help', '# TYPE c_total counter', 'c_total{model="m",version="1"} 3', 'c_total{model="m",version="2"} 1', 'c_total{model="m"} 1', 'c_total 1', ''].join('\n'),
    );
  });

  it('tells label names apart even where the values match', () => {
    const c = new Registry().counter('c_total', 'help');
    c.inc({ a: 'x' });
    expect([c.get({ a: 'x' }), c.get({ b: 'x' })]).toEqual([1, 0]);
  });

  it('counts histogram observations into their buckets', () => {
    const r = new Registry();
    const h = r.histogram('h_seconds', 'help', [0.1, 1]);
    h.observe({ api: 'predict' }, 0.05);
    h.observe({ api: 'predict' }, 0.5);
    expect(r.render()).toContain('h_seconds_bucket{api="predict",le="0.1"} 1\nh_seconds_bucket{api="predict",le="1"} 2\nh_seconds_bucket{api="predict",le="+Inf"} 2\nh_seconds_sum{api="predict"} 0.55\nh_seconds_count{api="predict"} 2');
  });
});
