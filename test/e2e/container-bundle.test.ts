import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from './server-process.ts';

// The Node server's bundle (functions/node/build.mjs: dist/node/main.mjs and its chunks), what the
// container images run, built (when a source changed) and run as the image runs it. The AWS SDK lives only in chunks imported on first use of an
// s3:// model, so a server of local models never loads it (runtime/node/sources.ts).
const DIST = 'dist/node';
let server: ServerProcess;

beforeAll(async () => {
  execFileSync('node', ['functions/node/build.mjs', '--if-changed'], { stdio: 'ignore' });
  server = await startServer(['--device=cpu', '--rest_api_host=127.0.0.1', '--model_config_file=models/models.config'], {}, { entry: `${DIST}/main.mjs` });
}, 60_000);
afterAll(() => server?.stop());

/** The files main.mjs loads at start: itself and every chunk reached through static imports. */
function staticGraph(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(join(DIST, file), 'utf8');
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s*"\.\/([^"]+)";/gms)) staticGraph(m[1], seen);
  for (const m of text.matchAll(/^import\s*"\.\/([^"]+)";/gm)) staticGraph(m[1], seen);
  return seen;
}

describe('the container bundle', () => {
  it('serves on the CPU execution provider', async () => {
    expect(server.output()).toMatch(/serving .* with onnxruntime-node;/);
    const res = await fetch(`${server.url}/v1/models/half_plus_two:predict`, { method: 'POST', body: '{"instances": [[1.0]]}' });
    expect(await res.json()).toEqual({ predictions: [[2.5]] });
  });

  it('loads the AWS SDK only through a dynamic import', () => {
    const loaded = [...staticGraph('main.mjs')];
    expect(loaded.length).toBeGreaterThan(1);
    for (const file of loaded) expect(readFileSync(join(DIST, file), 'utf8'), file).not.toContain('@aws-sdk/client-s3');
    const all = execFileSync('grep', ['-l', '@aws-sdk/client-s3', '-r', DIST], { encoding: 'utf8' }).trim().split('\n');
    expect(all.length).toBeGreaterThan(0); // it is there, for s3:// models
  });
});
