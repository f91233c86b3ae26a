import { AmphiError, type User } from '@amphi/protocol';
import type { RoomRecord, RoomStore } from '../storage/index.js';

/** Whether the account moderates this room: its owner, a co-host, or an administrator. */
export function moderates(user: User | null | undefined, room: RoomRecord): boolean {
  if (!user) return false;
  return user.role === 'admin' || room.ownerId === user.id || room.cohosts.some((c) => c.userId === user.id);
}

/** Loads a room the user moderates; a room they may not manage is reported as not found. */
export async function roomForModerator(rooms: RoomStore, user: User, roomId: string): Promise<RoomRecord> {
  const room = await rooms.get(roomId);
  if (!room || !moderates(user, room)) throw new AmphiError('ROOM_NOT_FOUND');
  return room;
}
