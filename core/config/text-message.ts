import { ConfigError } from './config-error.ts';

/**
 * A parsed protobuf message, the same whichever format it came from: parseTextProto (text format)
 * and messageFromJson (proto3 JSON mapping) both build it, so one validator serves both formats.
 * `fields` maps a field name to its occurrences in file order (a repeated field has several).
 * `where` locates the message for error messages: "file:line:column" for text, "file: json.path"
 * for JSON, "file" for the root. Readers throw ConfigError prefixed with the offending `where`.
 */
export class TextMessage {
  readonly fields = new Map<string, TextField[]>();
  constructor(readonly where: string) {}

  /** Throws on the first field not in `known` (protobuf rejects unknown fields; it catches typos). */
  expectOnly(known: readonly string[]): void {
    for (const [name, occurrences] of this.fields) {
      if (!known.includes(name)) {
        throw new ConfigError(`${occurrences[0].where}: unknown field "${name}" (expected one of: ${known.join(', ')})`);
      }
    }
  }

  /** The one occurrence of a non-repeated field, or undefined; a second occurrence is an error. */
  field(name: string): TextField | undefined {
    const occurrences = this.fields.get(name) ?? [];
    if (occurrences.length > 1) throw new ConfigError(`${occurrences[1].where}: ${name} is specified more than once`);
    return occurrences[0];
  }

  /** Every occurrence of a repeated field; [] when absent. */
  repeated(name: string): TextField[] {
    return this.fields.get(name) ?? [];
  }

  /** Appends one occurrence; the parsers call it while building the message. */
  add(field: TextField): void {
    const occurrences = this.fields.get(field.name);
    if (occurrences) occurrences.push(field);
    else this.fields.set(field.name, [field]);
  }
}

/** A bare identifier value: `true`, `false`, an enum name. Quoted strings are plain `string`s. */
export class TextIdentifier {
  constructor(readonly name: string) {}
}

export type TextValue = string | number | TextIdentifier | TextMessage;

/** One occurrence of a field; `where` points at its name. */
export interface TextField {
  readonly name: string;
  readonly value: TextValue;
  readonly where: string;
}

const fail = (field: TextField, expected: string): never => {
  throw new ConfigError(`${field.where}: ${field.name} must be ${expected}`);
};

/** A quoted string. */
export function asString(field: TextField): string {
  return typeof field.value === 'string' ? field.value : fail(field, 'a quoted string');
}

/** A safe integer. Decimal strings count too: proto3 JSON writes 64-bit integers as strings. */
export function asInt(field: TextField): number {
  const v = typeof field.value === 'string' && /^-?\d+$/.test(field.value) ? Number(field.value) : field.value;
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : fail(field, 'an integer');
}

const BOOLEANS: Record<string, boolean> = { true: true, True: true, t: true, false: false, False: false, f: false };

/** true/false (also True/False/t/f and 1/0, as protobuf's text parser accepts). */
export function asBool(field: TextField): boolean {
  const v = field.value;
  if (v instanceof TextIdentifier && Object.hasOwn(BOOLEANS, v.name)) return BOOLEANS[v.name];
  return v === 0 || v === 1 ? v === 1 : fail(field, 'true or false');
}

/** A nested message. */
export function asMessage(field: TextField): TextMessage {
  return field.value instanceof TextMessage ? field.value : fail(field, 'a message { ... }');
}

/**
 * The inner value of a google.protobuf wrapper (Int64Value, BoolValue, ...): `{ value: 8 }` in
 * text format, a bare `8` in proto3 JSON (also accepted in text). An empty `{ }` holds the
 * type's default, which is 0 for integers and, through asBool, false for booleans. The result
 * keeps the outer field's name, so errors name the field the user knows.
 */
export function unwrapValue(field: TextField): TextField {
  if (!(field.value instanceof TextMessage)) return field;
  field.value.expectOnly(['value']);
  const inner = field.value.field('value');
  return inner ? { ...inner, name: field.name } : { ...field, value: 0 };
}


/**
 * A proto3-JSON object as a TextMessage. lowerCamelCase keys become snake_case; arrays become
 * repeated fields; null means absent; booleans become identifiers. Fields named in `mapFields`
 * are protobuf maps: their JSON object becomes repeated `{ key, value }` entries, keys kept as is.
 */
export function messageFromJson(json: unknown, source: string, mapFields: readonly string[] = []): TextMessage {
  const message = (obj: unknown, path: string): TextMessage => {
    const where = path ? `${source}: ${path}` : source;
    if (!isObject(obj)) throw new ConfigError(`${where}: expected a JSON object`);
    const msg = new TextMessage(where);
    for (const [key, v] of Object.entries(obj)) {
      const name = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      const at = path ? `${path}.${key}` : key;
      if (mapFields.includes(name) && isObject(v)) {
        for (const [k, item] of Object.entries(v)) {
          msg.add({ name, value: message({ key: k, value: item }, `${at}[${JSON.stringify(k)}]`), where: `${source}: ${at}` });
        }
      } else if (Array.isArray(v)) {
        v.forEach((item, i) => item !== null && msg.add({ name, value: value(item, `${at}[${i}]`), where: `${source}: ${at}[${i}]` }));
      } else if (v !== null) {
        msg.add({ name, value: value(v, at), where: `${source}: ${at}` });
      }
    }
    return msg;
  };
  const value = (v: unknown, path: string): TextValue => {
    if (typeof v === 'string' || typeof v === 'number') return v;
    if (typeof v === 'boolean') return new TextIdentifier(String(v));
    if (Array.isArray(v)) throw new ConfigError(`${source}: ${path}: nested arrays are not allowed`);
    return message(v, path);
  };
  return message(json, '');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
