import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RoomClient } from '@amphi/client';
import type { ErrorCode } from '@amphi/protocol';
import { errorCodeOf } from '../api.js';
import { setPendingMedia } from '../media/pendingMedia.js';
import { FocusHeading } from '../room/FocusHeading.js';
import { InteractionPanel } from '../room/InteractionPanel.js';
import { OwnControls, type OwnActions } from '../room/OwnControls.js';
import type { RoomSnapshot } from '../room/useRoomClient.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { AudiencePlayer } from './AudiencePlayer.js';
import { playbackClock, type ProgramClock } from './programClock.js';

interface Props {
  client: RoomClient;
  snapshot: RoomSnapshot;
  serverError: ErrorCode | null;
}

/**
 * A lecture as its audience sees it: a waiting screen before the broadcast, the player while
 * it is live, an end screen after; raise or lower one's hand, and leave; chat, questions and
 * polls in step with the player. Viewers send no media and never join the stage's media (the
 * server would refuse): the player is all they receive.
 */
export function AudienceView({ client, snapshot, serverError }: Props) {
  const { t } = useTranslation();
  const [actionError, setActionError] = useState<ErrorCode | null>(null);
  const { room, you, allowed } = snapshot;
  const broadcast = snapshot.session?.broadcast ?? null;
  const state = broadcast?.state ?? 'idle';
  // The interaction panel (chat, Q&A, polls) shows events when the player reaches their media time.
  const { interaction } = client;
  const onClock = useCallback((clock: ProgramClock | null) => interaction.setPlaybackClock(playbackClock(clock)), [interaction]);
  useEffect(() => () => interaction.setPlaybackClock(null), [interaction]);

  // Viewers send nothing: a device the pre-join page may have started goes off.
  useEffect(() => setPendingMedia(null), []);

  const actions = useMemo<OwnActions>(() => {
    const run = (action: () => Promise<void>) => {
      setActionError(null);
      action().catch((err: unknown) => setActionError(errorCodeOf(err)));
    };
    return {
      toggleHand: () => run(() => (client.you?.handRaised ? client.lowerHand() : client.raiseHand())),
      leave: () => client.leave(),
      endSession: () => run(() => client.endSession()),
    };
  }, [client]);

  return (
    <div className="room audience">
      <div className="page-head">
        <FocusHeading>{room?.title}</FocusHeading>
        {room && <span className="badge">{t(`kinds.${room.kind}`)}</span>}
      </div>
      <ErrorAlert code={actionError ?? serverError} />
      {/* One live region that stays in the page: each change of the broadcast is announced. */}
      <p role="status" className="visually-hidden">
        {state === 'idle' ? t('audience.notStarted') : state === 'live' ? t('audience.live') : t('audience.ended')}
      </p>
      {state === 'live' && broadcast ? (
        <div className="card player-card">
          <AudiencePlayer client={client} broadcast={broadcast} onClock={onClock} />
        </div>
      ) : (
        <section className="card audience-screen" aria-labelledby="audience-state">
          <h2 id="audience-state">{state === 'ended' ? t('audience.ended') : t('audience.notStarted')}</h2>
          <p>{state === 'ended' ? t('audience.endedText') : t('audience.notStartedText')}</p>
        </section>
      )}
      <div className="grid">
        {you && room && (
          <div className="stack">
            <OwnControls you={you} allowed={allowed} actions={actions} media={null} micTrack={undefined} sharing={false} />
            <p role="status" className={you.handRaised ? 'notice' : undefined}>
              {you.handRaised ? t('audience.handRaised') : null}
            </p>
          </div>
        )}
        {you && room && <InteractionPanel client={client} you={you} room={room} />}
      </div>
    </div>
  );
}
