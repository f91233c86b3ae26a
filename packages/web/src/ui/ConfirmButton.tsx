import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

interface ConfirmButtonProps {
  /** Text of the first button, which only asks for confirmation. */
  label: string;
  /** The question shown once it was pressed. */
  question: string;
  /** Text of the button that really acts. */
  confirmLabel: string;
  onConfirm: () => void;
  /** Disables the confirming button while the action runs. */
  busy?: boolean;
}

/** A dangerous action that asks for a second, explicit confirmation (with Cancel). */
export function ConfirmButton({ label, question, confirmLabel, onConfirm, busy = false }: ConfirmButtonProps) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  const questionId = useId();
  if (!confirming) {
    return (
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        {label}
      </button>
    );
  }
  return (
    <div role="group" aria-labelledby={questionId} className="confirm">
      <p id={questionId}>{question}</p>
      <div className="actions">
        <button type="button" className="danger" disabled={busy} onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button type="button" className="secondary" onClick={() => setConfirming(false)}>
          {t('app.cancel')}
        </button>
      </div>
    </div>
  );
}
