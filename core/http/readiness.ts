import type { Manager, ModelReadiness } from '../manager/manager.ts';
import { jsonResponse, type HttpResponse } from './exchange.ts';

/**
 * GET /readyz: whether this instance is ready to serve, for load balancers and rollouts. Unlike
 * /healthz (alive), it is 503 while some model cannot serve: listed with no versions (a mistyped
 * base path), or with versions of which none is AVAILABLE (still loading, warming up, or failed),
 * or whose first listing failed; each such model says why (`error`), as does a repository root
 * that holds no models (the top-level `error`). Models not listed yet (lazy
 * targets, before their first request) do not hold it back. The body tells a warming version
 * (LOADING, running warmup.json) from a serving one, and names versions the rollback guard pulled:
 *   {"ready": false, "models": [{"name": "m", "versions": [{"version": 2, "state": "LOADING", "warming": true}],
 *                               "error": "no version loaded yet"}]}
 */
export function readinessBody(manager: Manager): HttpResponse {
  const models = manager.readiness();
  const ready = isReady(manager, models);
  const body = {
    ready,
    ...(manager.repositoryProblem && { error: manager.repositoryProblem }),
    models: models.map((m) => ({
      name: m.model,
      versions: m.versions.map((v) => ({ version: v.version, state: v.state, ...(v.warming && { warming: true }), ...(v.pulled && { pulled: true }) })),
      ...(m.problem && { error: m.problem }),
    })),
  };
  return jsonResponse(ready ? 200 : 503, JSON.stringify(body));
}

/** The verdict of /readyz, also OIP's server ready (REST and gRPC). */
export function isReady(manager: Manager, models: ModelReadiness[] = manager.readiness()): boolean {
  return manager.repositoryProblem === null && models.every((m) => m.problem === undefined);
}
