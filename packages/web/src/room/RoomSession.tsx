import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { RoomClient } from '@amphi/client';
import { AudienceView } from '../audience/AudienceView.js';
import { inAudience } from '../audience/handQueue.js';
import { StageAnnouncement } from '../audience/StageAnnouncement.js';
import { WaitingScreen } from '../lobby/WaitingScreen.js';
import { releasePendingDevices } from '../media/pendingMedia.js';
import { usePageTitle } from '../ui/usePageTitle.js';
import { ClosedScreen } from './ClosedScreen.js';
import { RoomView } from './RoomView.js';
import { useRoomClient } from './useRoomClient.js';

/**
 * One connection to a room, from welcome to close: shows the screen for where one is
 * (waiting, lobby, in the room — on the stage or, for a lecture's viewers, in the audience —
 * closed) and a banner while reconnecting. The owner of the
 * client (useJoin) leaves the room when the person leaves the page in the app; a reload takes
 * the same place back.
 */
export function RoomSession({ client, onRejoin }: { client: RoomClient; onRejoin?: () => void }) {
  const { t } = useTranslation();
  const { snapshot, serverError } = useRoomClient(client);
  const title = snapshot.room?.title;
  usePageTitle(title);
  const waiting = snapshot.status === 'waiting' || snapshot.status === 'lobby';
  // Nobody sees or hears anyone while waiting: camera and microphone go off until admitted.
  useEffect(() => {
    if (waiting) releasePendingDevices();
  }, [waiting]);

  if (snapshot.state === 'closed') return <ClosedScreen reason={snapshot.closedReason} roomTitle={title} onRejoin={onRejoin} />;
  const reconnecting = snapshot.state === 'reconnecting';
  // One live region that stays in the page, so its text is announced when it appears.
  const banner = (
    <p role="status" className={reconnecting ? 'banner' : 'visually-hidden'}>
      {reconnecting ? t('room.reconnecting') : null}
    </p>
  );
  let screen;
  switch (snapshot.status) {
    case 'connecting':
      screen = <p className="status">{t('room.connecting')}</p>;
      break;
    case 'waiting':
    case 'lobby':
      screen = <WaitingScreen kind={snapshot.status} roomTitle={title} onLeave={() => client.leave()} />;
      break;
    case 'joined':
      // A lecture's viewers watch the broadcast; everyone else is on the stage. A change of
      // role (invited to the stage, sent back) switches the screen: RoomView's media session
      // starts (all off) or is released.
      screen = inAudience(snapshot.room?.kind, snapshot.you?.role) ? (
        <AudienceView client={client} snapshot={snapshot} serverError={serverError} />
      ) : (
        <RoomView client={client} snapshot={snapshot} serverError={serverError} />
      );
      break;
  }
  return (
    <>
      {banner}
      <StageAnnouncement kind={snapshot.room?.kind} role={snapshot.status === 'joined' ? snapshot.you?.role : undefined} />
      {screen}
    </>
  );
}
