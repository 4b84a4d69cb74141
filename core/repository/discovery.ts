import { parseVersionDir } from '../version/policy.ts';
import { MANIFEST_FILE } from './version-files.ts';
import type { ModelSource } from './source.ts';

/*
 * Lists a model's complete versions: version number -> folder name ("00000123" -> 123). When two
 * folders parse to one number, the later in listing order wins, as in TF Serving. Sources that
 * need a manifest count a version only once its manifest exists, so a half-uploaded version is
 * invisible; completeness is remembered per folder (versions are immutable once complete).
 * `names` is the base's listing when the caller already has it (saves a storage call).
 */
const completeDirs = new WeakMap<ModelSource, Set<string>>();

export async function discoverVersions(source: ModelSource, names?: string[]): Promise<Map<number, string>> {
  const versions = new Map<number, string>();
  for (const name of names ?? (await source.list())) {
    const version = parseVersionDir(name);
    if (version !== null) versions.set(version, name);
  }
  if (!source.requiresManifest) return versions;
  let known = completeDirs.get(source);
  if (!known) completeDirs.set(source, (known = new Set()));
  for (const [version, dir] of versions) {
    if (known.has(dir)) continue;
    if (await source.read(`${dir}/${MANIFEST_FILE}`)) known.add(dir);
    else versions.delete(version);
  }
  return versions;
}
