/**
 * Open Inference Protocol (KServe v2) REST conformance cases, after the spec's own examples
 * (kserve/open-inference-protocol specification/protocol/inference_rest.md: health, server and
 * model metadata, model ready, inference with flat or nested data, requested outputs, id,
 * parameters, `{"error"}` bodies) and Triton's binary tensor data extension, run against the
 * bundled example repository (models/) on every target (oip-run.ts), as cases.ts is for TF
 * Serving's API. `bytes`: the exact response body; `json`: compared parsed; `error`: a substring
 * of the `{"error"}` message (every 4xx/5xx must have that shape and nothing else).
 */
export interface OipCase {
  name: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  status: number;
  json?: unknown;
  error?: string;
  raw?: string[];
  bytes?: Uint8Array;
  responseHeaders?: Record<string, string>;
}

const get = (name: string, path: string, status: number, more: Partial<OipCase> = {}): OipCase => ({ name, method: 'GET', path, status, ...more });
const infer = (name: string, path: string, body: unknown, status: number, more: Partial<OipCase> = {}): OipCase => ({
  name,
  method: 'POST',
  path,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  status,
  ...more,
});

const H = '/v2/models/half_plus_two';
const X = (data: unknown, shape = [3, 1], datatype = 'FP32') => ({ inputs: [{ name: 'x', shape, datatype, data }] });
const Y = (data: number[], shape = [3, 1]) => ({ model_name: 'half_plus_two', model_version: '1', outputs: [{ name: 'y', datatype: 'FP32', shape, data }] });

const utf8 = new TextEncoder();
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
};
const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);
const i64 = (...v: bigint[]) => new Uint8Array(new BigInt64Array(v).buffer);

// Triton's binary extension, by hand: FP32 x as 12 raw bytes after the JSON, INT64 ids as JSON;
// "sum" comes back binary (4 bytes after the JSON), ids_doubled as JSON, in the order requested.
const BINARY_HEAD = utf8.encode(
  JSON.stringify({
    inputs: [
      { name: 'x', shape: [1, 3], datatype: 'FP32', parameters: { binary_data_size: 12 } },
      { name: 'ids', shape: [1, 2], datatype: 'INT64', parameters: { binary_data_size: 16 } },
    ],
    outputs: [{ name: 'sum', parameters: { binary_data: true } }, { name: 'ids_doubled', parameters: { binary_data: false } }],
  }),
);
const BINARY_RESPONSE_HEAD = utf8.encode(
  '{"model_name":"multi_io","model_version":"1","outputs":[{"name":"sum","datatype":"FP32","shape":[1],"parameters":{"binary_data_size":4}},' +
    '{"name":"ids_doubled","datatype":"INT64","shape":[1,2],"data":[-14,18014398509481986]}]}',
);
function binaryCase(name: string, head: string, raw: Uint8Array, status: number, error: string): OipCase {
  const json = utf8.encode(head);
  return { name, method: 'POST', path: `${H}/infer`, headers: { 'inference-header-content-length': String(json.byteLength) }, body: concat(json, raw), status, error };
}
const ALL_BINARY_HEAD = utf8.encode(JSON.stringify({ parameters: { binary_data_output: true }, inputs: [{ name: 'x', shape: [2, 1], datatype: 'FP32', data: [1, 2] }] }));

export const OIP_CASES: OipCase[] = [
  // health and metadata
  get('server live', '/v2/health/live', 200, { json: { live: true } }),
  get('server ready', '/v2/health/ready', 200, { json: { ready: true } }),
  get('server metadata', '/v2', 200, { json: { name: 'edgeserve', version: '0.1.0', extensions: ['binary_tensor_data'] } }),
  get('model ready', `${H}/ready`, 200, { json: { name: 'half_plus_two', ready: true } }),
  get('model version ready', `${H}/versions/1/ready`, 200, { json: { name: 'half_plus_two', ready: true } }),
  get('model metadata', H, 200, {
    json: {
      name: 'half_plus_two',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 1] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
    },
  }),
  get('model version metadata', `${H}/versions/1`, 200, { raw: ['"name":"half_plus_two"', '"datatype":"FP32"'] }),
  get('metadata of a label names its version\'s tensors', '/v2/models/classifier/labels/stable', 200, { raw: ['"inputs":[{"name":"inputs","datatype":"FP32","shape":[-1,4]}]'] }),
  get('metadata of an unknown model', '/v2/models/nope', 404, { error: 'nope' }),
  get('ready of an unknown model', '/v2/models/nope/ready', 404, { error: 'nope' }),
  get('ready of an unknown version', `${H}/versions/9/ready`, 404, { error: 'half_plus_two, 9' }),
  // inference: the spec's request and response objects
  infer('infer, flat data', `${H}/infer`, X([1, 2, 5]), 200, {
    json: Y([2.5, 3, 4.5]),
    responseHeaders: { 'content-type': 'application/json', 'x-model-version': '1' },
  }),
  infer('infer, nested data', `${H}/infer`, X([[1], [2], [5]]), 200, { json: Y([2.5, 3, 4.5]) }),
  infer('infer echoes id and takes parameters', `${H}/infer`, { id: '42', parameters: { priority: 1 }, ...X([1, 2, 5]), outputs: [{ name: 'y' }] }, 200, {
    json: { ...Y([2.5, 3, 4.5]), id: '42' },
  }),
  infer('infer on a pinned version', `${H}/versions/1/infer`, X([1], [1, 1]), 200, { json: Y([2.5], [1, 1]) }),
  infer('floats print as TF Serving prints them', `${H}/infer`, X([0.1], [1, 1]), 200, { raw: ['"data":[2.05]'] }),
  infer(
    'several inputs and outputs, int64 beyond 2^53 exact',
    '/v2/models/multi_io/infer',
    '{"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[1,2,3.5]},{"name":"ids","shape":[1,2],"datatype":"INT64","data":[9007199254740993,0]}]}',
    200,
    { raw: ['{"name":"sum","datatype":"FP32","shape":[1],"data":[6.5]}', '"data":[18014398509481986,0]'] },
  ),
  infer('requested outputs only, in the order asked', '/v2/models/multi_io/infer', {
    inputs: [
      { name: 'ids', shape: [1, 2], datatype: 'INT64', data: [1, 2] },
      { name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 1, 1] },
    ],
    outputs: [{ name: 'ids_doubled' }],
  }, 200, { json: { model_name: 'multi_io', model_version: '1', outputs: [{ name: 'ids_doubled', datatype: 'INT64', shape: [1, 2], data: [2, 4] }] } }),
  infer('label stable', '/v2/models/classifier/labels/stable/infer', { inputs: [{ name: 'inputs', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }, 200, {
    responseHeaders: { 'x-model-version': '1' },
    raw: ['"model_version":"1"'],
  }),
  infer('label canary', '/v2/models/classifier/labels/canary/infer', { inputs: [{ name: 'inputs', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }, 200, {
    raw: ['"model_version":"2"'],
  }),
  infer('latest is the highest version', '/v2/models/classifier/infer', { inputs: [{ name: 'inputs', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }, 200, {
    raw: ['"model_version":"2"'],
  }),
  // the binary tensor data extension
  {
    name: 'binary inputs and a binary output, byte-exact',
    method: 'POST',
    path: '/v2/models/multi_io/infer',
    headers: { 'inference-header-content-length': String(BINARY_HEAD.byteLength), 'content-type': 'application/octet-stream' },
    body: concat(BINARY_HEAD, f32(1, 2, 3.5), i64(-7n, 9007199254740993n)),
    status: 200,
    bytes: concat(BINARY_RESPONSE_HEAD, f32(6.5)),
    responseHeaders: { 'inference-header-content-length': String(BINARY_RESPONSE_HEAD.byteLength), 'content-type': 'application/octet-stream' },
  },
  {
    name: 'binary_data_output makes every output binary',
    method: 'POST',
    path: `${H}/infer`,
    headers: { 'inference-header-content-length': String(ALL_BINARY_HEAD.byteLength) },
    body: ALL_BINARY_HEAD,
    status: 200,
    bytes: concat(utf8.encode('{"model_name":"half_plus_two","model_version":"1","outputs":[{"name":"y","datatype":"FP32","shape":[2,1],"parameters":{"binary_data_size":8}}]}'), f32(2.5, 3)),
  },
  binaryCase('binary data shorter than its shape', '{"inputs":[{"name":"x","shape":[2,1],"datatype":"FP32","parameters":{"binary_data_size":4}}]}', f32(1), 400, '4 bytes of raw data'),
  binaryCase('binary_data_size past the end of the body', '{"inputs":[{"name":"x","shape":[1,1],"datatype":"FP32","parameters":{"binary_data_size":4}}]}', new Uint8Array(0), 400, 'runs past the end'),
  binaryCase('binary data claimed by no input', JSON.stringify(X([1], [1, 1])), f32(1), 400, 'claimed by no input'),
  // Triton's raw binary request: Inference-Header-Content-Length 0, the body is the one input's data.
  {
    name: 'raw binary request: the body is the one input, its shape deduced from its size',
    method: 'POST',
    path: `${H}/infer`,
    headers: { 'inference-header-content-length': '0' },
    body: f32(1, 2, 5),
    status: 200,
    json: Y([2.5, 3, 4.5]),
  },
  {
    name: 'raw binary request: a size that is no whole number of rows',
    method: 'POST',
    path: `${H}/infer`,
    headers: { 'inference-header-content-length': '0' },
    body: new Uint8Array(5),
    status: 400,
    error: '5 bytes are not a whole number of FP32 rows of input',
  },
  {
    name: 'raw binary request: a model with two inputs needs the JSON header',
    method: 'POST',
    path: '/v2/models/multi_io/infer',
    headers: { 'inference-header-content-length': '0' },
    body: f32(1, 2, 3),
    status: 400,
    error: 'is for a model with one input; this one has 2',
  },
  {
    name: 'Inference-Header-Content-Length past the body',
    method: 'POST',
    path: `${H}/infer`,
    headers: { 'inference-header-content-length': '999' },
    body: JSON.stringify(X([1], [1, 1])),
    status: 400,
    error: 'does not fit a body',
  },
  // errors: {"error": ...} with the status of the canonical code
  infer('unknown model', '/v2/models/nope/infer', X([1]), 404, { error: 'nope' }),
  infer('unknown version', `${H}/versions/9/infer`, X([1]), 404, { error: '9' }),
  infer('version that is not a number', `${H}/versions/v1/infer`, X([1]), 400, { error: 'not a version number' }),
  infer('unknown label', '/v2/models/classifier/labels/nope/infer', X([1]), 400, { error: 'nope' }),
  infer('datatype mismatch', `${H}/infer`, X([1, 2, 5], [3, 1], 'FP64'), 400, { error: 'datatype FP64 does not match the model\'s FP32' }),
  infer('unsupported datatype', `${H}/infer`, X([1, 2, 5], [3, 1], 'BF16'), 400, { error: 'unsupported datatype' }),
  infer('data does not fill the shape', `${H}/infer`, X([1, 2]), 400, { error: 'has 3 elements but "data" holds 2' }),
  infer('data overflows the shape', `${H}/infer`, X([1, 2, 3, 4]), 400, { error: 'has 3 elements' }),
  infer('shape does not fit the signature', `${H}/infer`, X([1, 2, 3], [1, 3]), 400, { error: 'does not match the signature' }),
  infer('wrong JSON type in data', `${H}/infer`, X(['a', 'b', 'c']), 400, { error: 'is not of expected type' }),
  infer('missing input', '/v2/models/multi_io/infer', { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 1, 1] }] }, 400, { error: 'missing: ids' }),
  infer('unexpected input', `${H}/infer`, { inputs: [{ name: 'z', shape: [1], datatype: 'FP32', data: [1] }] }, 400, { error: 'unexpected inference input z' }),
  infer('unknown requested output', `${H}/infer`, { ...X([1, 2, 5]), outputs: [{ name: 'nope' }] }, 400, { error: 'unexpected inference output nope' }),
  infer('inputs missing', `${H}/infer`, {}, 400, { error: '"inputs" must be an array' }),
  infer('malformed JSON', `${H}/infer`, '{"inputs": [', 400),
  infer('GET on infer', `${H}/infer`, undefined, 405, { method: 'GET' as const, body: undefined, error: 'use POST' }),
  infer('POST on metadata', H, X([1]), 405, { error: 'use GET' }),
  get('unknown /v2 path', '/v2/repository/index', 404, { error: 'No such Open Inference Protocol path' }),
];

/** Model, version and inputs for which both APIs must print the same outputs (oip-run.ts). */
export const SAME_AS_TF: { tf: string; oip: string; instances: string; inputs: object[] }[] = [
  { tf: '/v1/models/half_plus_two:predict', oip: `${H}/infer`, instances: '{"inputs":{"x":[[0.1],[2],[-3.3]]}}', inputs: [{ name: 'x', shape: [3, 1], datatype: 'FP32', data: [0.1, 2, -3.3] }] },
  {
    tf: '/v1/models/classifier/versions/1:predict',
    oip: '/v2/models/classifier/versions/1/infer',
    instances: '{"inputs":{"inputs":[[1,2,3,4],[0.5,-1,2,0]]}}',
    inputs: [{ name: 'inputs', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4, 0.5, -1, 2, 0] }],
  },
  {
    tf: '/v1/models/classifier/labels/canary:predict',
    oip: '/v2/models/classifier/labels/canary/infer',
    instances: '{"inputs":{"inputs":[[1,2,3,4]]}}',
    inputs: [{ name: 'inputs', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }],
  },
  { tf: '/v1/models/regressor:predict', oip: '/v2/models/regressor/infer', instances: '{"inputs":{"inputs":[[1,2,3],[-0.1,0.2,0.001]]}}', inputs: [{ name: 'inputs', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, -0.1, 0.2, 0.001] }] },
];
