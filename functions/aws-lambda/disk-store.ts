import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Files kept on local disk (Lambda's /tmp) by content: each file is named by its sha256, so a
 * model shared by two versions is stored once.
 *
 * - get() returns bytes only after checking their size and sha256 (a torn, corrupted or wrongly
 *   named file is deleted and reads as a miss), and marks the file used now (its mtime). put()
 *   does not hash: the check on the way out is the one that matters, and hashing on the way in
 *   would cost a cold start the same CPU again (node:crypto, ~1.4 ms per MB here).
 * - put() writes to a temporary name and renames, so a file under a sha256 name is always whole;
 *   puts run one at a time and evict least-recently-used files (by mtime, which survives a
 *   re-initialised module) until the new file fits maxBytes. A file larger than maxBytes is not
 *   kept. Disk errors (full, read-only) are logged and never fail a request.
 * - The index is built from the folder on first use, so a fresh module in the same sandbox sees
 *   what an earlier one wrote. One environment serves one request at a time; the store is not
 *   meant to be shared by processes.
 */
export interface DiskStoreOptions {
  dir: string;
  maxBytes: number;
  /** Milliseconds since the epoch, for recency; injected by tests. */
  now?: () => number;
  log?: (message: string) => void;
}

interface Entry {
  size: number;
  usedMs: number;
}

const NAME = /^[0-9a-f]{64}$/;
const TEMP_PREFIX = '.partial-';

export class DiskStore {
  private index: Promise<Map<string, Entry>> | null = null;
  private writes: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly options: DiskStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  async get(sha256: string, size: number): Promise<Uint8Array | null> {
    const key = sha256.toLowerCase();
    const index = await this.entries();
    if (index.get(key)?.size !== size) return null;
    let bytes: Uint8Array;
    try {
      const buf = await readFile(this.path(key));
      bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch {
      index.delete(key);
      return null;
    }
    if (bytes.byteLength !== size || createHash('sha256').update(bytes).digest('hex') !== key) {
      this.options.log?.(`disk tier: ${key} failed its check; removed`);
      await this.remove(index, key);
      return null;
    }
    await this.touch(index, key);
    return bytes;
  }

  /** Keeps `bytes` under `sha256` (what the manifest says they hash to; get() checks it). */
  put(sha256: string, bytes: Uint8Array): Promise<void> {
    const key = sha256.toLowerCase();
    const work = this.writes.then(() => this.write(key, bytes));
    this.writes = work.catch(() => {});
    return this.writes;
  }

  /** Resolves once every put so far is on disk (or given up). */
  idle(): Promise<void> {
    return this.writes;
  }

  /** Bytes held now, per the index. */
  async usedBytes(): Promise<number> {
    let total = 0;
    for (const entry of (await this.entries()).values()) total += entry.size;
    return total;
  }

  private async write(key: string, bytes: Uint8Array): Promise<void> {
    const index = await this.entries();
    if (index.has(key) || bytes.byteLength > this.options.maxBytes) return;
    const victims = [...index].sort((a, b) => a[1].usedMs - b[1].usedMs);
    let used = [...index.values()].reduce((sum, e) => sum + e.size, 0);
    for (const [victim, entry] of victims) {
      if (used + bytes.byteLength <= this.options.maxBytes) break;
      await this.remove(index, victim);
      used -= entry.size;
    }
    const temp = this.path(`${TEMP_PREFIX}${key}-${process.pid}`);
    try {
      await writeFile(temp, bytes);
      await rename(temp, this.path(key));
      index.set(key, { size: bytes.byteLength, usedMs: this.now() });
      await this.touch(index, key);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => {});
      this.options.log?.(`disk tier: cannot keep ${key} in ${this.options.dir}: ${(err as NodeJS.ErrnoException).code ?? 'I/O error'}`);
    }
  }

  private entries(): Promise<Map<string, Entry>> {
    this.index ??= this.scan();
    return this.index;
  }

  /** What an earlier module left in the folder; half-written files from a crash are removed. */
  private async scan(): Promise<Map<string, Entry>> {
    const index = new Map<string, Entry>();
    try {
      await mkdir(this.options.dir, { recursive: true });
      for (const name of await readdir(this.options.dir)) {
        if (name.startsWith(TEMP_PREFIX)) await rm(this.path(name), { force: true });
        if (!NAME.test(name)) continue;
        const info = await stat(this.path(name));
        if (info.isFile()) index.set(name, { size: info.size, usedMs: info.mtimeMs });
      }
    } catch (err) {
      this.options.log?.(`disk tier: cannot use ${this.options.dir}: ${(err as NodeJS.ErrnoException).code ?? 'I/O error'}`);
    }
    return index;
  }

  private async touch(index: Map<string, Entry>, key: string): Promise<void> {
    const usedMs = this.now();
    index.set(key, { size: index.get(key)!.size, usedMs });
    await utimes(this.path(key), usedMs / 1000, usedMs / 1000).catch(() => {});
  }

  private async remove(index: Map<string, Entry>, key: string): Promise<void> {
    index.delete(key);
    await rm(this.path(key), { force: true }).catch(() => {});
  }

  private path(name: string): string {
    return join(this.options.dir, name);
  }
}
