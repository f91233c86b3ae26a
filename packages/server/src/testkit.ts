/** Helpers shared by the server's unit tests (no I/O). */
import { expect } from 'vitest';
import { AmphiError, type ErrorCode } from '@amphi/protocol';

/** Expects `action` to throw an AmphiError with this code. */
export function expectCode(action: () => unknown, code: ErrorCode): void {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AmphiError);
  expect(thrown).toMatchObject({ code });
}

/** One row of a permission table written out by hand in a test: a cell per role, in the order of ROLES. */
export type RoleRow = readonly [moderator: boolean, presenter: boolean, participant: boolean, viewer: boolean, guest: boolean];
export const Y = true;
export const N = false;
