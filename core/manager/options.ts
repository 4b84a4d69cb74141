/**
 * What a target hands the manager (its capabilities and limits), and the Runtime that every part
 * of the manager shares: the injected clock, the log, and a way to start work nobody awaits.
 * Built once per Manager (runtimeOf); the parts (discovery.ts, budget.ts, loader.ts) receive it
 * rather than the raw options, so "no timers, background work goes through defer" holds in one place.
 */
import type { Backend } from '../backend/backend.ts';
import type { BatchingDefaults } from '../config/batching.ts';
import type { ModelConfig } from '../config/model-config.ts';
import type { Tier } from '../config/placement.ts';
import type { ServingMetrics } from '../metrics/serving-metrics.ts';
import type { ModelSource } from '../repository/source.ts';
import type { DiskTier } from '../repository/disk-tier.ts';
import type { Sha256 } from '../repository/version-files.ts';
import type { PipelineParts } from '../pipeline/with-pipeline.ts';

export interface ModelBinding {
  config: ModelConfig;
  source: ModelSource;
}

export interface ManagerOptions {
  backend: Backend;
  cacheBytes: number;
  /** Rediscover versions when the last listing is older than this; negative: list once. */
  pollIntervalMs: number;
  now?: () => number;
  /** Keeps background work alive where the platform needs it (a Worker's waitUntil). */
  defer?: (work: Promise<unknown>) => void;
  metrics?: ServingMetrics;
  log?: (message: string) => void;
  /** First wait after a storage fault before storage is tried again; default 1000. */
  retryBackoffMs?: number;
  /** For batching sections of model.json; default one batch thread. */
  batchingDefaults?: BatchingDefaults;
  /**
   * Largest version (bytes of its files) this target loads; larger ones end as END with
   * FAILED_PRECONDITION before their bytes are read (see readVersion). Unset: no limit.
   */
  maxModelBytes?: number;
  /** Appended to that error: where such a model can be served instead (the container target). */
  maxModelBytesAdvice?: string;
  /** How manifests' sha256 are checked; default WebCrypto. */
  sha256?: Sha256;
  /**
   * Where versions with external data are put for a backend that opens files (Node, container,
   * Lambda); unset, or a backend without opensFiles: their files are read into memory.
   */
  diskTier?: DiskTier;
  /**
   * What versions with a pipeline.json use (core/pipeline/with-pipeline.ts): image decoders (unset:
   * versions taking images fail to load), the other models a chain runs, the named steps built in.
   */
  pipelines?: PipelineParts;
  /**
   * Which tier this target is: 'edge' refuses models whose model.json says
   * "placement": "container" (core/config/placement.ts). Default 'container': serves everything.
   */
  tier?: Tier;
  /** Uniform in [0, 1): draws the weighted traffic split (core/version/traffic.ts); default Math.random. */
  random?: () => number;
}

export interface Runtime {
  readonly options: ManagerOptions;
  now(): number;
  log(message: string): void;
  random(): number;
  /**
   * Starts work that no request awaits (a background listing, load or unload). Its failure is
   * already recorded on the entry or slot and logged, so it is swallowed here.
   */
  background(work: Promise<unknown>): void;
}

export function runtimeOf(options: ManagerOptions): Runtime {
  const now = options.now ?? Date.now;
  return {
    options,
    now: () => now(),
    log: (message) => options.log?.(message),
    random: options.random ?? Math.random,
    background: (work) => {
      const guarded = work.catch(() => {});
      if (options.defer) options.defer(guarded);
    },
  };
}
