import type { S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '../../core/config/config-error.ts';
import { parseObjectUrl } from '../../core/repository/object-url.ts';
import { s3Source } from '../../core/repository/s3-source.ts';
import type { ModelSource } from '../../core/repository/source.ts';
import { localSource } from './local-source.ts';
import { createS3Client, type S3ClientOptions } from './s3-client.ts';

/**
 * Picks the source for a base path: `s3://bucket/prefix/model` reads S3 (one client shared by every
 * model, built on first use), anything without a scheme is a local folder. Other schemes fail at
 * start-up with a ConfigError naming the path.
 */
export function sourceFactory(options: S3ClientOptions): (basePath: string) => ModelSource {
  let client: S3Client | undefined;
  return (basePath) => {
    if (basePath.startsWith('s3://')) {
      const location = parseObjectUrl(basePath);
      client ??= createS3Client(options);
      return s3Source({ client, location });
    }
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(basePath)?.[1];
    if (scheme) throw new ConfigError(`base path ${JSON.stringify(basePath)}: unsupported scheme ${scheme}:// (use s3:// or a local folder)`);
    return localSource(basePath);
  };
}
