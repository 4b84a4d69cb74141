/**
 * TF Serving REST conformance cases (from docs/tf-serving-compat.md), run against the bundled example
 * repository (models/). Every target's end-to-end suite runs all of them through its own
 * transport, so the API is the same everywhere. A case names the section it comes from.
 *
 * Expected `body` is compared as parsed JSON (TF Serving clients must not depend on whitespace);
 * `error` is a substring of the `{"error": ...}` message; `headers` must be present exactly.
 */
export interface ConformanceCase {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Sent as is (strings let cases send malformed JSON). */
  body?: string;
  status: number;
  body_json?: unknown;
  error?: string;
  /** Raw response text must contain these (for number formatting that JSON.parse would hide). */
  raw?: string[];
  headers?: Record<string, string>;
}

const post = (name: string, path: string, body: unknown, status: number, expect: Partial<ConformanceCase> = {}) => ({
  name,
  method: 'POST' as const,
  path,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  status,
  ...expect,
});
const get = (name: string, path: string, status: number, expect: Partial<ConformanceCase> = {}) => ({
  name,
  method: 'GET' as const,
  path,
  status,
  ...expect,
});

const P = '/v1/models/half_plus_two:predict';

export const CASES: ConformanceCase[] = [
  // 5.5 the classic examples
  post('row predict', P, { instances: [[1.0], [2.0], [5.0]] }, 200, {
    body_json: { predictions: [[2.5], [3.0], [4.5]] },
    headers: { 'x-model-name': 'half_plus_two', 'x-model-version': '1', 'content-type': 'application/json' },
  }),
  post('columnar predict', P, { inputs: [[3.0], [4.0]] }, 200, { body_json: { outputs: [[3.5], [4.0]] } }),
  post('named row input', P, { instances: [{ x: [1.0] }] }, 200, { body_json: { predictions: [[2.5]] } }),
  post('named columnar input', P, { inputs: { x: [[1.0]] } }, 200, { body_json: { outputs: [[2.5]] } }),
  post('integer literals for a float input', P, { instances: [[2]] }, 200, { raw: ['[[3.0]]'] }),
  post('NaN and Infinity in and out', P, '{"instances": [[NaN], [Infinity], [-Infinity]]}', 200, {
    raw: ['[[NaN],[Infinity],[-Infinity]]'],
  }),
  post('trailing bytes after the document are ignored', P, '{"instances": [[1.0]]}garbage', 200),
  post('explicit serving_default signature', P, { signature_name: 'serving_default', instances: [[1.0]] }, 200),
  post(
    'several inputs and outputs, int64 beyond 2^53 exact',
    '/v1/models/multi_io:predict',
    '{"instances": [{"x": [1, 2, 3.5], "ids": [9007199254740993, -9223372036854775808]}]}',
    200,
    { raw: ['"sum":6.5', '[18014398509481986,0]'] },
  ),
  post(
    'columnar with several outputs',
    '/v1/models/multi_io:predict',
    { inputs: { x: [[1, 1, 1]], ids: [[1, 2]] } },
    200,
    { body_json: { outputs: { sum: [3.0], ids_doubled: [[2, 4]] } } },
  ),
  // 4 versions and labels
  post('pinned version', '/v1/models/classifier/versions/1:predict', { instances: [[1, 2, 3, 4]] }, 200, {
    headers: { 'x-model-version': '1' },
  }),
  post('label stable', '/v1/models/classifier/labels/stable:predict', { instances: [[1, 2, 3, 4]] }, 200, {
    headers: { 'x-model-version': '1' },
  }),
  post('label canary', '/v1/models/classifier/labels/canary:predict', { instances: [[1, 2, 3, 4]] }, 200, {
    headers: { 'x-model-version': '2' },
  }),
  post('latest is the highest version', '/v1/models/classifier:predict', { instances: [[1, 2, 3, 4]] }, 200, {
    headers: { 'x-model-version': '2' },
  }),
  post('leading zeros in a version', '/v1/models/classifier/versions/0001:predict', { instances: [[1, 2, 3, 4]] }, 200, {
    headers: { 'x-model-version': '1' },
  }),
  post('case-insensitive fixed parts', '/V1/MODELS/half_plus_two:predict', { instances: [[1.0]] }, 200),
  // 6 classify / regress
  post('classify with labels file', '/v1/models/classifier/versions/1:classify', { examples: [{ inputs: [0, 0, 5, 0] }] }, 200, {
    raw: ['["virginica",'],
  }),
  post('classify with context', '/v1/models/classifier:classify', { context: { inputs: [1, 1, 1, 1] }, examples: [{}, {}] }, 200),
  post('regress', '/v1/models/regressor:regress', { examples: [{ inputs: [1.0, 2.0, 3.0] }] }, 200, {
    body_json: { results: [10.5] },
  }),
  post('classify on a model that does not fit', '/v1/models/multi_io:classify', { examples: [{ x: [1, 2, 3], ids: [1, 2] }] }, 400),
  // 7 status
  get('status lists versions, highest first', '/v1/models/classifier', 200, {
    body_json: {
      model_version_status: [
        { version: '2', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
        { version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } },
      ],
    },
  }),
  get('status of one version', '/v1/models/classifier/versions/1', 200, {
    body_json: { model_version_status: [{ version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] },
  }),
  get('status ignores labels', '/v1/models/classifier/labels/whatever', 200),
  get('status of unknown model', '/v1/models/nope', 404, { error: 'Could not find any versions of model nope' }),
  get('status of unknown version', '/v1/models/classifier/versions/9', 404, { error: 'Could not find version 9 of model classifier' }),
  // 8 metadata
  get('metadata', '/v1/models/half_plus_two/metadata', 200, {
    body_json: {
      model_spec: { name: 'half_plus_two', signature_name: '', version: '1' },
      metadata: {
        signature_def: {
          signature_def: {
            serving_default: {
              inputs: { x: { dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: '-1', name: '' }, { size: '1', name: '' }], unknown_rank: false }, name: 'x' } },
              outputs: { y: { dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: '-1', name: '' }, { size: '1', name: '' }], unknown_rank: false }, name: 'y' } },
              method_name: 'tensorflow/serving/predict',
              defaults: {},
            },
          },
        },
      },
    },
  }),
  get('metadata of a label', '/v1/models/classifier/labels/stable/metadata', 200, { raw: ['"version": "1"'] }),
  get('metadata of unknown model', '/v1/models/nope/metadata', 404, { error: 'Servable not found for request: Latest(nope)' }),
  // 10 errors
  post('unknown model', '/v1/models/nope:predict', { instances: [[1.0]] }, 404, { error: 'Servable not found for request: Latest(nope)' }),
  post('unknown version', '/v1/models/half_plus_two/versions/7:predict', { instances: [[1.0]] }, 404, {
    error: 'Servable not found for request: Specific(half_plus_two, 7)',
  }),
  post('unknown label', '/v1/models/classifier/labels/nope:predict', { instances: [['x', 'y']] }, 400, {
    error: 'Unrecognized servable version label: nope',
  }),
  post('bad JSON beats unknown model', '/v1/models/nope:predict', '{"instances": [1.0', 400, { error: 'JSON Parse error' }),
  post('empty body', P, '', 400, { error: 'JSON Parse error: The document is empty' }),
  post('both instances and inputs', P, { instances: [[1]], inputs: [[1]] }, 400, { error: 'Not formatted correctly' }),
  post('neither instances nor inputs', P, { foo: 1 }, 400, { error: "Missing 'inputs' or 'instances' key" }),
  post('empty instances', P, { instances: [] }, 400, { error: "No values in 'instances' array" }),
  post('signature_name not a string', P, { signature_name: 1, instances: [[1]] }, 400, {
    error: "'signature_name' key must be a string value.",
  }),
  post('unknown signature', P, { signature_name: 'nope', instances: [[1]] }, 400, {
    error: 'Serving signature name: "nope" not found in signature def',
  }),
  post('ragged rows', P, { instances: [[1.0], [1.0, 2.0]] }, 400, { error: 'Expecting tensor size' }),
  post('wrong dtype', P, { instances: [['a']] }, 400, { error: 'not of expected type: float' }),
  post('unknown input name', P, { instances: [{ nope: [1.0] }] }, 400, { error: 'does not have named input: nope' }),
  post('missing named input', '/v1/models/multi_io:predict', { inputs: { x: [[1, 2, 3]] } }, 400, {
    error: "Missing named input: ids in 'inputs' object.",
  }),
  post('row format needs objects for several inputs', '/v1/models/multi_io:predict', { instances: [[1, 2, 3]] }, 400, {
    error: 'expecting list of objects',
  }),
  post('wrong non-batch shape is a clear 400 from the runtime', P, { instances: [[1.0, 2.0]] }, 400),
  post('deep nesting', P, '{"instances": ' + '['.repeat(100000) + ']'.repeat(100000) + '}', 400),
  post('invalid base64', P, { instances: [{ b64: '!!!' }] }, 400),
  get('GET on a verb path is malformed', '/v1/models/half_plus_two:predict', 400, { error: 'Malformed request' }),
  post('POST on a status path is malformed', '/v1/models/half_plus_two', {}, 400, { error: 'Malformed request' }),
  { name: 'PUT is malformed', method: 'PUT', path: '/v1/models/half_plus_two', status: 400, error: 'Malformed request' },
  post('verb is case-sensitive', '/v1/models/half_plus_two:PREDICT', { instances: [[1.0]] }, 400, { error: 'Malformed request' }),
  get('missing model name', '/v1/models', 400, { error: 'Missing model name in request.' }),
  post('dot-dot model name cannot escape', '/v1/models/..%2F..%2Fetc:predict', { instances: [[1.0]] }, 404),
  post('encoded slash in model name', '/v1/models/half_plus_two%2F..%2Fclassifier:predict', { instances: [[1.0]] }, 404),
  get('version overflowing int64 gives an empty 400', '/v1/models/half_plus_two/versions/99999999999999999999', 400),
  get('path outside /v1 and /v2 (OIP) is 404', '/v3/models/half_plus_two', 404),
];
