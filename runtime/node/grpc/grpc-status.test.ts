import { describe, expect, it } from 'vitest';
import { ServingError } from '../../../core/errors.ts';
import { grpcStatus } from './grpc-status.ts';

describe('grpcStatus', () => {
  it('keeps the canonical code and the message', () => {
    expect(grpcStatus(new ServingError('NOT_FOUND', 'gone'))).toMatchObject({ code: 5, details: 'gone' });
    expect(grpcStatus(new ServingError('UNAUTHENTICATED', 'who'))).toMatchObject({ code: 16 });
  });

  it("cuts messages over 1024 characters like TF Serving's ToGRPCStatus", () => {
    const long = 'x'.repeat(1025);
    expect(grpcStatus(new ServingError('INVALID_ARGUMENT', long)).details).toBe('x'.repeat(1024) + '...TRUNCATED');
    expect(grpcStatus(new ServingError('INVALID_ARGUMENT', 'x'.repeat(1024))).details).toBe('x'.repeat(1024));
  });

  it('hides unexpected errors behind INTERNAL', () => {
    expect(grpcStatus(new Error('secret stack'))).toMatchObject({ code: 13, details: 'Internal error' });
  });
});
