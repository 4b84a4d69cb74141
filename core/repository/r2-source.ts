import { entryName, keyUnder, listPrefix, objectUrl, type ObjectLocation } from './object-url.ts';
import type { ModelSource } from './source.ts';
import { safeCode, storageCall, type Failure, type StoragePolicy } from './storage-call.ts';

/**
 * The part of a Cloudflare Workers R2 binding (`env.MODELS`) that a source uses; a real binding
 * satisfies it structurally, and tests pass an in-memory object with the same behaviour:
 * get() resolves null for a missing key; list() with a delimiter returns the objects directly under
 * the prefix plus the "folders" below it (delimitedPrefixes, each ending in the delimiter), and
 * when `truncated` a cursor for the next page.
 */
export interface R2BucketLike {
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>;
  list(options: { prefix?: string; delimiter?: string; cursor?: string; limit?: number }): Promise<{
    objects: { key: string }[];
    delimitedPrefixes: string[];
    truncated: boolean;
    cursor?: string;
  }>;
}

export interface R2SourceOptions {
  bucket: R2BucketLike;
  /** `bucket` is a display name for messages (the binding's name); prefix as in object-url.ts. */
  location: ObjectLocation;
  policy?: StoragePolicy;
  /** Keys per list page (R2's default and maximum is 1000); small values are for tests. */
  pageSize?: number;
}

/**
 * The binding gives no way to cancel a call or follow a body's progress, so the timeout covers a
 * whole read and defaults longer than S3's; a Worker's models are small (128 MB isolates) anyway.
 */
export const R2_STORAGE_POLICY: StoragePolicy = { timeoutMs: 30_000, retries: 2, backoffMs: 200 };

/** A model folder under an R2 prefix, through a Worker binding. Versions need a manifest. */
export function r2Source({ bucket, location, policy = R2_STORAGE_POLICY, pageSize }: R2SourceOptions): ModelSource {
  const url = (key: string) => `${location.scheme}://${location.bucket}/${key}`;
  return {
    location: objectUrl(location),
    requiresManifest: true,
    async list() {
      const listed = listPrefix(location.prefix);
      const names = new Set<string>();
      let cursor: string | undefined;
      do {
        const page = await storageCall(
          `Cannot list ${url(listed)}`,
          policy,
          () => bucket.list({ prefix: listed, delimiter: '/', cursor, limit: pageSize }),
          classifyR2Error,
        );
        for (const key of [...page.delimitedPrefixes, ...page.objects.map((o) => o.key)]) {
          const name = entryName(listed, key);
          if (name !== null) names.add(name);
        }
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return [...names];
    },
    async read(path) {
      const key = keyUnder(location.prefix, path);
      if (key === null) return null;
      return storageCall(
        `Cannot read ${url(key)}`,
        policy,
        async () => {
          const object = await bucket.get(key);
          return object && new Uint8Array(await object.arrayBuffer());
        },
        classifyR2Error,
      );
    },
  };
}

/**
 * R2 binding errors carry no HTTP status; their messages name the operation and an R2 error code
 * ("get: We encountered an internal error (10001)"). Only the code is kept; all are retried.
 */
function classifyR2Error(err: unknown): Failure {
  const text = err instanceof Error ? err.message : '';
  const code = /\((\d{5})\)\s*$/.exec(text)?.[1];
  const name = safeCode((err as { name?: unknown } | null)?.name);
  return { transient: true, reason: code ? `R2 error ${code}` : (name ?? 'R2 error') };
}
