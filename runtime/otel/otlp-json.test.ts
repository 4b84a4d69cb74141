import { describe, expect, it } from 'vitest';
import { rootSpan, childSpan, endSpan } from '../../core/trace/spans.ts';
import type { RequestTrace } from '../../core/trace/trace-export.ts';
import { otlpJsonExport } from './otlp-json.ts';

// The Worker's OTLP/HTTP JSON export: what it posts, where, and when it posts nothing.
function trace(parent?: RequestTrace['parent']): RequestTrace {
  const root = rootSpan('predict', 100);
  root.attributes['edgeserve.version'] = 3;
  endSpan(childSpan(root, 'run', 100.25, { batch_size: 2 }), 101.5, new Error('boom'));
  endSpan(root, 102);
  return { root, parent, epochOffsetMs: 1_700_000_000_000 };
}

function sent(env: Record<string, unknown>, t: RequestTrace, random = () => 0.5) {
  const posts: { url: string; init: RequestInit }[] = [];
  const traces = otlpJsonExport(env, (url, init) => posts.push({ url, init }), random);
  if (traces.sampled(t.parent)) traces.export(t);
  return posts;
}

describe('OTLP/HTTP JSON export (Workers)', () => {
  const parent = { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), sampled: true, traceState: 'k=v' };

  it("posts the request's spans under the client's trace, with times in nanoseconds and typed attributes", () => {
    const [post] = sent({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=a%20b, tenant=t1' }, trace(parent));
    expect(post.url).toBe('http://collector:4318/v1/traces');
    expect(post.init.headers).toEqual({ 'content-type': 'application/json', 'x-api-key': 'a b', tenant: 't1' });
    const body = JSON.parse(post.init.body as string);
    expect(body.resourceSpans[0].resource.attributes).toEqual([{ key: 'service.name', value: { stringValue: 'edgeserve' } }]);
    const [root, run] = body.resourceSpans[0].scopeSpans[0].spans;
    expect(root).toMatchObject({ traceId: parent.traceId, parentSpanId: parent.spanId, traceState: 'k=v', name: 'predict', kind: 2, startTimeUnixNano: '1700000000100000000', endTimeUnixNano: '1700000000102000000', status: {} });
    expect(root.attributes).toEqual([{ key: 'edgeserve.version', value: { intValue: '3' } }]);
    expect(run).toMatchObject({ traceId: parent.traceId, parentSpanId: root.spanId, kind: 1, startTimeUnixNano: '1700000000100250000', status: { code: 2, message: 'boom' } });
    expect(root.spanId).toMatch(/^[\da-f]{16}$/);
  });

  it("starts a new trace without a traceparent, and sends nothing for a client's unsampled one", () => {
    const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c/v1/traces' };
    const [post] = sent(env, trace());
    const [root] = JSON.parse(post.init.body as string).resourceSpans[0].scopeSpans[0].spans;
    expect(root.traceId).toMatch(/^[\da-f]{32}$/);
    expect(root.parentSpanId).toBeUndefined();
    expect(sent(env, trace({ ...parent, sampled: false }))).toEqual([]);
  });

  it('keeps a share of new traces by OTEL_TRACES_SAMPLER_ARG, none with always_off', () => {
    const env = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c/v1/traces', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' };
    expect(sent(env, trace(), () => 0.2)).toHaveLength(1);
    expect(sent(env, trace(), () => 0.3)).toHaveLength(0);
    expect(sent(env, trace(parent), () => 0.9)).toHaveLength(1);
    expect(sent({ ...env, OTEL_TRACES_SAMPLER: 'always_off' }, trace(parent))).toHaveLength(0);
  });
});
