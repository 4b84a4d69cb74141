import { expect } from 'vitest';
import { ServingError, type Code } from '../../core/errors.ts';

/** The error `run` throws, asserted to be an instance of `type`; fails the test if nothing is thrown. */
export function thrown<E extends Error>(run: () => unknown, type: abstract new (...args: never[]) => E): E {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(type);
    return err as E;
  }
  throw new Error(`expected ${type.name} to be thrown`);
}

/** The message of the ServingError `run` throws, asserted to carry `code`. */
export function servingErrorMessage(run: () => unknown, code: Code = 'INVALID_ARGUMENT'): string {
  const err = thrown(run, ServingError);
  expect(err.code).toBe(code);
  return err.message;
}
