import type { Backend } from '../backend/backend.ts';
import { createBatcher } from '../batcher/batcher.ts';
import { batchingMetrics } from '../batcher/metrics.ts';
import type { Park, SetTimer } from '../batcher/wait.ts';
import type { BatchingParameters } from '../config/batching.ts';
import { asServingError } from '../errors.ts';
import { createApp } from '../http/app.ts';
import type { RunFn } from '../manager/lease-run.ts';
import { httpStatus } from '../http/status-codes.ts';
import { Manager } from '../manager/manager.ts';
import { servingMetrics, type ServingMetrics } from '../metrics/serving-metrics.ts';
import { countedSource } from '../repository/counted-source.ts';
import { Catalog } from '../repository/catalog.ts';
import type { ModelSource } from '../repository/source.ts';

/**
 * The serving stack of a function-style target (Cloudflare Worker, Deno), built once per isolate
 * by its entry: every model folder under a repository root, the model cache, the batcher and the
 * core app, behind one fetch(). Nothing touches storage or the backend here: the first request
 * lists the root and the first request for a model loads it (and initialises onnxruntime), so
 * building this costs no start-up time. Entries supply what differs per platform: storage, the
 * backend, how a waiting batch member parks, and how work outlives its request (defer).
 *
 * Every response carries x-backend (the backend's name) and metrics have
 * edgeserve_backend_info{backend} 1, so which runtime answered is never a guess.
 */
export interface EdgeSettings {
  cacheBytes: number;
  /** Rediscovery interval of the model list and of each model's versions; negative: list once. */
  pollIntervalMs: number;
  maxModelBytes?: number;
  /** Told to callers whose model is over maxModelBytes: where to serve it instead. */
  maxModelBytesAdvice?: string;
  apiKeys: string[];
  maxBodyBytes: number;
  timeoutMs: number;
  cors: boolean;
  /** Batching for every model (model.json may override per model); null: one run per request. */
  batching: BatchingParameters | null;
}

export interface EdgeDeps {
  /** The repository root: each folder under it is a model. */
  root: ModelSource;
  sourceFor: (name: string) => ModelSource;
  backend: Backend;
  /** How a batch member waits for its batch (core/batcher/wait.ts): pollPark on Workers. */
  park: Park;
  /** See BatcherDeps.yieldBeforeRun: where runs block the isolate (WASM), lets requests join. */
  yieldBeforeRun?: () => Promise<void>;
  setTimer: SetTimer;
  /** Keeps background work (revalidation, background loads) alive past its request. */
  defer?: (work: Promise<unknown>) => void;
  log?: (message: string) => void;
}

export interface EdgeService {
  fetch(request: Request): Promise<Response>;
  manager: Manager;
  metrics: ServingMetrics;
}

export function createEdgeService(settings: EdgeSettings, deps: EdgeDeps): EdgeService {
  const log = (m: string) => deps.log?.(`edgeserve: ${m}`);
  const metrics = servingMetrics();
  metrics.registry.gauge('edgeserve_backend_info', 'The inference backend of this instance (value 1).').set({ backend: deps.backend.name }, 1);
  const manager = new Manager([], {
    backend: deps.backend,
    cacheBytes: settings.cacheBytes,
    pollIntervalMs: settings.pollIntervalMs,
    maxModelBytes: settings.maxModelBytes,
    maxModelBytesAdvice: settings.maxModelBytesAdvice,
    tier: 'edge',
    defer: deps.defer,
    metrics,
    log,
  });
  const catalog = new Catalog({
    root: deps.root,
    sourceFor: (name) => countedSource(deps.sourceFor(name), name, metrics.storageCalls),
    manager,
    pollIntervalMs: settings.pollIntervalMs,
    defer: deps.defer,
    log,
  });
  let run: RunFn | undefined;
  const defaults = settings.batching;
  if (defaults) {
    const batcher = createBatcher((servable) => manager.batchingFor(servable.model) ?? defaults, {
      now: () => performance.now(),
      setTimer: deps.setTimer,
      park: deps.park,
      yieldBeforeRun: deps.yieldBeforeRun,
      metrics: batchingMetrics(metrics.registry),
      log,
    });
    run = (servable, inputs, options) => batcher.run(servable, inputs, options);
  }
  const app = createApp({
    manager,
    metrics,
    apiKeys: settings.apiKeys,
    maxBodyBytes: settings.maxBodyBytes,
    timeoutMs: settings.timeoutMs,
    cors: settings.cors,
    run,
  });
  return {
    manager,
    metrics,
    async fetch(request) {
      let response: Response | null = null;
      try {
        await catalog.refresh();
      } catch (err) {
        // The first listing failed (storage down at a cold start): the API cannot know its models;
        // health and metrics still answer.
        const error = asServingError(err);
        if (/^\/v1\//i.test(new URL(request.url).pathname)) response = Response.json({ error: error.message }, { status: httpStatus(error.code) });
      }
      response ??= await app.fetch(request);
      response.headers.set('x-backend', deps.backend.name);
      return response;
    },
  };
}
