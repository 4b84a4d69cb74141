import { MAX_QUOTED_CHARS, quoted } from '../../errors.ts';
import { formatFloat32, formatFloat64 } from './float-format.ts';
import { JsonDouble, type JsonValue } from './value.ts';

/** rapidjson's JSON type names, as TF Serving prints them in messages. */
export type JsonTypeName = 'Null' | 'False' | 'True' | 'Object' | 'Array' | 'String' | 'Number';

export function jsonTypeName(v: JsonValue): JsonTypeName {
  if (v === null) return 'Null';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return 'String';
  if (Array.isArray(v)) return 'Array';
  if (v instanceof Map) return 'Object';
  return 'Number';
}

/**
 * A JS string as a quoted JSON string, escaped like rapidjson's writer: `"`, `\`, and control
 * characters (\b \f \n \r \t, others as \u00XX with upper-case hex); everything else verbatim.
 * Used for response bodies and messages.
 */
export function quoteJson(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  const parts: string[] = ['"'];
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    parts.push(s.slice(from, i), ESCAPES[c] ?? `\\u00${HEX[c >> 4]}${HEX[c & 15]}`);
    from = i + 1;
  }
  parts.push(s.slice(from), '"');
  return parts.join('');
}

const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
const HEX = '0123456789ABCDEF';
const ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };

/**
 * Longest rendering of a value in an error message. TF Serving prints whole values (a multi-MB
 * document in some messages); beyond this many characters the text is cut and ends with "...".
 */
export const MAX_RENDER_CHARS = MAX_QUOTED_CHARS;

/**
 * A JSON value as compact JSON text for error messages (`JSON Value: <v>`). Numbers print as TF
 * prints them: integer literals as written, other numbers as a float when in float range, else
 * as a double (so `1.0` -> "1.0", `0.1` -> "0.1", NaN -> "NaN").
 */
export function renderJson(v: JsonValue): string {
  const out: string[] = [];
  const budget = { left: MAX_RENDER_CHARS };
  write(v, out, budget);
  const text = out.join('');
  return quoted(text);
}

function write(v: JsonValue, out: string[], budget: { left: number }): void {
  if (budget.left < 0) return;
  let s: string;
  if (Array.isArray(v)) {
    out.push('[');
    for (let i = 0; i < v.length && budget.left >= 0; i++) {
      if (i > 0) out.push(',');
      write(v[i], out, budget);
    }
    s = ']';
  } else if (v instanceof Map) {
    out.push('{');
    let first = true;
    for (const [k, e] of v) {
      if (budget.left < 0) break;
      out.push(first ? '' : ',', quoteJson(k), ':');
      budget.left -= k.length + 3;
      first = false;
      write(e, out, budget);
    }
    s = '}';
  } else if (typeof v === 'string') s = quoteJson(v);
  else if (v === null || typeof v === 'boolean' || typeof v === 'bigint') s = String(v);
  else s = renderNumber(v);
  out.push(s);
  budget.left -= s.length;
}

function renderNumber(v: number | JsonDouble): string {
  if (typeof v === 'number' && Number.isInteger(v)) return String(v); // an integer literal
  const d = typeof v === 'number' ? v : v.value;
  // rapidjson's IsFloat(): a double within +-3.4028234e38 is written as a float.
  return d >= -3.4028234e38 && d <= 3.4028234e38 ? formatFloat32(d) : formatFloat64(d);
}
