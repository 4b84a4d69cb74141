import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { CaptureSink } from '../../core/capture/capture.ts';
import { childLocation, parseObjectUrl, type ObjectLocation } from '../../core/repository/object-url.ts';
import { s3Source } from '../../core/repository/s3-source.ts';
import type { ModelSource } from '../../core/repository/source.ts';

/**
 * An S3 repository for the Deno function: core's s3Source over the AWS SDK (npm, run through Deno's
 * Node compatibility), credentials and region from the SDK's usual variables. An endpoint in
 * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL means an S3-compatible store (MinIO, R2's S3 API):
 * path-style addressing. The SDK makes one attempt; s3Source retries and times out itself.
 */
export function s3Repository(root: ObjectLocation): { root: ModelSource; sourceFor: (name: string) => ModelSource; captures: CaptureSink } {
  const endpoint = Deno.env.get('AWS_ENDPOINT_URL_S3') ?? Deno.env.get('AWS_ENDPOINT_URL');
  const client = new S3Client({ maxAttempts: 1, forcePathStyle: endpoint !== undefined, region: Deno.env.get('AWS_REGION') ?? 'us-east-1' });
  return {
    root: s3Source({ client, location: root }),
    sourceFor: (name) => s3Source({ client, location: childLocation(root, name) }),
    // model.json "capture": records written under the model's prefix (core/capture).
    captures: {
      async write(location, key, text) {
        const { bucket, prefix } = parseObjectUrl(location);
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: prefix ? `${prefix}/${key}` : key, Body: text, ContentType: 'application/x-ndjson' }));
      },
    },
  };
}
