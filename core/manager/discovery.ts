import { asServingError, errorLogText } from '../errors.ts';
import { discoverVersions } from '../repository/discovery.ts';
import { MODEL_JSON_FILE, parseModelJson } from '../repository/model-json.ts';
import { noVersionsReason } from '../repository/no-versions.ts';
import { aspiredVersions } from '../version/policy.ts';
import type { Budget } from './budget.ts';
import { isFailed, newSlot, type Entry } from './model-state.ts';
import type { Runtime } from './options.ts';

/**
 * What a model's storage says it should serve (TF Serving's source -> aspired versions path):
 * lists its versions, reads its model.json, applies the version policy, and backs off when
 * storage fails. Called by manager.ts (ensureFresh per request, discover at preload) and by
 * loader.ts (reaspire after a version fails to load for good).
 *
 * - Lazy: a model is listed on first use, then revalidated in the background once its listing is
 *   older than pollIntervalMs; a request a warm version can answer never waits for storage. No
 *   timers: serverless instances freeze between requests.
 * - model.json (policy, labels, batching, placement) is read with each listing and replaces the
 *   config's values; one that does not parse is logged once and the previous settings stay.
 * - After a failed listing the next is due after a backoff (retryBackoffMs, doubling per failure
 *   up to 30 s); a never-listed model fails requests fast with that error until then.
 * - Aspired = the policy applied to complete versions that have not failed, plus every labelled
 *   version; each aspired version gets a Slot. A corrupt newest version leaves the previous serving.
 * Concurrency: one listing per model at a time (entry.discovery); callers share it.
 */
export class Discovery {
  constructor(
    private readonly rt: Runtime,
    private readonly budget: Budget,
  ) {}

  /** Before serving a request: waits for a first listing, or starts a due revalidation. */
  async ensureFresh(entry: Entry): Promise<void> {
    if (!entry.discovered) {
      // Never listed: the request waits for the listing, or fails fast while storage backs off.
      if (entry.lastError && !entry.discovery && this.rt.now() < entry.checkAtMs) throw entry.lastError;
      return this.discover(entry);
    }
    if (this.rt.options.pollIntervalMs >= 0 && this.rt.now() >= entry.checkAtMs && !entry.discovery) {
      this.rt.background(this.discover(entry));
    }
  }

  /** Lists now (or joins the listing under way); rejects only when the model was never listed. */
  discover(entry: Entry): Promise<void> {
    const { pollIntervalMs } = this.rt.options;
    entry.discovery ??= (async () => {
      try {
        const names = await entry.source.list();
        await this.applySettings(entry, names);
        entry.dirs = await discoverVersions(entry.source, names);
        this.noteEmpty(entry, names);
        this.reaspire(entry);
        entry.discovered = true;
        entry.faults = 0;
        entry.lastError = null;
        entry.checkAtMs = this.rt.now() + pollIntervalMs;
      } catch (err) {
        const error = asServingError(err);
        entry.faults += 1;
        entry.lastError = error;
        entry.checkAtMs = this.rt.now() + Math.max(pollIntervalMs, backoffMs(this.rt, entry.faults));
        if (!entry.discovered) throw error;
        // Keep serving what we know; try again after the backoff.
        this.rt.log(`model ${entry.name}: version discovery failed, keeping known versions: ${errorLogText(error)}`);
      } finally {
        entry.discovery = null;
      }
    })();
    return entry.discovery;
  }

  /** Logs a listing with no versions once (until that changes); status reports it (manager.ts). */
  private noteEmpty(entry: Entry, names: string[]): void {
    const reason = noVersionsReason(entry.source.location, names, entry.dirs.size, entry.source.requiresManifest);
    if (reason !== null && reason !== entry.noVersions) this.rt.log(`model ${entry.name}: ${reason}`);
    entry.noVersions = reason;
  }

  /** Re-applies the policy to the versions last listed, then retires what left it. */
  reaspire(entry: Entry): void {
    const healthy = [...entry.dirs.keys()].filter((v) => !isFailed(entry.slots.get(v)));
    const aspired = new Set(aspiredVersions(entry.policy, healthy));
    for (const v of Object.values(entry.labels)) if (entry.dirs.has(v)) aspired.add(v);
    entry.aspired = [...aspired].sort((a, b) => b - a);
    for (const slot of entry.slots.values()) slot.aspired = aspired.has(slot.version);
    for (const v of entry.aspired) {
      const slot = entry.slots.get(v);
      if (!slot) entry.slots.set(v, newSlot(v, entry.dirs.get(v)!));
      // Unloaded earlier and aspired again (a label moved back): reloadable.
      else if (slot.state === 'END' && slot.error === null) slot.state = 'START';
    }
    this.budget.retire(entry);
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
      const settings = text === null ? {} : parseModelJson(text, where, this.rt.options.batchingDefaults ?? { numBatchThreads: 1 });
      entry.policy = settings.versionPolicy ?? entry.config.versionPolicy;
      entry.labels = settings.labels ?? { ...entry.config.labels };
      entry.batching = settings.batching;
      entry.placement = settings.placement;
      entry.traffic = settings.traffic;
      entry.rollback = settings.rollback;
      entry.warmupIterations = settings.warmupIterations;
      entry.capture = settings.capture;
      entry.shadow = settings.shadow;
      if (text !== null) this.rt.log(`model ${entry.name}: applied ${where}: labels ${JSON.stringify(entry.labels)}${entry.traffic ? `, traffic ${JSON.stringify(entry.traffic)}` : ''}`);
    } catch (err) {
      this.rt.log(`model ${entry.name}: ignoring ${where}, keeping the previous settings: ${(err as Error).message}`);
    }
  }
}

/** The wait after `faults` consecutive storage faults: retryBackoffMs, doubling, capped at 30 s. */
export function backoffMs(rt: Runtime, faults: number): number {
  const first = rt.options.retryBackoffMs ?? 1000;
  return Math.min(first * 2 ** (faults - 1), Math.max(first, 30_000));
}
