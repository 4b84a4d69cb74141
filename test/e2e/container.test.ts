import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcClient } from '../grpc/client.ts';
import { startServer, type ServerProcess } from './server-process.ts';

// The Node server with the flags the GPU image's ENTRYPOINT and CMD give it (infra/Dockerfile.gpu;
// infra.test.ts holds the image to them), here without CUDA: --device=gpu must fall back to the
// CPU, say so, and serve REST and gRPC on 0.0.0.0.
let server: ServerProcess;
beforeAll(async () => {
  server = await startServer(['--rest_api_host=0.0.0.0', '--device=gpu', '--model_config_file=models/models.config'], {}, { grpc: true });
});
afterAll(() => server?.stop());

describe('the server as the container runs it', () => {
  it('says which execution provider is active (CPU, after falling back from --device=gpu)', () => {
    // A machine with CUDA-enabled onnxruntime-node and a GPU would say "device: gpu" instead.
    expect(server.output()).toMatch(/edgeserve: device: (cpu \(--device=gpu, but .*; falling back to CPU|gpu \()/);
    // edgeserve's line comes first and nothing else speaks: no onnxruntime load error, no warnings.
    const lines = server.output().split('\n').filter((line) => line.trim() !== '');
    expect(lines[0]).toMatch(/^edgeserve: device: /);
    expect(lines.filter((line) => !line.startsWith('edgeserve: '))).toEqual([]);
    expect(server.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    expect(server.grpcAddress).toMatch(/^0\.0\.0\.0:\d+$/);
  });

  it('serves REST and gRPC', async () => {
    const port = new URL(server.url).port;
    const res = await fetch(`http://127.0.0.1:${port}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0]]}' });
    expect(await res.json()).toEqual({ predictions: [[2.5]] });
    // The backend that answered, as docs/container.md says: the header and the metrics' info series.
    expect(res.headers.get('x-backend')).toMatch(/^onnxruntime-node(-cuda)?$/);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/monitoring/prometheus/metrics`)).text();
    expect(metrics).toContain(`edgeserve_backend_info{backend="${res.headers.get('x-backend')}"} 1`);
    const client = grpcClient(`127.0.0.1:${server.grpcAddress!.split(':')[1]}`);
    try {
      const out = await client.call('prediction', 'Predict', { model_spec: { name: 'half_plus_two' }, inputs: { x: { dtype: 1, tensor_shape: { dim: [{ size: 1 }, { size: 1 }] }, float_val: [3] } } });
      expect(out.outputs.y.float_val).toEqual([3.5]);
    } finally {
      client.close();
    }
  });
});
