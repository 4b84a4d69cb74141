import { ConfigError } from './config-error.ts';
import { TextIdentifier, TextMessage, messageFromJson, type TextValue } from './text-message.ts';

/** A text-format message, or proto3 JSON when the first non-space character is `{`. */
export function parseTextOrJson(text: string, source: string, mapFields: readonly string[] = []): TextMessage {
  if (!text.trimStart().startsWith('{')) return parseTextProto(text, source);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${source}: invalid JSON: ${(err as Error).message}`);
  }
  return messageFromJson(json, source, mapFields);
}


// ---- text format -------------------------------------------------------------------------------

interface Token {
  kind: 'identifier' | 'string' | 'number' | 'symbol' | 'end';
  text: string;
  bytes?: number[]; // decoded string bytes
  line: number;
  column: number;
}

/**
 * Parses protobuf text format (the syntax of TF Serving's --model_config_file and
 * --batching_parameters_file) without a schema: `name: value`, `name { ... }` or `name < ... >`
 * (optional `:` before a message), `name: [v1, v2]`, optional `,`/`;` after a field, `#` comments.
 * Values: quoted strings with C escapes (adjacent strings concatenate; the bytes must be UTF-8),
 * integers (decimal, 0x hex, leading-0 octal as in protobuf), floats, a `-` sign, identifiers.
 * Not supported: extensions `[pkg.ext]`, Any expansion, `inf`/`nan` as numbers (they stay identifiers).
 * Syntax errors throw ConfigError "source:line:column: ...".
 */
export function parseTextProto(text: string, source: string): TextMessage {
  const tokens = tokenize(text, source);
  let i = 0;
  const at = (t: Token) => `${source}:${t.line}:${t.column}`;
  const describe = (t: Token) => (t.kind === 'end' ? 'end of file' : JSON.stringify(t.text));
  const error = (t: Token, message: string) => new ConfigError(`${at(t)}: ${message}`);
  const isSymbol = (t: Token, s: string) => t.kind === 'symbol' && t.text === s;

  const parseValue = (name: string, where: string): TextValue => {
    const t = tokens[i++];
    if (isSymbol(t, '{') || isSymbol(t, '<')) return parseMessage(new TextMessage(where), t.text === '{' ? '}' : '>');
    if (t.kind === 'identifier') return new TextIdentifier(t.text);
    if (t.kind === 'number') return numberValue(t);
    if (isSymbol(t, '-')) {
      const n = tokens[i++];
      if (n.kind !== 'number') throw error(n, `expected a number after "-", found ${describe(n)}`);
      return -numberValue(n);
    }
    if (t.kind === 'string') {
      const bytes = [...t.bytes!];
      while (tokens[i].kind === 'string') bytes.push(...tokens[i++].bytes!);
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
      } catch {
        throw error(t, 'string is not valid UTF-8');
      }
    }
    throw error(t, `expected a value for field "${name}", found ${describe(t)}`);
  };

  const numberValue = (t: Token): number => {
    if (/^0[xX]/.test(t.text)) return parseInt(t.text.slice(2), 16);
    if (/^0\d+$/.test(t.text)) {
      if (/[89]/.test(t.text)) throw error(t, `${t.text} is not a valid octal number (a leading 0 means octal)`);
      return parseInt(t.text, 8);
    }
    return Number(t.text.replace(/[fF]$/, ''));
  };

  const parseMessage = (msg: TextMessage, close: '}' | '>' | 'end'): TextMessage => {
    for (;;) {
      const t = tokens[i];
      if (close === 'end' ? t.kind === 'end' : isSymbol(t, close)) break;
      if (t.kind !== 'identifier') throw error(t, close !== 'end' && t.kind === 'end' ? `expected "${close}", found end of file` : `expected a field name, found ${describe(t)}`);
      i++;
      const field = { name: t.text, where: at(t) };
      const colon = isSymbol(tokens[i], ':');
      if (colon) i++;
      if (colon && isSymbol(tokens[i], '[')) {
        i++;
        while (!isSymbol(tokens[i], ']')) {
          msg.add({ ...field, value: parseValue(field.name, at(tokens[i])) });
          if (isSymbol(tokens[i], ',')) i++;
          else if (!isSymbol(tokens[i], ']')) throw error(tokens[i], `expected "," or "]", found ${describe(tokens[i])}`);
        }
        i++;
      } else if (colon || isSymbol(tokens[i], '{') || isSymbol(tokens[i], '<')) {
        msg.add({ ...field, value: parseValue(field.name, field.where) });
      } else {
        throw error(tokens[i], `expected ":" or "{" after field name "${field.name}", found ${describe(tokens[i])}`);
      }
      if (isSymbol(tokens[i], ',') || isSymbol(tokens[i], ';')) i++;
    }
    i++;
    return msg;
  };

  return parseMessage(new TextMessage(source), 'end');
}

const NUMBER = /0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fF]?/y;
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63 };

function tokenize(text: string, source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const error = (message: string) => new ConfigError(`${source}:${line}:${i - lineStart + 1}: ${message}`);
  const match = (re: RegExp) => ((re.lastIndex = i), re.exec(text)?.[0]);
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      line++;
      lineStart = ++i;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const token = { line, column: i - lineStart + 1 };
    if (/[A-Za-z_]/.test(c)) {
      const word = match(IDENTIFIER)!;
      tokens.push({ ...token, kind: 'identifier', text: word });
      i += word.length;
    } else if (/\d/.test(c) || (c === '.' && /\d/.test(text[i + 1] ?? ''))) {
      const num = match(NUMBER)!;
      if (/[\w.]/.test(text[i + num.length] ?? '')) throw error(`invalid number "${num}${text[i + num.length]}"`);
      tokens.push({ ...token, kind: 'number', text: num });
      i += num.length;
    } else if (c === '"' || c === "'") {
      let end = i + 1;
      while (text[end] !== c) {
        if (end >= text.length || text[end] === '\n') throw error('unterminated string');
        end += text[end] === '\\' ? 2 : 1;
      }
      const body = text.slice(i + 1, end);
      tokens.push({ ...token, kind: 'string', text: text.slice(i, end + 1), bytes: unescape(body, error) });
      i = end + 1;
    } else if ('{}<>[]:,;-'.includes(c)) {
      tokens.push({ ...token, kind: 'symbol', text: c });
      i++;
    } else {
      throw error(`unexpected character ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ line, column: i - lineStart + 1, kind: 'end', text: '' });
  return tokens;
}

/** The bytes of a string literal's body: C escapes (\n, \t, \\, \", \', \?, \NNN octal, \xHH, \uXXXX, \UXXXXXXXX). */
function unescape(body: string, error: (message: string) => ConfigError): number[] {
  const bytes: number[] = [];
  const utf8 = (s: string) => bytes.push(...new TextEncoder().encode(s));
  for (let i = 0; i < body.length; ) {
    if (body[i] !== '\\') {
      const cp = body.codePointAt(i)!;
      utf8(String.fromCodePoint(cp));
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = body[i + 1];
    const digits = (re: RegExp, from: number) => ((re.lastIndex = from), re.exec(body)?.[0] ?? '');
    const oct = digits(/[0-7]{1,3}/y, i + 1);
    const hex = e === 'x' ? digits(/[0-9a-fA-F]{1,2}/y, i + 2) : '';
    const uni = e === 'u' ? digits(/[0-9a-fA-F]{4}/y, i + 2) : e === 'U' ? digits(/[0-9a-fA-F]{8}/y, i + 2) : '';
    if (Object.hasOwn(SIMPLE_ESCAPES, e)) {
      bytes.push(SIMPLE_ESCAPES[e]);
      i += 2;
    } else if (oct) {
      if (parseInt(oct, 8) > 255) throw error(`octal escape \\${oct} is out of range`);
      bytes.push(parseInt(oct, 8));
      i += 1 + oct.length;
    } else if (hex) {
      bytes.push(parseInt(hex, 16));
      i += 2 + hex.length;
    } else if (uni) {
      const cp = parseInt(uni, 16);
      if (cp > 0x10ffff) throw error(`escape \\U${uni} is not a Unicode code point`);
      utf8(String.fromCodePoint(cp));
      i += 2 + uni.length;
    } else {
      throw error(`invalid escape "\\${e ?? ''}" in string`);
    }
  }
  return bytes;
}
