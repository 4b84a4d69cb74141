import { invalidArgument, type ServingError } from '../../errors.ts';
import { renderJson } from './text.ts';
import type { JsonObject, JsonValue } from './value.ts';
import { DEFAULT_SIGNATURE } from '../tensor.ts';

/** Top-level checks shared by predict, classify and regress bodies (docs/tf-serving-compat.md 3, steps 2-3). */

/** The body as an object; else TF's `JSON Value: <body> Is not object` (INVALID_ARGUMENT). */
export function requestObject(body: JsonValue): JsonObject {
  if (!(body instanceof Map)) throw docError(body, 'Is not object');
  return body;
}

/** `signature_name`, defaulting to "serving_default"; a non-string is TF's INVALID_ARGUMENT. */
export function readSignatureName(doc: JsonObject): string {
  const name = doc.get('signature_name');
  if (name === undefined) return DEFAULT_SIGNATURE;
  if (typeof name !== 'string') {
    throw docError(doc, "not formatted correctly. 'signature_name' key must be a string value.");
  }
  return name;
}

/** TF's FormatError: `JSON Value: <whole document> <message>` (INVALID_ARGUMENT). */
export function docError(doc: JsonValue, message: string): ServingError {
  return invalidArgument(`JSON Value: ${renderJson(doc)} ${message}`);
}
