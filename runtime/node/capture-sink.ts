import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CaptureSink } from '../../core/capture/capture.ts';
import { parseObjectUrl } from '../../core/repository/object-url.ts';
import type { S3ClientOptions } from './s3-endpoint.ts';

/**
 * Where Node targets (the server, the container, Lambda) write captured requests (core/capture):
 * into the model's folder (written beside, then renamed into place, so a reader never sees half a
 * file) or its S3 prefix (one PutObject; the AWS SDK loads on the first s3:// write).
 */
export function nodeCaptureSink(options: S3ClientOptions): CaptureSink {
  let s3: Promise<{ put: (bucket: string, key: string, body: string) => Promise<void> }> | undefined;
  const client = () =>
    (s3 ??= import('./s3-client.ts').then(({ createS3Client, putText }) => {
      const c = createS3Client(options);
      return { put: (bucket: string, key: string, body: string) => putText(c, bucket, key, body, 'application/x-ndjson') };
    }));
  return {
    async write(location, key, text) {
      if (location.startsWith('s3://')) {
        const { bucket, prefix } = parseObjectUrl(location);
        await (await client()).put(bucket, prefix ? `${prefix}/${key}` : key, text);
        return;
      }
      const file = join(location, key);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(`${file}.partial`, text);
      await rename(`${file}.partial`, file);
    },
  };
}
