import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RoomClient } from '@amphi/client';
import type { ErrorCode } from '@amphi/protocol';
import { errorCodeOf } from '../api.js';
import { LobbyPanel } from '../lobby/LobbyPanel.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { Announcer } from './Announcer.js';
import { FocusHeading } from './FocusHeading.js';
import type { ModeratorActions } from './ModeratorControls.js';
import { OwnControls, type OwnActions } from './OwnControls.js';
import { ParticipantList } from './ParticipantList.js';
import type { RoomSnapshot } from './useRoomClient.js';

/** The room once joined: people, lobby (moderators), one's own controls. */
export function RoomView({ client, snapshot, serverError }: { client: RoomClient; snapshot: RoomSnapshot; serverError: ErrorCode | null }) {
  const { t } = useTranslation();
  const [actionError, setActionError] = useState<ErrorCode | null>(null);
  const { room, you, participants, lobby, allowed } = snapshot;
  const moderates = allowed.has('participant.setRole') || allowed.has('participant.remove') || allowed.has('hand.lowerOthers');

  const actions = useMemo(() => {
    // Every action reports its refusal (translated by code) instead of failing silently.
    const run = (action: () => Promise<void>) => {
      setActionError(null);
      action().catch((err: unknown) => setActionError(errorCodeOf(err)));
    };
    const own: OwnActions = {
      toggleHand: () => run(() => (client.you?.handRaised ? client.lowerHand() : client.raiseHand())),
      setMedia: (change) => run(() => client.setMedia(change)),
      leave: () => client.leave(),
      endSession: () => run(() => client.endSession()),
    };
    const moderation: ModeratorActions = {
      setRole: (id, role) => run(() => client.setRole(id, role)),
      lowerHand: (id) => run(() => client.lowerHand(id)),
      remove: (id, reason) => run(() => client.remove(id, reason)),
    };
    const lobbyActions = { admit: (id: string) => run(() => client.admit(id)), deny: (id: string, reason: string | undefined) => run(() => client.deny(id, reason)) };
    return { own, moderation, lobbyActions };
  }, [client]);

  return (
    <div className="room">
      <div className="page-head">
        <FocusHeading>{room?.title}</FocusHeading>
        {room && <span className="badge">{t(`kinds.${room.kind}`)}</span>}
      </div>
      <ErrorAlert code={actionError ?? serverError} />
      <Announcer participants={participants} lobby={lobby} selfId={you?.id} />
      <div className="grid">
        <div className="stack">
          {allowed.has('lobby.manage') && <LobbyPanel lobby={lobby} onAdmit={actions.lobbyActions.admit} onDeny={actions.lobbyActions.deny} />}
          <ParticipantList participants={participants} selfId={you?.id} actions={moderates ? actions.moderation : null} allowed={allowed} />
        </div>
        {you && room && <OwnControls you={you} allowed={allowed} actions={actions.own} />}
      </div>
    </div>
  );
}
