import { internal, invalidArgument } from '../../errors.ts';
import { encodeBase64Text } from './base64.ts';
import { formatFloat64, halfToFloat } from './float-format.ts';
import { JsonBytes } from './json-bytes.ts';
import { quoteJson } from './text.ts';
import { elementCount, type Tensor } from '../tensor.ts';

/**
 * The JSON text of a predict response (docs/tf-serving-compat.md 5.5), compact, as UTF-8 bytes
 * written into one buffer (json-bytes.ts). Row format:
 * `{"predictions": [...]}`, one entry per batch row: the row's value when there is one output,
 * else an object output name -> row value. Columnar: `{"outputs": <tensor>}` for one output
 * (a rank-0 output is a bare value), else `{"outputs": {name: tensor, ...}}`.
 * `outputNames` lists the signature's outputs in the order to write them; every one must be in
 * `outputs` (a missing one is INTERNAL: the backend broke its contract). Row format needs every
 * output to have rank >= 1 and the same dim 0, else INVALID_ARGUMENT with TF's wording.
 * Values: floats per 9.2 (float16 written as float), integers exact (64-bit included), bools,
 * strings JSON-escaped, or `{"b64": ...}` of their UTF-8 bytes when the name ends in `_bytes`.
 */
export function encodeJsonPredictResponse(
  format: 'row' | 'columnar',
  outputs: Record<string, Tensor>,
  outputNames: readonly string[],
): Uint8Array<ArrayBuffer> {
  const tensors = outputNames.map((name) => outputTensor(outputs, name));
  const single = tensors.length === 1;
  const out = new JsonBytes();
  if (format === 'columnar') {
    out.ascii(single ? '{"outputs":' : '{"outputs":{');
    tensors.forEach((t, k) => {
      if (!single) out.text(`${k > 0 ? ',' : ''}${quoteJson(outputNames[k])}:`);
      writeTensor(t.dims, 0, 0, valuesWriter(outputNames[k], t), out);
    });
    out.ascii(single ? '}' : '}}');
    return out.done();
  }
  const batch = rowBatchSize(tensors, outputNames);
  const writers = tensors.map((t, k) => valuesWriter(outputNames[k], t));
  const rowSizes = tensors.map((t) => elementCount(t.dims.slice(1)));
  out.ascii('{"predictions":[');
  for (let b = 0; b < batch; b++) {
    if (b > 0) out.byte(COMMA);
    if (!single) out.byte(0x7b); // '{'
    tensors.forEach((t, k) => {
      if (!single) out.text(`${k > 0 ? ',' : ''}${quoteJson(outputNames[k])}:`);
      writeTensor(t.dims, 1, b * rowSizes[k], writers[k], out);
    });
    if (!single) out.byte(0x7d); // '}'
  }
  out.ascii(']}');
  return out.done();
}

const COMMA = 0x2c;

function outputTensor(outputs: Record<string, Tensor>, name: string): Tensor {
  const t = outputs[name];
  if (t === undefined) throw internal(`The model returned no output named ${name}`);
  if (elementCount(t.dims) !== t.data.length) {
    throw internal(`Output ${name} has ${t.data.length} values for shape [${t.dims.join(',')}]`);
  }
  return t;
}

function rowBatchSize(tensors: Tensor[], names: readonly string[]): number {
  let batch = -1;
  tensors.forEach((t, k) => {
    if (t.dims.length === 0) throw invalidArgument(`Tensor name: ${names[k]} has no shape information `);
    if (batch >= 0 && t.dims[0] !== batch) {
      throw invalidArgument(`Tensor name: ${names[k]} has inconsistent batch size: ${t.dims[0]} expecting: ${batch}`);
    }
    batch = t.dims[0];
  });
  return batch;
}

/** Writes elements [i, i + n) of a tensor as JSON values, separated by commas. */
type ValuesWriter = (out: JsonBytes, i: number, n: number) => void;

/** Writes the sub-tensor at dims[dim..] starting at flat `offset`; returns the offset after it. */
function writeTensor(dims: readonly number[], dim: number, offset: number, values: ValuesWriter, out: JsonBytes): number {
  if (dim === dims.length) {
    values(out, offset, 1);
    return offset + 1;
  }
  const n = dims[dim];
  out.byte(0x5b); // '['
  if (dim === dims.length - 1) {
    // The innermost dimension in one call: a float32 row reserves its bytes once (json-bytes.ts).
    values(out, offset, n);
    offset += n;
  } else {
    for (let k = 0; k < n; k++) {
      if (k > 0) out.byte(COMMA);
      offset = writeTensor(dims, dim + 1, offset, values, out);
    }
  }
  out.byte(0x5d); // ']'
  return offset;
}

/** A ValuesWriter from one that writes element i. */
function each(value: (out: JsonBytes, i: number) => void): ValuesWriter {
  return (out, i, n) => {
    for (let k = 0; k < n; k++) {
      if (k > 0) out.byte(COMMA);
      value(out, i + k);
    }
  };
}

function valuesWriter(name: string, t: Tensor): ValuesWriter {
  const data = t.data;
  switch (t.dtype) {
    case 'float32': {
      const f = data as Float32Array;
      return (out, i, n) => out.float32s(f, i, n);
    }
    case 'float64':
      return each((out, i) => out.ascii(formatFloat64((data as Float64Array)[i])));
    case 'float16':
      return each((out, i) => out.float32(halfToFloat((data as Uint16Array)[i])));
    case 'bool':
      return each((out, i) => out.ascii((data as Uint8Array)[i] ? 'true' : 'false'));
    case 'string': {
      const strings = data as string[];
      if (name.endsWith('_bytes')) return each((out, i) => out.ascii(`{"b64":"${encodeBase64Text(strings[i])}"}`));
      return each((out, i) => out.text(quoteJson(strings[i])));
    }
    default:
      // Integers of every width, 64-bit ones as exact bigint digits.
      return each((out, i) => out.ascii(String((data as Int32Array | BigInt64Array)[i])));
  }
}
