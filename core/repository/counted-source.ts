import type { Counter } from '../metrics/registry.ts';
import type { ModelSource } from './source.ts';

/**
 * A ModelSource that counts its calls in edgeserve_storage_calls_total{model, op, outcome}, so
 * operators can see what storage costs (a warm request within the poll interval adds nothing) and
 * when it fails. Outcomes: ok, missing (read of a file that does not exist), error.
 */
export function countedSource(source: ModelSource, model: string, counter: Counter): ModelSource {
  const count = (op: string, outcome: string) => counter.inc({ model, op, outcome });
  const open = source.open?.bind(source);
  return {
    // A disk tier's streamed read counts as a read; a local path is no storage call.
    ...(open && {
      async open(path: string) {
        try {
          const chunks = await open(path);
          count('read', chunks ? 'ok' : 'missing');
          return chunks;
        } catch (err) {
          count('read', 'error');
          throw err;
        }
      },
    }),
    ...(source.localPath && { localPath: source.localPath.bind(source) }),
    location: source.location,
    requiresManifest: source.requiresManifest,
    async list() {
      try {
        const names = await source.list();
        count('list', 'ok');
        return names;
      } catch (err) {
        count('list', 'error');
        throw err;
      }
    },
    async read(path) {
      try {
        const bytes = await source.read(path);
        count('read', bytes ? 'ok' : 'missing');
        return bytes;
      } catch (err) {
        count('read', 'error');
        throw err;
      }
    },
  };
}
