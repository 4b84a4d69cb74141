import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from './server-process.ts';

// The real server with --enable_batching: concurrent callers are merged into fewer runs, and each
// gets exactly its own rows back.
{
  describe('micro-batching in the node server', () => {
    let dir: string;
    let server: ServerProcess;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'edgeserve-batching-'));
      const params = join(dir, 'batching.config');
      writeFileSync(params, 'max_batch_size { value: 64 }\nbatch_timeout_micros { value: 5000 }\nmax_enqueued_batches { value: 100 }\n');
      server = await startServer(['--model_config_file=models/models.config', '--enable_batching', `--batching_parameters_file=${params}`]);
    });
    afterAll(async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('answers concurrent requests correctly in fewer runs than requests', async () => {
      const n = 64;
      const answers = await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const rows = (i % 3) + 1;
          const instances = Array.from({ length: rows }, (_, r) => [i * 10 + r]);
          const res = await fetch(`${server.url}/v1/models/half_plus_two:predict`, {
            method: 'POST',
            body: JSON.stringify({ instances }),
          });
          return { instances, status: res.status, body: await res.json() };
        }),
      );
      for (const a of answers) {
        expect(a.status).toBe(200);
        expect(a.body.predictions).toEqual(a.instances.map(([x]) => [0.5 * x + 2]));
      }
      const metrics = await (await fetch(`${server.url}/monitoring/prometheus/metrics`)).text();
      const runs = Number(/edgeserve_batch_runs_total\{model="half_plus_two",version="1"\} (\d+)/.exec(metrics)?.[1]);
      const requests = Number(/edgeserve_batch_requests_total\{model="half_plus_two",version="1",outcome="ok"\} (\d+)/.exec(metrics)?.[1]);
      expect(requests).toBe(n);
      expect(runs).toBeGreaterThan(0);
      expect(runs).toBeLessThan(n);
    });

    it('keeps incompatible requests apart and still answers both', async () => {
      const [a, b] = await Promise.all([
        fetch(`${server.url}/v1/models/multi_io:predict`, { method: 'POST', body: '{"instances": [{"x": [1, 2, 3], "ids": [1, 2]}]}' }),
        fetch(`${server.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0]]}' }),
      ]);
      expect(await a.json()).toEqual({ predictions: [{ sum: 6.0, ids_doubled: [2, 4] }] });
      expect(await b.json()).toEqual({ predictions: [[2.5]] });
    });
  });
}
