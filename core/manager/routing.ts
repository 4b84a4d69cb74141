import { byWeight, chooseLabel, routingPoint } from '../version/traffic.ts';
import type { Loader } from './loader.ts';
import { isFailed, servableVersions, type Entry, type Slot } from './model-state.ts';
import type { Runtime } from './options.ts';
import type { Servable } from './servable.ts';

/**
 * Where a request that pins neither a version nor a label goes when model.json sets "traffic".
 * Called by manager.ts; the choice itself is core/version/traffic.ts (pure).
 *
 * - A label is usable when it names an aspired version that has not failed and that the rollback
 *   guard has not pulled (rollback.ts); it is ready when, in addition, its version is loaded,
 *   which in this manager means warmed up and golden-checked (loader.ts). Only ready labels enter
 *   the split, so no request waits for or lands on a version that is not ready.
 * - The point in [0, 1) comes from the routing key when the request has one (sticky), else from
 *   the injected random source (Runtime.random).
 * - Usable labels not loaded yet are loaded in the background. When none is ready (a cold model),
 *   the request waits for the heaviest usable label's load (within its deadline), then the next.
 * - Returns null when no traffic label is usable: the caller falls back to the "latest" rule.
 */
export interface Routed {
  servable: Servable;
  label?: string;
}

export async function routeUnpinned(entry: Entry, loader: Loader, rt: Runtime, routingKey?: string): Promise<Routed | null> {
  const traffic = entry.traffic;
  if (!traffic) return null;
  const servable = servableVersions(entry);
  const slotOf = (label: string): Slot | undefined => {
    const version = Object.hasOwn(entry.labels, label) ? entry.labels[label] : undefined;
    return version !== undefined && servable.has(version) ? entry.slots.get(version) : undefined;
  };
  const usable = (label: string) => {
    const slot = slotOf(label);
    return slot !== undefined && !slot.pulled;
  };
  const candidates = byWeight(traffic).filter(usable);
  for (const label of candidates) {
    const slot = slotOf(label)!;
    if (!slot.servable && !slot.loading) rt.background(loader.load(entry, slot));
  }
  const point = routingKey !== undefined && routingKey !== '' ? routingPoint(routingKey) : rt.random();
  const label = chooseLabel(traffic, (l) => usable(l) && slotOf(l)!.servable !== null, point);
  if (label !== null) return { servable: slotOf(label)!.servable!, label };
  let failure: unknown = null;
  for (const next of candidates) {
    const slot = slotOf(next)!;
    try {
      return { servable: await loader.load(entry, slot), label: next };
    } catch (err) {
      if (!isFailed(slot)) throw err; // storage fault: the caller learns it, as with "latest"
      failure = err;
    }
  }
  if (failure && servableVersions(entry).size === 0) throw failure;
  return null;
}
