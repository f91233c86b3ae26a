import { useTranslation } from 'react-i18next';
import type { LobbyEntry } from '@amphi/protocol';

/** For moderators: who is waiting in the lobby, with Admit and Deny. */
export function LobbyPanel({ lobby, onAdmit, onDeny }: { lobby: LobbyEntry[]; onAdmit: (id: string) => void; onDeny: (id: string) => void }) {
  const { t } = useTranslation();
  return (
    <section className={lobby.length > 0 ? 'card lobby-panel attention' : 'card lobby-panel'} aria-labelledby="lobby-heading">
      <h2 id="lobby-heading">{t('lobby.title', { count: lobby.length })}</h2>
      {lobby.length === 0 ? (
        <p className="muted">{t('lobby.empty')}</p>
      ) : (
        <ul className="plain-list" aria-labelledby="lobby-heading">
          {lobby.map((entry) => (
            <li key={entry.id} className="inline lobby-entry">
              <span className="participant-name">{entry.name}</span>
              <span className="badge">{t(`roles.${entry.role}`)}</span>
              <button type="button" className="small" aria-label={t('lobby.admitName', { name: entry.name })} onClick={() => onAdmit(entry.id)}>
                {t('lobby.admit')}
              </button>
              <button type="button" className="secondary small" aria-label={t('lobby.denyName', { name: entry.name })} onClick={() => onDeny(entry.id)}>
                {t('lobby.deny')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
