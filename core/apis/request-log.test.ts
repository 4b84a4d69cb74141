import { describe, expect, it } from 'vitest';
import type { ApiCall } from './call.ts';
import { logRequest, type RequestLog, type RequestLogEntry } from './request-log.ts';

// Which requests are logged, and what an entry says.
const call = (over: Partial<ApiCall> = {}): ApiCall => ({ timeLeft: () => 1000, model: 'm', ...over });
function logger(mode: RequestLog['mode'], sampleRate = 1, random = () => 0.5) {
  const entries: RequestLogEntry[] = [];
  return { log: { mode, sampleRate, random, write: (e: RequestLogEntry) => entries.push(e) }, entries };
}

describe('the request log', () => {
  it('says what ran, how long it took, and the ids the client sent', () => {
    const { log, entries } = logger('all');
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    logRequest(log, call({ ran: { model: 'm', version: 3, label: 'canary', inference: true } }), { api: 'predict', status: 200, seconds: 0.0012345, identity: () => ({ requestId: 'abc', traceparent }) });
    expect(entries).toEqual([
      { time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), request_id: 'abc', api: 'predict', model: 'm', version: 3, label: 'canary', status: 200, latency_ms: 1.235, trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' },
    ]);
  });

  it('logs errors with their code, in every mode but off; successes only in all, sampled', () => {
    const failure = { code: 'NOT_FOUND', message: 'Servable not found for request: Latest(x)' };
    for (const mode of ['off', 'errors', 'all'] as const) {
      const { log, entries } = logger(mode, 0.25);
      logRequest(log, call(), { api: 'predict', status: 404, seconds: 0.001, failure, identity: () => ({}) });
      logRequest(log, call(), { api: 'predict', status: 200, seconds: 0.001, identity: () => ({}) });
      expect(entries.map((e) => e.status), mode).toEqual(mode === 'off' ? [] : [404]);
      if (mode !== 'off') expect(entries[0]).toMatchObject({ error_code: 'NOT_FOUND', error: failure.message, request_id: expect.stringMatching(/^[\da-f-]{36}$/) });
    }
    const sampledIn = logger('all', 0.25, () => 0.1);
    logRequest(sampledIn.log, call(), { api: 'predict', status: 200, seconds: 0.001, identity: () => ({ traceparent: 'not a traceparent' }) });
    expect(sampledIn.entries).toHaveLength(1);
    expect(sampledIn.entries[0].trace_id).toBeUndefined();
  });
});
