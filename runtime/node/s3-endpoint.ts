import { ConfigError } from '../../core/config/config-error.ts';

/**
 * Where the S3 client (s3-client.ts) connects, checked without loading the AWS SDK, so a bad
 * endpoint fails at start-up while the SDK itself loads only when an s3:// model is first read.
 */
export interface S3ClientOptions {
  endpoint?: string;
  env: Record<string, string | undefined>;
}

export function s3Endpoint({ endpoint, env }: S3ClientOptions): string | undefined {
  const url = endpoint || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  if (url !== undefined && !/^https?:\/\/[^/\s]+/.test(url)) {
    throw new ConfigError(`S3 endpoint ${JSON.stringify(url)} must be an http:// or https:// URL, like http://127.0.0.1:9000`);
  }
  return url;
}
