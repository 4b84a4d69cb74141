import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Server } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../../core/repository/version-files.ts';

/**
 * A real S3 API for tests: s3rver on an ephemeral loopback port, holding the bundled example
 * repository (models/) the way `edgeserve push` lays it out in a bucket: every file of a version,
 * then its manifest.json (sizes and sha256s) last. `requests` records every request the server
 * received ("GET /bucket/key"), so tests can prove what did (not) reach storage.
 */
export interface TestBucket {
  bucket: string;
  endpoint: string;
  /** A client for the bucket (path-style, the SDK's one attempt; sources retry themselves). */
  client: S3Client;
  /** The variables that point a server or a Lambda environment at this bucket. */
  env: Record<string, string>;
  requests: string[];
  /** GETs of objects whose key ends with `suffix`, so far. */
  gets(suffix: string): number;
  /** The s3:// URL of a model under the repository prefix. */
  url(model?: string): string;
  stop(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer: Server;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

export const PREFIX = 'models';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export async function startBucket(bucket = 'edgeserve-test', repositories = ['models']): Promise<TestBucket> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;
  const directory = mkdtempSync(join(tmpdir(), 'edgeserve-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  const requests: string[] = [];
  server.httpServer.on('request', (req) => requests.push(`${req.method} ${decodeURIComponent((req.url ?? '').split('?')[0])}`));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS, maxAttempts: 1 });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const repository of repositories) await pushRepository(client, bucket, repository);
  return {
    bucket,
    endpoint,
    client,
    env: { AWS_ENDPOINT_URL_S3: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey },
    requests,
    gets: (suffix) => requests.filter((r) => r.startsWith('GET ') && r.endsWith(suffix)).length,
    url: (model) => `s3://${bucket}/${PREFIX}${model ? `/${model}` : ''}`,
    async stop() {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Uploads every `<model>/<version>/` folder of `repository` under PREFIX, each with its manifest written last, and each model.json. */
export async function pushRepository(client: S3Client, bucket: string, repository: string): Promise<void> {
  for (const model of readdirSync(repository)) {
    if (!statSync(join(repository, model)).isDirectory()) continue;
    for (const version of readdirSync(join(repository, model))) {
      const dir = join(repository, model, version);
      if (!statSync(dir).isDirectory()) {
        if (version === 'model.json') await put(client, bucket, `${PREFIX}/${model}/model.json`, readFileSync(dir));
        continue;
      }
      const files = [];
      for (const name of readdirSync(dir)) {
        const bytes = readFileSync(join(dir, name));
        await put(client, bucket, `${PREFIX}/${model}/${version}/${name}`, bytes);
        files.push({ path: name, size: bytes.byteLength, sha256: await sha256Hex(bytes) });
      }
      await put(client, bucket, `${PREFIX}/${model}/${version}/manifest.json`, JSON.stringify({ files }));
    }
  }
}

export function put(client: S3Client, bucket: string, key: string, body: Uint8Array | string) {
  return client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}
