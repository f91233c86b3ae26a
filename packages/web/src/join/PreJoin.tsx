import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Role, RoomKind } from '@amphi/protocol';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { TextField } from '../ui/TextField.js';
import { useAction } from '../ui/useAction.js';
import { usePageTitle } from '../ui/usePageTitle.js';
import { DevicePreview } from './DevicePreview.js';
import { JOIN_MUTED_ABOVE, useDevicePreview } from './useDevicePreview.js';

export interface PreJoinProps {
  title: string;
  kind: RoomKind;
  role: Role;
  needsName: boolean;
  lobby: boolean;
  /** People in the live session now: above JOIN_MUTED_ABOVE (10) the mic starts off. */
  liveCount: number;
  onJoin: (displayName: string | undefined) => Promise<void>;
}

/** Before entering: the room, the role one will have, one's name if needed, the device check (not for viewers, who send nothing). */
export function PreJoin({ title, kind, role, needsName, lobby, liveCount, onJoin }: PreJoinProps) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  // Stays busy once joined: the room replaces this page.
  const { busy, error, setError, run } = useAction({ keepBusyOnSuccess: true });
  usePageTitle(title);
  const sendsMedia = role !== 'viewer';
  const startMuted = liveCount > JOIN_MUTED_ABOVE;
  const preview = useDevicePreview({ enabled: sendsMedia, startMuted });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const displayName = name.trim();
    if (needsName && displayName === '') {
      setError('NAME_REQUIRED');
      return;
    }
    await run(async () => {
      // Handed over before joining: the room may take the tracks as soon as it appears.
      if (sendsMedia) preview.handOver();
      try {
        await onJoin(needsName ? displayName : undefined);
      } catch (err) {
        preview.takeBack();
        throw err;
      }
    });
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
        {sendsMedia && <DevicePreview preview={preview} startMuted={startMuted} disabled={busy} />}
        <button type="submit" disabled={busy}>
          {busy ? t('join.joining') : t('join.joinButton')}
        </button>
      </form>
    </section>
  );
}
