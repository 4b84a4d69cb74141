/**
 * The one error type core raises. It carries a canonical code (the gRPC / absl status codes that
 * TF Serving uses); only core/http maps codes to HTTP statuses. Messages are user-facing: they
 * must never contain stack traces, file-system roots or storage credentials.
 *
 * `cause` (ES2022 Error cause) keeps the underlying error for operators: errorLogText() prints it
 * in log lines. It is never part of a response body, which carries `message` only.
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
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type Options = { cause?: unknown };
export const invalidArgument = (message: string, options?: Options) => new ServingError('INVALID_ARGUMENT', message, options);
export const notFound = (message: string, options?: Options) => new ServingError('NOT_FOUND', message, options);
export const failedPrecondition = (message: string, options?: Options) => new ServingError('FAILED_PRECONDITION', message, options);
export const unavailable = (message: string, options?: Options) => new ServingError('UNAVAILABLE', message, options);
export const internal = (message: string, options?: Options) => new ServingError('INTERNAL', message, options);

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

/**
 * Any thrown value as a ServingError; unknown errors become INTERNAL with a generic message and
 * keep the original as `cause`, so the log line can say what really failed.
 */
export function asServingError(err: unknown, fallback = 'Internal error'): ServingError {
  if (err instanceof ServingError) return err;
  return new ServingError('INTERNAL', fallback, { cause: err });
}

/**
 * An error for a log line (never a response body): the message, then each cause in turn. A
 * ServingError contributes its message; anything else its stack (which starts with its message),
 * so an unexpected failure can be traced. Cycles and very deep chains stop after 5 causes.
 */
export function errorLogText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth <= 5; depth++) {
    parts.push(describe(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join('; caused by: ');
}

/**
 * True when a transport should log err as unexpected: it is not a ServingError, or it is an
 * INTERNAL one that wraps an unknown error (asServingError's fallback). Expected failures
 * (bad input, not found, storage down) are logged where they happen, not per response.
 */
export function isUnexpectedError(err: unknown): boolean {
  if (!(err instanceof ServingError)) return true;
  return err.code === 'INTERNAL' && err.cause !== undefined && !(err.cause instanceof ServingError);
}

function describe(e: unknown): string {
  if (e instanceof ServingError) return e.message;
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return String(e);
}
