import { singleModelConfig } from '../config/model-config.ts';
import { asServingError, errorLogText } from '../errors.ts';
import type { ModelSource } from '../repository/source.ts';
import type { Manager } from './manager.ts';

/**
 * The models of a repository root (a bucket or a prefix in it, a folder): every folder directly
 * under the root is a model of that name, served with the default policy; its model.json (read by
 * the manager) sets policy, labels and batching. Used by targets that serve "whatever is in the
 * bucket" (the Worker, Deno) instead of a config file's list.
 *
 * The listing is revalidated lazily, like a model's versions: the first refresh() waits for it;
 * later ones, once it is older than pollIntervalMs, start a new listing in the background (defer)
 * and return at once, so a request never waits for storage to learn about other models. Folders
 * that appear are added to the manager; folders that disappear stay known to it (discovery finds
 * no versions, so they answer 404). Hidden names (".x") and the optional models.json are not models.
 * A root with no models at all (a mistyped MODEL_BASE_PATH) is logged once and makes the
 * manager's repositoryProblem, so readiness fails naming it.
 * A failed first listing fails the request (503) and is retried no sooner than retryMs later;
 * a failed revalidation keeps the known models. Concurrent callers share one listing.
 */
export interface CatalogOptions {
  root: ModelSource;
  /** The source of one model folder under the root. */
  sourceFor: (name: string) => ModelSource;
  manager: Manager;
  /** Relist when the last listing is older than this; negative: list once. */
  pollIntervalMs: number;
  retryMs?: number;
  now?: () => number;
  defer?: (work: Promise<unknown>) => void;
  log?: (message: string) => void;
}

const NOT_MODELS = new Set(['models.json']);

export class Catalog {
  private listedAtMs = -Infinity;
  private failedAtMs = -Infinity;
  private listing: Promise<void> | null = null;
  private lastError: unknown = null;
  private readonly now: () => number;

  constructor(private readonly options: CatalogOptions) {
    this.now = options.now ?? Date.now;
  }

  async refresh(): Promise<void> {
    const { pollIntervalMs } = this.options;
    if (this.listedAtMs === -Infinity) {
      if (!this.listing && this.now() - this.failedAtMs < (this.options.retryMs ?? 1000)) {
        throw asServingError(this.lastError);
      }
      return this.list();
    }
    if (pollIntervalMs >= 0 && !this.listing && this.now() - this.listedAtMs >= pollIntervalMs) {
      const work = this.list().catch(() => {}); // logged in list(); the known models keep serving
      this.options.defer?.(work);
    }
  }

  private list(): Promise<void> {
    this.listing ??= (async () => {
      try {
        const names = await this.options.root.list();
        const models = names.filter((name) => !name.startsWith('.') && !NOT_MODELS.has(name));
        const problem = models.length === 0 ? `no models found at ${this.options.root.location}: it does not exist or is empty (each model is a folder there, holding numbered version folders)` : null;
        if (problem && problem !== this.options.manager.repositoryProblem) this.options.log?.(problem);
        this.options.manager.repositoryProblem = problem;
        const known = new Set(this.options.manager.modelNames());
        for (const name of models) {
          if (known.has(name)) continue;
          const location = `${this.options.root.location}/${name}`;
          let added = false;
          try {
            added = this.options.manager.addModel({ config: singleModelConfig(name, location), source: this.options.sourceFor(name) });
          } catch (err) {
            this.options.log?.(`skipping ${location}: ${(err as Error).message}`);
          }
          if (added && this.listedAtMs !== -Infinity) this.options.log?.(`found new model ${name} at ${location}`);
        }
        this.listedAtMs = this.now();
      } catch (err) {
        this.lastError = err;
        this.failedAtMs = this.now();
        if (this.listedAtMs !== -Infinity) this.listedAtMs = this.now(); // retry after another interval
        this.options.log?.(`listing ${this.options.root.location} failed: ${errorLogText(asServingError(err))}`);
        throw asServingError(err);
      } finally {
        this.listing = null;
      }
    })();
    return this.listing;
  }
}
