import type { Session } from '../backend/backend.ts';
import { checkBatchAxes, type BatchAxes } from '../config/batch-axes.ts';
import { checkPlacement } from '../config/placement.ts';
import { ServingError, asServingError, errorLogText } from '../errors.ts';
import { readVersion } from '../repository/version-files.ts';
import type { Budget } from './budget.ts';
import { backoffMs, type Discovery } from './discovery.ts';
import { servableVersions, type Entry, type Slot } from './model-state.ts';
import type { Runtime } from './options.ts';
import type { Servable } from './servable.ts';
import { TF_WARMUP_FILE } from './tf-warmup.ts';
import { WARMUP_FILE, parseWarmup, runWarmup, tfWarmupRequests, type WarmupRequest } from './warmup.ts';

/**
 * Loads one version into a servable (TF Serving's loader harness): placement and size checks,
 * reading and verifying its files, a budget reservation, the backend's session. Called by
 * manager.ts for the version a request resolved to, and by preload.
 *
 * - Single-flight per version: concurrent callers share one load (slot.loading).
 * - A permanent failure leaves the slot END with its error and re-applies the policy, so an
 *   older version may become aspired; the other versions are not disturbed.
 * - A storage fault (UNAVAILABLE, DEADLINE_EXCEEDED) leaves the slot START: it is retried on a
 *   later request, and until its backoff ends requests fail fast with that error instead of each
 *   one hammering a store that is down.
 * - Bytes are charged to the budget before the session exists and refunded if it cannot be made.
 * - A version with warmup.json or TF Serving's warmup file runs it (warmup.ts) while still LOADING;
 *   only a version that passed becomes AVAILABLE, so "loaded" means "warmed and golden-checked".
 */
export class Loader {
  constructor(
    private readonly rt: Runtime,
    private readonly budget: Budget,
    private readonly discovery: Discovery,
  ) {}

  load(entry: Entry, slot: Slot): Promise<Servable> {
    if (slot.servable) return Promise.resolve(slot.servable);
    // The last load failed for want of storage: fail fast until its backoff ends.
    if (!slot.loading && slot.error && slot.state === 'START' && this.rt.now() < slot.retryAtMs) return Promise.reject(slot.error);
    slot.loading ??= this.loadNow(entry, slot).finally(() => {
      slot.loading = null;
    });
    return slot.loading;
  }

  private async loadNow(entry: Entry, slot: Slot): Promise<Servable> {
    const { options } = this.rt;
    const labels = { model: entry.name, version: String(slot.version) };
    const started = this.rt.now();
    slot.state = 'LOADING';
    slot.error = null;
    slot.refused = false;
    try {
      refusal(slot, () => checkPlacement(entry.name, entry.placement, options.tier ?? 'container', options.maxModelBytesAdvice));
      const files = await readVersion(entry.source, slot.dir, {
        checkSize: (size) => refusal(slot, () => this.checkModelSize(entry, slot, size)),
        sha256: options.sha256,
        // Weights in external data go to disk only for a backend that opens them there.
        ...(options.backend.opensFiles && options.diskTier && { disk: options.diskTier }),
      });
      const external = files.externalData ?? [];
      const bytes = external.reduce((sum, f) => sum + f.size, files.model.byteLength);
      // The version answering "latest" is never evicted to load its successor.
      const serving = slot.version > entry.latestServed ? entry.slots.get(entry.latestServed) : undefined;
      await this.budget.reserve(entry.name, slot.version, bytes, serving);
      let session;
      try {
        session = await options.backend.load(files.path || external.length ? { bytes: files.model, externalData: external, path: files.path } : files.model);
        if (files.pipeline) {
          // Imported on first use: a target that serves no pipeline never loads the decoders and the tokenizer.
          const { withPipeline } = await import('../pipeline/with-pipeline.ts');
          session = await withPipeline(session, files, options.pipelines ?? {}, entry.name, `model ${entry.name} version ${slot.version}: pipeline.json`);
        }
        await checkSessionBatchAxes(session, entry.batching?.batchAxes);
      } catch (err) {
        this.budget.refund(bytes);
        throw err;
      }
      if (files.warmup || files.tfWarmup) await this.warmUp(entry, slot, session, files, bytes);
      slot.servable = { model: entry.name, version: slot.version, session, labels: files.labels, bytes };
      slot.state = 'AVAILABLE';
      // AVAILABLE as the newest servable version: it answers "latest" from now on.
      if (slot.version === Math.max(...servableVersions(entry))) entry.latestServed = Math.max(entry.latestServed, slot.version);
      slot.faults = 0;
      slot.fault = null;
      slot.lastUsedMs = this.rt.now();
      options.metrics?.loads.inc({ ...labels, outcome: 'ok' });
      options.metrics?.loadLatency.observe(labels, (this.rt.now() - started) / 1000);
      this.budget.report();
      this.budget.retire(entry);
      this.rt.background(this.budget.settle(slot));
      return slot.servable;
    } catch (err) {
      const error = asServingError(err, `Failed to load version ${slot.version} of model ${entry.name}`);
      const transient = error.code === 'UNAVAILABLE' || error.code === 'DEADLINE_EXCEEDED';
      slot.state = transient ? 'START' : 'END';
      slot.error = error;
      slot.fault = transient ? error : null;
      if (transient) slot.retryAtMs = this.rt.now() + backoffMs(this.rt, (slot.faults += 1));
      if (!transient) this.discovery.reaspire(entry);
      options.metrics?.loads.inc({ ...labels, outcome: 'error' });
      this.rt.log(`model ${entry.name} version ${slot.version}: load failed: ${errorLogText(error)}`);
      throw error;
    }
  }

  /**
   * Runs warmup.json on the new session while the slot is still LOADING (slot.warming says so to
   * /readyz); a failure releases the session and refunds its bytes, so the version ends as END.
   */
  private async warmUp(entry: Entry, slot: Slot, session: Session, files: { warmup: Uint8Array | null; tfWarmup: Uint8Array | null }, charged: number): Promise<void> {
    const at = (file: string) => `${entry.source.location}/${slot.dir}/${file}`;
    slot.warming = true;
    try {
      const runs: [string, () => WarmupRequest[]][] = [];
      if (files.warmup) runs.push([at(WARMUP_FILE), () => parseWarmup(files.warmup!, at(WARMUP_FILE))]);
      if (files.tfWarmup) runs.push([at(TF_WARMUP_FILE), () => tfWarmupRequests(files.tfWarmup!, at(TF_WARMUP_FILE), entry.warmupIterations)]);
      for (const [where, requests] of runs) await runWarmup(session, requests(), where);
      this.rt.log(`model ${entry.name} version ${slot.version}: warmup passed`);
    } catch (err) {
      await session.release();
      this.budget.refund(charged);
      throw err;
    } finally {
      slot.warming = false;
    }
  }

  private checkModelSize(entry: Entry, slot: Slot, bytes: number): void {
    const max = this.rt.options.maxModelBytes;
    // A version that can never fit the cache is refused before its files are downloaded too.
    if (max === undefined || bytes <= max) return this.budget.refuseOversize(entry.name, slot.version, bytes);
    const advice = this.rt.options.maxModelBytesAdvice ? `: ${this.rt.options.maxModelBytesAdvice}` : '';
    throw new ServingError(
      'FAILED_PRECONDITION',
      `Version ${slot.version} of model ${entry.name} is ${bytes} bytes, more than this target loads (max_model_bytes=${max})${advice}`,
    );
  }
}

/** Runs a check by which this target refuses a version (its placement, its size); a refusal marks the slot, which readiness then ignores. */
function refusal(slot: Slot, check: () => void): void {
  try {
    check();
  } catch (err) {
    slot.refused = true;
    throw err;
  }
}

/** checkBatchAxes for a freshly loaded session: releases it before rejecting, so nothing leaks. */
async function checkSessionBatchAxes(session: Session, declared: BatchAxes | undefined): Promise<void> {
  try {
    checkBatchAxes(session.signature, declared);
  } catch (err) {
    await session.release();
    throw err;
  }
}
