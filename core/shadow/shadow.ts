import type { SetTimer } from '../clock.ts';
import type { RunFn } from '../manager/lease-run.ts';
import type { Manager } from '../manager/manager.ts';
import type { Counter, Histogram } from '../metrics/registry.ts';
import type { Tensor } from '../tensor/tensor.ts';

/**
 * Shadow traffic (model.json "shadow", shadow-settings.ts): after a request is answered by one
 * version, a share of the model's requests run again on the version a label points at, and the
 * two answers are compared. The shadow never changes the answer, and it never waits in the
 * request's path:
 * - it starts on a timer after the request's outputs exist (the answer is encoded and sent first),
 *   on the same RunFn (so it batches like any request);
 * - only a warm, healthy shadow runs (Manager.leaseIfWarm), and at most one shadow run per model
 *   is in flight: the rest are skipped, counted. A cold shadow is loaded in the background (as a
 *   request for its label would load it; the manager loads it once) and skipped until it is warm,
 *   so targets that load versions lazily (Workers, Deno) shadow too;
 * - a run on the serving version itself (the label points at it) is not a comparison: none.
 * Outcomes land in edgeserve_shadow_requests_total{model, version (the shadow's), outcome =
 * match | differ | failed | skipped}, each differing output's largest difference in
 * edgeserve_shadow_max_abs_difference, and a log line per minute per model while answers differ.
 */
export interface ShadowDeps {
  manager: Manager;
  run: RunFn;
  setTimer: SetTimer;
  requests: Counter;
  difference: Histogram;
  /** Where background work goes to outlive its request (Workers: waitUntil). */
  defer?: (work: Promise<unknown>) => void;
  log?: (message: string) => void;
  /** Wall-clock milliseconds, for the log's rate; default Date.now. */
  now?: () => number;
  random?: () => number;
}

export interface Shadow {
  /** Called once a request's outputs exist: maybe runs the same inputs on the shadow version. Never throws. */
  offer(model: string, servedVersion: number, inputs: Record<string, Tensor>, outputs: Record<string, Tensor>): void;
}

export function createShadow(deps: ShadowDeps): Shadow {
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const inFlight = new Set<string>();
  const logged = new Map<string, { atMs: number; since: number }>();

  function offer(model: string, servedVersion: number, inputs: Record<string, Tensor>, outputs: Record<string, Tensor>): void {
    const settings = deps.manager.shadowFor(model);
    if (!settings || !(random() < settings.share)) return;
    const lease = deps.manager.leaseIfWarm(model, settings.label);
    if (lease && lease.servable.version === servedVersion) {
      lease.release();
      return;
    }
    const version = String(lease?.servable.version ?? '');
    if (!lease || inFlight.has(model)) {
      lease?.release();
      deps.requests.inc({ model, version, outcome: 'skipped' });
      if (!lease) warm(model, settings.label);
      return;
    }
    inFlight.add(model);
    const work = new Promise<void>((started) => deps.setTimer(started, 0))
      .then(() => deps.run(lease.servable, inputs))
      .then(
        (shadowed) => {
          const differing = differences(outputs, shadowed, settings.tolerance);
          deps.requests.inc({ model, version, outcome: differing.length ? 'differ' : 'match' });
          for (const d of differing) deps.difference.observe({ model, version, output: d.name }, d.maxAbs);
          if (differing.length) report(model, servedVersion, lease.servable.version, settings.label, differing);
        },
        (err: unknown) => {
          deps.requests.inc({ model, version, outcome: 'failed' });
          deps.log?.(`model ${model}: shadow version ${version} (label ${settings.label}) failed a request version ${servedVersion} answered: ${(err as Error).message}`);
        },
      )
      .finally(() => {
        inFlight.delete(model);
        lease.release();
      });
    deps.defer?.(work);
  }

  /** Loads the shadow in the background (a failed or unknown label stays skipped: nothing to log per request). */
  function warm(model: string, label: string): void {
    const loading = deps.manager.acquire(model, { label }).then(
      (lease) => lease.release(),
      () => {},
    );
    deps.defer?.(loading);
  }

  function report(model: string, served: number, shadow: number, label: string, differing: Difference[]): void {
    const last = logged.get(model);
    if (last && now() - last.atMs < 60_000) {
      last.since++;
      return;
    }
    const more = last?.since ? ` (${last.since} more since the last line)` : '';
    logged.set(model, { atMs: now(), since: 0 });
    const what = differing.map((d) => `${d.name} max abs difference ${d.maxAbs.toPrecision(3)}`).join(', ');
    deps.log?.(`model ${model}: shadow version ${shadow} (label ${label}) differs from version ${served}: ${what}${more}`);
  }

  return { offer };
}

interface Difference {
  name: string;
  maxAbs: number;
}

/** The outputs whose values differ beyond the tolerance (a missing output or another shape differs by Infinity). */
export function differences(served: Record<string, Tensor>, shadowed: Record<string, Tensor>, tolerance: number): Difference[] {
  const out: Difference[] = [];
  for (const [name, a] of Object.entries(served)) {
    const b = shadowed[name];
    if (!b || b.dtype !== a.dtype || b.dims.join() !== a.dims.join()) {
      out.push({ name, maxAbs: Infinity });
      continue;
    }
    const x = a.data as ArrayLike<number | bigint | string>;
    const y = b.data as ArrayLike<number | bigint | string>;
    let maxAbs = 0;
    let over = false;
    for (let i = 0; i < x.length; i++) {
      if (typeof x[i] === 'number') {
        const d = Math.abs((x[i] as number) - (y[i] as number));
        maxAbs = Math.max(maxAbs, Number.isNaN(d) ? (Number.isNaN(x[i]) && Number.isNaN(y[i]) ? 0 : Infinity) : d);
        if (d > tolerance * Math.max(1, Math.abs(x[i] as number)) || (Number.isNaN(d) && !(Number.isNaN(x[i]) && Number.isNaN(y[i])))) over = true;
      } else if (x[i] !== y[i]) {
        maxAbs = Infinity;
        over = true;
      }
    }
    if (over) out.push({ name, maxAbs });
  }
  return out;
}
