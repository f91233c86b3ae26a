import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { LtiSession } from '@amphi/protocol';
import { PreJoin } from '../join/PreJoin.js';
import { useJoin } from '../join/useJoin.js';
import { RoomSession } from '../room/RoomSession.js';
import { useLoad } from '../ui/useLoad.js';
import { LtiMessagePage } from './LtiMessagePage.js';
import { LtiRoomSettings } from './LtiRoomSettings.js';
import { LtiRoster } from './LtiRoster.js';
import { isFramed, openInNewWindow } from './ltiBoot.js';
import { ltiClient } from './ltiSessionApi.js';

/**
 * Inside the LMS's frame, a button to open the room in a new top-level window (more room for
 * video, and no third-party restrictions); the room is left here, so one is not in it twice.
 */
function OpenInNewWindow({ token, onOpened }: { token: string; onOpened: () => void }) {
  const { t } = useTranslation();
  if (!isFramed()) return null;
  return (
    <p className="actions">
      <button
        type="button"
        className="secondary"
        onClick={() => {
          openInNewWindow(token);
          onOpened();
        }}
      >
        {t('ltiApp.openInNewWindow')}
      </button>
    </p>
  );
}

/** The launch's room: the pre-join page (device check), then the room, on tickets the app token pays for. */
function LtiRoomJoin({ token, session }: { token: string; session: LtiSession }) {
  const { t } = useTranslation();
  // A reload in the frame takes the same place back (useJoin keeps it per tab and per place).
  const { client, resuming, join, reset } = useJoin(`lti.${session.room.id}`);
  const ticket = useCallback(() => ltiClient(token).ltiJoin(), [token]);

  let page;
  if (client) page = <RoomSession key={client.participantId} client={client} onRejoin={reset} />;
  else if (resuming) page = <p role="status">{t('app.loading')}</p>;
  else
    page = (
      <PreJoin
        title={session.room.title}
        kind={session.room.kind}
        role={session.role}
        needsName={false}
        lobby={session.lobby}
        liveCount={session.liveCount}
        onJoin={() => join(ticket)}
      />
    );
  return (
    <>
      <OpenInNewWindow token={token} onOpened={() => client?.leave()} />
      {page}
      {session.role === 'moderator' && <CourseTools token={token} />}
    </>
  );
}

/**
 * For moderators, below the pre-join page and the room: the course roster (who has not joined
 * yet) and the room's LTI settings (grades, teaching assistants). Folded while in the room.
 */
function CourseTools({ token }: { token: string }) {
  const { t } = useTranslation();
  return (
    <details className="card lti-course-tools">
      <summary>{t('ltiRoster.title')}</summary>
      <LtiRoster token={token} />
      <LtiRoomSettings token={token} />
    </details>
  );
}

/** The room an LTI launch leads to, for the person the LMS launched (name and role from the launch). */
export function LtiRoomPage({ token }: { token: string }) {
  const { t } = useTranslation();
  const [session] = useLoad(() => ltiClient(token).ltiSession(), token);
  if (session.status === 'loading') return <p role="status">{t('app.loading')}</p>;
  if (session.status === 'error') return <LtiMessagePage title={t('ltiApp.errorTitle')} text={`${t(`errors.${session.code}`)} ${session.code === 'LTI_INVALID' ? '' : t('ltiApp.openAgain')}`.trim()} />;
  return <LtiRoomJoin token={token} session={session.data} />;
}
