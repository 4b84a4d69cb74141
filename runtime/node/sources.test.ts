import { describe, expect, it } from 'vitest';
import { createS3Client } from './s3-client.ts';
import { s3Endpoint } from './s3-endpoint.ts';
import { sourceFactory } from './sources.ts';

describe('S3 client options', () => {
  it('takes the endpoint from the flag, then AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL', () => {
    const env = { AWS_ENDPOINT_URL_S3: 'http://s3-env:9000', AWS_ENDPOINT_URL: 'http://any-env:9000' };
    expect(s3Endpoint({ endpoint: 'http://flag:9000', env })).toBe('http://flag:9000');
    expect(s3Endpoint({ env })).toBe('http://s3-env:9000');
    expect(s3Endpoint({ env: { AWS_ENDPOINT_URL: 'http://any-env:9000' } })).toBe('http://any-env:9000');
    expect(s3Endpoint({ env: {} })).toBeUndefined();
    expect(() => s3Endpoint({ endpoint: 'localhost:9000', env: {} })).toThrow('must be an http:// or https:// URL');
  });

  it('uses path-style addressing for a custom endpoint, the region from the environment, one attempt per call', async () => {
    const custom = createS3Client({ endpoint: 'http://127.0.0.1:9000', env: { AWS_REGION: 'eu-west-1' } });
    expect(custom.config.forcePathStyle).toBe(true);
    expect(await custom.config.region()).toBe('eu-west-1');
    expect(await custom.config.maxAttempts()).toBe(1);
    const aws = createS3Client({ env: {} });
    expect(aws.config.forcePathStyle).toBeFalsy();
    expect(await aws.config.region()).toBe('us-east-1');
  });

  it('takes static credentials from the given environment when set', async () => {
    const client = createS3Client({ env: { AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' } });
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'id', secretAccessKey: 'secret' });
  });
});

describe('sourceFactory', () => {
  it('reads s3:// base paths from S3 and anything else from the local disk', () => {
    const sourceAt = sourceFactory({ env: {} });
    expect(sourceAt('s3://bucket/prefix/m')).toMatchObject({ location: 's3://bucket/prefix/m', requiresManifest: true });
    expect(sourceAt('/srv/models/m')).toMatchObject({ location: '/srv/models/m', requiresManifest: false });
  });

  it('refuses other schemes and malformed S3 URLs at start-up', () => {
    const sourceAt = sourceFactory({ env: {} });
    expect(() => sourceAt('gs://bucket/m')).toThrow('unsupported scheme gs://');
    expect(() => sourceAt('s3://bucket/a/../m')).toThrow('must not have empty, "." or ".." segments');
  });
});
