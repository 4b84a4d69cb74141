import { invalidArgument, quoted } from '../../errors.ts';
import { oipTypeName } from '../dtypes.ts';
import { elementCount, type Signature } from '../tensor.ts';
import { itemBytes } from './raw.ts';
import { parseJson } from '../json/parse.ts';
import { JsonDouble, type JsonObject, type JsonValue } from '../json/value.ts';

/**
 * An Open Inference Protocol inference request, transport-neutral: REST JSON (with or without
 * Triton's binary tensor data extension) and gRPC ModelInferRequest both become this. An input
 * carries either `data` (JSON tensor data, flat or nested, or gRPC contents as a flat list) or
 * `raw` (raw bytes, see raw.ts). Parameters keep their JSON scalar values.
 */
export type OipParam = string | number | boolean | bigint;
export type OipParams = Record<string, OipParam>;

export interface OipInput {
  name: string;
  datatype: string;
  shape: number[];
  parameters: OipParams;
  data?: JsonValue;
  raw?: Uint8Array;
}

export interface OipRequestedOutput {
  name: string;
  parameters: OipParams;
}

export interface OipRequest {
  id?: string;
  parameters: OipParams;
  inputs: OipInput[];
  /** Absent: every output of the model, with default settings. */
  outputs?: OipRequestedOutput[];
  /** Triton's raw binary request (Inference-Header-Content-Length: 0): the body is the model's one input's data (rawBinaryInput). */
  rawBody?: Uint8Array;
}

/** The `Inference-Header-Content-Length` header of the binary tensor data extension. */
export const HEADER_LENGTH = 'inference-header-content-length';

/**
 * Reads a REST inference body. `headerLength` (from the header above) says how many leading bytes
 * are the JSON; the rest are the binary tensors, taken in order by the inputs whose parameters
 * carry `binary_data_size`. Without it the whole body is JSON and no input may be binary. A length
 * of 0 is Triton's raw binary request: no JSON, the body is one input's data (rawBinaryInput).
 */
export function readInferBody(body: Uint8Array, headerLength: number | undefined): OipRequest {
  if (headerLength === 0) return { parameters: Object.create(null), inputs: [], rawBody: body };
  const jsonEnd = headerLength ?? body.byteLength;
  if (!Number.isSafeInteger(jsonEnd) || jsonEnd < 0 || jsonEnd > body.byteLength) {
    throw invalidArgument(`Inference-Header-Content-Length ${headerLength} does not fit a body of ${body.byteLength} bytes`);
  }
  const doc = parseJson(new TextDecoder().decode(body.subarray(0, jsonEnd)));
  const request = requestFromJson(doc);
  let at = jsonEnd;
  for (const input of request.inputs) {
    const size = input.parameters.binary_data_size;
    if (size === undefined) continue;
    delete input.parameters.binary_data_size;
    const n = Number(size);
    if (!Number.isSafeInteger(n) || n < 0) throw invalidArgument(`input ${quoted(input.name)}: binary_data_size must be a non-negative integer`);
    if (at + n > body.byteLength) throw invalidArgument(`input ${quoted(input.name)}: binary_data_size ${n} runs past the end of the body`);
    if (input.data !== undefined) throw invalidArgument(`input ${quoted(input.name)}: give either "data" or binary_data_size, not both`);
    input.raw = body.subarray(at, at + n);
    at += n;
  }
  if (at !== body.byteLength) throw invalidArgument(`${body.byteLength - at} bytes of binary data after the JSON are claimed by no input's binary_data_size`);
  return request;
}

/**
 * The one input of Triton's raw binary request, from the model's signature: its name and datatype,
 * and its shape with the one variable dimension (if any) deduced from the body's size, as Triton
 * does; a BYTES input takes the whole body as one element (an encoded image, a text). A model with
 * several inputs, or a shape the size cannot decide, needs the JSON header: INVALID_ARGUMENT says so.
 */
export function rawBinaryInput(body: Uint8Array, signature: Signature): OipInput {
  const why = 'a raw binary request (Inference-Header-Content-Length: 0)';
  if (signature.inputs.length !== 1) {
    throw invalidArgument(`${why} is for a model with one input; this one has ${signature.inputs.length} (${signature.inputs.map((s) => s.name).join(', ')}): send the JSON inference header`);
  }
  const [{ name, dtype, dims }] = signature.inputs;
  const datatype = oipTypeName(dtype);
  const known = dims ?? [-1];
  if (dtype === 'string') {
    const shape = known.map((d) => (d < 0 ? 1 : d));
    if (elementCount(shape) !== 1) throw invalidArgument(`${why}: input ${quoted(name)} takes ${elementCount(shape)} BYTES elements; the body is one`);
    const raw = new Uint8Array(4 + body.byteLength);
    new DataView(raw.buffer).setUint32(0, body.byteLength, true);
    raw.set(body, 4);
    return { name, datatype, shape, parameters: Object.create(null), raw };
  }
  const item = itemBytes(dtype);
  const variable = known.filter((d) => d < 0).length;
  const fixed = elementCount(known.filter((d) => d >= 0));
  const count = body.byteLength / item;
  if (variable > 1) throw invalidArgument(`${why}: input ${quoted(name)} is [${known.join(', ')}], with more than one variable dimension: send the JSON inference header`);
  if (!Number.isInteger(count) || (variable === 1 && (fixed === 0 || count % fixed !== 0))) {
    throw invalidArgument(`${why}: ${body.byteLength} bytes are not a whole number of ${datatype} rows of input ${quoted(name)} [${known.join(', ')}]`);
  }
  const shape = known.map((d) => (d < 0 ? count / fixed : d));
  return { name, datatype, shape, parameters: Object.create(null), raw: body };
}

function requestFromJson(doc: JsonValue): OipRequest {
  const o = object(doc, 'the request body');
  const inputs = o.get('inputs');
  if (!Array.isArray(inputs)) throw invalidArgument('"inputs" must be an array of input tensors');
  const request: OipRequest = { parameters: params(o.get('parameters'), 'parameters'), inputs: inputs.map(inputFromJson) };
  const id = o.get('id');
  if (id !== undefined) request.id = string(id, '"id"');
  const outputs = o.get('outputs');
  if (outputs !== undefined) {
    if (!Array.isArray(outputs)) throw invalidArgument('"outputs" must be an array');
    request.outputs = outputs.map((v) => {
      const out = object(v, 'a requested output');
      const name = string(out.get('name'), 'a requested output\'s "name"');
      return { name, parameters: params(out.get('parameters'), `output ${name}: parameters`) };
    });
  }
  return request;
}

function inputFromJson(v: JsonValue): OipInput {
  const o = object(v, 'an input tensor');
  const name = string(o.get('name'), 'an input\'s "name"');
  const shape = o.get('shape');
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw invalidArgument(`input ${quoted(name)}: "shape" must be an array of non-negative integers`);
  }
  const input: OipInput = {
    name,
    datatype: string(o.get('datatype'), `input ${name}: "datatype"`),
    shape: shape as number[],
    parameters: params(o.get('parameters'), `input ${name}: parameters`),
  };
  if (o.has('data')) input.data = o.get('data');
  return input;
}

function object(v: JsonValue | undefined, what: string): JsonObject {
  if (!(v instanceof Map)) throw invalidArgument(`${what} must be a JSON object`);
  return v;
}

function string(v: JsonValue | undefined, what: string): string {
  if (typeof v !== 'string') throw invalidArgument(`${what} must be a string`);
  return v;
}

function params(v: JsonValue | undefined, what: string): OipParams {
  const out: OipParams = Object.create(null);
  if (v === undefined) return out;
  for (const [k, value] of object(v, what)) {
    if (value instanceof JsonDouble) out[k] = value.value;
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') out[k] = value;
    else throw invalidArgument(`${what}: "${quoted(k)}" must be a string, number or boolean`);
  }
  return out;
}
