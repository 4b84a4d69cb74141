import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySource } from '../../core/repository/memory-source.ts';
import { createService, type Service } from '../../core/service/create-service.ts';
import { onnxruntimeWasm } from '../../core/backend/onnxruntime-wasm.ts';
import { onnxruntimeNode } from '../../runtime/node/onnxruntime-node.ts';
import { lookupModel as model } from '../fixtures/lookup-model.ts';

// A request's bad data is the caller's fault, also when onnxruntime finds it during the run
// (issue 23): an id outside an embedding's vocabulary, or two inputs whose batch sizes disagree
// at a Concat. TF Serving answers both 400 (the kernel's INVALID_ARGUMENT); a 500 would page
// someone for a client's mistake and count toward the rollback guard.
describe.each([
  ['onnxruntime-node', () => onnxruntimeNode({ intraOpNumThreads: 1 })],
  ['wasm', () => onnxruntimeWasm()],
])('bad data found during the run (%s)', (_name, backend) => {
  let service: Service;
  beforeAll(() => {
    const source = new MemorySource('mem:/lookup').put('1/model.onnx', model);
    const settings = { cacheBytes: 1 << 24, pollIntervalMs: -1, apiKeys: [], maxBodyBytes: 1 << 20, maxTensorBytes: 1 << 24, timeoutMs: 10_000, cors: false, batching: null };
    const config = { name: 'lookup', basePath: 'mem:/lookup', platform: 'onnx', versionPolicy: { kind: 'latest' as const, numVersions: 1 }, labels: {} };
    service = createService(settings, { models: { configs: [config], sourceAt: () => source }, backend: backend() });
  });
  afterAll(() => service?.close());

  const predict = (body: unknown) => service.fetch(new Request('http://x/v1/models/lookup:predict', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) }));

  it('answers ids in the vocabulary', async () => {
    const res = await predict({ inputs: { ids: [[1, 3]], extra: [[9, 9, 9]] } });
    expect(await res.json()).toEqual({ outputs: [[2.0, 3.0, 6.0, 7.0, 9.0, 9.0, 9.0]] });
  });

  it('answers 400 for an id outside the vocabulary', async () => {
    // As text: a JavaScript number cannot hold 2^53 + 1; the JSON codec reads it exactly.
    const res = await predict('{"inputs": {"ids": [[1, 9007199254740993]], "extra": [[9, 9, 9]]}}');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^input ids: index 9007199254740993 is out of range: .*indices element out of data bounds/);
  });

  it('answers 400 for inputs whose batch sizes disagree', async () => {
    const res = await predict({ inputs: { ids: [[1, 2], [0, 1]], extra: [[9, 9, 9]] } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^inputs ids and extra disagree on their first \(batch\) dimension, 2 and 1: .*Non concat axis dimensions must match/);
  });
});
