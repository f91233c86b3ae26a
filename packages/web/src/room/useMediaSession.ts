import { useEffect, useRef, useState } from 'react';
import type { RoomClient } from '@amphi/client';
import { MediaSession, type MediaConnectionState, type RemoteMedia } from '@amphi/client/media';
import type { ErrorCode, MediaSource } from '@amphi/protocol';
import { errorCodeOf } from '../api.js';
import { takePendingMedia, type LocalMediaChoice } from '../media/pendingMedia.js';
import { mediaActions, type PreferredDevices } from './mediaActions.js';

/** What the UI shows of a media session, copied so React sees every change. */
export interface MediaSnapshot {
  state: MediaConnectionState;
  /** Everyone else's tracks, with whose audio, camera or screen each carries. */
  remote: RemoteMedia[];
  /** One's own tracks by source. */
  local: Readonly<Partial<Record<MediaSource, MediaStreamTrack>>>;
  /** Who is speaking right now (by participant id, oneself included). */
  talking: ReadonlySet<string>;
  /** The last other person who started speaking (they stay the active speaker once silent). */
  activeSpeaker: string | null;
}

export interface MediaHandle {
  /** Null until one has joined (and for a moment while it is set up). */
  session: MediaSession | null;
  snapshot: MediaSnapshot;
  preferred: PreferredDevices;
}

const EMPTY: MediaSnapshot = { state: 'idle', remote: [], local: {}, talking: new Set(), activeSpeaker: null };

interface Entry {
  session: MediaSession;
  preferred: PreferredDevices;
  users: number;
  closed: boolean;
  closeTimer: ReturnType<typeof setTimeout> | undefined;
  report: (code: ErrorCode) => void;
}

// One media session per room client. A release closes it only a tick later, so the effect
// StrictMode runs twice (and any quick remount) takes the same session, and the pre-join
// page's tracks, back instead of closing them.
const sessions = new WeakMap<RoomClient, Entry>();

function acquire(client: RoomClient, report: (code: ErrorCode) => void): Entry {
  const existing = sessions.get(client);
  if (existing && !existing.closed) {
    clearTimeout(existing.closeTimer);
    existing.users++;
    existing.report = report;
    return existing;
  }
  const choice = takePendingMedia();
  const entry: Entry = {
    session: new MediaSession(client),
    preferred: { micDeviceId: choice?.micDeviceId, camDeviceId: choice?.camDeviceId },
    users: 1,
    closed: false,
    closeTimer: undefined,
    report,
  };
  sessions.set(client, entry);
  void begin(client, entry, choice);
  return entry;
}

function release(client: RoomClient, entry: Entry): void {
  entry.users--;
  if (entry.users > 0) return;
  entry.closeTimer = setTimeout(() => {
    if (entry.users > 0) return;
    entry.closed = true;
    sessions.delete(client);
    entry.session.close();
  }, 0);
}

/**
 * Starts receiving, then sends what the pre-join page started, turned on as chosen. Refusals
 * (a locked microphone, a role without camera) leave that source off and are reported. Without
 * a choice (after a reload) everything starts off, and the server is told so.
 */
async function begin(client: RoomClient, entry: Entry, choice: LocalMediaChoice | null): Promise<void> {
  const { session } = entry;
  const report = (err: unknown) => {
    // A device that would not start was already explained on the pre-join page: it just stays off.
    if (!entry.closed && !(err instanceof DOMException)) entry.report(errorCodeOf(err));
  };
  try {
    await session.start();
  } catch (err) {
    report(err);
  }
  let mic = choice?.mic;
  let camera = choice?.camera;
  if (entry.closed) {
    // Left before the tracks were handed over: nobody else will stop them.
    mic?.stop();
    camera?.stop();
    return;
  }
  // Tracks the role may not send are stopped at once, so the camera light goes off.
  if (mic && !client.can('media.unmute')) {
    mic.stop();
    mic = undefined;
  }
  if (camera && (!choice?.camOn || !client.can('media.camera'))) {
    camera.stop();
    camera = undefined;
  }
  const turnedOn = async (turnOn: () => Promise<void>) => {
    try {
      await turnOn();
      return true;
    } catch (err) {
      report(err);
      return false;
    }
  };
  let micOn = false;
  let camOn = false;
  if (mic) mic.enabled = false;
  let published = false;
  if (mic || camera) {
    try {
      await session.publish({ mic, camera });
      published = true;
    } catch (err) {
      report(err);
    }
  }
  // On as chosen; a microphone or camera that was still starting on the pre-join page is started here.
  const actions = mediaActions(session, entry.preferred);
  if (choice?.micOn && client.can('media.unmute') && (published || !mic) && !entry.closed) micOn = await turnedOn(() => actions.setMic(true));
  if (choice?.camOn && client.can('media.camera') && (published || !camera) && !entry.closed) camOn = await turnedOn(() => actions.setCamera(true));
  // The server may remember a microphone or camera left on before a reload: turn it off.
  const you = client.you;
  if (!you || entry.closed) return;
  const off = { ...(you.mic && !micOn ? { mic: false } : {}), ...(you.cam && !camOn ? { cam: false } : {}), ...(you.screen && !session.local.screen ? { screen: false } : {}) };
  if (Object.keys(off).length > 0) await client.setMedia(off).catch(() => undefined);
}

/**
 * The media session of a joined room client: created once the client has joined, closed on
 * unmount. Also follows the server when it turns one's own media off (a moderator muted one,
 * or stopped one's camera or screen), so the browser stops sending too.
 *
 * @param report shows a translated error (e.g. the server refused to unmute)
 */
export function useMediaSession(client: RoomClient, report: (code: ErrorCode) => void): MediaHandle {
  const [joined, setJoined] = useState(client.state === 'joined');
  const [entry, setEntry] = useState<Entry | null>(null);
  const [snapshot, setSnapshot] = useState<MediaSnapshot>(EMPTY);
  const latestReport = useRef(report);
  useEffect(() => {
    latestReport.current = report;
  });

  useEffect(() => {
    if (joined) return;
    if (client.state === 'joined') {
      setJoined(true);
      return;
    }
    return client.on('state', (state) => {
      if (state === 'joined') setJoined(true);
    });
  }, [client, joined]);

  useEffect(() => {
    if (!joined) return;
    const taken = acquire(client, (code) => latestReport.current(code));
    setEntry(taken);
    return () => release(client, taken);
  }, [client, joined]);

  const session = entry?.session ?? null;
  useEffect(() => {
    if (!session) return;
    const talking = new Set<string>();
    let activeSpeaker: string | null = null;
    const update = () => setSnapshot({ state: session.state, remote: session.remote, local: { ...session.local }, talking: new Set(talking), activeSpeaker });
    update();
    const offs = [
      session.on('remote', update),
      session.on('local', update),
      session.on('state', update),
      session.on('talking', (participantId, on) => {
        if (on) {
          talking.add(participantId);
          if (participantId !== client.participantId) activeSpeaker = participantId;
        } else {
          talking.delete(participantId);
        }
        update();
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [client, session]);

  useEffect(() => {
    if (!session) return;
    let before = client.you;
    return client.on('presence', () => {
      const now = client.you;
      if (before && now) {
        const local = session.local;
        // Turned off by the server: stop sending at the source too (privacy, camera light).
        if (before.mic && !now.mic && local.mic) local.mic.enabled = false;
        if (before.cam && !now.cam && local.camera) session.setCamera(false).catch(() => undefined);
        if (before.screen && !now.screen && local.screen) session.stopScreen().catch(() => undefined);
      }
      before = now;
    });
  }, [client, session]);

  return { session, snapshot: session ? snapshot : EMPTY, preferred: entry?.preferred ?? { micDeviceId: undefined, camDeviceId: undefined } };
}
