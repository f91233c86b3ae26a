import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Room } from '@amphi/protocol';
import { api } from '../api.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { TextField } from '../ui/TextField.js';
import { useAction } from '../ui/useAction.js';

/** Co-hosts moderate the room like its owner; only the owner adds or removes them. */
export function CohostsSection({ room, canEdit, onChange }: { room: Room; canEdit: boolean; onChange: (room: Room) => void }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const { busy, error, run } = useAction();

  /** Sends one change; the server answers with the updated room. */
  const change = (request: () => Promise<Room>) => run(async () => onChange(await request()));
  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (await change(() => api.addCohost(room.id, email.trim()))) setEmail('');
  };

  return (
    <section className="card" aria-labelledby="cohosts">
      <h2 id="cohosts">{t('editor.cohosts')}</h2>
      <p className="hint">{canEdit ? t('editor.cohostsHint') : t('editor.cohostsOwnerOnly')}</p>
      {room.cohosts.length === 0 ? (
        <p>{t('editor.noCohosts')}</p>
      ) : (
        <ul className="plain-list">
          {room.cohosts.map((c) => (
            <li key={c.userId} className="inline">
              <span>
                {c.name} <span className="muted">({c.email})</span>
              </span>
              {canEdit && (
                <button type="button" className="secondary small" disabled={busy} onClick={() => void change(() => api.removeCohost(room.id, c.userId))}>
                  {t('editor.removeCohost', { name: c.name })}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <ErrorAlert code={error} />
      {canEdit && (
        <form onSubmit={(e) => void add(e)} className="inline-form">
          <TextField label={t('editor.cohostEmail')} type="email" required value={email} onChange={setEmail} />
          <button type="submit" disabled={busy}>
            {t('editor.addCohost')}
          </button>
        </form>
      )}
    </section>
  );
}
