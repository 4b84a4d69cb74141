import { describe, expect, it } from 'vitest';
import { parseJson } from './parse.ts';
import { jsonTypeName, MAX_RENDER_CHARS, quoteJson, renderJson } from './text.ts';

describe('json/text', () => {
  it('names JSON types as rapidjson does', () => {
    const v = parseJson('[null, true, false, {}, [], "s", 1, 1.5, 1e30]') as never[];
    expect(v.map(jsonTypeName)).toEqual(['Null', 'True', 'False', 'Object', 'Array', 'String', 'Number', 'Number', 'Number']);
  });

  it('escapes like rapidjson: control characters as \\u00XX in upper case', () => {
    expect(quoteJson('plain é')).toBe('"plain é"');
    expect(quoteJson('"\\/\b\f\n\r\t\u0000\u001f\u007f')).toBe('"\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001F\u007f"');
  });

  it('renders values compactly with TF number formatting', () => {
    const doc = parseJson('{"a": [1, 1.0, 0.1, 1e300, NaN, -Infinity, 9223372036854775807, null, true], "b": {"c": "d"}}');
    expect(renderJson(doc)).toBe('{"a":[1,1.0,0.1,1e+300,NaN,-Infinity,9223372036854775807,null,true],"b":{"c":"d"}}');
  });

  it('cuts long renderings', () => {
    const text = renderJson(parseJson(JSON.stringify({ k: Array.from({ length: 100000 }, (_, i) => i) })));
    expect(text.length).toBe(MAX_RENDER_CHARS + 3);
    expect(text.endsWith('...')).toBe(true);
  });
});
