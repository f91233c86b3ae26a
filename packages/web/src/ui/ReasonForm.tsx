import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { TextField } from './TextField.js';

/** The longest reason the protocol accepts, in characters. */
const REASON_MAX_LENGTH = 200;

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
