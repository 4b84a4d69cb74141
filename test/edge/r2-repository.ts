import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../core/repository/version-files.ts';

/**
 * Puts a model repository into an R2 bucket the way `edgeserve push` lays it out: every file of a
 * version, then its manifest.json (sizes and sha256s) last, and each model's model.json (policy and
 * labels) as it is. `put` is any bucket's put (miniflare's R2 binding
 * wants plain Uint8Arrays, not Node Buffers, hence the copies).
 */
export type Put = (key: string, bytes: Uint8Array | string) => Promise<unknown>;

export async function putVersion(put: Put, key: string, files: Record<string, Uint8Array | string>): Promise<void> {
  const manifest = [];
  for (const [name, content] of Object.entries(files)) {
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : new Uint8Array(content);
    await put(`${key}/${name}`, bytes);
    manifest.push({ path: name, size: bytes.byteLength, sha256: await sha256Hex(bytes) });
  }
  await put(`${key}/manifest.json`, JSON.stringify({ files: manifest }));
}

/** Every `<model>/<version>/` of models/ under `prefix` ("" for the root), plus model.json files. */
export async function putExampleRepository(put: Put, prefix = '', repository = 'models'): Promise<void> {
  const at = (key: string) => (prefix ? `${prefix}/${key}` : key);
  for (const model of readdirSync(repository)) {
    if (!statSync(join(repository, model)).isDirectory()) continue;
    for (const version of readdirSync(join(repository, model))) {
      const dir = join(repository, model, version);
      if (!statSync(dir).isDirectory()) {
        if (version === 'model.json') await put(at(`${model}/model.json`), new Uint8Array(readFileSync(dir)));
        continue;
      }
      const files = Object.fromEntries(readdirSync(dir).map((name) => [name, new Uint8Array(readFileSync(join(dir, name)))]));
      await putVersion(put, at(`${model}/${version}`), files);
    }
  }
}
