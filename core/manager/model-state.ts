import type { BatchingParameters } from '../config/batching.ts';
import type { ModelConfig, VersionPolicy } from '../config/model-config.ts';
import type { Placement } from '../config/placement.ts';
import type { ServingError } from '../errors.ts';
import type { RollbackGuard } from '../repository/delivery-settings.ts';
import type { CaptureSettings } from '../capture/capture-settings.ts';
import type { ShadowSettings } from '../shadow/shadow-settings.ts';
import type { ModelSource } from '../repository/source.ts';
import type { Servable, VersionState, VersionStatus } from './servable.ts';

/**
 * The manager's bookkeeping, as plain data: one Entry per model, one Slot per tracked version,
 * and the pure helpers that read them. Only the manager's parts mutate them (manager.ts: leases;
 * discovery.ts: listing, settings, aspired; loader.ts: loads; budget.ts: unloads), all on one
 * event loop, so there are no locks; `loading` and `discovery` hold the single in-flight promise.
 */
export interface Slot {
  version: number;
  dir: string;
  state: VersionState;
  error: ServingError | null;
  servable: Servable | null;
  loading: Promise<Servable> | null;
  inUse: number;
  lastUsedMs: number;
  aspired: boolean;
  /** Consecutive loads that failed for want of storage, and when the next may be tried. */
  faults: number;
  retryAtMs: number;
  /** The last storage fault of a load, kept while the next attempt runs; null after a success. */
  fault: ServingError | null;
  /** True while warmup.json runs (state LOADING): the version is not ready to serve yet. */
  warming: boolean;
  /** Requests and failed requests counted for the rollback guard (core/manager/rollback.ts). */
  outcomes: { requests: number; errors: number };
  /** Taken out of the traffic split on this instance by the rollback guard (pinned requests still reach it). */
  pulled: boolean;
  /** Failed because this target does not load it (its placement, or its size): not a fault of the instance (readiness). */
  refused: boolean;
}

export interface Entry {
  name: string;
  config: ModelConfig;
  source: ModelSource;
  slots: Map<number, Slot>;
  /** Complete versions in storage at the last listing: version -> folder name. */
  dirs: Map<number, string>;
  /** Aspired versions, highest first. */
  aspired: number[];
  /** From model.json when it sets them, else from the config. */
  policy: VersionPolicy;
  labels: Record<string, number>;
  batching: BatchingParameters | undefined;
  placement: Placement | undefined;
  /** model.json's "traffic" (label -> weight) and "rollback" guard; undefined: the "latest" rule. */
  traffic: Record<string, number> | undefined;
  rollback: RollbackGuard | undefined;
  /** model.json's "warmup": {"num_request_iterations": N}: replays of each TF Serving warmup record. */
  warmupIterations: number | undefined;
  /** model.json's "capture" (core/capture); undefined: nothing is captured. */
  capture: CaptureSettings | undefined;
  /** model.json's "shadow" (core/shadow); undefined: no shadow runs. */
  shadow: ShadowSettings | undefined;
  /** The model.json text last applied or rejected (null: none), so an unchanged file is skipped. */
  settingsText: string | null;
  discovered: boolean;
  /** When the next listing is due: a poll interval after a success, a backoff after a failure. */
  checkAtMs: number;
  faults: number;
  lastError: ServingError | null;
  /** Why the last listing found no versions (core/repository/no-versions.ts); null when it found some. */
  noVersions: string | null;
  discovery: Promise<void> | null;
  /**
   * The highest version that has been "latest" here (it answered it, or became AVAILABLE as the
   * newest servable version): a warm older version never answers "latest" again.
   */
  latestServed: number;
}

export function newEntry(config: ModelConfig, source: ModelSource): Entry {
  return {
    name: config.name,
    config,
    source,
    slots: new Map(),
    dirs: new Map(),
    aspired: [],
    policy: config.versionPolicy,
    labels: { ...config.labels },
    batching: undefined,
    placement: undefined,
    traffic: undefined,
    rollback: undefined,
    warmupIterations: undefined,
    capture: undefined,
    shadow: undefined,
    settingsText: null,
    discovered: false,
    checkAtMs: 0,
    faults: 0,
    lastError: null,
    noVersions: null,
    discovery: null,
    latestServed: 0,
  };
}

export function newSlot(version: number, dir: string): Slot {
  return {
    version,
    dir,
    state: 'START',
    error: null,
    servable: null,
    loading: null,
    inUse: 0,
    lastUsedMs: 0,
    aspired: true,
    faults: 0,
    retryAtMs: 0,
    fault: null,
    warming: false,
    outcomes: { requests: 0, errors: 0 },
    pulled: false,
    refused: false,
  };
}

export function highestWarm(entry: Entry): Slot | undefined {
  return [...entry.slots.values()].filter((s) => s.servable).sort((a, b) => b.version - a.version)[0];
}

export function isFailed(slot: Slot | undefined): boolean {
  return slot !== undefined && slot.state === 'END' && slot.error !== null;
}

export function statusOf(slot: Slot): VersionStatus {
  return { version: slot.version, state: slot.state, error: slot.error };
}

/** The versions a request may resolve to: aspired and not failed (loaded or not yet). */
export function servableVersions(entry: Entry): Set<number> {
  return new Set(entry.aspired.filter((v) => !isFailed(entry.slots.get(v))));
}
