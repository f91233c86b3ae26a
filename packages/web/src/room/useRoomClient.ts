import { useEffect, useState } from 'react';
import type { ClientState, ClosedReason, RoomClient } from '@amphi/client';
import { ACTIONS, type Action, type ErrorCode, type LobbyEntry, type Participant, type ParticipantStatus, type RoomInfo, type SessionInfo } from '@amphi/protocol';

/** What the UI shows of a room client, copied so React sees every change. */
export interface RoomSnapshot {
  state: ClientState;
  /** The last status before a lost connection (to keep showing the same screen meanwhile). */
  status: ParticipantStatus | 'connecting';
  participants: Participant[];
  lobby: LobbyEntry[];
  you: Participant | undefined;
  room: RoomInfo | null;
  /** The live session (e.g. whether a moderator locked it), or null before it starts. */
  session: SessionInfo | null;
  /** What one's role allows now, as the server says (to show controls). */
  allowed: ReadonlySet<Action>;
  closedReason: ClosedReason | null;
}

function read(client: RoomClient, previous: RoomSnapshot | null): RoomSnapshot {
  const state = client.state;
  const status = state === 'reconnecting' || state === 'closed' ? (previous?.status ?? 'connecting') : state;
  return { state, status, participants: client.participants, lobby: client.lobby, you: client.you, room: client.room, session: client.session, allowed: new Set(ACTIONS.filter((a) => client.can(a))), closedReason: client.closedReason };
}

/** Follows a room client: its state, people, lobby, room and session, plus errors it reports. */
export function useRoomClient(client: RoomClient): { snapshot: RoomSnapshot; serverError: ErrorCode | null; clearError: () => void } {
  const [snapshot, setSnapshot] = useState<RoomSnapshot>(() => read(client, null));
  const [serverError, setServerError] = useState<ErrorCode | null>(null);
  useEffect(() => {
    const update = () => setSnapshot((previous) => read(client, previous));
    update();
    const offs = [client.on('state', update), client.on('presence', update), client.on('room', update), client.on('session', update), client.on('error', (code) => setServerError(code))];
    return () => offs.forEach((off) => off());
  }, [client]);
  return { snapshot, serverError, clearError: () => setServerError(null) };
}
