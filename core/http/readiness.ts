import type { Manager } from '../manager/manager.ts';
import { jsonResponse, type HttpResponse } from './exchange.ts';

/**
 * GET /readyz: whether this instance is ready to serve, for load balancers and rollouts. Unlike
 * /healthz (alive), it is 503 while some model has tracked versions and none of them AVAILABLE
 * (every one still loading, warming up or failed); models not listed yet (lazy targets) do not
 * hold it back. The body tells a warming version (LOADING, running warmup.json) from a serving
 * one, and names versions the rollback guard pulled:
 *   {"ready": true, "models": [{"name": "m", "versions": [{"version": 2, "state": "LOADING", "warming": true}, ...]}]}
 */
export function readinessBody(manager: Manager): HttpResponse {
  const models = manager.readiness();
  const ready = models.every((m) => m.versions.length === 0 || m.versions.some((v) => v.state === 'AVAILABLE'));
  const body = {
    ready,
    models: models.map((m) => ({
      name: m.model,
      versions: m.versions.map((v) => ({ version: v.version, state: v.state, ...(v.warming && { warming: true }), ...(v.pulled && { pulled: true }) })),
    })),
  };
  return jsonResponse(ready ? 200 : 503, JSON.stringify(body));
}
