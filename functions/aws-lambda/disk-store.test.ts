import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../core/repository/version-files.ts';
import { DiskStore } from './disk-store.ts';

let dir: string;
let clock: number;
const now = () => clock;
const store = (maxBytes = 1000, logs: string[] = []) => new DiskStore({ dir, maxBytes, now, log: (m) => logs.push(m) });
const file = async (fill: number, size = 100) => {
  const bytes = new Uint8Array(size).fill(fill);
  return { bytes, sha: await sha256Hex(bytes) };
};

beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'edgeserve-disk-')), 'cache');
  clock = Date.UTC(2026, 0, 1);
});
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

describe('DiskStore', () => {
  it('keeps bytes under their sha256 and gives them back checked', async () => {
    const s = store();
    const a = await file(1);
    expect(await s.get(a.sha, 100)).toBeNull();
    await s.put(a.sha, a.bytes);
    expect(readdirSync(dir)).toEqual([a.sha]);
    expect(await s.get(a.sha, 100)).toEqual(a.bytes);
    expect(await s.get(a.sha, 99)).toBeNull(); // the manifest's size must match too
  });

  it('never gives back bytes that do not match their name; does not keep files larger than the budget', async () => {
    const s = store(150);
    const a = await file(1);
    const big = await file(2, 200);
    await s.put(a.sha, new Uint8Array(100).fill(9)); // a bad download, named as the manifest says
    expect(await s.get(a.sha, 100)).toBeNull();
    await s.put(big.sha, big.bytes);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('deletes a corrupted file on read and reports a miss', async () => {
    const logs: string[] = [];
    const s = store(1000, logs);
    const a = await file(1);
    await s.put(a.sha, a.bytes);
    writeFileSync(join(dir, a.sha), new Uint8Array(100).fill(7)); // same size, other bytes
    expect(await s.get(a.sha, 100)).toBeNull();
    expect(existsSync(join(dir, a.sha))).toBe(false);
    expect(logs.join()).toContain('failed its check');
  });

  it('evicts least recently used files to fit the budget', async () => {
    const s = store(250);
    const [a, b, c] = await Promise.all([file(1), file(2), file(3)]);
    await s.put(a.sha, a.bytes);
    clock += 1000;
    await s.put(b.sha, b.bytes);
    clock += 1000;
    expect(await s.get(a.sha, 100)).not.toBeNull(); // a is now the most recent
    clock += 1000;
    await s.put(c.sha, c.bytes);
    expect(readdirSync(dir).sort()).toEqual([a.sha, c.sha].sort());
    expect(await s.usedBytes()).toBe(200);
  });

  it('a new store over the folder (a re-initialised module) sees its files and their recency', async () => {
    const [a, b, c] = await Promise.all([file(1), file(2), file(3)]);
    const first = store(250);
    await first.put(a.sha, a.bytes);
    clock += 1000;
    await first.put(b.sha, b.bytes);
    clock += 1000;
    await first.get(a.sha, 100);
    writeFileSync(join(dir, '.partial-deadbeef-1'), 'torn write of a crashed module');

    clock += 1000;
    const second = store(250);
    expect(await second.get(b.sha, 100)).toEqual(b.bytes); // b is now the most recent
    clock += 1000;
    await second.put(c.sha, c.bytes);
    expect(readdirSync(dir).sort()).toEqual([b.sha, c.sha].sort());
  });

  it('never fails the caller when the disk cannot be used', async () => {
    const logs: string[] = [];
    writeFileSync(join(dir, '..', 'not-a-folder'), '');
    const s = new DiskStore({ dir: join(dir, '..', 'not-a-folder'), maxBytes: 1000, log: (m) => logs.push(m) });
    const a = await file(1);
    await expect(s.put(a.sha, a.bytes)).resolves.toBeUndefined();
    expect(await s.get(a.sha, 100)).toBeNull();
    expect(logs.join()).toContain('cannot');
  });
});
