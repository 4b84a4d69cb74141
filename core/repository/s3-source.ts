import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { setTimer as timeoutTimer } from '../clock.ts';
import { ServingError, unavailable } from '../errors.ts';
import { entryName, keyUnder, listPrefix, objectUrl, type ObjectLocation } from './object-url.ts';
import { BodyLengthError, bodyChunks, readBody } from './read-body.ts';
import type { ModelSource } from './source.ts';
import { DEFAULT_STORAGE_POLICY, TRANSIENT_NETWORK_CODES, safeCode, storageCall, type Failure, type StoragePolicy } from './storage-call.ts';

/**
 * A model folder under an S3 (or S3-compatible: MinIO, s3rver, R2's S3 API) prefix. The client is
 * injected, built by the entry point (endpoint, region, credential chain); configure it with
 * maxAttempts 1, since retries and timeouts happen here (storage-call.ts), the same for every store.
 *
 * list() is one ListObjectsV2 walk with Delimiter "/" under "<prefix>/", page by page; read() is
 * one GetObject streamed into a buffer sized by Content-Length; open() is the same GetObject handed
 * on as chunks (the disk tier writes them to a file): the storage timeout covers the request, then
 * each chunk (no chunk for timeoutMs aborts the body), and a stream cut or stalled throws
 * UNAVAILABLE while iterating. A missing key reads as null; any
 * other failure is UNAVAILABLE with the key and an error code, never the SDK's message.
 * Versions need a manifest: object uploads are not atomic.
 */
export interface S3SourceOptions {
  client: Pick<S3Client, 'send'>;
  location: ObjectLocation;
  policy?: StoragePolicy;
  /** MaxKeys per list page (S3's default and maximum is 1000); small values are for tests. */
  pageSize?: number;
}

export function s3Source({ client, location, policy = DEFAULT_STORAGE_POLICY, pageSize }: S3SourceOptions): ModelSource {
  const base = objectUrl(location);
  const url = (key: string) => `s3://${location.bucket}/${key}`;
  return {
    location: base,
    requiresManifest: true,
    async list() {
      const listed = listPrefix(location.prefix);
      const names = new Set<string>();
      let token: string | undefined;
      do {
        const page = await storageCall(
          `Cannot list ${url(listed)}`,
          policy,
          (signal) =>
            client.send(
              new ListObjectsV2Command({ Bucket: location.bucket, Prefix: listed, Delimiter: '/', ContinuationToken: token, MaxKeys: pageSize }),
              { abortSignal: signal },
            ),
          classifyS3Error,
        );
        for (const p of page.CommonPrefixes ?? []) addName(names, listed, p.Prefix);
        for (const o of page.Contents ?? []) addName(names, listed, o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return [...names];
    },
    async read(path) {
      const key = keyUnder(location.prefix, path);
      if (key === null) return null;
      return storageCall(
        `Cannot read ${url(key)}`,
        policy,
        async (signal, progress) => {
          let out;
          try {
            out = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: key }), { abortSignal: signal });
          } catch (err) {
            if (isMissingKey(err)) return null;
            throw err;
          }
          progress();
          return readBody(out.Body, out.ContentLength, progress, signal);
        },
        classifyS3Error,
      );
    },
    async open(path) {
      const key = keyUnder(location.prefix, path);
      if (key === null) return null;
      const where = `Cannot read ${url(key)}`;
      const out = await storageCall(
        where,
        policy,
        async (signal) => {
          try {
            return await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: key }), { abortSignal: signal });
          } catch (err) {
            if (isMissingKey(err)) return null;
            throw err;
          }
        },
        classifyS3Error,
      );
      if (!out) return null;
      const setTimer = policy.setTimer ?? timeoutTimer;
      return (async function* () {
        const controller = new AbortController();
        const chunks = bodyChunks(out.Body, out.ContentLength, controller.signal);
        for (;;) {
          let cancel = () => {};
          const stalled = new Promise<never>((_, reject) => {
            cancel = setTimer(() => {
              controller.abort();
              reject(unavailable(`${where}: storage sent nothing for ${policy.timeoutMs} ms`));
            }, policy.timeoutMs);
          });
          let next: IteratorResult<Uint8Array>;
          try {
            next = await Promise.race([chunks.next(), stalled]);
          } catch (err) {
            throw err instanceof ServingError ? err : unavailable(`${where}: ${classifyS3Error(err).reason}`);
          } finally {
            cancel();
          }
          if (next.done) return;
          yield next.value;
        }
      })();
    },
  };
}

function addName(names: Set<string>, listed: string, key: string | undefined): void {
  const name = key === undefined ? null : entryName(listed, key);
  if (name !== null) names.add(name);
}

interface SdkError {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function isMissingKey(err: unknown): boolean {
  const e = err as SdkError | null;
  return e?.name === 'NoSuchKey' || (e?.$metadata?.httpStatusCode === 404 && e?.name !== 'NoSuchBucket');
}

const TRANSIENT_S3_CODES = new Set(['SlowDown', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'TimeoutError', 'RequestTimeTooSkewed']);

/** Retry network faults, 5xx and throttling; report S3's error code and HTTP status only. */
export function classifyS3Error(err: unknown): Failure {
  if (err instanceof BodyLengthError) return { transient: true, reason: `connection closed early (${err.message})` };
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const code = safeCode(e.code);
  const name = safeCode(e.name);
  if (code && TRANSIENT_NETWORK_CODES.has(code)) return { transient: true, reason: code };
  if (status !== undefined) {
    const reason = `${name && name !== 'Error' ? name : 'error'} (HTTP ${status})`;
    return { transient: status >= 500 || status === 429 || (name !== null && TRANSIENT_S3_CODES.has(name)), reason };
  }
  if (name && TRANSIENT_S3_CODES.has(name)) return { transient: true, reason: name };
  if (name === 'CredentialsProviderError') return { transient: false, reason: 'no AWS credentials found (CredentialsProviderError)' };
  return { transient: true, reason: code ?? (name && name !== 'Error' ? name : 'network error') };
}
