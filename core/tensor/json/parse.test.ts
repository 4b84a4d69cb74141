import { describe, expect, it } from 'vitest';
import { ServingError } from '../../errors.ts';
import { MAX_DEPTH, parseJson } from './parse.ts';
import { JsonDouble } from './value.ts';

function parseError(text: string): string {
  try {
    parseJson(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ServingError);
    expect((e as ServingError).code).toBe('INVALID_ARGUMENT');
    return (e as ServingError).message;
  }
  throw new Error(`parsed: ${text}`);
}

describe('parseJson values', () => {
  it('parses objects, arrays, strings and literals', () => {
    const v = parseJson(' \t\r\n{ "a" : [ 1 , "x" , true , false , null ] , "b" : {} , "c" : [] } ');
    expect(v).toEqual(
      new Map<string, unknown>([
        ['a', [1, 'x', true, false, null]],
        ['b', new Map()],
        ['c', []],
      ]),
    );
  });

  it('builds short and long arrays alike', () => {
    for (let n = 0; n < 8; n++) {
      const values = Array.from({ length: n }, (_, i) => i);
      expect(parseJson(JSON.stringify(values))).toEqual(values);
    }
  });

  it('keeps the first of duplicate keys', () => {
    expect(parseJson('{"a": 1, "a": 2, "b": 3}')).toEqual(new Map([['a', 1], ['b', 3]]));
  });

  it('ignores trailing bytes after the first complete value', () => {
    expect(parseJson('{"instances":[1.0]}garbage')).toEqual(new Map([['instances', [new JsonDouble(1)]]]));
    expect(parseJson('1 2')).toBe(1);
    expect(parseJson('[1]]')).toEqual([1]);
  });

  it('reads integer literals as numbers, or bigint beyond 2^53', () => {
    expect(parseJson('[0, -7, 9007199254740991, -9007199254740991]')).toEqual([0, -7, 9007199254740991, -9007199254740991]);
    expect(parseJson('9007199254740992')).toBe(9007199254740992n);
    expect(parseJson('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseJson('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(parseJson('18446744073709551615')).toBe(18446744073709551615n);
    expect(parseJson('123456789012345678901234567890')).toBe(123456789012345678901234567890n);
    expect(Object.is(parseJson('-0'), 0)).toBe(true); // an integer, as in rapidjson
  });

  it('reads literals with a point or exponent as doubles; integral ones as JsonDouble', () => {
    expect(parseJson('[1.0, 1e2, 2E+1, -0.0, 1.5, 1e-2, 0.1]')).toEqual([
      new JsonDouble(1),
      new JsonDouble(100),
      new JsonDouble(20),
      new JsonDouble(-0),
      1.5,
      0.01,
      0.1,
    ]);
    expect(Object.is((parseJson('-0.0') as JsonDouble).value, -0)).toBe(true);
    expect(parseJson('1e-400')).toEqual(new JsonDouble(0));
  });

  it('rounds decimals exactly like Number()', () => {
    let seed = 1;
    const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const samples = ['0.1', '0.3', '1.7976931348623157e308', '5e-324', '2.2250738585072014e-308', '123456789012345.6'];
    for (let i = 0; i < 5000; i++) {
      const digits = String(Math.floor(rand() * 1e15)).padStart(1, '0');
      const point = Math.floor(rand() * digits.length);
      const exp = Math.floor(rand() * 60) - 30;
      samples.push(`${digits.slice(0, point) || '0'}.${digits.slice(point) || '0'}e${exp}`);
      samples.push(`-${(rand() * 1000).toFixed(1 + Math.floor(rand() * 12))}`);
    }
    for (const s of samples) {
      const v = parseJson(s);
      const n = v instanceof JsonDouble ? v.value : v;
      expect(n, s).toBe(Number(s));
    }
  });

  it('accepts NaN, Inf and Infinity, optionally negative', () => {
    const v = parseJson('[NaN, -NaN, Inf, -Inf, Infinity, -Infinity]') as number[];
    expect(v.map(String)).toEqual(['NaN', 'NaN', 'Infinity', '-Infinity', 'Infinity', '-Infinity']);
  });

  it('decodes escapes', () => {
    expect(parseJson('"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00z"')).toBe('a"b\\c/d\b\f\n\r\t\u00e9\u{1F600}z');
    expect(parseJson('"é😀"')).toBe('é😀');
  });
});

describe('parseJson errors (rapidjson wording, byte offsets)', () => {
  it('reports empty documents', () => {
    expect(parseError('')).toBe('JSON Parse error: The document is empty');
    expect(parseError('   ')).toBe('JSON Parse error: The document is empty. at offset: 3');
    expect(parseError(' ]')).toBe('JSON Parse error: The document is empty. at offset: 1');
  });

  it.each([
    ['{"a":}', 'Invalid value. at offset: 5'],
    ['[1,]', 'Invalid value. at offset: 3'],
    ['[', 'Invalid value. at offset: 1'],
    ['x', 'Invalid value. at offset: 0'],
    ['// comment\n{}', 'Invalid value. at offset: 0'],
    ['[tru]', 'Invalid value. at offset: 4'],
    ['[nan]', 'Invalid value. at offset: 2'],
    ['[Nan]', 'Invalid value. at offset: 3'],
    ['[inf]', 'Invalid value. at offset: 1'],
    ['[+Inf]', 'Invalid value. at offset: 1'],
    ['[-x]', 'Invalid value. at offset: 2'],
    ['[Infinit]', 'Invalid value. at offset: 8'],
    ['{', 'Missing a name for object member. at offset: 1'],
    ['{1:2}', 'Missing a name for object member. at offset: 1'],
    ['{"a":1,}', 'Missing a name for object member. at offset: 7'],
    ['{"a" 1}', 'Missing a colon after a name of object member. at offset: 5'],
    ['{"a":1 "b":2}', "Missing a comma or '}' after an object member. at offset: 7"],
    ['{"a":1', "Missing a comma or '}' after an object member. at offset: 6"],
    ['[1 2]', "Missing a comma or ']' after an array element. at offset: 3"],
    ['[01]', "Missing a comma or ']' after an array element. at offset: 2"],
    ['[1\u0000]', "Missing a comma or ']' after an array element. at offset: 2"],
    ['["\\u12G4"]', 'Incorrect hex digit after \\u escape in string. at offset: 2'],
    ['["\\x"]', 'Invalid escape character in string. at offset: 2'],
    ['["\\uD800"]', 'The surrogate pair in string is invalid. at offset: 2'],
    ['["\\uDC00"]', 'The surrogate pair in string is invalid. at offset: 2'],
    ['["abc', 'Missing a closing quotation mark in string. at offset: 5'],
    ['["a\nb"]', 'Invalid encoding in string. at offset: 3'],
    ['[1e400]', 'Number too big to be stored in double. at offset: 1'],
    ['[-1e400]', 'Number too big to be stored in double. at offset: 1'],
    [`[${'9'.repeat(400)}]`, 'Number too big to be stored in double. at offset: 1'],
    ['[1.]', 'Miss fraction part in number. at offset: 3'],
    ['[1e]', 'Miss exponent in number. at offset: 3'],
    ['[1e+]', 'Miss exponent in number. at offset: 4'],
  ])('%j -> %s', (text, message) => {
    expect(parseError(text)).toBe(`JSON Parse error: ${message}`);
  });

  it('counts offsets in UTF-8 bytes', () => {
    expect(parseError('["é", x]')).toBe('JSON Parse error: Invalid value. at offset: 7');
    expect(parseError('["😀" x]')).toBe("JSON Parse error: Missing a comma or ']' after an array element. at offset: 8");
  });

  it('rejects nesting deeper than MAX_DEPTH with a 400, not a stack overflow', () => {
    expect(parseJson(`${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`)).toBeInstanceOf(Array);
    const limit = `JSON Parse error: Nesting is deeper than the limit of ${MAX_DEPTH} levels. at offset: ${MAX_DEPTH}`;
    expect(parseError('['.repeat(100000))).toBe(limit);
    expect(parseError('[{"a":'.repeat(50000))).toMatch(/^JSON Parse error: Nesting is deeper than the limit of 1000 levels\./);
  });
});

// Edges mutation testing found unpinned (docs/mutation.md): each case fails on a one-token change
// of parse.ts or lexer.ts.
describe('parseJson at its edges', () => {
  it('calls a stray closing token, separator or NUL at the root an empty document', () => {
    for (const text of ['}', ',', ':', '\u0000']) expect(parseError(text)).toBe('JSON Parse error: The document is empty. at offset: 0');
  });

  it('needs a digit right after a point or an exponent mark, not any character below "9"', () => {
    expect(parseError('[1.,2]')).toBe('JSON Parse error: Miss fraction part in number. at offset: 3');
    expect(parseError('[1e,2]')).toBe('JSON Parse error: Miss exponent in number. at offset: 3');
  });

  it('takes exponents up to 308 past the fraction, refuses beyond, whatever the mantissa', () => {
    expect(parseJson('[1e308]')).toEqual([new JsonDouble(1e308)]);
    expect(parseJson('[1.5e307]')).toEqual([new JsonDouble(1.5e307)]);
    expect(parseError('[0e400]')).toBe('JSON Parse error: Number too big to be stored in double. at offset: 1');
    expect(parseError(`[${'9'.repeat(400)}.5]`)).toBe('JSON Parse error: Number too big to be stored in double. at offset: 1');
  });

  it('reads NaN as three letters: "inity" may follow Inf only', () => {
    expect(parseError('[NaNinity]')).toBe("JSON Parse error: Missing a comma or ']' after an array element. at offset: 4");
  });

  it('counts nesting, not siblings: many closed arrays side by side stay at depth 2', () => {
    const siblings = `[${'[],'.repeat(MAX_DEPTH + 500)}[]]`;
    expect((parseJson(siblings) as unknown[]).length).toBe(MAX_DEPTH + 501);
  });

  it('counts error offsets in UTF-8 bytes at each width boundary', () => {
    // `["`, the character (1 to 4 bytes), `", ` and then the bad value.
    for (const [char, offset] of [['\u007f', 6], ['\u0080', 7], ['\u07ff', 7], ['\u0800', 8], ['€', 8], ['\u{10000}', 9], ['\u{10FFFF}', 9]] as const) {
      expect(parseError(`["${char}", x]`), `U+${char.codePointAt(0)!.toString(16)}`).toBe(`JSON Parse error: Invalid value. at offset: ${offset}`);
    }
  });

  it('refuses raw control characters in strings, before and after an escape; a space is text', () => {
    expect(parseError('["\u001f"]')).toBe('JSON Parse error: Invalid encoding in string. at offset: 2');
    expect(parseError('["\\n\u0001"]')).toBe('JSON Parse error: Invalid encoding in string. at offset: 4');
    expect(parseJson('["\\n "]')).toEqual(['\n ']);
    // NUL and the end of the text read as a missing closing quote, as in rapidjson.
    expect(parseError('["a\u0000"]')).toBe('JSON Parse error: Missing a closing quotation mark in string. at offset: 3');
    expect(parseError('["\\n')).toBe('JSON Parse error: Missing a closing quotation mark in string. at offset: 4');
    expect(parseError('["\\na\u0000"]')).toBe('JSON Parse error: Missing a closing quotation mark in string. at offset: 5');
  });

  it('reads \\u escapes: hex digits a-f in both cases, surrogates only as a high-low pair', () => {
    expect(parseJson('"\\u00aA\\u00fF\\u0a0F"')).toBe('\u00aa\u00ff\u0a0f');
    expect(parseJson('"\\ud7ff\\ue000\\uffff"')).toBe('\ud7ff\ue000\uffff');
    expect(parseJson('"\\ud800\\udc00\\udbff\\udfff"')).toBe('\u{10000}\u{10FFFF}');
    for (const bad of ['\\u00g0', '\\u00G0', '\\u00`0', '\\u00/0', '\\u00:0']) {
      expect(parseError(`"${bad}"`)).toBe('JSON Parse error: Incorrect hex digit after \\u escape in string. at offset: 1');
    }
    for (const bad of ['\\udfff', '\\udc00', '\\udc00\\udc00', '\\ud800\\ue000', '\\ud800\\udbff', '\\ud800Xudc00', '\\ud800\\tdc00', '\\udbff']) {
      expect(parseError(`"${bad}"`)).toBe('JSON Parse error: The surrogate pair in string is invalid. at offset: 1');
    }
  });
});
