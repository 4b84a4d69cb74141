import type { Backend } from '../backend/backend.ts';
import type { BatchingDefaults, BatchingParameters } from '../config/batching.ts';
import type { ModelConfig } from '../config/model-config.ts';
import { checkPlacement, type Tier } from '../config/placement.ts';
import { ServingError, asServingError, errorLogText, notFound } from '../errors.ts';
import type { ServingMetrics } from '../metrics/serving-metrics.ts';
import { discoverVersions } from '../repository/discovery.ts';
import { MODEL_JSON_FILE, parseModelJson } from '../repository/model-json.ts';
import type { ModelSource } from '../repository/source.ts';
import { readVersion, type Sha256 } from '../repository/version-files.ts';
import { aspiredVersions } from '../version/policy.ts';
import type { Lease, Servable, VersionStatus } from './servable.ts';
import { highestWarm, isFailed, newEntry, newSlot, servableNotFound, statusOf, unrecognizedLabel, type Entry, type Slot } from './model-state.ts';

/**
 * The model cache (TF Serving's "manager"), shared by every request of one process or isolate.
 *
 * - Discovery is lazy: a model's versions are listed on first use, then revalidated in the
 *   background when older than pollIntervalMs; a request that a warm version can answer never
 *   waits for storage. No timers: serverless instances freeze between requests.
 * - The model's model.json (version policy, labels, batching) is read with each listing and
 *   replaces the config's values; an invalid one is logged and the previous settings stay.
 * - Storage faults back off: after a failed listing or a load that failed for want of storage,
 *   requests that need storage fail fast with that error (503) until the backoff (retryBackoffMs,
 *   doubling per failure up to 30 s) ends, instead of each one hammering a store that is down.
 * - Loads are single-flight per version; a version that fails to load is END with its error and
 *   does not disturb the others; storage faults (UNAVAILABLE) leave it START to be retried.
 * - "Latest" prefers a warm version while a newer one loads in the background, so a rollout
 *   never fails a request; a version that leaves the policy unloads once nothing uses it and a
 *   newer one is AVAILABLE (TF Serving's availability-preserving policy).
 * - Loaded servables stay within cacheBytes; least-recently-used ones that no request holds are
 *   evicted first and return to START (they reload on next use). A lease pins a servable.
 */
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
   * Which tier this target is: 'edge' refuses models whose model.json says
   * "placement": "container" (core/config/placement.ts). Default 'container': serves everything.
   */
  tier?: Tier;
}

/** Which version a request asks for: one of version or label, or neither for the latest. */
export interface VersionRequest {
  version?: number;
  label?: string;
}

export class Manager {
  private readonly models = new Map<string, Entry>();
  private readonly now: () => number;
  private usedBytes = 0;

  constructor(
    bindings: ModelBinding[],
    private readonly options: ManagerOptions,
  ) {
    this.now = options.now ?? Date.now;
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

  get backendName(): string {
    return this.options.backend.name;
  }

  modelNames(): string[] {
    return [...this.models.keys()];
  }

  /** Whether a model of this name is served (metrics label only known names). */
  has(name: string): boolean {
    return this.models.has(name);
  }

  /** The batching parameters a model's model.json sets (as of its last listing), or undefined. */
  batchingFor(name: string): BatchingParameters | undefined {
    return this.models.get(name)?.batching;
  }

  /** The servable a request should run; the caller must release the lease. */
  async acquire(name: string, request: VersionRequest = {}): Promise<Lease> {
    const entry = this.models.get(name);
    if (!entry) {
      if (request.label !== undefined) throw unrecognizedLabel(request.label);
      throw notFound(servableNotFound(name, request.version));
    }
    await this.ensureFresh(entry);
    let servable: Servable;
    try {
      servable = await this.resolveAndLoad(entry, request);
    } catch (err) {
      // A version uploaded after the last listing: wait for a listing already under way.
      if (!(err instanceof ServingError && err.code === 'NOT_FOUND' && entry.discovery)) throw err;
      await entry.discovery;
      servable = await this.resolveAndLoad(entry, request);
    }
    return this.lease(entry, servable);
  }

  /** Every tracked version of a model (highest first), or just one; TF Serving's wording on misses. */
  async status(name: string, version?: number): Promise<VersionStatus[]> {
    const entry = this.models.get(name);
    if (!entry) throw notFound(`Could not find any versions of model ${name}`);
    await this.ensureFresh(entry);
    if (version !== undefined) {
      const slot = entry.slots.get(version);
      if (!slot) throw notFound(`Could not find version ${version} of model ${name}`);
      return [statusOf(slot)];
    }
    const slots = [...entry.slots.values()].sort((a, b) => b.version - a.version);
    if (slots.length === 0) throw notFound(`Could not find any versions of model ${name}`);
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
          await this.discover(entry);
          // A failed load re-applies the policy (an older version may become aspired): re-scan.
          const tried = new Set<Slot>();
          for (;;) {
            const next = entry.aspired.map((v) => entry.slots.get(v)!).find((s) => !s.servable && !tried.has(s));
            if (!next) break;
            tried.add(next);
            await this.load(entry, next).catch(() => {});
          }
        } catch (err) {
          this.log(`model ${entry.name}: ${errorLogText(asServingError(err))}`);
        }
      }),
    );
  }

  private async ensureFresh(entry: Entry): Promise<void> {
    if (!entry.discovered) {
      // Never listed: the request waits for the listing, or fails fast while storage backs off.
      if (entry.lastError && !entry.discovery && this.now() < entry.checkAtMs) throw entry.lastError;
      return this.discover(entry);
    }
    if (this.options.pollIntervalMs >= 0 && this.now() >= entry.checkAtMs && !entry.discovery) {
      this.background(this.discover(entry));
    }
  }

  private discover(entry: Entry): Promise<void> {
    entry.discovery ??= (async () => {
      try {
        const names = await entry.source.list();
        await this.applySettings(entry, names);
        entry.dirs = await discoverVersions(entry.source, names);
        this.reaspire(entry);
        entry.discovered = true;
        entry.faults = 0;
        entry.lastError = null;
        entry.checkAtMs = this.now() + this.options.pollIntervalMs;
      } catch (err) {
        const error = asServingError(err);
        entry.faults += 1;
        entry.lastError = error;
        entry.checkAtMs = this.now() + Math.max(this.options.pollIntervalMs, this.backoffMs(entry.faults));
        if (!entry.discovered) throw error;
        // Keep serving what we know; try again after the backoff.
        this.log(`model ${entry.name}: version discovery failed, keeping known versions: ${errorLogText(error)}`);
      } finally {
        entry.discovery = null;
      }
    })();
    return entry.discovery;
  }

  /**
   * Applies model.json when the listing shows one (null: back to the config's settings). A file
   * that does not parse is logged once and changes nothing; a storage fault fails the listing.
   */
  private async applySettings(entry: Entry, names: string[]): Promise<void> {
    const bytes = names.includes(MODEL_JSON_FILE) ? await entry.source.read(MODEL_JSON_FILE) : null;
    const text = bytes && new TextDecoder().decode(bytes);
    if (text === entry.settingsText) return;
    entry.settingsText = text;
    const where = `${entry.source.location}/${MODEL_JSON_FILE}`;
    try {
      const settings = text === null ? {} : parseModelJson(text, where, this.options.batchingDefaults ?? { numBatchThreads: 1 });
      entry.policy = settings.versionPolicy ?? entry.config.versionPolicy;
      entry.labels = settings.labels ?? { ...entry.config.labels };
      entry.batching = settings.batching;
      entry.placement = settings.placement;
      if (text !== null) this.log(`model ${entry.name}: applied ${where}: labels ${JSON.stringify(entry.labels)}`);
    } catch (err) {
      this.log(`model ${entry.name}: ignoring ${where}, keeping the previous settings: ${(err as Error).message}`);
    }
  }

  private backoffMs(faults: number): number {
    const first = this.options.retryBackoffMs ?? 1000;
    return Math.min(first * 2 ** (faults - 1), Math.max(first, 30_000));
  }

  /**
   * Applies the version policy to the complete versions that have not failed, so a corrupt newest
   * version leaves the previous one serving, plus every labelled version (labels pin versions).
   */
  private reaspire(entry: Entry): void {
    const healthy = [...entry.dirs.keys()].filter((v) => !isFailed(entry.slots.get(v)));
    const aspired = new Set(aspiredVersions(entry.policy, healthy));
    for (const v of Object.values(entry.labels)) if (entry.dirs.has(v)) aspired.add(v);
    entry.aspired = [...aspired].sort((a, b) => b - a);
    for (const slot of entry.slots.values()) slot.aspired = aspired.has(slot.version);
    for (const v of entry.aspired) this.track(entry, v, entry.dirs.get(v)!);
    this.retire(entry);
  }

  private track(entry: Entry, version: number, dir: string): void {
    const slot = entry.slots.get(version);
    if (!slot) {
      entry.slots.set(version, newSlot(version, dir));
    } else if (slot.state === 'END' && slot.error === null) {
      slot.state = 'START'; // unloaded earlier, aspired again (a label moved back): reloadable
    }
  }

  private async resolveAndLoad(entry: Entry, request: VersionRequest): Promise<Servable> {
    if (request.label !== undefined) {
      if (!Object.hasOwn(entry.labels, request.label)) throw unrecognizedLabel(request.label);
      return this.loadSpecific(entry, entry.labels[request.label]);
    }
    if (request.version !== undefined) return this.loadSpecific(entry, request.version);
    return this.loadLatest(entry);
  }

  private loadSpecific(entry: Entry, version: number): Promise<Servable> {
    const slot = entry.slots.get(version);
    if (!slot || !slot.aspired || isFailed(slot)) throw notFound(servableNotFound(entry.name, version));
    return this.load(entry, slot);
  }

  private async loadLatest(entry: Entry): Promise<Servable> {
    let failure: unknown = null;
    for (;;) {
      const candidates = entry.aspired.map((v) => entry.slots.get(v)!).filter((s) => !isFailed(s));
      // Every version failed: the caller learns why from the last load it waited for.
      if (candidates.length === 0) throw failure ?? notFound(servableNotFound(entry.name));
      const [newest] = candidates;
      // Any warm version (even one leaving the policy) answers while the newest loads.
      const warm = newest.servable ? newest : highestWarm(entry);
      if (warm && warm !== newest) {
        this.background(this.load(entry, newest));
        return warm.servable!;
      }
      try {
        return await this.load(entry, newest);
      } catch (err) {
        if (!isFailed(newest)) throw err; // storage fault: retry later, do not fall back silently
        failure = err;
      }
    }
  }

  private load(entry: Entry, slot: Slot): Promise<Servable> {
    if (slot.servable) return Promise.resolve(slot.servable);
    // The last load failed for want of storage: fail fast until its backoff ends.
    if (!slot.loading && slot.error && slot.state === 'START' && this.now() < slot.retryAtMs) return Promise.reject(slot.error);
    slot.loading ??= this.loadNow(entry, slot).finally(() => {
      slot.loading = null;
    });
    return slot.loading;
  }

  private async loadNow(entry: Entry, slot: Slot): Promise<Servable> {
    const labels = { model: entry.name, version: String(slot.version) };
    const started = this.now();
    slot.state = 'LOADING';
    slot.error = null;
    try {
      checkPlacement(entry.name, entry.placement, this.options.tier ?? 'container', this.options.maxModelBytesAdvice);
      const files = await readVersion(entry.source, slot.dir, {
        checkSize: (size) => this.checkModelSize(entry, slot, size),
        sha256: this.options.sha256,
      });
      const bytes = files.model.byteLength;
      if (bytes > this.options.cacheBytes) {
        throw new ServingError(
          'RESOURCE_EXHAUSTED',
          `Version ${slot.version} of model ${entry.name} is ${bytes} bytes, more than the model cache holds (cache_bytes=${this.options.cacheBytes})`,
        );
      }
      await this.makeRoom(bytes);
      this.usedBytes += bytes; // reserved before the session exists, so concurrent loads see it
      let session;
      try {
        session = await this.options.backend.load(files.model);
      } catch (err) {
        this.usedBytes -= bytes;
        throw err;
      }
      slot.servable = { model: entry.name, version: slot.version, session, labels: files.labels, bytes };
      slot.state = 'AVAILABLE';
      slot.faults = 0;
      slot.lastUsedMs = this.now();
      this.options.metrics?.loads.inc({ ...labels, outcome: 'ok' });
      this.options.metrics?.loadLatency.observe(labels, (this.now() - started) / 1000);
      this.updateBytesGauge();
      this.retire(entry);
      return slot.servable;
    } catch (err) {
      const error = asServingError(err, `Failed to load version ${slot.version} of model ${entry.name}`);
      const transient = error.code === 'UNAVAILABLE' || error.code === 'DEADLINE_EXCEEDED';
      slot.state = transient ? 'START' : 'END';
      slot.error = error;
      if (transient) slot.retryAtMs = this.now() + this.backoffMs((slot.faults += 1));
      if (!transient) this.reaspire(entry);
      this.options.metrics?.loads.inc({ ...labels, outcome: 'error' });
      this.log(`model ${entry.name} version ${slot.version}: load failed: ${errorLogText(error)}`);
      throw error;
    }
  }

  private checkModelSize(entry: Entry, slot: Slot, bytes: number): void {
    const max = this.options.maxModelBytes;
    if (max === undefined || bytes <= max) return;
    const advice = this.options.maxModelBytesAdvice ? `: ${this.options.maxModelBytesAdvice}` : '';
    throw new ServingError(
      'FAILED_PRECONDITION',
      `Version ${slot.version} of model ${entry.name} is ${bytes} bytes, more than this target loads (max_model_bytes=${max})${advice}`,
    );
  }

  private lease(entry: Entry, servable: Servable): Lease {
    const slot = entry.slots.get(servable.version)!;
    slot.inUse += 1;
    slot.lastUsedMs = this.now();
    let released = false;
    return {
      servable,
      release: () => {
        if (released) return;
        released = true;
        slot.inUse -= 1;
        slot.lastUsedMs = this.now();
        if (!slot.aspired) this.retire(entry);
      },
    };
  }

  /** Evicts idle servables, least recently used first, until `bytes` more fit the budget. */
  private async makeRoom(bytes: number): Promise<void> {
    const idle = [...this.models.values()]
      .flatMap((e) => [...e.slots.values()])
      .filter((s) => s.state === 'AVAILABLE' && s.inUse === 0)
      .sort((a, b) => a.lastUsedMs - b.lastUsedMs);
    for (const slot of idle) {
      if (this.usedBytes + bytes <= this.options.cacheBytes) return;
      await this.unload(slot, 'START');
    }
    // Everything left is in use: load anyway (over budget briefly) rather than fail a request.
  }

  /** Unloads versions that left the policy once nothing holds them and the model stays served. */
  private retire(entry: Entry): void {
    const served = entry.aspired.length === 0 || entry.aspired.some((v) => entry.slots.get(v)?.state === 'AVAILABLE');
    if (!served) return;
    for (const slot of entry.slots.values()) {
      if (!slot.aspired && slot.state === 'AVAILABLE' && slot.inUse === 0) this.background(this.unload(slot, 'END'));
    }
  }

  private async unload(slot: Slot, next: 'START' | 'END'): Promise<void> {
    const servable = slot.servable;
    if (!servable) return;
    slot.state = 'UNLOADING';
    slot.servable = null;
    this.usedBytes -= servable.bytes;
    this.updateBytesGauge();
    try {
      await servable.session.release();
    } finally {
      slot.state = next;
    }
  }

  private background(work: Promise<unknown>): void {
    const guarded = work.catch(() => {}); // failures are recorded on the slot and logged
    if (this.options.defer) this.options.defer(guarded);
  }

  private updateBytesGauge(): void {
    this.options.metrics?.cacheBytes.set({}, this.usedBytes);
  }

  private log(message: string): void {
    this.options.log?.(message);
  }
}
