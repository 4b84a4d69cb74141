import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerProcess } from '../e2e/server-process.ts';
import { startFuzzServer } from './fuzz-server.ts';
import { runFuzz } from './fuzz.ts';

// A short, seeded fuzz run against the real server process (npm run fuzz runs the long one):
// every malformed body is the caller's fault, so nothing may be answered 5xx, and the server
// must still be up and serving afterwards. Bad data for the lookup model (ids outside its
// vocabulary, batch sizes that disagree) is a 400 naming the input, on all three transports.
let server: ServerProcess;
beforeAll(async () => {
  server = await startFuzzServer();
});
afterAll(() => server?.stop());

describe('fuzzed bodies', () => {
  it('are never answered 5xx, on JSON, binary HTTP or gRPC, bad data names its input, and the server stays up', async () => {
    const report = await runFuzz(server, { json: 500, binary: 300, grpc: 100, lookup: 150 });
    expect(report.failures).toEqual([]);
    const answered = (kind: 'json' | 'binary' | 'grpc' | 'lookup') => Object.values(report.byStatus[kind]).reduce((a, b) => a + b, 0);
    expect([answered('json'), answered('binary'), answered('grpc'), answered('lookup')]).toEqual([500, 300, 100, 150]);
    // Both kinds of lookup case happen: answered, and refused.
    expect(report.byStatus.lookup['200']).toBeGreaterThan(0);
    expect(report.byStatus.lookup['400']).toBeGreaterThan(0);
    // Some cases are valid requests: the fuzz reaches the model, not just the parsers.
    expect(report.byStatus.binary['200']).toBeGreaterThan(0);
    const health = await fetch(`${server.url}/v1/models/half_plus_two`);
    expect(health.status).toBe(200);
    const res = await fetch(`${server.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1]]}' });
    expect(await res.json()).toEqual({ predictions: [[2.5]] });
  }, 120_000);
});
