import type { Backend } from '../backend/backend.ts';
import { createBatcher, type Batcher } from '../batcher/batcher.ts';
import { batchingMetrics } from '../batcher/metrics.ts';
import type { Park } from '../batcher/wait.ts';
import { monotonicNow, setTimer as timeoutTimer, type SetTimer } from '../clock.ts';
import type { BatchingParameters } from '../config/batching.ts';
import type { ModelConfig } from '../config/model-config.ts';
import type { Tier } from '../config/placement.ts';
import { apiKeyCheck } from '../auth/api-keys.ts';
import type { ApiServices } from '../apis/call.ts';
import type { ApiHost } from '../apis/serve-request.ts';
import { createApp } from '../http/app.ts';
import { fromFetch, toFetch, type HttpHandler } from '../http/exchange.ts';
import { runDirect, type RunFn } from '../manager/lease-run.ts';
import { Manager } from '../manager/manager.ts';
import { servingMetrics, type ServingMetrics } from '../metrics/serving-metrics.ts';
import { Catalog } from '../manager/catalog.ts';
import { countedSource } from '../repository/counted-source.ts';
import type { ModelSource } from '../repository/source.ts';
import type { Sha256 } from '../repository/version-files.ts';
import type { DiskTier } from '../repository/disk-tier.ts';
import type { ImageCodecs } from '../pipeline/image.ts';
import type { NamedStep } from '../pipeline/chain.ts';
import { modelCaller } from '../apis/model-caller.ts';
import type { RequestLogEntry } from '../apis/request-log.ts';
import type { TraceExport } from '../trace/trace-export.ts';
import { createCapture, type CaptureSink } from '../capture/capture.ts';
import { createShadow } from '../shadow/shadow.ts';

/**
 * The one composition of the serving stack: metrics, the model cache (manager), the batcher and
 * the core app, behind one handler. Every target (Node and container servers, Lambda, the Worker,
 * Deno) calls it once per process, isolate or execution environment with its capabilities and its
 * settings, and serves fetch() (a Request in, a Response out) or, on node:http, handle() (core/http/exchange.ts);
 * what differs per platform is in ServiceCapabilities, nothing else.
 *
 * Contract:
 * - Building it touches neither storage nor the backend: the first request lists a repository
 *   root, the first request for a model loads it. A target that wants models warm at start-up
 *   awaits manager.preload() itself.
 * - Models are a fixed list (a config file's, or one model) or every folder under a repository
 *   root (Catalog: listed on first request, relisted every pollIntervalMs). While the root's first
 *   listing fails, /v1/ and /v2/ (OIP) requests answer that error through the app's one error path (same body,
 *   status and CORS headers as every error); health and metrics still answer.
 * - Every call to a target's source is counted in edgeserve_storage_calls_total: the count wraps
 *   the source itself, inside any cache tier the target adds (cacheTier), so it counts storage.
 * - Every response carries x-backend (the backend's name) and the metrics have
 *   edgeserve_backend_info{backend} 1, so which runtime answered is never a guess.
 * - Settings are resolved here, once, into `host` (core/apis/serve-request.ts): the APIs'
 *   services (manager, the one RunFn: the batcher when settings.batching is set, else one session
 *   run per request; the tensor budget), the request recorder, the key check, the limits. The REST
 *   app serves from it, and so does a second transport (the Node server's gRPC), so batching,
 *   limits, keys and metrics are the same on both.
 * - close() stops the batcher (queued requests fail UNAVAILABLE); listeners belong to the target.
 */
export interface ServiceSettings {
  cacheBytes: number;
  /** Rediscovery interval of the model list and of each model's versions; negative: list once. */
  pollIntervalMs: number;
  maxModelBytes?: number;
  /** Told to callers whose model is over maxModelBytes: where to serve it instead. */
  maxModelBytesAdvice?: string;
  /** 'edge' refuses models placed on the container tier (core/config/placement.ts); default 'container'. */
  tier?: Tier;
  apiKeys: string[];
  maxBodyBytes: number;
  /** Bytes one request's input tensors may take (settings.ts: 16 x maxBodyBytes unless set; core/tensor/budget.ts). */
  maxTensorBytes: number;
  timeoutMs: number;
  cors: boolean;
  /** Binary predict answers tensor_content instead of typed *_val fields. */
  tensorContent?: boolean;
  /** Batching for every model (model.json may override per model); null: one run per request. */
  batching: BatchingParameters | null;
  /** --request_log and its sample rate (core/apis/request-log.ts); absent: off. */
  requestLog?: { mode: 'off' | 'errors' | 'all'; sampleRate: number };
}

/** Where the models come from: a list with a source per base path, or a repository root. */
export type ModelsCapability =
  | { configs: ModelConfig[]; sourceAt: (basePath: string) => ModelSource }
  | { root: ModelSource; sourceFor: (name: string) => ModelSource };

export interface ServiceCapabilities {
  models: ModelsCapability;
  /** Wraps each counted source (given with the location of the source it counts), e.g. Lambda's /tmp disk tier; default none. */
  cacheTier?: (source: ModelSource, location: string) => ModelSource;
  backend: Backend;
  /** Monotonic milliseconds for the batcher and the app's latencies; default performance.now. */
  now?: () => number;
  /** Default core/clock.ts's setTimeout timer. */
  setTimer?: SetTimer;
  /** How a batch member waits for its batch (core/batcher/wait.ts); default notifyPark. Workers: pollPark. */
  park?: Park;
  /** See BatcherDeps.yieldBeforeRun: where runs block the thread, lets arriving requests join. */
  yieldBeforeRun?: () => Promise<void>;
  /** Keeps background work (revalidation, background loads) alive past its request (waitUntil). */
  defer?: (work: Promise<unknown>) => void;
  /** Lines without a prefix; each gets "edgeserve: ". Default: no logging. */
  log?: (message: string) => void;
  /** How manifests' sha256 are checked; default WebCrypto. Node: node:crypto. */
  sha256?: Sha256;
  /** See ManagerOptions.diskTier: models with external data on local disk (Node targets). */
  diskTier?: DiskTier;
  /** Image decoders for pipelines that take images (core/pipeline/wasm-codecs.ts: the target supplies MozJPEG's and libwebp's wasm). */
  imageCodecs?: ImageCodecs;
  /** How a request log entry is written on this platform; default a JSON line through console.log. */
  writeRequestLog?: (entry: RequestLogEntry) => void;
  /** Where request traces go (core/trace/trace-export.ts); absent: no spans are recorded for traces. */
  traces?: TraceExport;
  /**
   * How model.json's captured requests are written to a model's folder or bucket (core/capture);
   * absent: nothing is captured. flushAfterMs: written this long after the first is held; absent:
   * only when the target calls flushCaptures (Lambda, before an invocation ends).
   */
  capture?: { sink: CaptureSink; flushAfterMs?: number };
  /** false where nothing may run after a response (Lambda freezes the environment): no model.json "shadow" runs. Default true. */
  shadow?: boolean;
  /** The named TypeScript steps pipelines may call (core/pipeline/chain.ts's NamedStep; steps/index.ts registers them). */
  namedSteps?: Readonly<Record<string, NamedStep>>;
}

export interface Service {
  fetch(request: Request): Promise<Response>;
  /** The same answers without the fetch API's objects (the Node server's listener). */
  handle: HttpHandler;
  /** What any other transport serves from (runtime/node/grpc). */
  host: ApiHost;
  manager: Manager;
  metrics: ServingMetrics;
  /** Lists the repository root now (targets that serve one: the Worker, Deno); nothing for a model list. Rejects as a request would. */
  refresh(): Promise<void>;
  /** Writes the captured requests held now (core/capture); resolves when written or given up. */
  flushCaptures(): Promise<void>;
  close(): void;
}

export function createService(settings: ServiceSettings, capabilities: ServiceCapabilities): Service {
  const { backend, models, defer } = capabilities;
  const log = (m: string) => capabilities.log?.(`edgeserve: ${m}`);
  const metrics = servingMetrics();
  metrics.registry.gauge('edgeserve_backend_info', 'The inference backend of this instance (value 1).').set({ backend: backend.name }, 1);
  const sourceOf = (source: ModelSource, model: string) => {
    const counted = countedSource(source, model, metrics.storageCalls);
    return capabilities.cacheTier?.(counted, source.location) ?? counted;
  };
  const bindings =
    'configs' in models ? models.configs.map((config) => ({ config, source: sourceOf(models.sourceAt(config.basePath), config.name) })) : [];
  const manager = new Manager(bindings, {
    backend,
    cacheBytes: settings.cacheBytes,
    pollIntervalMs: settings.pollIntervalMs,
    maxModelBytes: settings.maxModelBytes,
    maxModelBytesAdvice: settings.maxModelBytesAdvice,
    tier: settings.tier,
    sha256: capabilities.sha256,
    diskTier: capabilities.diskTier,
    pipelines: { imageCodecs: capabilities.imageCodecs, namedSteps: capabilities.namedSteps, models: modelCaller(() => services) },
    defer,
    metrics,
    log,
  });
  const catalog =
    'root' in models
      ? new Catalog({
          root: models.root,
          sourceFor: (name) => sourceOf(models.sourceFor(name), name),
          manager,
          pollIntervalMs: settings.pollIntervalMs,
          defer,
          log,
        })
      : null;
  const batcher = settings.batching ? batcherFor(settings.batching, manager, metrics, capabilities, log) : null;
  // A chain is not batched itself: each of its steps is, in its own model's batcher.
  const run: RunFn = batcher ? (servable, inputs, options) => (servable.session.chain ? runDirect(servable, inputs, options) : batcher.run(servable, inputs, options)) : runDirect;
  const shadow =
    capabilities.shadow !== false
      ? createShadow({ manager, run, setTimer: capabilities.setTimer ?? timeoutTimer, requests: metrics.shadowRequests, difference: metrics.shadowDifference, defer: capabilities.defer, log })
      : undefined;
  const services: ApiServices = { manager, run, maxTensorBytes: settings.maxTensorBytes, ...(shadow && { shadow }) };
  const capture =
    capabilities.capture &&
    createCapture({
      sink: capabilities.capture.sink,
      counter: metrics.captures,
      ...(capabilities.capture.flushAfterMs !== undefined && { flushAfterMs: capabilities.capture.flushAfterMs, setTimer: capabilities.setTimer ?? timeoutTimer }),
      log: (m) => log(m),
    });
  const host: ApiHost = {
    services,
    recorder: {
      manager,
      metrics,
      now: capabilities.now ?? monotonicNow,
      ...(settings.requestLog &&
        settings.requestLog.mode !== 'off' && {
          requestLog: { ...settings.requestLog, write: capabilities.writeRequestLog ?? ((entry: RequestLogEntry) => console.log(JSON.stringify(entry))) },
        }),
      ...(capabilities.traces && { traces: capabilities.traces }),
      ...(capture && { capture }),
    },
    apiKeys: settings.apiKeys.length ? apiKeyCheck(settings.apiKeys) : null,
    timeoutMs: settings.timeoutMs,
    maxBodyBytes: settings.maxBodyBytes,
    tensorContent: settings.tensorContent ?? false,
    reloadConfig:
      'configs' in models ? (configs) => manager.reconfigure(configs.map((config) => ({ config, source: sourceOf(models.sourceAt(config.basePath), config.name) }))) : null,
  };
  const app = createApp({ host, cors: settings.cors, refresh: catalog ? () => catalog.refresh() : undefined });
  const handle: HttpHandler = async (req) => {
    const response = await app(req);
    response.headers['x-backend'] = backend.name;
    return response;
  };
  return {
    manager,
    metrics,
    host,
    refresh: async () => catalog?.refresh(),
    flushCaptures: async () => capture?.flush(),
    close: () => batcher?.close(),
    handle,
    fetch: async (request) => toFetch(await handle(fromFetch(request)), request.method),
  };
}

function batcherFor(
  defaults: BatchingParameters,
  manager: Manager,
  metrics: ServingMetrics,
  capabilities: ServiceCapabilities,
  log: (message: string) => void,
): Batcher {
  return createBatcher((servable) => manager.batchingFor(servable.model) ?? defaults, {
    now: capabilities.now ?? monotonicNow,
    setTimer: capabilities.setTimer ?? timeoutTimer,
    park: capabilities.park,
    yieldBeforeRun: capabilities.yieldBeforeRun,
    metrics: batchingMetrics(metrics.registry),
    log,
  });
}
