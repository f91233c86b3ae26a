import { useId, type KeyboardEvent, type Ref } from 'react';
import { useTranslation } from 'react-i18next';

interface Props {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** Most characters (the server's limit): typing stops there, and the counter shows it. */
  max: number;
  hint?: string | undefined;
  disabled?: boolean;
  rows?: number;
  onKeyDown?: (event: KeyboardEvent<HTMLTextAreaElement>) => void;
  textAreaRef?: Ref<HTMLTextAreaElement>;
}

/** A labelled text area with a length cap and a counter, both tied to it for assistive tech. */
export function CountedTextArea({ label, value, onChange, max, hint, disabled, rows = 2, onKeyDown, textAreaRef }: Props) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="field counted-field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        ref={textAreaRef}
        value={value}
        rows={rows}
        maxLength={max}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        aria-describedby={`${id}-count${hint ? ` ${id}-hint` : ''}`}
      />
      <div className="counted-meta">
        {hint ? (
          <p id={`${id}-hint`} className="hint">
            {hint}
          </p>
        ) : (
          <span />
        )}
        <p id={`${id}-count`} className="hint counter">
          {t('interaction.charactersLeft', { count: value.length, max })}
        </p>
      </div>
    </div>
  );
}
