import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeModel } from '../test/fixtures/onnx-writer.ts';
import { label } from './label.ts';
import { ls } from './ls.ts';
import { push } from './push.ts';
import { traffic } from './traffic.ts';

// push --warmup [--golden], traffic and ls against a local-folder repository.
let dir: string;
let repo: string;
const out: string[] = [];
const run = async (cmd: (argv: string[], env: Record<string, string>, log: (m: string) => void) => Promise<void>, argv: string[]) => {
  out.length = 0;
  await cmd(argv, {}, (m) => void out.push(m));
  return out.join('\n');
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgeserve-delivery-cli-'));
  repo = join(dir, 'models');
  writeFileSync(join(dir, 'm.onnx'), largeModel(256, { offset: 3 }));
  writeFileSync(join(dir, 'warmup.json'), JSON.stringify({ requests: [{ request: { instances: [[10], [20]] } }] }));
  writeFileSync(join(dir, 'bad-warmup.json'), JSON.stringify({ requests: [{}] }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('edgeserve push --warmup', () => {
  it('uploads the warmup file as warmup.json in the manifest; --golden records the outputs as expected', async () => {
    expect(await run(push, [join(dir, 'm.onnx'), '--model', 'm', '--warmup', join(dir, 'warmup.json'), '--to', repo])).toMatch(/^pushed m version 1 \(2 files/);
    const manifest = JSON.parse(readFileSync(join(repo, 'm', '1', 'manifest.json'), 'utf8'));
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(['model.onnx', 'warmup.json']);
    const temporaries = () => readdirSync(tmpdir()).filter((f) => f.startsWith('edgeserve-warmup-')).sort();
    const before = temporaries();
    await run(push, [join(dir, 'm.onnx'), '--model', 'm', '--warmup', join(dir, 'warmup.json'), '--golden', '--to', repo]);
    expect(temporaries()).toEqual(before); // the golden file's temporary folder is gone
    const golden = JSON.parse(readFileSync(join(repo, 'm', '2', 'warmup.json'), 'utf8'));
    expect(golden.requests[0]).toEqual({ request: { instances: [[10], [20]] }, expected: { y: [[13], [23]] } });
  });

  it('refuses a warmup file servers would reject, and --golden without --warmup', async () => {
    await expect(run(push, [join(dir, 'm.onnx'), '--model', 'm', '--warmup', join(dir, 'bad-warmup.json'), '--to', repo])).rejects.toThrow('requests[0]: needs a "request" object');
    await expect(run(push, [join(dir, 'm.onnx'), '--model', 'm', '--golden', '--to', repo])).rejects.toThrow('--golden needs --warmup FILE');
  });
});

describe('edgeserve traffic', () => {
  it('writes the split and guard into model.json, keeping labels; ls shows it; --off removes it', async () => {
    await run(label, ['m', 'stable=1', 'canary=2', '--to', repo]);
    expect(await run(traffic, ['m', 'stable=90', 'canary=10', '--max_error_rate', '0.05', '--min_requests', '200', '--to', repo])).toMatch(/^m: traffic stable=90 canary=10/);
    const doc = JSON.parse(readFileSync(join(repo, 'm', 'model.json'), 'utf8'));
    expect(doc).toEqual({ labels: { stable: 1, canary: 2 }, traffic: { stable: 90, canary: 10 }, rollback: { max_error_rate: 0.05, min_requests: 200 } });
    const listing = await run(ls, ['m', '--to', repo]);
    expect(listing).toContain('m: traffic stable=90% (v1) canary=10% (v2)');
    expect(listing).toContain('m: rollback above 5% errors after 200 requests (per instance)');
    await run(traffic, ['m', '--off', '--to', repo]);
    expect(JSON.parse(readFileSync(join(repo, 'm', 'model.json'), 'utf8'))).toEqual({ labels: { stable: 1, canary: 2 } });
  });

  it('refuses weights on labels model.json does not have, and bad weights', async () => {
    await expect(run(traffic, ['m', 'beta=5', '--to', repo])).rejects.toThrow('traffic.beta: not one of the labels in "labels"');
    await expect(run(traffic, ['m', 'stable=-1', '--to', repo])).rejects.toThrow('expected LABEL=WEIGHT');
    await expect(run(traffic, ['m', '--to', repo])).rejects.toThrow('traffic needs a model name and LABEL=WEIGHT, or --off');
  });
});
