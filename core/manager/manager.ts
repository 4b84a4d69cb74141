import type { BatchingParameters } from '../config/batching.ts';
import type { CaptureSettings } from '../capture/capture-settings.ts';
import type { ShadowSettings } from '../shadow/shadow-settings.ts';
import { ServingError, asServingError, errorLogText, notFound, quoted } from '../errors.ts';
import { resolveVersion, servableNotFound, unrecognizedLabel, type VersionRequest } from '../version/policy.ts';
import { Budget } from './budget.ts';
import { Discovery } from './discovery.ts';
import { Loader } from './loader.ts';
import { highestWarm, isFailed, newEntry, servableVersions, statusOf, type Entry, type Slot } from './model-state.ts';
import { deadlineExceeded, withinDeadline, type RunSignal } from '../deadline.ts';
import { runtimeOf, type ManagerOptions, type ModelBinding, type Runtime } from './options.ts';
import { countOutcome, rollbackMessage } from './rollback.ts';
import { routeUnpinned, type Routed } from './routing.ts';
import type { Lease, Servable, VersionStatus } from './servable.ts';


/** How long a request may wait for its servable: its time left; `signal` aborts when the client goes. */
/** One model's readiness: its versions, and `problem` when it cannot serve (the reason, for /readyz). */
export interface ModelReadiness {
  model: string;
  versions: { version: number; state: string; warming: boolean; pulled: boolean }[];
  problem?: string;
}

export interface AcquireWait {
  timeoutMs: number;
  signal?: RunSignal;
}

/**
 * The model cache (TF Serving's "manager"), shared by every request of one process or isolate.
 * Callers: the HTTP and gRPC handlers (acquire, status, batchingFor, has), composition roots
 * (constructor, preload), the Catalog (addModel). Its parts, each with its own contract:
 * discovery.ts (listings, model.json, backoff, the aspired versions), loader.ts (single-flight
 * loads), budget.ts (byte budget, LRU eviction, retirement); the policy rules are pure functions
 * in core/version/policy.ts.
 *
 * - A request resolves {version | label | latest} among the aspired versions that have not failed
 *   (resolveVersion), then waits for that version's load; a lease pins the servable until release.
 * - "Latest" prefers a warm version while a newer one loads in the background, so a rollout never
 *   fails a request; if the newest fails for good, the next newest is tried.
 * - A version that leaves the policy unloads once nothing uses it and the version now serving
 *   "latest" is AVAILABLE (TF Serving's availability-preserving policy; a warm labelled older
 *   version does not count), so "latest" never goes backwards; idle servables are evicted to fit
 *   cacheBytes.
 * - With model.json "traffic", unpinned requests are split between ready labels (routing.ts);
 *   recordOutcome feeds the per-instance rollback guard (rollback.ts).
 * - A request's deadline (acquire's `wait`) bounds the wait for a listing or a load.
 * Concurrency: one event loop; no locks, shared in-flight promises instead.
 */
export class Manager {
  private readonly models = new Map<string, Entry>();
  private readonly rt: Runtime;
  private readonly budget: Budget;
  private readonly discovery: Discovery;
  private readonly loader: Loader;

  constructor(bindings: ModelBinding[], options: ManagerOptions) {
    this.rt = runtimeOf(options);
    this.budget = new Budget(this.rt, () => this.models.values());
    this.discovery = new Discovery(this.rt, this.budget);
    this.loader = new Loader(this.rt, this.budget, this.discovery);
    for (const binding of bindings) this.addModel(binding);
  }

  /**
   * Serves one more model (a folder that appeared at a repository's root); its versions are listed
   * on first use, like the others'. Returns false, changing nothing, when the name is taken.
   */
  addModel({ config, source }: ModelBinding): boolean {
    if (this.models.has(config.name)) return false;
    this.models.set(config.name, newEntry(config, source));
    return true;
  }

  /**
   * Replaces the model list (ModelService.HandleReloadConfigRequest, or --model_config_file read
   * again), all or nothing. Models left out leave at once: new requests answer 404, and their
   * loaded versions unload as soon as no request holds them. New models are added (listed and
   * loaded on first use, or by preload). A model whose base path is unchanged keeps its loaded
   * versions and takes the new version policy and labels (its model.json applies over them again
   * at its next listing); a changed base path makes it a new model. As in TF Serving, a label of a
   * model already served may only be set to a version that is AVAILABLE: otherwise nothing is
   * applied and FAILED_PRECONDITION says which.
   */
  reconfigure(bindings: ModelBinding[]): void {
    for (const { config } of bindings) {
      const entry = this.models.get(config.name);
      if (!entry || entry.config.basePath !== config.basePath) continue;
      for (const [label, version] of Object.entries(config.labels)) {
        if (entry.labels[label] === version) continue;
        if (entry.slots.get(version)?.state !== 'AVAILABLE') {
          throw new ServingError('FAILED_PRECONDITION', `Request to assign label to version ${version} of model ${config.name}, which is not currently available for inference`);
        }
      }
    }
    const next = new Map(bindings.map((b) => [b.config.name, b]));
    for (const [name, entry] of this.models) {
      if (next.get(name)?.config.basePath === entry.config.basePath) continue;
      this.models.delete(name);
      entry.aspired = [];
      for (const slot of entry.slots.values()) slot.aspired = false;
      this.budget.retire(entry);
      this.rt.log(`model ${name}: removed from the model list; its versions unload once no request holds them`);
    }
    for (const binding of bindings) {
      const entry = this.models.get(binding.config.name);
      if (!entry) {
        this.addModel(binding);
        continue;
      }
      entry.config = binding.config;
      entry.policy = binding.config.versionPolicy;
      entry.labels = { ...binding.config.labels };
      entry.settingsText = null;
      entry.checkAtMs = 0;
      this.discovery.reaspire(entry);
    }
  }

  modelNames(): string[] {
    return [...this.models.keys()];
  }

  /** Whether a model of this name is served (metrics label only known names). */
  has(name: string): boolean {
    return this.models.has(name);
  }

  /** What model.json asks to capture of the model's requests, and where its folder or bucket is; undefined: nothing. */
  captureFor(name: string): { settings: CaptureSettings; location: string } | undefined {
    const entry = this.models.get(name);
    return entry?.capture && { settings: entry.capture, location: entry.source.location };
  }

  /** model.json's "shadow" for the model, if any (core/shadow). */
  shadowFor(name: string): ShadowSettings | undefined {
    return this.models.get(name)?.shadow;
  }

  /**
   * A lease on the version `label` points at, only if it is warm and healthy now: loaded, not
   * warming, not failed, not pulled by the rollback guard. Never loads anything (shadow runs).
   */
  leaseIfWarm(name: string, label: string): Lease | null {
    const entry = this.models.get(name);
    const version = entry && Object.hasOwn(entry.labels, label) ? entry.labels[label] : undefined;
    const slot = version === undefined ? undefined : entry!.slots.get(version);
    if (!slot?.servable || slot.warming || slot.pulled || slot.state !== 'AVAILABLE') return null;
    return this.lease(entry!, slot.servable, label);
  }

  /** The batching parameters a model's model.json sets (as of its last listing), or undefined. */
  batchingFor(name: string): BatchingParameters | undefined {
    return this.models.get(name)?.batching;
  }

  /**
   * The servable a request should run; the caller must release the lease. With `wait`, the wait
   * for a listing or a load ends after wait.timeoutMs (the request's time left) with
   * DEADLINE_EXCEEDED, or UNAVAILABLE with the last storage fault when storage is known to be
   * failing; the load goes on in the background for later requests, and a lease it yields late
   * is released. A warm servable resolves at once, whatever storage does.
   */
  acquire(name: string, request: VersionRequest = {}, wait?: AcquireWait): Promise<Lease> {
    const work = this.acquireNow(name, request);
    if (!wait) return work;
    const expired = () => this.storageFault(name) ?? deadlineExceeded(wait.timeoutMs);
    return withinDeadline(work, wait.timeoutMs, expired, (lease) => lease.release(), wait.signal);
  }

  private async acquireNow(name: string, request: VersionRequest): Promise<Lease> {
    const entry = this.models.get(name);
    if (!entry) {
      if (request.label !== undefined) throw unrecognizedLabel(request.label);
      throw notFound(servableNotFound(name, request.version));
    }
    await this.discovery.ensureFresh(entry);
    for (;;) {
      let routed: Routed;
      try {
        routed = await this.resolveAndLoad(entry, request);
      } catch (err) {
        // A version uploaded after the last listing: wait for a listing already under way.
        if (!(err instanceof ServingError && err.code === 'NOT_FOUND' && entry.discovery)) throw err;
        await entry.discovery;
        routed = await this.resolveAndLoad(entry, request);
      }
      // Evicted between its load and this lease (the budget settled meanwhile): resolve it again.
      if (entry.slots.get(routed.servable.version)?.servable === routed.servable) return this.lease(entry, routed.servable, routed.label);
    }
  }

  /**
   * Counts one answered inference request of a version for model.json's rollback guard
   * (rollback.ts); `failed`: the request reached the version and did not succeed. A version that crosses the guard leaves
   * the traffic split on this instance, with a log line and edgeserve_rollbacks_total.
   */
  recordOutcome(name: string, version: number, failed: boolean): void {
    const entry = this.models.get(name);
    const slot = entry?.slots.get(version);
    if (!entry || !slot || !entry.traffic) return;
    const labels = Object.keys(entry.traffic).filter((l) => entry.labels[l] === version);
    if (labels.length === 0) return;
    // The baseline: the other labels' versions on this instance, on the same traffic.
    const baseline = { requests: 0, errors: 0 };
    for (const other of new Set(Object.keys(entry.traffic).map((l) => entry.labels[l]).filter((v) => v !== version))) {
      const outcomes = entry.slots.get(other)?.outcomes;
      baseline.requests += outcomes?.requests ?? 0;
      baseline.errors += outcomes?.errors ?? 0;
    }
    if (!countOutcome(slot, failed, entry.rollback, baseline)) return;
    this.rt.log(rollbackMessage(name, labels, slot, entry.rollback!, baseline));
    for (const label of labels) this.rt.options.metrics?.rollbacks.inc({ model: name, version: String(version), label });
  }

  /**
   * Readiness per model: each tracked version's state, and whether it is warming up (LOADING,
   * running warmup.json) or pulled by the rollback guard; `problem` when the model has been listed
   * and cannot serve (no version found, none loaded, the newest failure), or its first listing
   * failed. Synchronous: no listing is started.
   */
  /** Set by the Catalog when the repository root holds no models (a mistyped path); null otherwise. */
  repositoryProblem: string | null = null;

  readiness(): ModelReadiness[] {
    return [...this.models.values()].map((entry) => {
      const versions = [...entry.slots.values()]
        .sort((a, b) => b.version - a.version)
        .map((s) => ({ version: s.version, state: s.state, warming: s.warming, pulled: s.pulled }));
      const failed = [...entry.slots.values()].filter((s) => s.error).sort((a, b) => b.version - a.version)[0];
      let problem: string | undefined;
      // Not listed yet (a lazy target's model before its first request): nothing to say yet.
      if (!entry.discovered) problem = entry.lastError ? `its versions cannot be listed: ${entry.lastError.message}` : undefined;
      else if (entry.slots.size === 0) problem = entry.noVersions ?? 'no versions to serve';
      // A model this target does not load (placement, size: an edge target beside a container) is not the instance's fault.
      else if ([...entry.slots.values()].every((s) => s.refused)) problem = undefined;
      else if (!versions.some((v) => v.state === 'AVAILABLE')) problem = failed ? `version ${failed.version} failed to load: ${failed.error!.message}` : 'no version loaded yet';
      return { model: entry.name, versions, ...(problem && { problem }) };
    });
  }

  /** Every tracked version of a model (highest first), or just one; TF Serving's wording on misses. */
  async status(name: string, version?: number): Promise<VersionStatus[]> {
    const entry = this.models.get(name);
    if (!entry) throw notFound(`Could not find any versions of model ${quoted(name)}`);
    await this.discovery.ensureFresh(entry);
    if (version !== undefined) {
      const slot = entry.slots.get(version);
      if (!slot) throw notFound(`Could not find version ${version} of model ${quoted(name)}`);
      return [statusOf(slot)];
    }
    const slots = [...entry.slots.values()].sort((a, b) => b.version - a.version);
    if (slots.length === 0) throw notFound(`Could not find any versions of model ${quoted(name)}${entry.noVersions ? `: ${entry.noVersions}` : ''}`);
    return slots.map(statusOf);
  }

  /**
   * Lists every model and loads each aspired version, highest first, as TF Serving does at start;
   * long-lived servers call it so the first requests are warm. Failures are recorded, not thrown.
   */
  async preload(): Promise<void> {
    await Promise.all(
      [...this.models.values()].map(async (entry) => {
        try {
          await this.discovery.discover(entry);
          // A failed load re-applies the policy (an older version may become aspired): re-scan.
          const tried = new Set<Slot>();
          for (;;) {
            const next = entry.aspired.map((v) => entry.slots.get(v)!).find((s) => !s.servable && !tried.has(s));
            if (!next) break;
            tried.add(next);
            await this.loader.load(entry, next).catch(() => {});
          }
        } catch (err) {
          this.rt.log(`model ${entry.name}: ${errorLogText(asServingError(err))}`);
        }
      }),
    );
  }

  private async resolveAndLoad(entry: Entry, request: VersionRequest): Promise<Routed> {
    if (request.label === undefined && request.version === undefined) {
      const routed = await routeUnpinned(entry, this.loader, this.rt, request.routingKey);
      return routed ?? { servable: await this.loadLatest(entry) };
    }
    const version = explained(entry, request.version ?? (request.label !== undefined ? entry.labels[request.label] : undefined), () =>
      resolveVersion(entry.name, request, entry.labels, servableVersions(entry)),
    );
    const servable = await this.loader.load(entry, entry.slots.get(version)!);
    return { servable, label: request.label };
  }

  private async loadLatest(entry: Entry): Promise<Servable> {
    const served = (servable: Servable) => {
      entry.latestServed = Math.max(entry.latestServed, servable.version);
      return servable;
    };
    let failure: unknown = null;
    for (;;) {
      const servable = servableVersions(entry);
      // Every version failed: the caller learns why from the last load it waited for.
      if (servable.size === 0 && failure) throw failure;
      const newest = entry.slots.get(explained(entry, undefined, () => resolveVersion(entry.name, {}, entry.labels, servable)))!;
      // The version that has been answering "latest" (even one leaving the policy) goes on doing so
      // while the newest loads. Any other warm version is older (a labelled v1 while the cache
      // evicted v4) or never answered "latest": a client's "latest" only moves forward, so such a
      // request waits for the load.
      const warm = newest.servable ? newest : highestWarm(entry);
      if (warm && warm !== newest && entry.latestServed > 0 && warm.version >= entry.latestServed) {
        this.rt.background(this.loader.load(entry, newest));
        return served(warm.servable!);
      }
      try {
        return served(await this.loader.load(entry, newest));
      } catch (err) {
        if (!isFailed(newest)) {
          // Storage fault: retry later. An older warm version answers meanwhile rather than fail
          // the request (only after the cache evicted the newer one: never during a rollout).
          if (warm?.servable && warm !== newest) return warm.servable;
          throw err;
        }
        failure = err;
      }
    }
  }

  /** A storage failure that a request gave up waiting on: the model's listing or one of its loads. */
  private storageFault(name: string): ServingError | null {
    const entry = this.models.get(name);
    const fault = entry?.lastError ?? [...(entry?.slots.values() ?? [])].find((s) => s.fault && !s.servable)?.fault;
    return fault ? new ServingError('UNAVAILABLE', `${fault.message} (still retrying)`) : null;
  }

  private lease(entry: Entry, servable: Servable, label?: string): Lease {
    const slot = entry.slots.get(servable.version)!;
    slot.inUse += 1;
    slot.lastUsedMs = this.rt.now();
    let released = false;
    return {
      servable,
      label,
      release: () => {
        if (released) return;
        released = true;
        slot.inUse -= 1;
        slot.lastUsedMs = this.rt.now();
        if (!slot.aspired) this.budget.retire(entry);
        this.rt.background(this.budget.settle());
      },
    };
  }
}

/**
 * resolveVersion's answer, its NOT_FOUND (TF Serving's words, kept first for clients that match
 * them) followed by why: the load error of the version asked for (`version` undefined: of the
 * newest version that failed), or why the listing found no versions.
 */
function explained(entry: Entry, version: number | undefined, resolve: () => number): number {
  try {
    return resolve();
  } catch (err) {
    if (!(err instanceof ServingError) || err.code !== 'NOT_FOUND') throw err;
    const failed = [...entry.slots.values()].filter((s) => isFailed(s) && s.error && (version === undefined || s.version === version)).sort((a, b) => b.version - a.version)[0];
    const why = failed ? `version ${failed.version} failed to load: ${failed.error!.message}` : version === undefined ? entry.noVersions : null;
    throw why ? new ServingError('NOT_FOUND', `${err.message}: ${why}`) : err;
  }
}
