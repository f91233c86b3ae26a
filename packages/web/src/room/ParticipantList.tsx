import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Action, Participant, RoomKind } from '@amphi/protocol';
import { orderByRaisedHand } from '../audience/handQueue.js';
import { useFocusAfterRemoval } from '../ui/useFocusAfterRemoval.js';
import { ModeratorControls, type ModeratorActions } from './ModeratorControls.js';

interface ItemProps {
  participant: Participant;
  isSelf: boolean;
  actions: ModeratorActions | null;
  allowed: ReadonlySet<Action>;
  kind: RoomKind | undefined;
  /** Place in the queue of raised hands (lectures, for moderators), else null. */
  queuePosition: number | null;
}

function ParticipantItem({ participant, isSelf, actions, allowed, kind, queuePosition }: ItemProps) {
  const { t } = useTranslation();
  const p = participant;
  return (
    <li className={p.connected ? 'participant' : 'participant disconnected'}>
      <div className="participant-main">
        <span className="participant-name">
          {p.name} {isSelf && <span className="muted">{t('room.you')}</span>}
        </span>
        <span className="badge">{t(`roles.${p.role}`)}</span>
        {p.handRaised && <span className="badge badge-hand">{queuePosition !== null ? t('room.handQueue', { position: queuePosition }) : t('room.handRaised')}</span>}
        <span className={p.mic ? 'badge badge-on' : 'badge badge-off'}>{p.mic ? t('room.micOn') : t('room.micOff')}</span>
        {p.micLocked && <span className="badge badge-warn">{t('media.mutedByModerator')}</span>}
        <span className={p.cam ? 'badge badge-on' : 'badge badge-off'}>{p.cam ? t('room.camOn') : t('room.camOff')}</span>
        {p.screen && <span className="badge badge-on">{t('media.sharingScreen')}</span>}
        {!p.connected && <span className="badge badge-warn">{t('room.disconnected')}</span>}
      </div>
      {/* Re-mounted when the role changes, so the role picker starts from the new role. */}
      {actions && !isSelf && <ModeratorControls key={p.role} participant={p} actions={actions} allowed={allowed} kind={kind} />}
    </li>
  );
}

interface Props {
  participants: Participant[];
  selfId: string | undefined;
  actions: ModeratorActions | null;
  allowed: ReadonlySet<Action>;
  /** In a lecture, moderators see raised hands first, numbered in the order they were raised. */
  kind?: RoomKind | undefined;
}

/** Everyone in the room, with moderator controls when allowed. */
export function ParticipantList({ participants, selfId, actions, allowed, kind }: Props) {
  const { t } = useTranslation();
  const queued = useMemo(
    () => (kind === 'lecture' && actions ? orderByRaisedHand(participants) : participants.map((participant) => ({ participant, queuePosition: null }))),
    [kind, actions, participants],
  );
  // In the order shown, so the focus goes to the item that takes a removed one's place.
  const focus = useFocusAfterRemoval(queued.map((q) => q.participant.id));
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
        {queued.map(({ participant: p, queuePosition }) => (
          <ParticipantItem key={p.id} participant={p} isSelf={p.id === selfId} actions={tracked} allowed={allowed} kind={kind} queuePosition={queuePosition} />
        ))}
      </ul>
    </section>
  );
}
