import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.ts';
import { thrown } from '../../test/support/thrown.ts';
import { parseTextOrJson, parseTextProto } from './text-format.ts';
import {
  TextIdentifier,
  TextMessage,
  asBool,
  asInt,
  asMessage,
  asString,
  messageFromJson,
  unwrapValue,
} from './text-message.ts';

/** Field values as plain data, for readable assertions. */
function plain(msg: TextMessage): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [name, fields] of msg.fields) {
    out[name] = fields.map(({ value: v }) => (v instanceof TextMessage ? plain(v) : v instanceof TextIdentifier ? `#${v.name}` : v));
  }
  return out;
}

const parse = (text: string) => plain(parseTextProto(text, 'f.pbtxt'));
const errorOf = (fn: () => unknown): string => thrown(fn, ConfigError).message;

describe('parseTextProto', () => {
  it('parses scalars, identifiers, repeated fields and nested messages in both bracket styles', () => {
    expect(parse('a: 1 b: "x" c: true c: FOO d { e: 2 } f: < g: -3 > h: {}')).toEqual({
      a: [1],
      b: ['x'],
      c: ['#true', '#FOO'],
      d: [{ e: [2] }],
      f: [{ g: [-3] }],
      h: [{}],
    });
  });

  it('skips comments and accepts , and ; separators and empty input', () => {
    expect(parse('# only a comment')).toEqual({});
    expect(parse('')).toEqual({});
    expect(parse('a: 1, b: 2; # trailing\nc { d: 3; }\n# end')).toEqual({ a: [1], b: [2], c: [{ d: [3] }] });
  });

  it('parses number forms: hex, octal (a leading 0, as protobuf), floats, exponents, f suffix', () => {
    expect(parse('a: 0x1F b: 010 c: 0 d: 1.5 e: .5 f: 1e3 g: 2.5f h: -0.25 i: 7')).toEqual({
      a: [31],
      b: [8],
      c: [0],
      d: [1.5],
      e: [0.5],
      f: [1000],
      g: [2.5],
      h: [-0.25],
      i: [7],
    });
  });

  it('decodes C escapes, single quotes, UTF-8 and concatenates adjacent strings', () => {
    expect(parse(String.raw`a: "tab\there\n" b: 'it\'s "q"' c: "\101\x42\u00e9\U0001F600" d: "ab" 'cd' e: "é😀"`)).toEqual({
      a: ['tab\there\n'],
      b: [`it's "q"`],
      c: ['ABé😀'],
      d: ['abcd'],
      e: ['é😀'],
    });
    expect(parse(String.raw`a: "\303\251"`)).toEqual({ a: ['é'] }); // octal bytes of UTF-8 "é"
  });

  it('accepts the list syntax for repeated fields', () => {
    expect(parse('v: [1, 2, 3] m: [{ a: 1 }, { a: 2 }] e: []')).toEqual({ v: [1, 2, 3], m: [{ a: [1] }, { a: [2] }] });
  });

  it('records where each message and field starts', () => {
    const msg = parseTextProto('a {\n  b: 1\n}\n', 'cfg');
    const a = msg.field('a')!;
    expect(a.where).toBe('cfg:1:1');
    expect(asMessage(a).where).toBe('cfg:1:1');
    expect(asMessage(a).field('b')!.where).toBe('cfg:2:3');
    expect(msg.where).toBe('cfg');
  });

  it.each([
    ['a: 1\n  b 2', 'f.pbtxt:2:5: expected ":" or "{" after field name "b", found "2"'],
    ['a {\n b: 1\n', 'f.pbtxt:3:1: expected "}", found end of file'],
    ['a: 1 }', 'f.pbtxt:1:6: expected a field name, found "}"'],
    ['a < b: 1 }', 'f.pbtxt:1:10: expected a field name, found "}"'],
    ['a:', 'f.pbtxt:1:3: expected a value for field "a", found end of file'],
    ['a: "abc\n"', 'f.pbtxt:1:4: unterminated string'],
    [String.raw`a: "\q"`, String.raw`f.pbtxt:1:4: invalid escape "\q" in string`],
    [String.raw`a: "\777"`, String.raw`f.pbtxt:1:4: octal escape \777 is out of range`],
    [String.raw`a: "\xff"`, 'f.pbtxt:1:4: string is not valid UTF-8'],
    ['a: 12ab', 'f.pbtxt:1:4: invalid number "12a"'],
    ['a: 09', 'f.pbtxt:1:4: 09 is not a valid octal number (a leading 0 means octal)'],
    ['a: - x', 'f.pbtxt:1:6: expected a number after "-", found "x"'],
    ['a: [1 2]', 'f.pbtxt:1:7: expected "," or "]", found "2"'],
    ['a: 1\n [ext]: 2', 'f.pbtxt:2:2: expected a field name, found "["'],
    ['a: 1 @', 'f.pbtxt:1:6: unexpected character "@"'],
  ])('reports %j with source, line and column', (text, message) => {
    expect(errorOf(() => parseTextProto(text, 'f.pbtxt'))).toBe(message);
  });
});

describe('messageFromJson', () => {
  it('maps camelCase to snake_case, arrays to repeated fields, booleans to identifiers, drops null', () => {
    const msg = messageFromJson({ modelConfigList: { config: [{ name: 'a' }, { name: 'b' }] }, on: true, gone: null }, 'm.json');
    expect(plain(msg)).toEqual({ model_config_list: [{ config: [{ name: ['a'] }, { name: ['b'] }] }], on: ['#true'] });
  });

  it('turns map fields into { key, value } entries and keeps their keys verbatim', () => {
    const msg = messageFromJson({ versionLabels: { myLabel: 1, __proto__x: 2 } }, 'm.json', ['version_labels']);
    expect(plain(msg)).toEqual({ version_labels: [{ key: ['myLabel'], value: [1] }, { key: ['__proto__x'], value: [2] }] });
  });

  it('locates JSON fields by path', () => {
    const msg = messageFromJson({ a: [{ b: 'x' }] }, 'm.json');
    const b = asMessage(msg.repeated('a')[0]).field('b')!;
    expect(b.where).toBe('m.json: a[0].b');
    expect(errorOf(() => asInt(b))).toBe('m.json: a[0].b: b must be an integer');
  });

  it('rejects non-objects and nested arrays', () => {
    expect(errorOf(() => messageFromJson([1], 'm.json'))).toBe('m.json: expected a JSON object');
    expect(errorOf(() => messageFromJson({ a: [[1]] }, 'm.json'))).toBe('m.json: a[0]: nested arrays are not allowed');
  });
});

describe('parseTextOrJson', () => {
  it('reads JSON when the text starts with {, text format otherwise', () => {
    expect(plain(parseTextOrJson(' \n{"a": 1}', 'x'))).toEqual({ a: [1] });
    expect(plain(parseTextOrJson('a: 1', 'x'))).toEqual({ a: [1] });
    expect(errorOf(() => parseTextOrJson('{"a": }', 'x'))).toMatch(/^x: invalid JSON: /);
  });
});

describe('readers', () => {
  const msg = parseTextProto('s: "x" i: 42 big: 99999999999999999999 f: 1.5 b: true n: 0 id: FOO m { value: 7 } w {} s2: "5"', 'r');
  const field = (name: string) => msg.field(name)!;

  it('read typed values', () => {
    expect(asString(field('s'))).toBe('x');
    expect(asInt(field('i'))).toBe(42);
    expect(asInt(field('s2'))).toBe(5); // proto3 JSON writes int64 as strings
    expect(asBool(field('b'))).toBe(true);
    expect(asBool(field('n'))).toBe(false);
    expect(asInt(unwrapValue(field('m')))).toBe(7);
    expect(asInt(unwrapValue(field('i')))).toBe(42);
    expect(asInt(unwrapValue(field('w')))).toBe(0);
    expect(asBool(unwrapValue(field('w')))).toBe(false);
  });

  it('name the field and its position when the type is wrong', () => {
    expect(errorOf(() => asString(field('i')))).toBe('r:1:8: i must be a quoted string');
    expect(errorOf(() => asInt(field('big')))).toBe('r:1:14: big must be an integer');
    expect(errorOf(() => asInt(field('f')))).toBe('r:1:40: f must be an integer');
    expect(errorOf(() => asBool(field('id')))).toBe('r:1:60: id must be true or false');
    expect(errorOf(() => asMessage(field('s')))).toBe('r:1:1: s must be a message { ... }');
  });

  it('reject unknown and repeated singular fields', () => {
    const m = parseTextProto('a: 1\nb: 2\nb: 3', 'r');
    expect(errorOf(() => m.expectOnly(['a']))).toBe('r:2:1: unknown field "b" (expected one of: a)');
    expect(errorOf(() => m.field('b'))).toBe('r:3:1: b is specified more than once');
    expect(m.repeated('b').map(asInt)).toEqual([2, 3]);
    expect(m.repeated('zzz')).toEqual([]);
    expect(errorOf(() => unwrapValue(parseTextProto('w { v: 1 }', 'r').field('w')!))).toBe('r:1:5: unknown field "v" (expected one of: value)');
  });
});
