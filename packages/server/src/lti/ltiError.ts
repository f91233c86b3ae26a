import { AmphiError } from '@amphi/protocol';

/**
 * A rejected LTI request (login initiation or launch). The code is the same for every cause
 * (`LTI_INVALID`), so a caller cannot tell a wrong signature from an unknown state by the
 * code alone; the detail names the cause for logs and for the error page.
 */
export function ltiError(detail: string): AmphiError {
  return new AmphiError('LTI_INVALID', detail);
}

/** Whether an error is one of ours (`ltiError`). */
export function isLtiError(error: unknown): error is AmphiError {
  return error instanceof AmphiError && error.code === 'LTI_INVALID';
}
