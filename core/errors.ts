/**
 * The one error type core raises. It carries a canonical code (the gRPC / absl status codes that
 * TF Serving uses); only core/http maps codes to HTTP statuses. Messages are user-facing: they
 * must never contain stack traces, file-system roots or storage credentials.
 */
export type Code =
  | 'CANCELLED'
  | 'UNKNOWN'
  | 'INVALID_ARGUMENT'
  | 'DEADLINE_EXCEEDED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_EXHAUSTED'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'OUT_OF_RANGE'
  | 'UNIMPLEMENTED'
  | 'INTERNAL'
  | 'UNAVAILABLE'
  | 'DATA_LOSS'
  | 'UNAUTHENTICATED';

export class ServingError extends Error {
  override readonly name = 'ServingError';
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
  }
}

export const invalidArgument = (message: string) => new ServingError('INVALID_ARGUMENT', message);
export const notFound = (message: string) => new ServingError('NOT_FOUND', message);
export const failedPrecondition = (message: string) => new ServingError('FAILED_PRECONDITION', message);
export const unavailable = (message: string) => new ServingError('UNAVAILABLE', message);
export const unimplemented = (message: string) => new ServingError('UNIMPLEMENTED', message);
export const internal = (message: string) => new ServingError('INTERNAL', message);

/**
 * Longest caller-supplied text (model names, labels, signature and input names, JSON snippets) an
 * error message quotes, as docs/api.md promises; every such quote goes through quoted().
 */
export const MAX_QUOTED_CHARS = 2000;

/** Caller text for a message: cut at MAX_QUOTED_CHARS, ending with "..." when cut. */
export function quoted(text: string): string {
  if (text.length <= MAX_QUOTED_CHARS) return text;
  // Do not split a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(text[MAX_QUOTED_CHARS - 1]) ? MAX_QUOTED_CHARS - 1 : MAX_QUOTED_CHARS;
  return `${text.slice(0, end)}...`;
}

/** Any thrown value as a ServingError; unknown errors become INTERNAL with a generic message. */
export function asServingError(err: unknown, fallback = 'Internal error'): ServingError {
  if (err instanceof ServingError) return err;
  return new ServingError('INTERNAL', fallback);
}
