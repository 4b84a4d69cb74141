import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { unavailable } from '../../core/errors.ts';
import { isSafeRelativePath } from '../../core/repository/relative-path.ts';
import type { ModelSource } from '../../core/repository/source.ts';

/**
 * A model folder on the local disk. TF-Serving-style folders (no manifest) serve as they are;
 * a manifest, when present, is still verified. A missing base folder lists as empty.
 * localPath() lets the disk tier load a version with external data where it lies (no copy).
 */
export function localSource(basePath: string): ModelSource {
  return {
    location: basePath,
    requiresManifest: false,
    async list() {
      try {
        return await readdir(basePath);
      } catch (err) {
        if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') return [];
        throw unavailable(`Cannot list ${basePath}: ${code(err) ?? 'I/O error'}`);
      }
    },
    async read(path) {
      if (!isSafeRelativePath(path)) return null;
      try {
        const buf = await readFile(join(basePath, path));
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } catch (err) {
        if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR' || code(err) === 'EISDIR') return null;
        throw unavailable(`Cannot read ${basePath}/${path}: ${code(err) ?? 'I/O error'}`);
      }
    },
    localPath(path) {
      return isSafeRelativePath(path) ? join(basePath, path) : null;
    },
  };
}

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}
