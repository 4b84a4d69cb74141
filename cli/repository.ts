import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { childLocation, objectUrl, parseObjectUrl, type ObjectLocation } from '../core/repository/object-url.ts';
import { classifyS3Error, s3Source } from '../core/repository/s3-source.ts';
import type { ModelSource } from '../core/repository/source.ts';
import { DEFAULT_STORAGE_POLICY, storageCall } from '../core/repository/storage-call.ts';
import { MANIFEST_FILE } from '../core/repository/version-files.ts';
import { localSource } from '../runtime/node/local-source.ts';
import { createS3Client } from '../runtime/node/s3-client.ts';
import { UsageError } from './args.ts';

/**
 * A model repository as the CLI sees it (`--to s3://bucket/prefix` or `--to ./models`): reads go
 * through the same sources the server uses; writes keep the format's promise that a version is
 * complete once its manifest exists. On S3 the manifest is uploaded after every file; in a local
 * folder the version is staged under a hidden name and renamed into place whole (a local server
 * does not require a manifest, so it must never see a half-copied folder).
 */
export interface Repository {
  readonly url: string;
  /** The root, whose list() names the models (and any other entries). */
  root(): ModelSource;
  model(name: string): ModelSource;
  writeVersion(name: string, version: number, files: UploadFile[], manifest: Uint8Array, progress: (file: UploadFile) => (bytes: number) => void): Promise<void>;
  writeModelJson(name: string, bytes: Uint8Array): Promise<void>;
}

/** A local file to upload as `path` in a version folder. */
export interface UploadFile {
  path: string;
  file: string;
  size: number;
}

/** S3's limit for one PutObject; larger files would need a multipart upload. */
export const MAX_SINGLE_UPLOAD_BYTES = 5 * 1024 ** 3;
const UPLOAD_POLICY = { ...DEFAULT_STORAGE_POLICY, timeoutMs: 60_000 };

export function openRepository(to: string | undefined, env: Record<string, string | undefined>, endpoint?: string): Repository {
  const target = to ?? env.EDGESERVE_REPOSITORY;
  if (!target) throw new UsageError('where is the repository? pass --to s3://bucket/prefix or --to ./models (or set EDGESERVE_REPOSITORY)');
  if (target.startsWith('s3://')) return s3Repository(parseObjectUrl(target), createS3Client({ endpoint, env }));
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(target)) throw new UsageError(`${target}: unsupported repository (use s3://bucket/prefix or a folder)`);
  return localRepository(resolve(target));
}

export function s3Repository(root: ObjectLocation, client: Pick<S3Client, 'send'>): Repository {
  // `body` is called per attempt (a stream is read once); `alive` restarts the idle timeout.
  const put = (key: string, body: (alive: () => void) => { body: Uint8Array | Transform; size: number }) =>
    storageCall(
      `Cannot write s3://${root.bucket}/${key}`,
      UPLOAD_POLICY,
      (signal, alive) => {
        const { body: Body, size } = body(alive);
        return client.send(new PutObjectCommand({ Bucket: root.bucket, Key: key, Body, ContentLength: size }), { abortSignal: signal });
      },
      classifyS3Error,
    );
  const keyOf = (name: string, path: string) => `${childLocation(root, name).prefix}/${path}`;
  return {
    url: objectUrl(root),
    root: () => s3Source({ client, location: root }),
    model: (name) => s3Source({ client, location: childLocation(root, name) }),
    async writeVersion(name, version, files, manifest, progress) {
      for (const f of files) {
        const report = progress(f);
        await put(keyOf(name, `${version}/${f.path}`), (alive) => ({
          body: counted(f.file, (n) => (alive(), report(n))),
          size: f.size,
        }));
      }
      await put(keyOf(name, `${version}/${MANIFEST_FILE}`), () => ({ body: manifest, size: manifest.byteLength }));
    },
    async writeModelJson(name, bytes) {
      await put(keyOf(name, 'model.json'), () => ({ body: bytes, size: bytes.byteLength }));
    },
  };
}

export function localRepository(dir: string): Repository {
  const modelDir = (name: string) => join(dir, childLocation({ scheme: 'file', bucket: 'local', prefix: '' }, name).prefix);
  return {
    url: dir,
    root: () => localSource(dir),
    model: (name) => localSource(modelDir(name)),
    async writeVersion(name, version, files, manifest, progress) {
      const staging = join(modelDir(name), `.${version}.partial-${process.pid}`);
      await mkdir(staging, { recursive: true });
      try {
        for (const f of files) {
          await copyFile(f.file, join(staging, f.path));
          progress(f)(f.size);
        }
        await writeFile(join(staging, MANIFEST_FILE), manifest);
        await rename(staging, join(modelDir(name), String(version)));
      } catch (err) {
        await rm(staging, { recursive: true, force: true });
        throw err;
      }
    },
    async writeModelJson(name, bytes) {
      await mkdir(modelDir(name), { recursive: true });
      const staging = join(modelDir(name), `.model.json.partial-${process.pid}`);
      await writeFile(staging, bytes);
      await rename(staging, join(modelDir(name), 'model.json'));
    },
  };
}

/** The file as a stream that reports each chunk's size as it is read. */
function counted(file: string, onBytes: (bytes: number) => void): Transform {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onBytes(chunk.byteLength);
      done(null, chunk);
    },
  });
  const source = createReadStream(file);
  source.on('error', (err) => counter.destroy(err));
  return source.pipe(counter);
}
