import { ServingError } from '../errors.ts';

/**
 * onnxruntime's error text, the same on every flavour: all of its lines (joined with "; ", so
 * `index: 0 Got: 2 Expected: 1` survives), without onnxruntime-web's `failed to call OrtRun().
 * ERROR_CODE: N, ERROR_MESSAGE:` prefix and without build paths of onnxruntime's sources.
 */
export function ortErrorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text
    .replace(/^[^\n]*?ERROR_CODE: \d+, ERROR_MESSAGE: /, '')
    .replace(/\S*onnxruntime_src\/\S+:\d+ /g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^at .*\)$/.test(line))
    .join('; ')
    .slice(0, 2000);
}

/**
 * Messages onnxruntime gives when the inputs do not fit the model: a wrong dimension, rank or
 * dtype (checked before the run), or shapes that an operator cannot combine (checked during it).
 * These are the caller's fault; anything else is the server's.
 */
const CALLER_FAULT = [
  /invalid dimensions for input/i,
  /invalid rank for input/i,
  /unexpected input data type/i,
  /input '[^']*' is missing in 'feeds'/i,
  /is not a valid input name/i,
  /attempting to broadcast/i,
  /incompatible dimensions/i,
  /cannot be reshaped/i,
  // The request's values or shapes, found by an operator during the run (issue 23): an id outside
  // an embedding's vocabulary (Gather, GatherElements, GatherND), inputs whose batch sizes disagree.
  /indices element out of data bounds/i,
  /index out of (data )?bounds/i,
  /invalid indice found/i,
  /non concat axis dimensions must match/i,
];

/** A failed session.run() as a ServingError: INVALID_ARGUMENT for the caller's mistakes, else INTERNAL. */
export function runError(err: unknown): ServingError {
  if (err instanceof ServingError) return err;
  const text = ortErrorText(err);
  return new ServingError(CALLER_FAULT.some((re) => re.test(text)) ? 'INVALID_ARGUMENT' : 'INTERNAL', text);
}
