import { execFile, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcClient } from '../grpc/client.ts';
import { freePort } from '../support/free-port.ts';

// The CPU image as users run it (npm run test:container builds it first: infra/container-test.sh),
// started by the Docker daemon with the hardening a cluster gives it: a read-only root filesystem
// with the model cache on a tmpfs, a memory limit with a matching --cache_bytes, and the image's
// own non-root user. Host networking (the daemon here has no bridge); loopback ports only.
const IMAGE = process.env.EDGESERVE_IMAGE ?? 'edgeserve:cpu';
const MODELS = join(import.meta.dirname, '../../models');
const run = promisify(execFile);
const docker = async (...args: string[]) => (await run('docker', args)).stdout.trim();

interface Container {
  id: string;
  url: string;
  grpc: string;
}

const started: string[] = [];

async function start(extra: string[] = []): Promise<Container> {
  const [rest, grpc] = [await freePort(), await freePort()];
  const id = await docker(
    'run', '--detach', '--network', 'host', '--read-only', '--tmpfs', '/tmp', '--memory', '384m',
    '-v', `${MODELS}:/models:ro`, IMAGE,
    '--model_config_file=/models/models.config', '--cache_bytes=128MiB', `--rest_api_host=127.0.0.1`, `--rest_api_port=${rest}`, `--port=${grpc}`, ...extra,
  );
  started.push(id);
  const url = `http://127.0.0.1:${rest}`;
  // Ready once the models are loaded (the server listens only after preloading them).
  for (let tries = 0; ; tries++) {
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if ((await docker('inspect', '--format', '{{.State.Running}}', id)) !== 'true' || tries > 600) {
      throw new Error(`the container did not become ready:\n${(await run('docker', ['logs', id])).stderr}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  return { id, url, grpc: `127.0.0.1:${grpc}` };
}

let server: Container;
beforeAll(async () => {
  server = await start();
}, 120_000);
afterAll(async () => {
  for (const id of started) spawnSync('docker', ['rm', '--force', id]);
});

describe('the CPU image', () => {
  it('runs as a non-root user on a read-only root filesystem, within its memory limit', async () => {
    expect(await docker('inspect', '--format', '{{.Config.User}}', IMAGE)).toBe('1000:1000');
    expect(await docker('exec', server.id, 'id', '-u')).toBe('1000');
    expect(await docker('inspect', '--format', '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Memory}}', server.id)).toBe(`true ${384 * 1024 * 1024}`);
    const written = spawnSync('docker', ['exec', server.id, 'sh', '-c', 'echo x > /app/x']);
    expect(written.status).not.toBe(0);
  });

  it('answers predict over REST and gRPC, health and readiness, and decodes an image', async () => {
    const res = await fetch(`${server.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0], [2.0]]}' });
    expect(await res.json()).toEqual({ predictions: [[2.5], [3.0]] });
    for (const path of ['/healthz', '/readyz', '/v2/health/ready']) expect((await fetch(`${server.url}${path}`)).status, path).toBe(200);
    const client = grpcClient(server.grpc);
    try {
      const out = await client.call('prediction', 'Predict', { model_spec: { name: 'half_plus_two' }, inputs: { x: { dtype: 1, tensor_shape: { dim: [{ size: 1 }, { size: 1 }] }, float_val: [3] } } });
      expect(out.outputs.y.float_val).toEqual([3.5]);
    } finally {
      client.close();
    }
    // The pipeline's decoders (wasm read from node_modules in the image) work there too.
    const image = await fetch(`${server.url}/v1/models/colors:predict`, { method: 'POST', body: await import('node:fs').then((fs) => fs.readFileSync(join(MODELS, '../docs/examples/sky.jpg'))), headers: { 'content-type': 'image/jpeg' } });
    expect(((await image.json()) as { predictions: { classes: string[] }[] }).predictions[0].classes[0]).toBe('blue');
    expect(await docker('inspect', '--format', '{{.State.OOMKilled}} {{.State.Running}}', server.id)).toBe('false true');
  });

  it('finishes a request in flight on SIGTERM, then exits 0', async () => {
    const own = await start();
    const body = '{"instances": [[1.0], [2.0], [5.0]]}';
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${own.url}/v1/models/half_plus_two:predict`, { method: 'POST', headers: { 'content-length': String(body.length) } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      // Half the body now; the rest after the signal has reached the server.
      req.write(body.slice(0, 10));
      void docker('kill', '--signal', 'TERM', own.id).then(() => req.end(body.slice(10)), reject);
    });
    expect(await answer).toEqual({ status: 200, text: '{"predictions":[[2.5],[3.0],[4.5]]}' });
    expect(await docker('wait', own.id)).toBe('0');
    // Closed to new connections by then.
    expect(await fetch(`${own.url}/healthz`).then(() => 'answered', () => 'refused')).toBe('refused');
  }, 60_000);
});
