import { invalidArgument, type ServingError } from '../../errors.ts';
import { parseError, readString, type Cursor } from './lexer.ts';
import { JsonDouble, type JsonObject, type JsonValue } from './value.ts';

/*
 * Deepest array/object nesting parseJson accepts. TF Serving's iterative rapidjson parser has no
 * limit, but nothing valid comes close (a predict body nests rank + 4 levels, and tensor rank is at
 * most 254), and the limit lets every later stage walk documents recursively without overflowing
 * the JS stack. Deeper documents are a 400 with their own message.
 */
export const MAX_DEPTH = 1000;

const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Parses a request body the way TF Serving's rapidjson does (docs/tf-serving-compat.md 9.1): NaN / Inf /
 * Infinity tokens (optionally after '-'), parsing stops after the first complete value (trailing
 * bytes ignored), duplicate keys keep the first occurrence, no comments or trailing commas.
 * Numbers follow the value.ts model. Errors are INVALID_ARGUMENT with rapidjson's English
 * messages and UTF-8 byte offsets: `JSON Parse error: <message> at offset: <n>`; an empty body is
 * `JSON Parse error: The document is empty`.
 */
export function parseJson(text: string): JsonValue {
  if (text.length === 0) throw invalidArgument('JSON Parse error: The document is empty');
  const p = new Parser(text);
  p.skipWs();
  const c = p.peek();
  // rapidjson's state machine reports a stray closing token or separator at the root as "empty".
  if (c !== c || c === 0 || c === 0x5d || c === 0x7d || c === 0x2c || c === 0x3a) {
    throw p.fail('The document is empty.', p.pos);
  }
  return p.value();
}

class Parser implements Cursor {
  pos = 0;
  private depth = 0;

  constructor(readonly text: string) {}

  peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  skipWs(): void {
    const t = this.text;
    let c = t.charCodeAt(this.pos);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = t.charCodeAt(++this.pos);
  }

  fail(message: string, index: number): ServingError {
    return parseError(this.text, message, index);
  }

  value(): JsonValue {
    switch (this.peek()) {
      case 0x7b:
        return this.object();
      case 0x5b:
        return this.array();
      case 0x22:
        return readString(this);
      case 0x6e:
        return this.literal('null', null);
      case 0x74:
        return this.literal('true', true);
      case 0x66:
        return this.literal('false', false);
      default:
        return this.number();
    }
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) {
      throw this.fail(`Nesting is deeper than the limit of ${MAX_DEPTH} levels.`, this.pos);
    }
    this.pos++;
    this.skipWs();
  }

  private object(): JsonObject {
    this.enter();
    const obj: JsonObject = new Map();
    if (this.peek() === 0x7d) return this.leave(obj);
    for (;;) {
      if (this.peek() !== 0x22) throw this.fail('Missing a name for object member.', this.pos);
      const key = readString(this);
      this.skipWs();
      if (this.peek() !== 0x3a) throw this.fail('Missing a colon after a name of object member.', this.pos);
      this.pos++;
      this.skipWs();
      const v = this.value();
      if (!obj.has(key)) obj.set(key, v);
      this.skipWs();
      const c = this.peek();
      if (c === 0x7d) return this.leave(obj);
      if (c !== 0x2c) throw this.fail("Missing a comma or '}' after an object member.", this.pos);
      this.pos++;
      this.skipWs();
    }
  }

  private array(): JsonValue[] {
    this.enter();
    if (this.peek() === 0x5d) return this.leave([]);
    // Short lists (pixels, coordinates) are built at their exact size: push() would reserve 17
    // slots for each, which dominates memory and GC time for image batches.
    const a = this.element();
    if (this.endOfArray()) return this.leave([a]);
    const b = this.element();
    if (this.endOfArray()) return this.leave([a, b]);
    const c = this.element();
    if (this.endOfArray()) return this.leave([a, b, c]);
    const d = this.element();
    if (this.endOfArray()) return this.leave([a, b, c, d]);
    const arr: JsonValue[] = [a, b, c, d];
    do arr.push(this.element());
    while (!this.endOfArray());
    return this.leave(arr);
  }

  /** An array element: value(), with numbers (the bulk of every tensor) going straight to number(). */
  private element(): JsonValue {
    const c = this.text.charCodeAt(this.pos);
    return (c >= 0x30 && c <= 0x39) || c === 0x2d ? this.number() : this.value();
  }

  /** After an element: true at ']', past the ',' (and whitespace) otherwise. */
  private endOfArray(): boolean {
    // The common case first: a ',' right after the element, then no whitespace.
    if (this.text.charCodeAt(this.pos) === 0x2c && this.text.charCodeAt(this.pos + 1) > 0x20) {
      this.pos++;
      return false;
    }
    this.skipWs();
    const c = this.peek();
    if (c === 0x5d) return true;
    if (c !== 0x2c) throw this.fail("Missing a comma or ']' after an array element.", this.pos);
    this.pos++;
    this.skipWs();
    return false;
  }

  private leave<T>(v: T): T {
    this.depth--;
    this.pos++;
    return v;
  }

  private literal(word: string, v: JsonValue): JsonValue {
    const t = this.text;
    for (let k = 1; k < word.length; k++) {
      if (t.charCodeAt(this.pos + k) !== word.charCodeAt(k)) throw this.fail('Invalid value.', this.pos + k);
    }
    this.pos += word.length;
    return v;
  }

  private number(): JsonValue {
    const t = this.text;
    const start = this.pos;
    let i = start;
    let c = t.charCodeAt(i);
    const neg = c === 0x2d;
    if (neg) c = t.charCodeAt(++i);
    if (c === 0x4e || c === 0x49) return this.nanOrInf(i, neg);
    if (!(c >= 0x30 && c <= 0x39)) throw this.fail('Invalid value.', i);
    // m is exact while at most 15 digits were read; longer literals go through Number()/BigInt().
    let m = 0;
    const intStart = i;
    if (c === 0x30) c = t.charCodeAt(++i);
    else {
      while (c >= 0x30 && c <= 0x39) {
        m = m * 10 + (c - 0x30);
        c = t.charCodeAt(++i);
      }
    }
    const intDigits = i - intStart;
    let fracDigits = 0;
    let decimal = false;
    if (c === 0x2e) {
      decimal = true;
      c = t.charCodeAt(++i);
      if (!(c >= 0x30 && c <= 0x39)) throw this.fail('Miss fraction part in number.', i);
      while (c >= 0x30 && c <= 0x39) {
        m = m * 10 + (c - 0x30);
        fracDigits++;
        c = t.charCodeAt(++i);
      }
    }
    let exp = 0;
    if (c === 0x65 || c === 0x45) {
      decimal = true;
      c = t.charCodeAt(++i);
      const expNeg = c === 0x2d;
      if (expNeg || c === 0x2b) c = t.charCodeAt(++i);
      if (!(c >= 0x30 && c <= 0x39)) throw this.fail('Miss exponent in number.', i);
      while (c >= 0x30 && c <= 0x39) {
        if (exp < 1e6) exp = exp * 10 + (c - 0x30);
        c = t.charCodeAt(++i);
      }
      if (expNeg) exp = -exp;
    }
    this.pos = i;
    if (!decimal) return this.integer(start, i, intDigits, m, neg);
    const e10 = exp - fracDigits;
    let v: number;
    if (intDigits + fracDigits <= 15 && e10 >= -22 && e10 <= 22) {
      // Both operands are exact doubles, so one IEEE operation rounds correctly (Clinger's fast path).
      v = e10 < 0 ? m / POW10[-e10] : m * POW10[e10];
      if (neg) v = -v;
    } else {
      v = Number(t.slice(start, i));
    }
    if (!Number.isFinite(v) || exp > 308 + fracDigits) throw this.fail('Number too big to be stored in double.', start);
    return Number.isInteger(v) ? new JsonDouble(v) : v;
  }

  private integer(start: number, end: number, digits: number, m: number, neg: boolean): number | bigint {
    if (digits <= 15) return neg && m !== 0 ? -m : m; // "-0" is the integer 0, as in rapidjson
    const b = BigInt(this.text.slice(start, end));
    if (b >= -MAX_SAFE && b <= MAX_SAFE) return Number(b);
    if (!Number.isFinite(Number(b))) throw this.fail('Number too big to be stored in double.', start);
    return b;
  }

  private nanOrInf(i: number, neg: boolean): number {
    const t = this.text;
    const word = t.charCodeAt(i) === 0x4e ? 'NaN' : 'Inf';
    for (let k = 1; k < 3; k++) {
      if (t.charCodeAt(i + k) !== word.charCodeAt(k)) throw this.fail('Invalid value.', i + k);
    }
    i += 3;
    if (word === 'Inf' && t.charCodeAt(i) === 0x69) {
      // "Inf" may continue only as "Infinity".
      for (let k = 0; k < 5; k++, i++) {
        if (t.charCodeAt(i) !== 'inity'.charCodeAt(k)) throw this.fail('Invalid value.', i);
      }
    }
    this.pos = i;
    if (word === 'NaN') return NaN;
    return neg ? -Infinity : Infinity;
  }
}
