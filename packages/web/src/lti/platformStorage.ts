import type { LtiPlatformStorage } from '@amphi/protocol';

/**
 * The LTI client-side postMessage storage ("LTI Client Side postMessages"): before running on a
 * launch whose login put the state in the platform's storage, the app reads it back there. Only
 * the browser that started the login has it: this binds the launch to this browser without a
 * third-party cookie.
 */

/** How long the platform has to answer (milliseconds). */
export const PLATFORM_STORAGE_TIMEOUT_MS = 5000;

/** A window that can receive a message (the platform's page or its storage frame). */
export interface MessageTarget {
  postMessage(message: unknown, targetOrigin: string): void;
}

/** What the check needs of the app's own window (a fake one in tests). */
export interface StorageHost {
  /** The page that frames the app (the LMS). */
  readonly parent: MessageTarget;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** The window named by `target`: the parent, or one of the parent's frames by name. */
export function storageFrame(host: StorageHost, target: string): MessageTarget | null {
  if (target === '_parent') return host.parent;
  try {
    // A named child of a cross-origin window is reachable through its `frames` by name.
    const frames: unknown = Reflect.get(host.parent, 'frames');
    const frame: unknown = typeof frames === 'object' && frames !== null ? Reflect.get(frames, target) : undefined;
    return typeof frame === 'object' && frame !== null && typeof Reflect.get(frame, 'postMessage') === 'function' ? (frame as MessageTarget) : null;
  } catch {
    return null;
  }
}

function randomId(): string {
  return Math.random().toString(36).slice(2) + Date.now().toString(36);
}

/**
 * Asks the platform's storage for `storage.key` and resolves true only when it answers, from
 * `storage.origin`, with `storage.value`; false on another value, an error answer, no storage
 * frame, or no answer within `timeoutMs`.
 */
export function confirmInPlatformStorage(
  storage: LtiPlatformStorage,
  host: StorageHost,
  options: { timeoutMs?: number; messageId?: string; setTimer?: (fn: () => void, ms: number) => unknown; clearTimer?: (timer: unknown) => void } = {},
): Promise<boolean> {
  const frame = storageFrame(host, storage.target);
  if (!frame) return Promise.resolve(false);
  const messageId = options.messageId ?? randomId();
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  return new Promise<boolean>((resolve) => {
    let timer: unknown = null;
    const finish = (ok: boolean) => {
      host.removeEventListener('message', onMessage);
      if (timer !== null) clearTimer(timer);
      resolve(ok);
    };
    function onMessage(event: MessageEvent): void {
      if (event.origin !== storage.origin) return;
      const data: unknown = event.data;
      if (typeof data !== 'object' || data === null) return;
      const answer = data as { subject?: unknown; message_id?: unknown; key?: unknown; value?: unknown };
      if (answer.subject !== 'lti.get_data.response' || answer.message_id !== messageId) return;
      // An error answer has no value: not confirmed.
      finish(answer.key === storage.key && answer.value === storage.value);
    }
    host.addEventListener('message', onMessage);
    timer = setTimer(() => finish(false), options.timeoutMs ?? PLATFORM_STORAGE_TIMEOUT_MS);
    try {
      frame.postMessage({ subject: 'lti.get_data', message_id: messageId, key: storage.key }, storage.origin);
    } catch {
      finish(false);
    }
  });
}
