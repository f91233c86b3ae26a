import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorCode, LinkRole, RoomLinks } from '@amphi/protocol';
import { api, errorCodeOf } from '../api.js';
import { CopyField } from '../ui/CopyField.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { StatusMessage } from '../ui/StatusMessage.js';
import { useLoad } from '../ui/useLoad.js';

const ROLES: LinkRole[] = ['participant', 'moderator'];

/** The two join links of a room, each with Copy and "Revoke and make a new link". */
export function JoinLinksSection({ roomId }: { roomId: string }) {
  const { t } = useTranslation();
  const [links, setLinks] = useLoad(() => api.links(roomId), roomId);
  const [busy, setBusy] = useState<LinkRole | null>(null);
  const [revoked, setRevoked] = useState<LinkRole | null>(null);
  const [error, setError] = useState<ErrorCode | null>(null);

  const rotate = async (current: RoomLinks, role: LinkRole) => {
    setBusy(role);
    setError(null);
    setRevoked(null);
    try {
      const link = await api.rotateLink(roomId, role);
      setLinks({ ...current, [role]: link });
      setRevoked(role);
    } catch (err) {
      setError(errorCodeOf(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card" aria-labelledby="join-links">
      <h2 id="join-links">{t('editor.links')}</h2>
      <p className="hint">{t('editor.linksHint')}</p>
      {links.status === 'loading' && <p role="status">{t('app.loading')}</p>}
      <ErrorAlert code={links.status === 'error' ? links.code : error} />
      {links.status === 'ready' &&
        ROLES.map((role) => {
          const label = role === 'participant' ? t('editor.participantLink') : t('editor.moderatorLink');
          return (
            <section key={role} className="link-block" aria-label={label}>
              <CopyField key={links.data[role].url} label={label} value={links.data[role].url} />
              <button type="button" className="secondary" disabled={busy !== null} onClick={() => void rotate(links.data, role)}>
                {t('editor.revoke')}
              </button>
              <StatusMessage>{revoked === role ? t('editor.revoked') : null}</StatusMessage>
            </section>
          );
        })}
    </section>
  );
}
