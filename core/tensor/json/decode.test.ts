import { describe, expect, it } from 'vitest';
import { TensorBudget } from '../budget.ts';
import { decodeInputs, readPredictBody } from './decode.ts';
import { parseJson } from './parse.ts';
import type { DType, Tensor, TensorSpec } from '../tensor.ts';
import { servingErrorMessage } from '../../../test/support/thrown.ts';

const spec = (name: string, dtype: DType = 'float32', dims: number[] | null = null): TensorSpec => ({ name, dtype, dims });

function decode(text: string, ...inputs: TensorSpec[]): Record<string, Tensor> {
  return decodeInputs(readPredictBody(parseJson(text)), { inputs, outputs: [] });
}

const failure = (run: () => unknown): string => servingErrorMessage(run);

const decodeError = (text: string, ...inputs: TensorSpec[]) => failure(() => decode(text, ...inputs));
const x = spec('x');

describe('readPredictBody', () => {
  it('reads the signature name and format', () => {
    const row = readPredictBody(parseJson('{"instances": [1]}'));
    expect(row.signatureName).toBe('serving_default');
    expect(row.format).toBe('row');
    const col = readPredictBody(parseJson('{"signature_name": "sig", "inputs": [1]}'));
    expect(col.signatureName).toBe('sig');
    expect(col.format).toBe('columnar');
  });

  it('requires an object at the top level', () => {
    expect(failure(() => readPredictBody(parseJson('[1, 2.5]')))).toBe('JSON Value: [1,2.5] Is not object');
  });

  it('requires signature_name to be a string', () => {
    expect(failure(() => readPredictBody(parseJson('{"signature_name": 1, "instances": [1]}')))).toBe(
      'JSON Value: {"signature_name":1,"instances":[1]} not formatted correctly. \'signature_name\' key must be a string value.',
    );
  });

  it('leaves the instances/inputs checks to decodeInputs (after the model lookup, as TF does)', () => {
    const body = readPredictBody(parseJson('{"instances": [1], "inputs": [1]}'));
    expect(failure(() => decodeInputs(body, { inputs: [x], outputs: [] }))).toBe(
      'JSON Value: {"instances":[1],"inputs":[1]} Not formatted correctly expecting only one of \'inputs\' or \'instances\' keys to exist ',
    );
  });
});

describe('decodeInputs: request shape', () => {
  it.each([
    ['{"foo": 1}', "Missing 'inputs' or 'instances' key"],
    ['{"instances": 1}', 'JSON Value: {"instances":1} Expecting \'instances\' to be an list/array'],
    ['{"instances": []}', 'JSON Value: {"instances":[]} No values in \'instances\' array'],
  ])('%s', (text, message) => {
    expect(decodeError(text, x)).toBe(message);
  });

  it('needs a signature with inputs', () => {
    expect(decodeError('{"instances": [1]}')).toBe('Failed to get input map for signature: serving_default');
  });

  it('cuts long values short in messages', () => {
    const big = JSON.stringify(Array.from({ length: 10000 }, (_, i) => i));
    const message = decodeError(`{"pad": ${big}, "instances": 1}`, x);
    expect(message.length).toBeLessThan(2100);
    expect(message).toMatch(/^JSON Value: \{"pad":\[0,1,2,.*\.\.\. Expecting 'instances' to be an list\/array$/);
  });
});

describe('decodeInputs: row format', () => {
  it('batches rows (half_plus_two)', () => {
    const t = decode('{"instances": [[1.0, 2.0], [3.0, 4.0]]}', x).x;
    expect(t).toEqual({ dtype: 'float32', dims: [2, 2], data: new Float32Array([1, 2, 3, 4]) });
  });

  it('batches scalars and empty rows', () => {
    expect(decode('{"instances": [1, 2, 3]}', x).x.dims).toEqual([3]);
    expect(decode('{"instances": [[], []]}', x).x).toEqual({ dtype: 'float32', dims: [2, 0], data: new Float32Array(0) });
  });

  it('does not check declared input shapes', () => {
    expect(decode('{"instances": [[1, 2]]}', spec('x', 'float32', [-1, 3])).x.dims).toEqual([1, 2]);
  });

  it('reads objects for several inputs', () => {
    const out = decode(
      '{"instances": [{"a": [1, 2], "b": "x"}, {"b": "y", "a": [3, 4]}]}',
      spec('a', 'int32'),
      spec('b', 'string'),
    );
    expect(out.a).toEqual({ dtype: 'int32', dims: [2, 2], data: new Int32Array([1, 2, 3, 4]) });
    expect(out.b).toEqual({ dtype: 'string', dims: [2], data: ['x', 'y'] });
  });

  it('accepts named rows for a single input, and b64 values as rows', () => {
    expect(decode('{"instances": [{"x": [1]}, {"x": [2]}]}', x).x.data).toEqual(new Float32Array([1, 2]));
    const s = decode('{"instances": [{"b64": "aGVsbG8="}, "plain"]}', spec('s', 'string')).s;
    expect(s).toEqual({ dtype: 'string', dims: [2], data: ['hello', 'plain'] });
    const named = decode('{"instances": [{"img": {"b64": "w6k="}, "k": 1}]}', spec('img', 'string'), spec('k', 'int64'));
    expect(named.img.data).toEqual(['é']);
    expect(named.k.data).toEqual(new BigInt64Array([1n]));
  });

  it('feeds only the first input from plain rows that start with a b64 value', () => {
    const out = decode('{"instances": [{"b64": "aGk="}]}', spec('s', 'string'), spec('t', 'string'));
    expect(out).toEqual({ s: { dtype: 'string', dims: [1], data: ['hi'] } });
  });

  it.each([
    [
      '{"instances": [[1], [2]]}',
      'instances is a plain list, but expecting list of objects as multiple input tensors required as per tensorinfo_map',
    ],
    ['{"instances": [{"a": 1, "b": 2}, [1]]}', 'Expecting object but got list at item 1 of input list'],
    [
      '{"instances": [{"a": 1, "c": 2}]}',
      "Failed to process element: 0 key: c of 'instances' list. Error: INVALID_ARGUMENT: JSON object: does not have named input: c",
    ],
    [
      '{"instances": [{"a": 1, "b": 1}, {"a": 1}]}',
      'Failed to process element: 1 of \'instances\' list. JSON object: {"a":1} keys must be equal to: a,b',
    ],
    [
      '{"instances": [{"a": 1, "b": [1]}, {"a": 1, "b": [1, 2]}]}',
      "Failed to process element: 1 key: b of 'instances' list. Error: INVALID_ARGUMENT: Expecting tensor size: 1 but got: 2",
    ],
  ])('several inputs: %s', (text, message) => {
    expect(decodeError(text, spec('a'), spec('b'))).toBe(message);
  });

  it('names the keys a row must have in sorted order, whatever the signature order', () => {
    expect(decodeError('{"instances": [{"b": 1}]}', spec('b'), spec('a'))).toBe(
      'Failed to process element: 0 of \'instances\' list. JSON object: {"b":1} keys must be equal to: a,b',
    );
  });

  it.each([
    ['[[1], {"x": 1}]', 'Expecting value/list but got object at item 1 of input list'],
    ['[[1, 2], [3]]', 'Expecting tensor size: 2 but got: 1'],
    ['[[1, 2], [[3, 4]]]', 'Expecting shape [2] but got: [1,2]'],
    ['[1, [1]]', 'Expecting shape [] but got: [1]'],
    ['[[[1, 2], [3]]]', 'Encountered list at unexpected size: 1 at level: 1 expected size: 2'],
    ['[[1, "a"]]', 'JSON Value: "a" Type: String is not of expected type: float'],
    ['[[true], [1, 2]]', 'JSON Value: true Type: True is not of expected type: float'],
    ['[[1], [null]]', 'JSON Value: null Type: Null is not of expected type: float'],
    ['[{"b64": "AA=="}]', 'JSON Value: {"b64":"AA=="} Type: Object is not of expected type: float'],
  ])('one input: %s', (instances, inner) => {
    const message = decodeError(`{"instances": ${instances}}`, x);
    if (inner.startsWith('Expecting value/list')) expect(message).toBe(inner);
    else expect(message).toMatch(/^Failed to process element: \d of 'instances' list\. Error: INVALID_ARGUMENT: /);
    expect(message.endsWith(inner)).toBe(true);
  });

  it('reports the row TF reports first', () => {
    expect(decodeError('{"instances": [[1, 2], [true, 2], [3]]}', x)).toBe(
      "Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT: JSON Value: true Type: True is not of expected type: float",
    );
    expect(decodeError('{"instances": [[1, 2], [1, 2], [true]]}', x)).toBe(
      "Failed to process element: 2 of 'instances' list. Error: INVALID_ARGUMENT: JSON Value: true Type: True is not of expected type: float",
    );
  });
});

describe('decodeInputs: columnar format', () => {
  it('reads a plain value for one input', () => {
    expect(decode('{"inputs": [3.0, 4.0]}', x).x).toEqual({ dtype: 'float32', dims: [2], data: new Float32Array([3, 4]) });
    expect(decode('{"inputs": 3.5}', x).x).toEqual({ dtype: 'float32', dims: [], data: new Float32Array([3.5]) });
    expect(decode('{"inputs": []}', x).x).toEqual({ dtype: 'float32', dims: [0], data: new Float32Array(0) });
    expect(decode('{"inputs": {"b64": "aGk="}}', spec('s', 'string')).s).toEqual({ dtype: 'string', dims: [], data: ['hi'] });
  });

  it('reads an object of inputs, ignoring extra keys, with no batch agreement', () => {
    const out = decode('{"inputs": {"a": [1], "b": [[1, 2], [3, 4]], "extra": true}}', spec('a'), spec('b', 'int64'));
    expect(out.a.dims).toEqual([1]);
    expect(out.b).toEqual({ dtype: 'int64', dims: [2, 2], data: new BigInt64Array([1n, 2n, 3n, 4n]) });
    expect(Object.keys(out)).toEqual(['a', 'b']);
  });

  it.each([
    ['{"inputs": {"a": [1]}}', "Missing named input: b in 'inputs' object."],
    [
      '{"inputs": [1]}',
      'inputs is a plain value/list, but expecting an object as multiple input tensors required as per tensorinfo_map',
    ],
  ])('%s', (text, message) => {
    expect(decodeError(text, spec('a'), spec('b'))).toBe(message);
  });

  it.each([
    ['[[1, 2], [3]]', 'Encountered list at unexpected size: 1 at level: 1 expected size: 2'],
    ['[[1], [[2]]]', 'Encountered list at unexpected level: 2 expected < 2'],
    ['[[1], 2]', 'JSON Value: 2 found at incorrect level: 2 in the JSON DOM. Expected at level: 2'],
    ['[[1.5], [true]]', 'JSON Value: true Type: True is not of expected type: float'],
  ])('does not wrap errors: %s', (inputs, message) => {
    expect(decodeError(`{"inputs": ${inputs}}`, x)).toBe(message);
  });

  it('charges every input to the tensor budget before allocating it', () => {
    const body = (text: string) => readPredictBody(parseJson(text));
    const one = { inputs: [spec('x', 'float64')], outputs: [] };
    const two = { inputs: [spec('a', 'int32'), spec('b', 'int8')], outputs: [] };
    expect(decodeInputs(body('{"inputs": [1, 2]}'), one, new TensorBudget(16)).x.dims).toEqual([2]);
    expect(failure(() => decodeInputs(body('{"inputs": [1, 2, 3]}'), one, new TensorBudget(16)))).toBe(
      'input x: tensor_shape [3] needs 24 bytes; one request may allocate 16 bytes in all (--max_tensor_bytes)',
    );
    expect(failure(() => decodeInputs(body('{"inputs": {"a": [1, 2], "b": [1, 2, 3]}}'), two, new TensorBudget(10)))).toBe(
      'input b: tensor_shape [3] needs 3 bytes; one request may allocate 10 bytes in all (8 taken by other inputs) (--max_tensor_bytes)',
    );
    // Rows are charged as the batched tensor they make: two rows of two float64s are 32 bytes.
    expect(decodeInputs(body('{"instances": [[1, 2], [3, 4]]}'), one, new TensorBudget(32)).x.dims).toEqual([2, 2]);
    expect(failure(() => decodeInputs(body('{"instances": [[1, 2], [3, 4]]}'), one, new TensorBudget(31)))).toBe(
      'input x: tensor_shape [2,2] needs 32 bytes; one request may allocate 31 bytes in all (--max_tensor_bytes)',
    );
  });

  it('does not allocate the shape claimed by first elements before checking the value', () => {
    // First elements claim [20000, 20000, 20000] (8e12 values); the rest of the value is scalars.
    const level = (inner: string) => `[${inner}${',1'.repeat(19999)}]`;
    const text = `{"inputs": ${level(level(level('1')))}}`;
    expect(decodeError(text, x)).toBe('JSON Value: 1 found at incorrect level: 3 in the JSON DOM. Expected at level: 3');
    expect(decodeError(`{"instances": [${level(level('1'))}]}`, x)).toMatch(/found at incorrect level: 2/);
  });
});

describe('decodeInputs: leaf conversions', () => {
  const one = (dtype: DType, values: string) => decode(`{"inputs": [${values}]}`, spec('v', dtype)).v.data;
  const oneError = (dtype: DType, values: string) => decodeError(`{"inputs": [${values}]}`, spec('v', dtype));

  it('rounds float32 and keeps NaN / Infinity', () => {
    const data = one('float32', '1435774380, 1435774380.0, 0.1, NaN, -Infinity, 1e39, 1e-50, 12345678901234567890') as Float32Array;
    expect(Array.from(data)).toEqual([1435774336, 1435774336, Math.fround(0.1), NaN, -Infinity, Infinity, 0, Math.fround(12345678901234567890)]);
    expect(oneError('float32', '"1"')).toBe('JSON Value: "1" Type: String is not of expected type: float');
  });

  it('keeps float64 exact and stores float16 as half bits', () => {
    expect(one('float64', '0.1, 1')).toEqual(new Float64Array([0.1, 1]));
    expect(one('float16', '1, 0.1, -2, Infinity')).toEqual(new Uint16Array([0x3c00, 0x2e66, 0xc000, 0x7c00]));
    expect(oneError('float16', 'false')).toBe('JSON Value: false Type: False is not of expected type: half');
  });

  it('keeps int64 and uint64 exact', () => {
    expect(one('int64', '9223372036854775807, -9223372036854775808, 9007199254740993, -1')).toEqual(
      new BigInt64Array([9223372036854775807n, -9223372036854775808n, 9007199254740993n, -1n]),
    );
    expect(one('uint64', '18446744073709551615, 0')).toEqual(new BigUint64Array([18446744073709551615n, 0n]));
    expect(oneError('int64', '9223372036854775808')).toBe(
      'JSON Value: 9223372036854775808 Type: Number is not of expected type: int64',
    );
    expect(oneError('uint64', '-1')).toBe('JSON Value: -1 Type: Number is not of expected type: uint64');
    expect(oneError('int64', '1.0')).toBe('JSON Value: 1.0 Type: Number is not of expected type: int64');
  });

  it('takes only integer literals that fit int32 for the narrower integer types', () => {
    expect(one('int32', '2147483647, -2147483648')).toEqual(new Int32Array([2147483647, -2147483648]));
    expect(oneError('int32', '2147483648')).toBe('JSON Value: 2147483648 Type: Number is not of expected type: int32');
    expect(oneError('int32', '1.0')).toBe('JSON Value: 1.0 Type: Number is not of expected type: int32');
    expect(oneError('int32', '1e2')).toBe('JSON Value: 100.0 Type: Number is not of expected type: int32');
    expect(oneError('int32', 'true')).toBe('JSON Value: true Type: True is not of expected type: int32');
    expect(one('uint32', '4294967295')).toEqual(new Uint32Array([4294967295]));
    expect(oneError('uint32', '-1')).toBe('JSON Value: -1 Type: Number is not of expected type: uint32');
  });

  it('range-checks int8, int16, uint8 and uint16', () => {
    expect(one('int8', '-128, 127')).toEqual(new Int8Array([-128, 127]));
    expect(one('uint8', '0, 255')).toEqual(new Uint8Array([0, 255]));
    expect(one('int16', '-32768')).toEqual(new Int16Array([-32768]));
    expect(one('uint16', '65535')).toEqual(new Uint16Array([65535]));
    expect(oneError('int8', '300')).toBe('JSON Value: 300 is out of range for type: int8');
    expect(oneError('uint8', '-1')).toBe('JSON Value: -1 is out of range for type: uint8');
    expect(oneError('int16', '40000')).toBe('JSON Value: 40000 is out of range for type: int16');
    expect(oneError('uint16', '65536')).toBe('JSON Value: 65536 is out of range for type: uint16');
    expect(oneError('uint8', '5000000000')).toBe('JSON Value: 5000000000 Type: Number is not of expected type: uint8');
  });

  it('rejects integers one past either end of each range', () => {
    expect(oneError('int8', '128')).toBe('JSON Value: 128 is out of range for type: int8');
    expect(oneError('int8', '-129')).toBe('JSON Value: -129 is out of range for type: int8');
    expect(oneError('int16', '32768')).toBe('JSON Value: 32768 is out of range for type: int16');
    expect(oneError('int16', '-32769')).toBe('JSON Value: -32769 is out of range for type: int16');
    expect(oneError('uint8', '256')).toBe('JSON Value: 256 is out of range for type: uint8');
    expect(oneError('int32', '-2147483649')).toBe('JSON Value: -2147483649 Type: Number is not of expected type: int32');
    expect(oneError('uint32', '4294967296')).toBe('JSON Value: 4294967296 Type: Number is not of expected type: uint32');
    expect(oneError('int64', '-9223372036854775809')).toBe(
      'JSON Value: -9223372036854775809 Type: Number is not of expected type: int64',
    );
    expect(oneError('uint64', '18446744073709551616')).toBe(
      'JSON Value: 18446744073709551616 Type: Number is not of expected type: uint64',
    );
  });

  it('refuses decimals for every integer type, as a type error', () => {
    for (const dtype of ['int8', 'int32', 'uint32', 'int64', 'uint64'] as DType[]) {
      expect(oneError(dtype, '1.5')).toBe(`JSON Value: 1.5 Type: Number is not of expected type: ${dtype}`);
    }
  });

  it.each([
    ['float32', '1, 2'],
    ['float16', '1, 2'],
    ['int8', '1, 2'],
    ['int32', '1, 2'],
    ['int64', '1, 2'],
    ['uint64', '1, 2'],
    ['bool', 'true, false'],
    ['string', '"a", {"b64": "Yg=="}'],
  ] as [DType, string][])('reports a ragged %s value as ragged', (dtype, row) => {
    expect(oneError(dtype, `[${row}], [${row.split(',')[0]}]`)).toBe(
      'Encountered list at unexpected size: 1 at level: 1 expected size: 2',
    );
  });

  it('takes only true/false for bool', () => {
    expect(one('bool', 'true, false')).toEqual(new Uint8Array([1, 0]));
    expect(oneError('bool', '1')).toBe('JSON Value: 1 Type: Number is not of expected type: bool');
  });

  it('takes strings and base64 objects for string', () => {
    expect(one('string', '"a\\u00e9", {"b64": "aGVsbG8="}, {"b64": "aGk"}, {"b64": " aGk=\\n"}')).toEqual([
      'aé',
      'hello',
      'hi',
      'hi',
    ]);
    expect(oneError('string', '{"b64": "a*b="}')).toBe('Unable to base64 decode');
    expect(oneError('string', '{"b64": "aGk=", "y": 1}')).toBe(
      'JSON Value: {"b64":"aGk=","y":1} not formatted correctly for base64 data',
    );
    expect(oneError('string', '{"b64": 1}')).toBe('JSON Value: {"b64":1} not formatted correctly for base64 data');
    expect(oneError('string', '123')).toBe('JSON Value: 123 Type: Number is not of expected type: string');
  });

  it('keeps the bytes of a bytes input: base64 decoded, plain strings as UTF-8, never read as UTF-8', () => {
    const bytes = (values: string) => decode(`{"inputs": [${values}]}`, { name: 'img', dtype: 'string', dims: null, bytes: true });
    expect(bytes('{"b64": "/0E="}, "\u00e9"').img.data).toEqual(['\u00ffA', '\u00c3\u00a9']);
    expect(failure(() => bytes('{"b64": "/0E"}, {"b64": "a*b="}'))).toBe('Unable to base64 decode');
  });

  it('renders numbers in messages as TF does', () => {
    expect(oneError('bool', '0.1, 1e300, NaN, -Infinity')).toBe('JSON Value: 0.1 Type: Number is not of expected type: bool');
    expect(oneError('bool', '1e300')).toBe('JSON Value: 1e+300 Type: Number is not of expected type: bool');
    expect(oneError('bool', 'NaN')).toBe('JSON Value: NaN Type: Number is not of expected type: bool');
    expect(oneError('bool', '-Infinity')).toBe('JSON Value: -Infinity Type: Number is not of expected type: bool');
    expect(oneError('bool', '"a\\"\\u0001"')).toBe('JSON Value: "a\\"\\u0001" Type: String is not of expected type: bool');
  });
});
