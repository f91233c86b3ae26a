import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RoomClient } from '@amphi/client';
import type { ErrorCode } from '@amphi/protocol';
import { errorCodeOf } from '../api.js';
import { BroadcastControls, type BroadcastActions } from '../audience/BroadcastControls.js';
import { LobbyPanel } from '../lobby/LobbyPanel.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { Announcer } from './Announcer.js';
import { AskUnmuteDialog } from './AskUnmuteDialog.js';
import { FocusHeading } from './FocusHeading.js';
import { InteractionPanel } from './InteractionPanel.js';
import { LockedBadge } from './LockedBadge.js';
import { mediaActions } from './mediaActions.js';
import { MediaBanner } from './MediaBanner.js';
import type { ModeratorActions } from './ModeratorControls.js';
import { NetworkIndicator } from './NetworkIndicator.js';
import { OwnControls, type OwnActions } from './OwnControls.js';
import { ParticipantList } from './ParticipantList.js';
import { RoomModeration, type RoomModerationActions } from './RoomModeration.js';
import { MediaStage } from './stage/MediaStage.js';
import { RemoteAudio } from './stage/RemoteAudio.js';
import { useLayerSelection } from './stage/useLayerSelection.js';
import { useMediaSession } from './useMediaSession.js';
import { useNetworkQuality } from './useNetworkQuality.js';
import type { RoomSnapshot } from './useRoomClient.js';

/**
 * The room once joined, on the stage: everyone's video and audio, people, lobby (moderators),
 * one's own controls, chat, questions and polls, and in a lecture the broadcast panel
 * (moderators). A lecture's viewers see AudienceView instead and never start a media session here.
 */
export function RoomView({ client, snapshot, serverError }: { client: RoomClient; snapshot: RoomSnapshot; serverError: ErrorCode | null }) {
  const { t } = useTranslation();
  const [actionError, setActionError] = useState<ErrorCode | null>(null);
  const { room, you, participants, lobby, allowed } = snapshot;
  const moderates = allowed.has('participant.setRole') || allowed.has('participant.remove') || allowed.has('hand.lowerOthers') || allowed.has('media.moderate');
  const media = useMediaSession(client, setActionError);
  const observe = useLayerSelection(media.session);
  const quality = useNetworkQuality(media.session);
  const { session, preferred } = media;
  const own = useMemo(() => mediaActions(session, preferred), [session, preferred]);

  const actions = useMemo(() => {
    // Every action reports its refusal (translated by code) instead of failing silently.
    const run = (action: () => Promise<void>) => {
      setActionError(null);
      action().catch((err: unknown) => setActionError(errorCodeOf(err)));
    };
    const ownActions: OwnActions = {
      toggleHand: () => run(() => (client.you?.handRaised ? client.lowerHand() : client.raiseHand())),
      leave: () => client.leave(),
      endSession: () => run(() => client.endSession()),
    };
    const moderation: ModeratorActions = {
      setRole: (id, role) => run(() => client.setRole(id, role)),
      lowerHand: (id) => run(() => client.lowerHand(id)),
      remove: (id, reason) => run(() => client.remove(id, reason)),
      mute: (id, source) => run(() => client.mute(id, source)),
      askToUnmute: (id) => run(() => client.askToUnmute(id)),
    };
    const roomModeration: RoomModerationActions = {
      muteAll: () => {
        setActionError(null);
        return client.muteAll().catch((err: unknown) => {
          setActionError(errorCodeOf(err));
          throw err;
        });
      },
      lock: (locked) => run(() => client.lock(locked)),
    };
    const lobbyActions = { admit: (id: string) => run(() => client.admit(id)), deny: (id: string, reason: string | undefined) => run(() => client.deny(id, reason)) };
    // The broadcast panel shows its own errors (useAction), beside its buttons.
    const broadcast: BroadcastActions = { start: () => client.startBroadcast(), stop: () => client.stopBroadcast(), setLayout: (layout) => client.setBroadcastLayout(layout) };
    return { own: ownActions, moderation, roomModeration, lobbyActions, broadcast };
  }, [client]);

  const locked = snapshot.session?.locked ?? false;
  // A lecture's broadcast to its audience (null in a classroom).
  const broadcast = snapshot.session?.broadcast ?? null;
  const local = media.snapshot.local;
  return (
    <div className="room">
      <MediaBanner reconnecting={media.snapshot.state === 'reconnecting' && snapshot.state !== 'reconnecting'} />
      <div className="page-head">
        <FocusHeading>{room?.title}</FocusHeading>
        <div className="inline">
          {room && <span className="badge">{t(`kinds.${room.kind}`)}</span>}
          <LockedBadge locked={locked} />
        </div>
      </div>
      <ErrorAlert code={actionError ?? serverError} />
      <Announcer participants={participants} lobby={lobby} selfId={you?.id} />
      <AskUnmuteDialog client={client} micOn={you?.mic ?? false} unmute={() => own.setMic(true)} />
      <MediaStage participants={participants} selfId={you?.id} media={media.snapshot} observe={observe} status={<NetworkIndicator quality={quality} />} />
      <RemoteAudio remote={media.snapshot.remote} selfId={you?.id} />
      <div className="grid">
        <div className="stack">
          {broadcast && room && allowed.has('broadcast.manage') && (
            <BroadcastControls roomId={room.id} broadcast={broadcast} actions={actions.broadcast} viewers={participants.filter((p) => p.role === 'viewer').length} />
          )}
          {allowed.has('lobby.manage') && <LobbyPanel lobby={lobby} onAdmit={actions.lobbyActions.admit} onDeny={actions.lobbyActions.deny} />}
          {(allowed.has('media.moderate') || allowed.has('session.lock')) && <RoomModeration allowed={allowed} locked={locked} actions={actions.roomModeration} />}
          <ParticipantList participants={participants} selfId={you?.id} actions={moderates ? actions.moderation : null} allowed={allowed} kind={room?.kind} />
        </div>
        <div className="stack">
          {you && room && <OwnControls you={you} allowed={allowed} actions={actions.own} media={own} micTrack={local.mic} sharing={local.screen !== undefined} />}
          {you && room && <InteractionPanel client={client} you={you} room={room} />}
        </div>
      </div>
    </div>
  );
}
