import type { R2BucketLike } from '../../core/repository/r2-source.ts';

/**
 * An in-memory stand-in for a Workers R2 binding, with R2's list semantics: keys in lexical order;
 * with a delimiter, keys below the next delimiter fold into delimitedPrefixes (each once, counted
 * against `limit` like an object); `truncated` with an opaque cursor when more remain. `down`
 * makes every call reject as the binding does on an internal error.
 */
export class MemoryR2Bucket implements R2BucketLike {
  readonly objects = new Map<string, Uint8Array>();
  down = false;
  calls = 0;

  put(key: string, value: Uint8Array | string): void {
    this.objects.set(key, typeof value === 'string' ? new TextEncoder().encode(value) : value);
  }

  async get(key: string) {
    this.touch('get');
    const bytes = this.objects.get(key);
    if (!bytes) return null;
    return { size: bytes.byteLength, arrayBuffer: async () => bytes.slice().buffer as ArrayBuffer };
  }

  async list({ prefix = '', delimiter, cursor, limit = 1000 }: { prefix?: string; delimiter?: string; cursor?: string; limit?: number }) {
    this.touch('list');
    const entries: { key: string; folded: boolean }[] = [];
    for (const key of [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort()) {
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      const entry = cut < 0 ? { key, folded: false } : { key: key.slice(0, cut + delimiter!.length), folded: true };
      if (!entries.some((e) => e.key === entry.key && e.folded === entry.folded)) entries.push(entry);
    }
    const start = cursor ? Number(cursor) : 0;
    const page = entries.slice(start, start + limit);
    const truncated = start + limit < entries.length;
    return {
      objects: page.filter((e) => !e.folded).map((e) => ({ key: e.key })),
      delimitedPrefixes: page.filter((e) => e.folded).map((e) => e.key),
      truncated,
      ...(truncated ? { cursor: String(start + limit) } : {}),
    };
  }

  private touch(op: string): void {
    this.calls += 1;
    if (this.down) throw new Error(`${op}: We encountered an internal error. Please try again. (10001)`);
  }
}
