import { ConfigError } from './config-error.ts';
import { ServingError } from '../errors.ts';

/**
 * Size-aware placement: a model can be marked for the container tier in its model.json,
 *
 *   { "placement": "container" }      (default "any": every target may serve it)
 *
 * because it is too large or too slow for an edge isolate (128 MB, WASM). Edge targets (Workers,
 * Deno, Lambda) call checkPlacement before loading a version and refuse such a model with
 * FAILED_PRECONDITION naming where it is served; the Node server and the container serve
 * everything. Pure functions: no storage, no clock.
 */
export type Placement = 'any' | 'container';

/** The tier a target belongs to. */
export type Tier = 'edge' | 'container';

export const PLACEMENTS: readonly Placement[] = ['any', 'container'];

/** model.json's "placement" value; throws ConfigError naming `where` for anything else. */
export function readPlacement(value: unknown, where: string): Placement {
  if (typeof value === 'string' && (PLACEMENTS as readonly string[]).includes(value)) return value as Placement;
  throw new ConfigError(`${where}: must be one of ${PLACEMENTS.map((p) => JSON.stringify(p)).join(', ')}, got ${JSON.stringify(value)}`);
}

/**
 * Throws FAILED_PRECONDITION when `tier` may not serve a model with this placement. `servedAt`
 * says where the model is served instead (a URL, or advice such as the container target's name);
 * it ends the message.
 */
export function checkPlacement(model: string, placement: Placement | undefined, tier: Tier, servedAt?: string): void {
  if (placement !== 'container' || tier === 'container') return;
  const where = servedAt ? `: ${servedAt}` : ': the container target (infra/Dockerfile.cpu or .gpu: onnxruntime-node on CPU or CUDA)';
  throw new ServingError(
    'FAILED_PRECONDITION',
    `Model ${model} is marked "placement": "container" in its model.json, so this edge target does not serve it; it is served by the container tier${where}`,
  );
}
