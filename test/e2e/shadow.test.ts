import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { affineModel } from '../fixtures/onnx-writer.ts';
import { series } from '../support/batching-shapes.ts';
import { startServer, type ServerProcess } from './server-process.ts';

// model.json "shadow" on the real server: requests answered by `stable` run again on the version
// the shadow label points at. A diverging shadow is reported (metrics and a log line), a matching
// one stays quiet, and the callers get the serving version's answers either way.
let dir: string;
let server: ServerProcess;

const halfPlus = (bias: number) => affineModel(0.5, bias);

function model(name: string, shadowBias: number): string {
  for (const [version, bias] of [[1, 2], [2, shadowBias]]) {
    mkdirSync(join(dir, name, String(version)), { recursive: true });
    writeFileSync(join(dir, name, String(version), 'model.onnx'), halfPlus(bias));
  }
  writeFileSync(join(dir, name, 'model.json'), JSON.stringify({ version_policy: { all: {} }, labels: { stable: 1, next: 2 }, traffic: { stable: 100 }, shadow: { label: 'next', share: 1 } }));
  return `config { name: "${name}" base_path: "${join(dir, name)}" model_platform: "onnx" }`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-shadow-'));
  writeFileSync(join(dir, 'models.config'), `model_config_list { ${model('quiet', 2)} ${model('loud', 2.5)} }`);
  server = await startServer([`--model_config_file=${join(dir, 'models.config')}`]);
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const metric = async (name: string) => series(await (await fetch(`${server.url}/monitoring/prometheus/metrics`)).text(), name);

/** Sends requests (unpinned: the traffic split sends them to stable) until `done` holds on the metrics. */
async function serveUntil(name: string, done: (metrics: () => Promise<number>) => Promise<boolean>) {
  const answers: unknown[] = [];
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${server.url}/v1/models/${name}:predict`, { method: 'POST', body: '{"instances": [[1.0], [3.0]]}' });
    answers.push([res.headers.get('x-model-version'), await res.json()]);
    if (await done(() => metric(`edgeserve_shadow_requests_total{model="${name}",version="2",outcome="${name === 'loud' ? 'differ' : 'match'}"}`))) break;
  }
  return answers;
}

describe('shadow traffic (model.json "shadow")', () => {
  it('reports a diverging shadow in the metrics and the log, and answers from the serving version', async () => {
    const answers = await serveUntil('loud', async (count) => (await count()) >= 3);
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(new Set([JSON.stringify(['1', { predictions: [[2.5], [3.5]] }])]));
    expect(await metric('edgeserve_shadow_requests_total{model="loud",version="2",outcome="differ"}')).toBeGreaterThanOrEqual(3);
    expect(await metric('edgeserve_shadow_requests_total{model="loud",version="2",outcome="match"}')).toBe(0);
    expect(await metric('edgeserve_shadow_max_abs_difference_bucket{model="loud",version="2",output="y",le="1"}')).toBeGreaterThanOrEqual(3);
    expect(await metric('edgeserve_shadow_max_abs_difference_bucket{model="loud",version="2",output="y",le="0.1"}')).toBe(0);
    expect(server.output()).toContain('model loud: shadow version 2 (label next) differs from version 1: y max abs difference 0.500');
  });

  it('stays quiet about a matching shadow', async () => {
    const answers = await serveUntil('quiet', async (count) => (await count()) >= 3);
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(new Set([JSON.stringify(['1', { predictions: [[2.5], [3.5]] }])]));
    expect(await metric('edgeserve_shadow_requests_total{model="quiet",version="2",outcome="match"}')).toBeGreaterThanOrEqual(3);
    expect(await metric('edgeserve_shadow_requests_total{model="quiet",version="2",outcome="differ"}')).toBe(0);
    expect(server.output()).not.toContain('model quiet: shadow');
  });
});
