import type { Rng } from './rng.ts';

/**
 * JSON bodies for the fuzzer: valid predict / classify / regress bodies for the bundled models,
 * then one of: truncation, character damage, token splices (NaN, 1e400, huge integers, long
 * strings, base64 objects), deep nesting, many empty rows, bad UTF-8 bytes, or a gzip header
 * over bytes that are not gzip. Deterministic for a given Rng.
 */
export interface JsonCase {
  path: string;
  body: string | Uint8Array<ArrayBuffer>;
  headers: Record<string, string>;
}

const PATHS = [
  '/v1/models/half_plus_two',
  '/v1/models/classifier',
  '/v1/models/classifier/versions/1',
  '/v1/models/classifier/labels/canary',
  '/v1/models/regressor',
  '/v1/models/multi_io',
  '/v1/models/lookup',
  '/v1/models/nope',
  '/v1/models/classifier/versions/99999999999999999999',
  '/v1/models/classifier/labels/nope',
];

const SEEDS: Record<string, string[]> = {
  predict: [
    '{"instances": [[1], [2], [5]]}',
    '{"inputs": [[1, 2, 3, 4], [0.5, -1, 2, 0]]}',
    '{"signature_name": "serving_default", "instances": [[1, 2, 3]]}',
    '{"inputs": {"x": [[1, 2, 3]], "ids": [[4611686018427387904, -7]]}}',
    '{"instances": [{"x": [1, 2, 3], "ids": [1, 2]}]}',
    '{"instances": [{"b64": "aGk="}]}',
    '{"inputs": {"ids": [[1, 3], [4, -5]], "extra": [[1, 2, 3], [0, 0, 0]]}}',
    '{"instances": [{"ids": [0, 2], "extra": [1, 2, 3]}, {"ids": [9223372036854775807, 1], "extra": [1, 1, 1]}]}',
  ],
  classify: ['{"examples": [{"inputs": [1, 2, 3, 4]}]}', '{"context": {"f": [1]}, "examples": [{"inputs": [1, 2, 3]}, {}]}'],
  regress: ['{"examples": [{"inputs": [1, 2, 3]}]}', '{"signature_name": "x", "examples": [{"inputs": ["a", "b"]}]}'],
};

const TOKENS = [
  'NaN', '-Infinity', '1e400', '-0', '123456789012345678901234567890', '18446744073709551616', '"\\ud800"', '"\\u0000"',
  '{"b64": "!!!"}', '{"b64": 1}', '[]', '[[]]', '{}', 'null', 'true', '"', '\\', ',', ':', ']', '}', '[', '{',
  '"signature_name": 5', '"instances": 1', '"inputs": {"x": 1}',
];

function damageText(rng: Rng, text: string): string {
  let s = text;
  const rounds = 1 + rng.int(3);
  for (let i = 0; i < rounds; i++) {
    const at = rng.int(s.length + 1);
    switch (rng.int(4)) {
      case 0:
        s = s.slice(0, at);
        break;
      case 1:
        s = s.slice(0, at) + String.fromCharCode(rng.int(128)) + s.slice(at + 1);
        break;
      case 2:
        s = s.slice(0, at) + rng.pick(TOKENS) + s.slice(at);
        break;
      default:
        s = s.slice(0, at) + s.slice(at + 1 + rng.int(4));
    }
  }
  return s;
}

function special(rng: Rng): string | Uint8Array<ArrayBuffer> {
  switch (rng.int(7)) {
    case 0: {
      const depth = rng.pick([900, 999, 1000, 1001, 5000, 50_000]);
      return `{"instances": ${'['.repeat(depth)}1${']'.repeat(rng.chance(0.5) ? depth : rng.int(depth))}}`;
    }
    case 1:
      return `{"instances": [${Array.from({ length: 1 + rng.int(20_000) }, () => '[]').join(',')}]}`;
    case 2:
      return `{"signature_name": "${'s'.repeat(rng.int(60_000))}", "instances": [[1]]}`;
    case 3:
      return `{"inputs": {"${'k'.repeat(rng.int(10_000))}": [1]}, "instances": [${'1,'.repeat(rng.int(5000))}1]}`;
    case 4: {
      const bytes = new TextEncoder().encode('{"instances": [["x"]], "inputs": "é"}');
      const out = new Uint8Array(bytes.length + 4);
      out.set(bytes);
      out.set([0xff, 0xc0, 0xed, 0xa0], rng.int(bytes.length));
      return out;
    }
    case 5:
      return `{"examples": [${Array.from({ length: 1 + rng.int(2000) }, () => `{"f${rng.int(9)}": [${rng.int(99)}]}`).join(',')}]}`;
    default:
      return `{"instances": [${'"x",'.repeat(rng.int(5000))}{"b64": "${'A'.repeat(rng.int(9000))}"}]}`;
  }
}

export function jsonCase(rng: Rng): JsonCase {
  const api = rng.pick(['predict', 'predict', 'predict', 'classify', 'regress']);
  let path = `${rng.pick(PATHS)}:${api}`;
  if (rng.chance(0.03)) path = rng.pick(['/v1/models/:predict', `/v1/models/${'m'.repeat(8000)}:predict`, '/v1/models/a/versions/x:predict']);
  const seed = rng.pick(SEEDS[api]);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (rng.chance(0.03)) {
    headers['content-encoding'] = 'gzip';
    return { path, body: Uint8Array.from(rng.bytes(1 + rng.int(64))), headers };
  }
  const roll = rng.next();
  const body = roll < 0.1 ? seed : roll < 0.25 ? special(rng) : damageText(rng, seed);
  return { path, body, headers };
}
