import { MANIFEST_FILE, parseManifest, type Manifest } from '../../core/repository/version-files.ts';
import type { ModelSource } from '../../core/repository/source.ts';
import type { NodeDiskTier } from '../../runtime/node/disk-tier.ts';

/**
 * A ModelSource decorator that answers version files from local disk when it can, so an
 * environment that re-initialises (a fresh module in the same Lambda sandbox) loads its models
 * from /tmp instead of downloading them again. The manager and the wrapped source are unchanged.
 *
 * - Only files a version's manifest lists are kept, in the disk tier's folder for the version (the
 *   one disk tier of the environment, runtime/node/disk-tier.ts, which also holds the versions
 *   with external data); a kept file is served only if it still matches the manifest's size and
 *   sha256 (the tier checks), so a stale or torn copy can never be served in place of the bucket's bytes.
 * - The manifest itself comes from storage, once per version per module (versions are immutable
 *   once their manifest exists), and is remembered so the manager's own read of it is free.
 * - Listings, model.json and files outside the manifest always go to storage: they may change.
 * - Downloaded files are written to disk in the background; the request does not wait for it.
 * - open() (streamed reads for models with external data) passes straight to the source: the tier
 *   places those versions itself.
 */
export function diskCached(source: ModelSource, tier: NodeDiskTier): ModelSource {
  const manifests = new Map<string, { bytes: Uint8Array; manifest: Manifest | null }>();

  async function manifestOf(dir: string) {
    const known = manifests.get(dir);
    if (known) return known;
    const bytes = await source.read(`${dir}/${MANIFEST_FILE}`);
    if (!bytes) return null; // not complete yet: ask again next time
    let manifest: Manifest | null = null;
    try {
      manifest = parseManifest(bytes, `${source.location}/${dir}/${MANIFEST_FILE}`);
    } catch {
      // A bad manifest fails the version when the manager reads it; nothing is cached for it.
    }
    const entry = { bytes, manifest };
    manifests.set(dir, entry);
    return entry;
  }

  return {
    location: source.location,
    requiresManifest: source.requiresManifest,
    ...(source.open && { open: source.open.bind(source) }),
    list: () => source.list(),
    async read(path) {
      const slash = path.indexOf('/');
      if (slash <= 0) return source.read(path);
      const dir = path.slice(0, slash);
      const file = path.slice(slash + 1);
      const known = await manifestOf(dir);
      if (file === MANIFEST_FILE) return known?.bytes ?? null;
      const entry = known?.manifest?.files.find((f) => f.path === file);
      if (!entry) return source.read(path);
      const kept = await tier.read(source, dir, entry);
      if (kept) return kept;
      const bytes = await source.read(path);
      if (bytes && bytes.byteLength === entry.size) void tier.keep(source, dir, file, bytes);
      return bytes;
    },
  };
}
