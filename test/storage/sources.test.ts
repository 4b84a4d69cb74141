import { S3Client } from '@aws-sdk/client-s3';
import { Miniflare } from 'miniflare';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MemorySource } from '../../core/repository/memory-source.ts';
import { r2Source, type R2BucketLike } from '../../core/repository/r2-source.ts';
import { s3Source } from '../../core/repository/s3-source.ts';
import { localSource } from '../../runtime/node/local-source.ts';
import { freePort } from '../support/free-port.ts';
import { MemoryR2Bucket } from './memory-r2.ts';
import { CREDENTIALS, startS3rver } from './s3rver.ts';
import { sourceContract, type Files } from './source-contract.ts';

// Every ModelSource implementation passes the same contract (source-contract.ts).
const FAST = { timeoutMs: 5000, retries: 1, backoffMs: 1 };

sourceContract('local folder', async () => {
  const root = mkdtempSync(join(tmpdir(), 'edgeserve-local-'));
  let n = 0;
  return {
    async create(files, outside = {}) {
      const repo = join(root, String(n++));
      mkdirSync(repo);
      write(join(repo, 'm'), files);
      write(repo, outside);
      return localSource(join(repo, 'm'));
    },
    close: async () => rmSync(root, { recursive: true, force: true }),
  };
}, { requiresManifest: false, remote: false });

sourceContract('S3 (s3rver, AWS SDK)', async () => {
  const s3 = await startS3rver();
  let n = 0;
  return {
    async create(files, outside = {}) {
      const repo = `repo${n++}`;
      await Promise.all([
        ...Object.entries(files).map(([path, body]) => s3.put(`${repo}/m/${path}`, body)),
        ...Object.entries(outside).map(([path, body]) => s3.put(`${repo}/${path}`, body)),
      ]);
      // No small pageSize: s3rver's continuation tokens need DES, which Node 20's OpenSSL lacks.
      // Paging is covered against a scripted client in core/repository/s3-source.test.ts.
      return s3Source({ client: s3.client, location: { scheme: 's3', bucket: s3.bucket, prefix: `${repo}/m` }, policy: FAST });
    },
    async unreachable() {
      const client = new S3Client({ endpoint: `http://127.0.0.1:${await freePort()}`, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS, maxAttempts: 1 });
      return s3Source({ client, location: { scheme: 's3', bucket: s3.bucket, prefix: 'repo/m' }, policy: FAST });
    },
    secrets: [CREDENTIALS.secretAccessKey],
    close: () => s3.stop(),
  };
}, { requiresManifest: true });

sourceContract('R2 (binding shape, in memory)', async () => {
  const bucket = new MemoryR2Bucket();
  let n = 0;
  const location = (prefix: string) => ({ scheme: 'r2', bucket: 'MODELS', prefix });
  return {
    async create(files, outside = {}) {
      const repo = `repo${n++}`;
      for (const [path, body] of Object.entries(files)) bucket.put(`${repo}/m/${path}`, body);
      for (const [path, body] of Object.entries(outside)) bucket.put(`${repo}/${path}`, body);
      return r2Source({ bucket, location: location(`${repo}/m`), policy: FAST, pageSize: 7 });
    },
    async unreachable() {
      const down = new MemoryR2Bucket();
      down.down = true;
      return r2Source({ bucket: down, location: location('repo/m'), policy: FAST });
    },
  };
}, { requiresManifest: true });

// The same source on miniflare's R2 (workerd's implementation, in memory), as a Worker's binding.
sourceContract('R2 (miniflare)', async () => {
  const mf = await startR2();
  const bucket = (await mf.getR2Bucket('MODELS')) as unknown as R2BucketLike & { put(key: string, value: Uint8Array | string): Promise<unknown> };
  let n = 0;
  const location = (prefix: string) => ({ scheme: 'r2', bucket: 'MODELS', prefix });
  // miniflare's binding wants plain Uint8Arrays, not Node Buffers.
  const put = (key: string, body: Uint8Array | string) => bucket.put(key, typeof body === 'string' ? body : new Uint8Array(body));
  return {
    async create(files, outside = {}) {
      const repo = `repo${n++}`;
      for (const [path, body] of Object.entries(files)) await put(`${repo}/m/${path}`, body);
      for (const [path, body] of Object.entries(outside)) await put(`${repo}/${path}`, body);
      return r2Source({ bucket, location: location(`${repo}/m`), policy: FAST, pageSize: 7 });
    },
    async unreachable() {
      // A binding whose runtime has gone away.
      const gone = await startR2();
      const down = (await gone.getR2Bucket('MODELS')) as unknown as R2BucketLike;
      await gone.dispose();
      return r2Source({ bucket: down, location: location('repo/m'), policy: FAST });
    },
    close: () => mf.dispose(),
  };
}, { requiresManifest: true });

sourceContract('memory', async () => ({
  async create(files: Files) {
    const source = new MemorySource('memory:', true);
    for (const [path, body] of Object.entries(files)) source.put(path, body);
    return source;
  },
  async unreachable() {
    const source = new MemorySource('memory:', true);
    source.down = true;
    return source;
  },
}), { requiresManifest: true });

async function startR2(): Promise<Miniflare> {
  const mf = new Miniflare({ modules: true, script: 'export default { fetch: () => new Response(null, { status: 404 }) }', r2Buckets: ['MODELS'] });
  await mf.ready;
  return mf;
}

function write(dir: string, files: Files): void {
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), body);
  }
}
