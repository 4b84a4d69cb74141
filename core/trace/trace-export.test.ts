import { describe, expect, it } from 'vitest';
import { parseTraceparent } from './trace-export.ts';
import { childSpan, endSpan, inSpan, rootSpan } from './spans.ts';

describe('W3C trace context', () => {
  const id = '4bf92f3577b34da6a3ce929d0e0e4736';
  it("reads a traceparent's ids and sampled flag, and passes tracestate on", () => {
    expect(parseTraceparent(`00-${id}-00f067aa0ba902b7-01`, ' congo=t61rcWkgMzE ')).toEqual({ traceId: id, spanId: '00f067aa0ba902b7', sampled: true, traceState: 'congo=t61rcWkgMzE' });
    expect(parseTraceparent(`00-${id}-00f067aa0ba902b7-00`)).toEqual({ traceId: id, spanId: '00f067aa0ba902b7', sampled: false });
    // Ids may begin or end with zeros; surrounding whitespace and an empty tracestate are dropped.
    expect(parseTraceparent(` 00-00000000000000000000000000000001-1000000000000000-01 `, '  ')).toEqual({ traceId: '00000000000000000000000000000001', spanId: '1000000000000000', sampled: true });
    // A later version is read by its first four fields.
    expect(parseTraceparent(`01-${id}-00f067aa0ba902b7-03-extra`)?.sampled).toBe(true);
  });

  it('starts a new trace on an invalid traceparent', () => {
    for (const bad of [undefined, '', 'garbage', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, `00-${id}-${'0'.repeat(16)}-01`, `ff-${id}-00f067aa0ba902b7-01`, `00-${id}-00f067aa0ba902b7-01-extra`, `00-${id.toUpperCase()}-00f067aa0ba902b7-01`, `x00-${id}-00f067aa0ba902b7-01`, `00-${id}-00f067aa0ba902b7-01x`]) {
      expect(parseTraceparent(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('spans', () => {
  it('records a child with its times, and a failed one with its error; nothing without a parent', async () => {
    let t = 0;
    const now = () => ++t;
    const root = rootSpan('predict', 0);
    expect(await inSpan(root, 'ok', now, () => 'done')).toBe('done');
    await expect(inSpan(root, 'bad', now, () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(root.children).toEqual([
      { name: 'ok', startMs: 1, endMs: 2, attributes: {}, children: [] },
      { name: 'bad', startMs: 3, endMs: 4, attributes: {}, children: [], error: 'no' },
    ]);
    expect(await inSpan(undefined, 'none', now, (span) => span)).toBeUndefined();
    expect(childSpan(undefined, 'none', 0)).toBeUndefined();
    expect(() => endSpan(undefined, 1, new Error('x'))).not.toThrow();
    expect(t).toBe(4);
  });
});

describe('parseTraceparent: the whole header or nothing', () => {
  const id = '4bf92f3577b34da6a3ce929d0e0e4736';
  it('refuses text before or after the four fields (a version 00 header has no fifth)', () => {
    expect(parseTraceparent(`x00-${id}-00f067aa0ba902b7-01`)).toBeUndefined();
    expect(parseTraceparent(`00-${id}-00f067aa0ba902b7-01x`)).toBeUndefined();
  });

  it('takes ids that end in zeros; only all-zero ids are invalid', () => {
    expect(parseTraceparent(`00-${id.slice(0, 28)}0000-00f067aa0ba90000-01`)).toMatchObject({ traceId: `${id.slice(0, 28)}0000`, spanId: '00f067aa0ba90000' });
    expect(parseTraceparent(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`)).toBeUndefined();
    expect(parseTraceparent(`00-${id}-${'0'.repeat(16)}-01`)).toBeUndefined();
  });
});
