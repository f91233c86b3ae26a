import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorCode, Role, RoomKind } from '@amphi/protocol';
import { errorCodeOf } from '../api.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { TextField } from '../ui/TextField.js';
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorCode | null>(null);
  usePageTitle(title);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const displayName = name.trim();
    if (needsName && displayName === '') {
      setError('NAME_REQUIRED');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onJoin(needsName ? displayName : undefined);
    } catch (err) {
      setError(errorCodeOf(err));
      setBusy(false);
    }
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
