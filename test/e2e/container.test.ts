import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcClient } from '../grpc/client.ts';
import { startServer, type ServerProcess } from './server-process.ts';

// The container entry (functions/container/main.ts) as its image runs it, here without CUDA:
// --device=gpu must fall back to the CPU, say so, and serve REST and gRPC on 0.0.0.0.
let server: ServerProcess;
beforeAll(async () => {
  server = await startServer(['--device=gpu', '--model_config_file=models/models.config'], {}, { grpc: true, entry: 'functions/container/main.ts' });
});
afterAll(() => server?.stop());

describe('container entry', () => {
  it('says which execution provider is active (CPU, after falling back from --device=gpu)', () => {
    // A machine with CUDA-enabled onnxruntime-node and a GPU would say "device: gpu" instead.
    expect(server.output()).toMatch(/edgeserve: device: (cpu \(--device=gpu, but onnxruntime-node cannot use CUDA here: .*falling back to CPU|gpu \()/);
    // edgeserve's line comes first, not onnxruntime's own load error.
    expect(server.output().split('\n')[0]).toMatch(/^edgeserve: device: /);
    expect(server.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    expect(server.grpcAddress).toMatch(/^0\.0\.0\.0:\d+$/);
  });

  it('serves REST and gRPC', async () => {
    const port = new URL(server.url).port;
    const res = await fetch(`http://127.0.0.1:${port}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0]]}' });
    expect(await res.json()).toEqual({ predictions: [[2.5]] });
    const client = grpcClient(`127.0.0.1:${server.grpcAddress!.split(':')[1]}`);
    try {
      const out = await client.call('prediction', 'Predict', { model_spec: { name: 'half_plus_two' }, inputs: { x: { dtype: 1, tensor_shape: { dim: [{ size: 1 }, { size: 1 }] }, float_val: [3] } } });
      expect(out.outputs.y.float_val).toEqual([3.5]);
    } finally {
      client.close();
    }
  });
});
