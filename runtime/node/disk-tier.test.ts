import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemorySource } from '../../core/repository/memory-source.ts';
import { sha256Hex } from '../../core/repository/version-files.ts';
import { nodeDiskTier } from './disk-tier.ts';

// The disk tier as a cache of remote version files (Lambda's /tmp): keep() in the background,
// read() only what still matches the manifest, whole version folders evicted least recently used
// first to stay within the budget. Time is injected (folder recency).
let root: string;
let clock: number;
const source = new MemorySource('s3://bucket/models/m', true);
const entry = async (path: string, bytes: Uint8Array) => ({ path, size: bytes.byteLength, sha256: await sha256Hex(bytes) });
const bytes = (fill: number, size = 100) => new Uint8Array(size).fill(fill);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'edgeserve-disk-tier-'));
  clock = Date.UTC(2026, 0, 1);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('nodeDiskTier as a cache', () => {
  it('gives back a kept file only while it matches its manifest entry', async () => {
    const logs: string[] = [];
    const tier = nodeDiskTier({ root, maxBytes: 1000, now: () => clock, log: (m) => logs.push(m) });
    const model = bytes(1);
    expect(await tier.read(source, '1', await entry('model.onnx', model))).toBeNull();
    await tier.keep(source, '1', 'model.onnx', model);
    expect(await tier.read(source, '1', await entry('model.onnx', model))).toEqual(model);
    // The manifest says other bytes (a torn copy, or a re-upload): a miss, and the copy is gone.
    expect(await tier.read(source, '1', await entry('model.onnx', bytes(2)))).toBeNull();
    expect(await tier.read(source, '1', await entry('model.onnx', model))).toBeNull();
    expect(logs.join('\n')).toContain('failed its check against the manifest; removed');
  });

  it('evicts the least recently used version folders to fit its budget, and keeps nothing larger than it', async () => {
    const tier = nodeDiskTier({ root, maxBytes: 250, now: () => clock, log: () => {} });
    for (const v of ['1', '2']) {
      clock += 1000;
      await tier.keep(source, v, 'model.onnx', bytes(Number(v)));
    }
    clock += 1000;
    expect(await tier.read(source, '1', await entry('model.onnx', bytes(1)))).toEqual(bytes(1)); // 1 is now the most recent
    clock += 1000;
    await tier.keep(source, '3', 'model.onnx', bytes(3));
    expect(await tier.read(source, '2', await entry('model.onnx', bytes(2)))).toBeNull();
    expect(await tier.read(source, '1', await entry('model.onnx', bytes(1)))).toEqual(bytes(1));
    expect(await tier.read(source, '3', await entry('model.onnx', bytes(3)))).toEqual(bytes(3));
    await tier.keep(source, '4', 'model.onnx', bytes(4, 300));
    expect(await tier.read(source, '4', await entry('model.onnx', bytes(4, 300)))).toBeNull();
    expect(await tier.read(source, '1', await entry('model.onnx', bytes(1)))).toEqual(bytes(1)); // nothing evicted for it
  });

  it('never fails the caller when the disk does', async () => {
    const file = join(root, 'not-a-folder');
    writeFileSync(file, 'x');
    const logs: string[] = [];
    const tier = nodeDiskTier({ root: file, maxBytes: 1000, log: (m) => logs.push(m) });
    await expect(tier.keep(source, '1', 'model.onnx', bytes(1))).resolves.toBeUndefined();
    await tier.idle();
    expect(logs.join('\n')).toMatch(/not keeping .*model\.onnx/);
    expect(existsSync(join(file, '1'))).toBe(false);
  });
});
