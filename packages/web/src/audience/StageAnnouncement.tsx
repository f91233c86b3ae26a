import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Role, RoomKind } from '@amphi/protocol';
import { stageTransition } from './handQueue.js';

/** How long the notice stays visible (ms); screen readers have announced it by then. */
const VISIBLE_MS = 10_000;

/**
 * "You are on stage" when a moderator brings one from a lecture's audience to the stage, and
 * "You are back in the audience" the other way: one live region that stays in the page
 * (mounted above both views), so the switch of screen is announced, and shown for a while.
 */
export function StageAnnouncement({ kind, role }: { kind: RoomKind | undefined; role: Role | undefined }) {
  const { t } = useTranslation();
  const previous = useRef(role);
  const [message, setMessage] = useState<'toStage' | 'toAudience' | null>(null);

  useEffect(() => {
    const change = stageTransition(kind, previous.current, role);
    if (role !== undefined) previous.current = role;
    if (change) setMessage(change);
  }, [kind, role]);
  useEffect(() => {
    if (!message) return;
    const timer = setTimeout(() => setMessage(null), VISIBLE_MS);
    return () => clearTimeout(timer);
  }, [message]);

  return (
    <p role="status" className={message ? 'notice stage-notice' : undefined}>
      {message === 'toStage' ? t('room.onStage') : message === 'toAudience' ? t('room.backInAudience') : null}
    </p>
  );
}
