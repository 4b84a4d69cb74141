import type { Code } from '../errors.ts';

/** Canonical code -> HTTP status, TF Serving's ToHTTPStatusCode table (docs/tf-serving-compat.md 1.2). REST and gRPC's metrics both use it. */
const HTTP_STATUS: Record<Code, number> = {
  CANCELLED: 499,
  UNKNOWN: 500,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 400,
  ABORTED: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
  UNAUTHENTICATED: 401,
};

export function httpStatus(code: Code): number {
  return HTTP_STATUS[code] ?? 500;
}
