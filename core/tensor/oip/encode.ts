import { oipTypeName } from '../dtypes.ts';
import { formatFloat32, formatFloat64, halfToFloat } from '../json/float-format.ts';
import { quoteJson } from '../json/text.ts';
import type { Tensor } from '../tensor.ts';
import { tensorToRaw } from './raw.ts';
import type { OipParam, OipParams } from './request.ts';

/**
 * The REST inference response: JSON `{"model_name", "model_version", "id"?, "parameters"?,
 * "outputs": [{name, datatype, shape, data}]}` with flat data, floats formatted as the TF
 * Serving codec does (shortest text that reads back the same float32/float64), so both APIs
 * print the same numbers. An output marked binary has `parameters.binary_data_size` instead of
 * data, and its raw bytes (raw.ts) follow the JSON in output order (Triton's binary tensor
 * data extension); `headerLength` is then the JSON's byte length for Inference-Header-Content-Length.
 */
export interface OipOutput {
  name: string;
  tensor: Tensor;
  binary: boolean;
}

export interface EncodedInferResponse {
  body: Uint8Array<ArrayBuffer>;
  /** Set when binary outputs follow the JSON. */
  headerLength?: number;
}

const encoder = new TextEncoder();

export function encodeInferResponse(head: { model: string; version: number; id?: string; parameters?: OipParams }, outputs: OipOutput[]): EncodedInferResponse {
  const parts: string[] = [`{"model_name":${quoteJson(head.model)},"model_version":${quoteJson(String(head.version))}`];
  if (head.id !== undefined) parts.push(`,"id":${quoteJson(head.id)}`);
  if (head.parameters && Object.keys(head.parameters).length > 0) parts.push(`,"parameters":${paramsJson(head.parameters)}`);
  parts.push(',"outputs":[');
  const binaries: Uint8Array[] = [];
  outputs.forEach(({ name, tensor, binary }, k) => {
    parts.push(k > 0 ? ',' : '', `{"name":${quoteJson(name)},"datatype":"${oipTypeName(tensor.dtype)}","shape":[${tensor.dims.join(',')}]`);
    if (binary) {
      const raw = tensorToRaw(tensor);
      binaries.push(raw);
      parts.push(`,"parameters":{"binary_data_size":${raw.byteLength}}}`);
    } else {
      parts.push(`,"data":[${dataJson(tensor)}]}`);
    }
  });
  parts.push(']}');
  const json = encoder.encode(parts.join(''));
  if (binaries.length === 0) return { body: json };
  const body = new Uint8Array(json.byteLength + binaries.reduce((n, b) => n + b.byteLength, 0));
  body.set(json);
  let at = json.byteLength;
  for (const b of binaries) {
    body.set(b, at);
    at += b.byteLength;
  }
  return { body, headerLength: json.byteLength };
}

/** A tensor's elements as comma-separated JSON values, row-major. */
export function dataJson(t: Tensor): string {
  const out: string[] = new Array(t.data.length);
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    switch (t.dtype) {
      case 'float32':
        out[i] = formatFloat32(d[i] as number);
        break;
      case 'float64':
        out[i] = formatFloat64(d[i] as number);
        break;
      case 'float16':
        out[i] = formatFloat32(halfToFloat(d[i] as number));
        break;
      case 'bool':
        out[i] = d[i] ? 'true' : 'false';
        break;
      case 'string':
        out[i] = quoteJson(d[i] as string);
        break;
      default:
        out[i] = String(d[i]);
    }
  }
  return out.join(',');
}

function paramsJson(p: OipParams): string {
  return `{${Object.entries(p).map(([k, v]) => `${quoteJson(k)}:${paramJson(v)}`).join(',')}}`;
}

function paramJson(v: OipParam): string {
  return typeof v === 'string' ? quoteJson(v) : String(v);
}
