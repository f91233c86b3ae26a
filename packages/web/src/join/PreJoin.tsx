import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Role, RoomKind } from '@amphi/protocol';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { TextField } from '../ui/TextField.js';
import { useAction } from '../ui/useAction.js';
import { usePageTitle } from '../ui/usePageTitle.js';

export interface PreJoinProps {
  title: string;
  kind: RoomKind;
  role: Role;
  needsName: boolean;
  lobby: boolean;
  onJoin: (displayName: string | undefined) => Promise<void>;
}

/** Before entering: the room, the role one will have, one's name if needed, the device preview. */
export function PreJoin({ title, kind, role, needsName, lobby, onJoin }: PreJoinProps) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  // Stays busy once joined: the room replaces this page.
  const { busy, error, setError, run } = useAction({ keepBusyOnSuccess: true });
  usePageTitle(title);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const displayName = name.trim();
    if (needsName && displayName === '') {
      setError('NAME_REQUIRED');
      return;
    }
    await run(() => onJoin(needsName ? displayName : undefined));
  };

  return (
    <section className="card narrow prejoin">
      <h1>{title}</h1>
      <p className="meta">
        <span className="badge">{t(`kinds.${kind}`)}</span> {t('join.youWillJoinAs', { role: t(`roles.${role}`) })}
      </p>
      {lobby && <p className="notice">{t('join.lobbyNotice')}</p>}
      <form onSubmit={(e) => void submit(e)} className="stack">
        <ErrorAlert code={error} />
        {needsName && (
          <TextField
            label={t('join.displayName')}
            hint={t('join.displayNameHint')}
            autoComplete="name"
            required
            maxLength={80}
            value={name}
            onChange={setName}
            error={error === 'NAME_REQUIRED' ? t('errors.NAME_REQUIRED') : null}
          />
        )}
        <section className="device-preview" aria-labelledby="device-preview">
          <h2 id="device-preview">{t('join.devicePreview')}</h2>
          <p>{t('join.devicePreviewText')}</p>
        </section>
        <button type="submit" disabled={busy}>
          {busy ? t('join.joining') : t('join.joinButton')}
        </button>
      </form>
    </section>
  );
}
