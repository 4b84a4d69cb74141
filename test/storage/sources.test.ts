import { S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MemorySource } from '../../core/repository/memory-source.ts';
import { r2Source } from '../../core/repository/r2-source.ts';
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
}, { remote: false });

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
});

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
});

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
}));

function write(dir: string, files: Files): void {
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), body);
  }
}
