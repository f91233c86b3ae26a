import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Action, Participant } from '@amphi/protocol';
import { useFocusAfterRemoval } from '../ui/useFocusAfterRemoval.js';
import { ModeratorControls, type ModeratorActions } from './ModeratorControls.js';

interface ItemProps {
  participant: Participant;
  isSelf: boolean;
  actions: ModeratorActions | null;
  allowed: ReadonlySet<Action>;
}

function ParticipantItem({ participant, isSelf, actions, allowed }: ItemProps) {
  const { t } = useTranslation();
  const p = participant;
  return (
    <li className={p.connected ? 'participant' : 'participant disconnected'}>
      <div className="participant-main">
        <span className="participant-name">
          {p.name} {isSelf && <span className="muted">{t('room.you')}</span>}
        </span>
        <span className="badge">{t(`roles.${p.role}`)}</span>
        {p.handRaised && <span className="badge badge-hand">{t('room.handRaised')}</span>}
        <span className={p.mic ? 'badge badge-on' : 'badge badge-off'}>{p.mic ? t('room.micOn') : t('room.micOff')}</span>
        {p.micLocked && <span className="badge badge-warn">{t('media.mutedByModerator')}</span>}
        <span className={p.cam ? 'badge badge-on' : 'badge badge-off'}>{p.cam ? t('room.camOn') : t('room.camOff')}</span>
        {p.screen && <span className="badge badge-on">{t('media.sharingScreen')}</span>}
        {!p.connected && <span className="badge badge-warn">{t('room.disconnected')}</span>}
      </div>
      {/* Re-mounted when the role changes, so the role picker starts from the new role. */}
      {actions && !isSelf && <ModeratorControls key={p.role} participant={p} actions={actions} allowed={allowed} />}
    </li>
  );
}

/** Everyone in the room, with moderator controls when allowed. */
export function ParticipantList({ participants, selfId, actions, allowed }: { participants: Participant[]; selfId: string | undefined; actions: ModeratorActions | null; allowed: ReadonlySet<Action> }) {
  const { t } = useTranslation();
  const focus = useFocusAfterRemoval(participants.map((p) => p.id));
  const { removing } = focus;
  const tracked = useMemo<ModeratorActions | null>(() => {
    if (!actions) return null;
    const remove = (id: string, reason: string | undefined) => {
      removing(id);
      actions.remove(id, reason);
    };
    return { ...actions, remove };
  }, [actions, removing]);
  return (
    <section className="card" aria-labelledby="people-heading">
      <h2 id="people-heading" ref={focus.heading} tabIndex={-1}>
        {t('room.people', { count: participants.length })}
      </h2>
      <ul className="participants" ref={focus.list} aria-labelledby="people-heading">
        {participants.map((p) => (
          <ParticipantItem key={p.id} participant={p} isSelf={p.id === selfId} actions={tracked} allowed={allowed} />
        ))}
      </ul>
    </section>
  );
}
