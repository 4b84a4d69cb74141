import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from './args.ts';
import { chart, logAxis } from './chart.ts';
import { closedLoop } from './load.ts';
import { goals, memoryTable, profiles, table, type Point, type ServerRecord } from './report.ts';
import { summariseProfile } from './profile.ts';
import { luaScript, parseWrk } from './wrk.ts';
import { parseTotals, split } from './scrape.ts';
import { textFormat } from './servers.ts';
import { agree, percentile, summarise, type Window } from './steady.ts';

const win = (rows: number, latenciesMs: number[] = [1], durationMs = 1000): Window => ({ rows, latenciesMs, errors: 0, durationMs });

describe('steady state', () => {
  it('needs three windows within the tolerance', () => {
    expect(agree([win(100), win(100)], 0.1)).toBe(false);
    expect(agree([win(50), win(100), win(95), win(91)], 0.1)).toBe(true);
    expect(agree([win(100), win(95), win(89)], 0.1)).toBe(false);
    expect(agree([win(0), win(0), win(0)], 0.1)).toBe(false);
  });

  it('summarises windows together: nearest-rank percentiles, rows per second', () => {
    const s = summarise([win(100, [1, 2, 3, 4, 5]), win(200, [6, 7, 8, 9, 10], 1000)], true, 4);
    expect(s.rowsPerSec).toBe(150);
    expect([s.p50Ms, s.p95Ms, s.p99Ms]).toEqual([5, 10, 10]);
    expect(s.windows).toBe(4);
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([3], 1)).toBe(3);
  });

  it('closedLoop keeps every caller busy until stopped, counting rows per call', async () => {
    let calls = 0;
    const loop = closedLoop(3, async () => {
      calls++;
      await Promise.resolve();
      return 2;
    });
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await loop.stop();
    const sample = loop.drain();
    expect(calls).toBeGreaterThan(9);
    expect(sample.latenciesMs).toHaveLength(calls);
    expect(sample.rows).toBe(2 * calls);
  });
});

describe('server metrics', () => {
  it('sums series over labels and turns two scrapes into means', () => {
    const text = (q: number, n: number) =>
      [
        '# TYPE edgeserve_batch_queueing_latency_seconds histogram',
        `edgeserve_batch_queueing_latency_seconds_bucket{model="m",version="1",le="0.001"} ${n}`,
        `edgeserve_batch_queueing_latency_seconds_sum{model="m",version="1"} ${q}`,
        `edgeserve_batch_queueing_latency_seconds_count{model="m",version="1"} ${n}`,
        `edgeserve_batch_size_sum{model="m",version="1"} ${n * 4}`,
        `edgeserve_batch_size_count{model="m",version="1"} ${n}`,
      ].join('\n');
    const before = parseTotals(text(0.5, 10));
    const after = parseTotals(text(0.7, 110));
    expect(before.edgeserve_batch_queueing_latency_seconds_count).toBe(10);
    const s = split(before, after);
    expect(s.queueMs).toBeCloseTo(2);
    expect(s.batchSize).toBe(4);
    expect(s.runMs).toBeNaN();
  });
});

describe('report', () => {
  const summary = (rowsPerSec: number, p50Ms: number) => ({ rowsPerSec, p50Ms, p95Ms: p50Ms, p99Ms: p50Ms * 2, errors: 0, windows: 3, steady: true });
  const points: Point[] = [
    { model: 'heavy', target: 'raw', concurrency: 1, rows: 32, summary: summary(800, 40), split: null },
    { model: 'heavy', target: 'plain', concurrency: 1, rows: 1, summary: summary(100, 10), split: null },
    { model: 'heavy', target: 'plain', concurrency: 32, rows: 1, summary: summary(110, 300), split: null },
    { model: 'heavy', target: 'edgeserve-batching', concurrency: 1, rows: 1, summary: summary(98, 10.5), split: null },
    { model: 'heavy', target: 'edgeserve-batching', concurrency: 32, rows: 1, summary: summary(700, 45), split: null },
  ];

  const servers: ServerRecord[] = [
    { model: 'heavy', target: 'plain', modelBytes: 100, rssWarm: 300, rssPeak: 310, profile: null },
    { model: 'heavy', target: 'edgeserve-batching', modelBytes: 100, rssWarm: 250, rssPeak: 260, profile: [{ name: 'run ort.js:9', share: 0.25 }] },
  ];

  it('checks issue 13’s goals', () => {
    expect(goals(points, servers, 32)).toEqual([
      '- heavy, JSON, 32 callers vs the 60-line server, goal >= 1.5x: **6.36x** (met)',
      '- heavy, JSON, 32 callers vs the raw batch-32 loop, goal >= 0.4x: **0.88x** (met)',
      '- heavy, protobuf, 32 callers vs the raw batch-32 loop, goal >= 0.7x: not measured',
      '- heavy, batching on vs off at 32 callers, goal >= 4x: not measured',
      '- small, 1 caller, batching on: p50 minus the raw batch-1 p50, goal <= 60 µs: not measured',
      '- small, 1 caller, batching off: p50 minus the raw batch-1 p50, goal <= 60 µs: not measured',
      '- small, 32 callers vs the 60-line server, goal >= 1.0x: not measured',
      "- heavy, batching on: RSS after warmup minus model size vs the 60-line server's, goal <= 1.0x: **0.75x** (met)",
    ]);
    expect(memoryTable(servers).split('\n')).toHaveLength(4);
    expect(profiles(servers)).toContain('| 25.0% | `run ort.js:9` |');
  });

  it('writes a table row per point and a chart with one panel per model', () => {
    expect(table(points).split('\n')).toHaveLength(2 + points.length);
    const svg = chart(points, ['heavy']);
    expect(svg).toMatch(/^<svg [^>]*width="540"/);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('raw b=32');
    expect(logAxis([3, 870])).toEqual({ lo: 0, hi: 3, ticks: [1, 10, 100, 1000] });
    expect(logAxis([12, 300])).toEqual({ lo: 1, hi: 3, ticks: [10, 20, 50, 100, 200, 500, 1000] });
  });
});

describe('wrk and profiles', () => {
  it('reads the summary line the Lua script prints', () => {
    const s = parseWrk('Running 3s test\nEDGESERVE-WRK 3010 10 3000000 400 900 1500\n');
    expect(s.rowsPerSec).toBe(1000);
    expect([s.p50Ms, s.p95Ms, s.p99Ms, s.errors]).toEqual([0.4, 0.9, 1.5, 10]);
    expect(() => parseWrk('unable to connect')).toThrow(/no summary/);
    expect(luaScript('/tmp/b.pb', 'application/x-protobuf')).toContain('wrk.headers["Content-Type"] = "application/x-protobuf"');
  });

  it('sums self time per function over the samples, largest first', () => {
    const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });
    const rows = summariseProfile({
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('encode', 'file:///w/core/encode.ts?x=1') },
        { id: 3, callFrame: frame('(garbage collector)') },
        { id: 4, callFrame: frame('(idle)') },
      ],
      samples: [2, 2, 3, 2, 4],
      timeDeltas: [10, 10, 20, 20, 500],
    });
    expect(rows).toEqual([
      { name: 'encode encode.ts:1', share: 40 / 60 },
      { name: '(garbage collector)', share: 20 / 60 },
    ]);
  });
});

describe('command line and server files', () => {
  it('parses flags, with short defaults for --quick', () => {
    const quick = parseBenchArgs(['--quick'])!;
    expect(quick.concurrency).toEqual([1, 32]);
    expect([quick.durationS, quick.warmupS, quick.profile]).toEqual([3, 1, true]);
    expect(quick.steady).toEqual({ windowMs: 500, maxWindows: 5, tolerance: 0.1 });
    expect(parseBenchArgs(['--concurrency=2,8', '--targets=plain'])).toMatchObject({ concurrency: [2, 8], targets: ['plain'] });
    expect(parseBenchArgs(['--help'])).toBeNull();
    expect(() => parseBenchArgs(['--targets=tfs'])).toThrow(/unknown target tfs/);
    expect(() => parseBenchArgs(['--batch=0'])).toThrow(/invalid number/);
  });

  it('writes TF Serving’s text-format BatchingParameters', () => {
    expect(textFormat({ max_batch_size: 32, batch_timeout_micros: 0 })).toBe('max_batch_size { value: 32 }\nbatch_timeout_micros { value: 0 }\n');
  });
});
