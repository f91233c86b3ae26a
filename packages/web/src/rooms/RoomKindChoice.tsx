import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { RoomKind } from '@amphi/protocol';

/** The choice between a classroom and a lecture, each with its one-line explanation. */
export function RoomKindChoice({ legend, value, onChange }: { legend: string; value: RoomKind; onChange: (kind: RoomKind) => void }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <fieldset>
      <legend>{legend}</legend>
      {RoomKind.options.map((kind) => (
        <div className="choice" key={kind}>
          <input type="radio" id={`${id}-${kind}`} name={`${id}-kind`} value={kind} checked={value === kind} onChange={() => onChange(kind)} aria-describedby={`${id}-${kind}-hint`} />
          <label htmlFor={`${id}-${kind}`}>{t(`kinds.${kind}`)}</label>
          <p className="hint" id={`${id}-${kind}-hint`}>
            {t(`kindHints.${kind}`)}
          </p>
        </div>
      ))}
    </fieldset>
  );
}
