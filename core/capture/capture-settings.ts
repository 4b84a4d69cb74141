import { ConfigError } from '../config/config-error.ts';

/**
 * model.json's "capture": a sample of the model's requests, written with their inputs and outputs
 * to the model's own folder or bucket (capture.ts), for `edgeserve replay`:
 *
 *   "capture": {"sample_rate": 0.01, "errors": true, "inputs": true, "outputs": true, "names": ["x"]}
 *
 * - sample_rate: the share of successful inference requests kept (0 to 1; default 0);
 * - errors: keep every failed one too (default true);
 * - inputs, outputs: false drops that side from each record (default true: both kept);
 * - names: keep only these tensors (inputs and outputs alike); absent: all.
 */
export interface CaptureSettings {
  sampleRate: number;
  errors: boolean;
  inputs: boolean;
  outputs: boolean;
  names?: string[];
}

export function readCapture(value: unknown, where: string): CaptureSettings {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${where}: must be an object`);
  const doc = value as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (!['sample_rate', 'errors', 'inputs', 'outputs', 'names'].includes(key)) throw new ConfigError(`${where}: unknown key ${JSON.stringify(key)} (sample_rate, errors, inputs, outputs, names)`);
  }
  const rate = doc.sample_rate ?? 0;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new ConfigError(`${where}: sample_rate must be a number from 0 to 1`);
  const flag = (key: string) => {
    const v = doc[key] === undefined ? true : doc[key];
    if (typeof v !== 'boolean') throw new ConfigError(`${where}: ${key} must be true or false`);
    return v;
  };
  const settings: CaptureSettings = { sampleRate: rate, errors: flag('errors'), inputs: flag('inputs'), outputs: flag('outputs') };
  if (doc.names !== undefined) {
    if (!Array.isArray(doc.names) || doc.names.some((n) => typeof n !== 'string')) throw new ConfigError(`${where}: names must be a list of tensor names`);
    settings.names = doc.names as string[];
  }
  return settings;
}
