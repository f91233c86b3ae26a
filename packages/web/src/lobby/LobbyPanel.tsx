import { useTranslation } from 'react-i18next';
import type { LobbyEntry } from '@amphi/protocol';
import { ReasonForm, useReasonForm } from '../ui/ReasonForm.js';
import { useFocusAfterRemoval } from '../ui/useFocusAfterRemoval.js';

interface EntryProps {
  entry: LobbyEntry;
  onAdmit: (id: string) => void;
  onDeny: (id: string, reason: string | undefined) => void;
}

/** One person waiting: Admit at once, or Deny after an optional reason shown to them. */
function LobbyEntryItem({ entry, onAdmit, onDeny }: EntryProps) {
  const { t } = useTranslation();
  const name = entry.name;
  const denying = useReasonForm();

  return (
    <li className="lobby-entry">
      <div className="inline">
        <span className="participant-name">{name}</span>
        <span className="badge">{t(`roles.${entry.role}`)}</span>
        <button type="button" className="small" aria-label={t('lobby.admitName', { name })} onClick={() => onAdmit(entry.id)}>
          {t('lobby.admit')}
        </button>
        {!denying.open && (
          <button type="button" ref={denying.opener} className="secondary small" aria-label={t('lobby.denyOf', { name })} onClick={denying.start}>
            {t('lobby.deny')}
          </button>
        )}
      </div>
      {denying.open && <ReasonForm label={t('lobby.denyReason', { name })} confirmLabel={t('lobby.denyName', { name })} onConfirm={(reason) => onDeny(entry.id, reason)} onCancel={denying.cancel} />}
    </li>
  );
}

/** For moderators: who is waiting in the lobby, with Admit and Deny (with an optional reason). */
export function LobbyPanel({ lobby, onAdmit, onDeny }: { lobby: LobbyEntry[] } & Omit<EntryProps, 'entry'>) {
  const { t } = useTranslation();
  const focus = useFocusAfterRemoval(lobby.map((entry) => entry.id));
  const admit = (id: string) => {
    focus.removing(id);
    onAdmit(id);
  };
  const deny = (id: string, reason: string | undefined) => {
    focus.removing(id);
    onDeny(id, reason);
  };
  return (
    <section className={lobby.length > 0 ? 'card lobby-panel attention' : 'card lobby-panel'} aria-labelledby="lobby-heading">
      <h2 id="lobby-heading" ref={focus.heading} tabIndex={-1}>{t('lobby.title', { count: lobby.length })}</h2>
      {lobby.length === 0 ? (
        <p className="muted">{t('lobby.empty')}</p>
      ) : (
        <ul className="plain-list" ref={focus.list} aria-labelledby="lobby-heading">
          {lobby.map((entry) => (
            <LobbyEntryItem key={entry.id} entry={entry} onAdmit={admit} onDeny={deny} />
          ))}
        </ul>
      )}
    </section>
  );
}
