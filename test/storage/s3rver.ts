import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/**
 * A real S3-compatible server (s3rver) on an ephemeral loopback port, with one bucket, for tests.
 * `requests` records every request it receives ("GET /bucket/key?query"), so tests can assert
 * what storage traffic a scenario causes. s3rver accepts only its own fake credentials (CREDENTIALS),
 * which `client` and `env` carry.
 *
 * s3rver 3.7 quirks (real S3 does better): a "folder" holding only deeper folders is missing from
 * delimited listings, and continuation tokens fail on Node 20 (they use DES), so listings there
 * must fit one page.
 */
export interface S3rverHarness {
  endpoint: string;
  bucket: string;
  client: S3Client;
  /** Environment for a child process that should reach this server with the default credential chain. */
  env: Record<string, string>;
  requests: string[];
  /** s3rver's Node HTTP server (tests shorten its keepAliveTimeout, 5 s by default). */
  httpServer: import('node:http').Server;
  put(key: string, body: Uint8Array | string): Promise<void>;
  stop(): Promise<void>;
}

export const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

// The SDK's notice that it will need Node 22 from 2027 says nothing about these tests.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export async function startS3rver(bucket = 'models'): Promise<S3rverHarness> {
  const directory = mkdtempSync(join(tmpdir(), 'edgeserve-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const requests: string[] = [];
  server.httpServer.on('request', (req) => requests.push(`${req.method} ${req.url}`));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  let stopped = false;
  return {
    endpoint,
    bucket,
    client,
    env: {
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    requests,
    httpServer: server.httpServer,
    async put(key, body) {
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentLength: bytes.byteLength }));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      client.destroy();
      server.httpServer.closeAllConnections();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
