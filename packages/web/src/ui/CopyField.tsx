import { useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** Copies text with the Clipboard API, falling back to selecting the field and execCommand. */
async function copyText(text: string, input: HTMLInputElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Refused (permissions, insecure context): try the old way below.
  }
  if (!input) return false;
  input.focus();
  input.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  }
}

/** A read-only field showing a link (so it can be read and selected) with a Copy button. */
export function CopyField({ label, value }: { label: string; value: string }) {
  const { t } = useTranslation();
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [result, setResult] = useState<'copied' | 'failed' | null>(null);
  return (
    <div className="field copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="inline">
        <input id={id} ref={input} type="text" readOnly value={value} onFocus={(e) => e.currentTarget.select()} spellCheck={false} />
        <button type="button" aria-label={t('editor.copyNamed', { label })} onClick={() => void copyText(value, input.current).then((ok) => setResult(ok ? 'copied' : 'failed'))}>
          {t('editor.copy')}
        </button>
      </div>
      <p role="status" className="hint">
        {result === 'copied' ? t('editor.copied') : result === 'failed' ? t('editor.copyFailed') : null}
      </p>
    </div>
  );
}
