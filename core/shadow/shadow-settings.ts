import { ConfigError } from '../config/config-error.ts';

/**
 * model.json's "shadow": after a request is answered, a share of the model's requests run again
 * on the version a label points at, and the two answers are compared (shadow.ts):
 *
 *   "shadow": {"label": "canary", "share": 0.1, "tolerance": 1e-5}
 *
 * - label: the version to shadow (a label of this model);
 * - share: the share of requests also run there (0 to 1; default 1);
 * - tolerance: a float output agrees when |a - b| <= tolerance * max(1, |a|) (default 1e-5, as warmup.json).
 */
export interface ShadowSettings {
  label: string;
  share: number;
  tolerance: number;
}

export function readShadow(value: unknown, where: string): ShadowSettings {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${where}: must be an object`);
  const doc = value as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!['label', 'share', 'tolerance'].includes(key)) throw new ConfigError(`${where}: unknown key ${JSON.stringify(key)} (label, share, tolerance)`);
  }
  if (typeof doc.label !== 'string' || doc.label === '') throw new ConfigError(`${where}: label must name one of the model's labels`);
  const share = doc.share ?? 1;
  if (typeof share !== 'number' || !(share >= 0 && share <= 1)) throw new ConfigError(`${where}: share must be a number from 0 to 1`);
  const tolerance = doc.tolerance ?? 1e-5;
  if (typeof tolerance !== 'number' || !(tolerance >= 0)) throw new ConfigError(`${where}: tolerance must be a number >= 0`);
  return { label: doc.label, share, tolerance };
}
