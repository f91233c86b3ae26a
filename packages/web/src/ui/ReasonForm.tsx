import { useRef, useState, type FormEvent } from 'react';
import { flushSync } from 'react-dom';
import { useTranslation } from 'react-i18next';
import { TextField } from './TextField.js';

/** The longest reason the protocol accepts, in characters. */
const REASON_MAX_LENGTH = 200;

/**
 * Whether a reason form is open. `cancel` closes it and returns the focus to the button that
 * opened it (give that button `ref={opener}`), so keyboard users keep their place.
 */
export function useReasonForm() {
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const cancel = () => {
    // The button is back in the page only once the close is rendered.
    flushSync(() => setOpen(false));
    opener.current?.focus();
  };
  return { open, start: () => setOpen(true), cancel, opener };
}

/**
 * Confirms a moderator's action on someone (remove, deny) with an optional reason shown to
 * them. The reason is trimmed; an empty one is passed as undefined. The field takes the focus
 * when the form appears.
 */
export function ReasonForm({ label, confirmLabel, onConfirm, onCancel }: { label: string; confirmLabel: string; onConfirm: (reason: string | undefined) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const text = reason.trim();
    onConfirm(text === '' ? undefined : text);
  };

  return (
    <form className="inline reason-form" onSubmit={submit}>
      <TextField label={label} type="text" value={reason} maxLength={REASON_MAX_LENGTH} onChange={setReason} autoFocus />
      <button type="submit" className="danger small">
        {confirmLabel}
      </button>
      <button type="button" className="secondary small" onClick={onCancel}>
        {t('app.cancel')}
      </button>
    </form>
  );
}
