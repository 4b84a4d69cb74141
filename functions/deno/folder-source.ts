import { unavailable } from '../../core/errors.ts';
import { isSafeRelativePath } from '../../core/repository/relative-path.ts';
import type { ModelSource } from '../../core/repository/source.ts';

/**
 * A folder on local disk through Deno's file API (runtime/node/local-source.ts is the Node twin;
 * both refuse paths by core's one rule, core/repository/relative-path.ts). TF-Serving-style
 * folders (no manifest) serve as they are; a manifest, when present, is still verified. A missing
 * folder lists as empty. `foldersOnly` lists sub-folders alone: a repository root, where files
 * (models.config, a README) are not models.
 */
export function folderSource(basePath: string, { foldersOnly = false } = {}): ModelSource {
  return {
    location: basePath,
    requiresManifest: false,
    async list() {
      const names: string[] = [];
      try {
        for await (const entry of Deno.readDir(basePath)) if (!foldersOnly || entry.isDirectory) names.push(entry.name);
      } catch (err) {
        if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) return [];
        throw unavailable(`Cannot list ${basePath}: ${(err as Error).name}`);
      }
      return names;
    },
    async read(path) {
      if (!isSafeRelativePath(path)) return null;
      try {
        return await Deno.readFile(`${basePath}/${path}`);
      } catch (err) {
        if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory || err instanceof Deno.errors.IsADirectory) return null;
        throw unavailable(`Cannot read ${basePath}/${path}: ${(err as Error).name}`);
      }
    },
  };
}
