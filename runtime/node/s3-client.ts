import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { s3Endpoint, type S3ClientOptions } from './s3-endpoint.ts';

/**
 * The S3 client for the server and the CLI. Endpoint: `endpoint` (--s3_endpoint), else the AWS
 * standard AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else AWS itself. A custom endpoint (s3rver,
 * MinIO, R2's S3 API) gets path-style addressing. Region: AWS_REGION, AWS_DEFAULT_REGION, else
 * us-east-1. Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN) from
 * `env` when set (the chain's first step, made explicit so `env` is the only input), else the
 * SDK's default chain (shared files, SSO, container and instance roles).
 *
 * The SDK does one attempt per call: core's sources time out and retry (storage-call.ts). It only
 * adds checksums where S3 requires them: the manifest's sha256 is the integrity check, and some
 * S3-compatible stores reject the SDK's newer checksum headers.
 */
export function createS3Client(options: S3ClientOptions): S3Client {
  // On Node < 22 the SDK prints an 8-line NodeVersionSupportWarning: its releases after January 2027
  // will need Node 22. The locked SDK runs on Node 20, which package.json's engines supports, so
  // the notice is about a future upgrade (README), not this process. Set before the first client.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { env } = options;
  const endpoint = s3Endpoint(options);
  const fromEnv = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY;
  return new S3Client({
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(fromEnv
      ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY!, sessionToken: env.AWS_SESSION_TOKEN || undefined } }
      : {}),
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Writes one small text object (captured requests: core/capture). */
export async function putText(client: S3Client, bucket: string, key: string, text: string, contentType: string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: contentType }));
}
