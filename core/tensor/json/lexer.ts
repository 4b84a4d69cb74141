import { invalidArgument, type ServingError } from '../../errors.ts';

/** String tokens and error positions for parse.ts, with rapidjson's messages and offsets. */

/** The parser's position in its text; readString advances `pos`. */
export interface Cursor {
  readonly text: string;
  pos: number;
}

/** INVALID_ARGUMENT `JSON Parse error: <message> at offset: <n>`, n in UTF-8 bytes as rapidjson counts. */
export function parseError(text: string, message: string, index: number): ServingError {
  return invalidArgument(`JSON Parse error: ${message} at offset: ${utf8Offset(text, index)}`);
}

function utf8Offset(text: string, index: number): number {
  let n = 0;
  for (let i = 0; i < index; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < index && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Reads the JSON string whose opening quote is at cur.pos and leaves cur.pos after the closing
 * quote. Control characters must be escaped; \u escapes must form valid surrogate pairs.
 */
export function readString(cur: Cursor): string {
  const t = cur.text;
  const start = cur.pos + 1;
  for (let i = start; ; i++) {
    const c = t.charCodeAt(i);
    if (c === 0x22) {
      cur.pos = i + 1;
      return t.slice(start, i);
    }
    if (c === 0x5c) return readEscaped(cur, start, i);
    if (c < 0x20 || c !== c) throw controlInString(t, c, i);
  }
}

/** Slow path of readString, from the first backslash at `i`. */
function readEscaped(cur: Cursor, start: number, i: number): string {
  const t = cur.text;
  const parts: string[] = [t.slice(start, i)];
  let from = i;
  for (;;) {
    const c = t.charCodeAt(i);
    if (c === 0x22) {
      parts.push(t.slice(from, i));
      cur.pos = i + 1;
      return parts.join('');
    }
    if (c < 0x20 || c !== c) throw controlInString(t, c, i);
    if (c !== 0x5c) {
      i++;
      continue;
    }
    parts.push(t.slice(from, i));
    const esc = i; // rapidjson reports escape errors at the backslash
    const e = t.charCodeAt(i + 1);
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      parts.push(simple);
      i += 2;
    } else if (e === 0x75) {
      const cp = hex4(t, i + 2, esc);
      i += 6;
      if (cp >= 0xd800 && cp <= 0xdfff) {
        const paired = cp <= 0xdbff && t.charCodeAt(i) === 0x5c && t.charCodeAt(i + 1) === 0x75;
        const low = paired ? hex4(t, i + 2, esc) : -1;
        if (low < 0xdc00 || low > 0xdfff) throw parseError(t, 'The surrogate pair in string is invalid.', esc);
        parts.push(String.fromCharCode(cp, low));
        i += 6;
      } else {
        parts.push(String.fromCharCode(cp));
      }
    } else {
      throw parseError(t, 'Invalid escape character in string.', esc);
    }
    from = i;
  }
}

function hex4(t: string, at: number, esc: number): number {
  let cp = 0;
  for (let k = 0; k < 4; k++) {
    const c = t.charCodeAt(at + k);
    const lower = c | 0x20;
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
    if (d < 0) throw parseError(t, 'Incorrect hex digit after \\u escape in string.', esc);
    cp = cp * 16 + d;
  }
  return cp;
}

function controlInString(t: string, c: number, i: number): ServingError {
  // End of input and NUL both read as '\0' in rapidjson.
  return c === 0 || c !== c
    ? parseError(t, 'Missing a closing quotation mark in string.', i)
    : parseError(t, 'Invalid encoding in string.', i);
}

const SIMPLE_ESCAPES: Record<number, string> = {
  0x22: '"',
  0x5c: '\\',
  0x2f: '/',
  0x62: '\b',
  0x66: '\f',
  0x6e: '\n',
  0x72: '\r',
  0x74: '\t',
};
