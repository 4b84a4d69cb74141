/**
 * The JSON document model of TF Serving request bodies. JSON.parse cannot be used: TF Serving
 * accepts NaN/Infinity tokens, keeps int64 literals exact, and treats `1` and `1.0` differently
 * (an integer dtype accepts only integer literals). So numbers are represented as:
 *   - integer literal within +-(2^53 - 1)            -> number (Number.isInteger is true)
 *   - integer literal beyond that                     -> bigint (exact)
 *   - literal with '.' or exponent, integral value    -> JsonDouble (so 1.0 is not an integer)
 *   - any other decimal literal, NaN, +-Infinity      -> number (never an integer)
 * Objects are Maps in document order; duplicate keys keep the first occurrence (as rapidjson).
 */
export class JsonDouble {
  constructor(readonly value: number) {}
}

export type JsonValue = null | boolean | number | bigint | JsonDouble | string | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;
