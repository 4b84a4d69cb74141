import { ServingError } from '../errors.ts';
import { servableVersions, type Entry, type Slot } from './model-state.ts';
import type { Runtime } from './options.ts';

/**
 * The byte budget of one manager (TF Serving's resource tracker plus its LRU eviction), and the
 * retirement of versions that left the policy (the unload half of its availability-preserving
 * policy). Called by loader.ts (reserve before a session is created, refund when creation
 * fails), by discovery.ts after re-applying a policy and by manager.ts when a lease ends (retire).
 *
 * Invariants:
 * - usedBytes is the sum of `bytes` over loaded servables plus loads reserved but not finished;
 *   a reservation is made before the backend creates the session, so concurrent loads see it.
 * - Eviction takes AVAILABLE servables that no lease holds, least recently used first, but never
 *   the version answering "latest" for the model being loaded; they return to START and reload on
 *   next use. When nothing can be evicted, a load proceeds over budget briefly rather than fail a
 *   request or unload the version it succeeds. A version larger than the whole cache is refused.
 * - settle brings the cache back within the budget once it is over (loads that overlapped each
 *   reserved before either finished, or every idle servable was held): after each load and when a
 *   lease ends, idle servables are evicted by the same rules, never the one just loaded nor a
 *   version answering "latest" while its model loads a successor.
 * - retire unloads a version outside the policy only once nothing holds it and its successor for
 *   "latest" is AVAILABLE (or nothing is aspired), so a rollout never fails or goes backwards.
 * Concurrency: one event loop; unloads run in the background (Runtime.background).
 */
export class Budget {
  private usedBytes = 0;

  constructor(
    private readonly rt: Runtime,
    /** Every model: eviction picks across models. */
    private readonly entries: () => Iterable<Entry>,
  ) {}

  private slots(): Slot[] {
    return [...this.entries()].flatMap((e) => [...e.slots.values()]);
  }

  /** Evicts idle servables, least recently used first, until the budget holds (see the contract). */
  async settle(loaded?: Slot): Promise<void> {
    const { cacheBytes } = this.rt.options;
    if (this.usedBytes <= cacheBytes) return;
    const keep = new Set<Slot | undefined>([loaded]);
    for (const entry of this.entries()) {
      if ([...entry.slots.values()].some((s) => s.state === 'LOADING')) keep.add(entry.slots.get(entry.latestServed));
    }
    const idle = this.slots().filter((s) => !keep.has(s) && s.state === 'AVAILABLE' && s.inUse === 0).sort((a, b) => a.lastUsedMs - b.lastUsedMs);
    for (const slot of idle) {
      if (this.usedBytes <= cacheBytes) break;
      await this.unload(slot, 'START');
    }
  }

  /** Makes room for a version of `bytes` (evicting idle servables but `keep`) and charges it to the budget. */
  async reserve(model: string, version: number, bytes: number, keep?: Slot): Promise<void> {
    const { cacheBytes } = this.rt.options;
    this.refuseOversize(model, version, bytes);
    // `keep` answers "latest" for the loading model: it stays until its successor is AVAILABLE
    // (retire unloads it then), so a successor may load over budget briefly.
    const idle = this.slots().filter((s) => s !== keep && s.state === 'AVAILABLE' && s.inUse === 0).sort((a, b) => a.lastUsedMs - b.lastUsedMs);
    for (const slot of idle) {
      if (this.usedBytes + bytes <= cacheBytes) break;
      await this.unload(slot, 'START');
    }
    this.usedBytes += bytes;
  }

  /** Throws when a version can never fit the cache; the loader also asks before downloading it. */
  refuseOversize(model: string, version: number, bytes: number): void {
    const { cacheBytes } = this.rt.options;
    if (bytes > cacheBytes) {
      throw new ServingError(
        'RESOURCE_EXHAUSTED',
        `Version ${version} of model ${model} is ${bytes} bytes, more than the model cache holds (cache_bytes=${cacheBytes})`,
      );
    }
  }

  /** Returns a reservation whose session could not be created. */
  refund(bytes: number): void {
    this.usedBytes -= bytes;
  }

  /** Publishes the bytes in use (after a load completes; unloads publish their own). */
  report(): void {
    this.rt.options.metrics?.cacheBytes.set({}, this.usedBytes);
  }

  /**
   * Unloads versions that left the policy once nothing holds them and the version that now
   * answers "latest" (the highest servable aspired one) is AVAILABLE. Only that successor counts:
   * a warm labelled older version does not, or "latest" would fall back to it while the new one
   * downloads (or for the whole of a storage outage) and clients would see 4 -> 1 -> 5.
   */
  retire(entry: Entry): void {
    const successor = Math.max(...servableVersions(entry));
    if (successor !== -Infinity && entry.slots.get(successor)?.state !== 'AVAILABLE') return;
    for (const slot of entry.slots.values()) {
      if (!slot.aspired && slot.state === 'AVAILABLE' && slot.inUse === 0) this.rt.background(this.unload(slot, 'END'));
    }
  }

  private async unload(slot: Slot, next: 'START' | 'END'): Promise<void> {
    const servable = slot.servable;
    if (!servable) return;
    slot.state = 'UNLOADING';
    slot.servable = null;
    this.usedBytes -= servable.bytes;
    this.report();
    try {
      await servable.session.release();
    } finally {
      slot.state = next;
    }
  }
}
