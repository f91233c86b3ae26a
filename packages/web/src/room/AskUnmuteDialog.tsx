import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { RoomClient } from '@amphi/client';
import { mediaErrorMessage } from './mediaErrors.js';

interface Props {
  client: RoomClient;
  /** Whether one's microphone is on already (then a request is not shown). */
  micOn: boolean;
  unmute: () => Promise<void>;
}

/**
 * "NAME asks you to unmute", when a moderator asks: a non-modal alert dialog that takes the
 * focus (but does not unmute by itself), with Unmute and Not now. Escape dismisses it and the
 * focus returns where it was.
 */
export function AskUnmuteDialog({ client, micOn, unmute }: Props) {
  const { t } = useTranslation();
  const id = useId();
  const [asker, setAsker] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(
    () =>
      client.on('askUnmute', (byName) => {
        setError(null);
        setAsker(byName);
      }),
    [client],
  );

  const open = asker !== null && !micOn;
  useEffect(() => {
    if (!open) return;
    const active = document.activeElement;
    const returnTo = active instanceof HTMLElement && active !== document.body ? active : null;
    const node = dialog.current;
    node?.focus();
    return () => {
      // Closed (answered, dismissed, or unmuted with the controls): give the focus back if it was lost.
      const now = document.activeElement;
      if ((!now || now === document.body || node?.contains(now)) && returnTo?.isConnected) returnTo.focus();
    };
  }, [open]);

  // Once unmuted (here or with the controls), the request is answered.
  useEffect(() => {
    if (micOn) setAsker(null);
  }, [micOn]);

  const close = () => setAsker(null);

  if (!open) return null;
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    close();
  };
  const accept = () => {
    setBusy(true);
    setError(null);
    unmute()
      .then(close, (err: unknown) => setError(mediaErrorMessage(err, t)))
      .finally(() => setBusy(false));
  };
  return (
    <div ref={dialog} role="alertdialog" aria-modal="false" aria-labelledby={`${id}-text`} tabIndex={-1} className="card ask-unmute" onKeyDown={onKeyDown}>
      <p id={`${id}-text`} className="ask-unmute-text">
        {asker ? t('media.askUnmute', { name: asker }) : t('media.askUnmuteAnonymous')}
      </p>
      <div className="actions">
        <button type="button" aria-disabled={busy || undefined} onClick={() => !busy && accept()}>
          {t('media.unmute')}
        </button>
        <button type="button" className="secondary" onClick={close}>
          {t('media.notNow')}
        </button>
      </div>
      <div role="alert" className={error ? 'alert alert-error' : undefined}>
        {error}
      </div>
    </div>
  );
}
