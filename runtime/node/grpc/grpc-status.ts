import { asServingError, type ServingError, type Code } from '../../../core/errors.ts';

/**
 * Canonical status codes as numbers: gRPC's status codes, tensorflow.error.Code and absl's are
 * the same numbers. gRPC answers carry these unchanged (docs/tf-serving-compat.md 1.2).
 */
export const CODE_NUMBER: Record<Code | 'OK', number> = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

/** TF Serving cuts gRPC error messages longer than this and appends "...TRUNCATED". */
export const MAX_GRPC_MESSAGE_CHARS = 1024;

/**
 * A thrown value as a gRPC status, as TF Serving's ToGRPCStatus builds it: the canonical code and
 * the message, cut to 1024 characters plus "...TRUNCATED". Unknown errors are INTERNAL with a
 * generic message (never a stack trace).
 */
export function grpcStatus(err: unknown): { code: number; details: string; error: ServingError } {
  const error = asServingError(err);
  const message = error.message;
  const details = message.length > MAX_GRPC_MESSAGE_CHARS ? `${message.slice(0, MAX_GRPC_MESSAGE_CHARS)}...TRUNCATED` : message;
  return { code: CODE_NUMBER[error.code], details, error };
}
