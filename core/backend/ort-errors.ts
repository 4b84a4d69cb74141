import { ServingError } from '../errors.ts';
import type { Tensor } from '../tensor/tensor.ts';

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

/**
 * A failed session.run() as a ServingError: INVALID_ARGUMENT for the caller's mistakes, else
 * INTERNAL. A caller's mistake names the request input it lies in where the inputs tell: the
 * integer input holding an out-of-range index onnxruntime reports (`idx=N`), or the inputs whose
 * first dimensions disagree when an operator could not combine them.
 */
export function runError(err: unknown, inputs: Record<string, Tensor> = {}): ServingError {
  if (err instanceof ServingError) return err;
  const text = ortErrorText(err);
  if (!CALLER_FAULT.some((re) => re.test(text))) return new ServingError('INTERNAL', text);
  return new ServingError('INVALID_ARGUMENT', `${culprit(text, inputs)}${text}`);
}

function culprit(text: string, inputs: Record<string, Tensor>): string {
  const index = /\bidx=(-?\d+)/.exec(text);
  if (index) {
    const value = BigInt(index[1]);
    const holder = Object.entries(inputs).find(([, t]) => t.data instanceof BigInt64Array ? t.data.includes(value) : isIntegers(t) && (t.data as Int32Array).includes(Number(value)));
    return holder ? `input ${holder[0]}: index ${value} is out of range: ` : '';
  }
  const firsts = Object.entries(inputs).filter(([, t]) => t.dims.length > 0);
  const other = firsts.find(([, t]) => t.dims[0] !== firsts[0][1].dims[0]);
  return other ? `inputs ${firsts[0][0]} and ${other[0]} disagree on their first (batch) dimension, ${firsts[0][1].dims[0]} and ${other[1].dims[0]}: ` : '';
}

function isIntegers(t: Tensor): boolean {
  return t.data instanceof Int32Array || t.data instanceof Int16Array || t.data instanceof Int8Array || t.data instanceof Uint8Array || t.data instanceof Uint16Array || t.data instanceof Uint32Array;
}
