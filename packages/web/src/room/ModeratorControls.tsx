import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Role, type Action, type MediaSource, type Participant, type RoomKind } from '@amphi/protocol';
import { stageMoveFor } from '../audience/handQueue.js';
import { ReasonForm, useReasonForm } from '../ui/ReasonForm.js';

const ASSIGNABLE = Role.options.filter((r) => r !== 'guest');

export interface ModeratorActions {
  setRole(participantId: string, role: Role): void;
  lowerHand(participantId: string): void;
  remove(participantId: string, reason: string | undefined): void;
  /** Turns off someone's microphone (locked until asked to unmute), camera or screen share. */
  mute(participantId: string, source: Exclude<MediaSource, 'screenAudio'>): void;
  askToUnmute(participantId: string): void;
}

interface Props {
  participant: Participant;
  actions: ModeratorActions;
  /** One's own permissions: each control shows only when allowed. */
  allowed: ReadonlySet<Action>;
  /** In a lecture: "Invite to the stage" for a viewer, "Send back to the audience" for a presenter. */
  kind?: RoomKind | undefined;
}

/** Someone's microphone, camera and screen, as a moderator may change them. */
function MediaModeration({ participant, actions }: { participant: Participant; actions: ModeratorActions }) {
  const { t } = useTranslation();
  const { id, name } = participant;
  return (
    <>
      {participant.mic && (
        <button type="button" className="secondary small" onClick={() => actions.mute(id, 'mic')}>
          {t('media.muteName', { name })}
        </button>
      )}
      {(participant.micLocked || !participant.mic) && (
        <button type="button" className="secondary small" onClick={() => actions.askToUnmute(id)}>
          {t('media.askToUnmuteName', { name })}
        </button>
      )}
      {participant.cam && (
        <button type="button" className="secondary small" onClick={() => actions.mute(id, 'camera')}>
          {t('media.stopCameraOf', { name })}
        </button>
      )}
      {participant.screen && (
        <button type="button" className="secondary small" onClick={() => actions.mute(id, 'screen')}>
          {t('media.stopScreenOf', { name })}
        </button>
      )}
    </>
  );
}

/**
 * What a moderator can do to someone else: invite to a lecture's stage or send back to its
 * audience, change role, lower hand, mute or ask to unmute, stop camera or screen, remove
 * (with a reason).
 */
export function ModeratorControls({ participant, actions, allowed, kind }: Props) {
  const { t } = useTranslation();
  const id = useId();
  const name = participant.name;
  const [role, setRole] = useState<Role>(participant.role);
  const removing = useReasonForm();
  const stageMove = allowed.has('participant.setRole') ? stageMoveFor(kind, participant.role) : null;

  return (
    <div className="moderator-controls">
      <div className="inline">
        {stageMove && (
          <button type="button" className={stageMove.label === 'invite' ? 'small' : 'secondary small'} onClick={() => actions.setRole(participant.id, stageMove.role)}>
            {stageMove.label === 'invite' ? t('room.inviteToStage', { name }) : t('room.backToAudience', { name })}
          </button>
        )}
        {allowed.has('participant.setRole') && (
          <>
            <label htmlFor={`${id}-role`} className="inline-label">
              {t('room.roleOf', { name })}
            </label>
            <select id={`${id}-role`} value={role} onChange={(e) => setRole(Role.parse(e.target.value))}>
              {/* A guest keeps "guest" in the list until given another role. */}
              {(participant.role === 'guest' ? Role.options : ASSIGNABLE).map((r) => (
                <option key={r} value={r}>
                  {t(`roles.${r}`)}
                </option>
              ))}
            </select>
            <button type="button" className="secondary small" disabled={role === participant.role} onClick={() => actions.setRole(participant.id, role)}>
              {t('room.applyRole')}
            </button>
          </>
        )}
        {participant.handRaised && allowed.has('hand.lowerOthers') && (
          <button type="button" className="secondary small" onClick={() => actions.lowerHand(participant.id)}>
            {t('room.lowerHandOf', { name })}
          </button>
        )}
        {/* A lecture's viewers send nothing: no microphone or camera to moderate. */}
        {allowed.has('media.moderate') && !(kind === 'lecture' && participant.role === 'viewer') && <MediaModeration participant={participant} actions={actions} />}
        {!removing.open && allowed.has('participant.remove') && (
          <button type="button" ref={removing.opener} className="danger small" onClick={removing.start}>
            {t('room.removeOf', { name })}
          </button>
        )}
      </div>
      {removing.open && (
        <ReasonForm label={t('room.removeReason', { name })} confirmLabel={t('room.removeConfirm', { name })} onConfirm={(reason) => actions.remove(participant.id, reason)} onCancel={removing.cancel} />
      )}
    </div>
  );
}
