import { useCallback, useEffect, useRef, useState } from 'react';
import { RoomClient } from '@amphi/client';
import { api } from '../api.js';

export type JoinBody = { token: string; displayName?: string } | { roomId: string; displayName?: string };

/**
 * Joins a room: asks for a one-time ticket, opens the room client and keeps it. The client
 * is made in the Join click (never in an effect, which could run twice and spend the ticket
 * twice), and left when the page goes away or the component unmounts.
 */
export function useJoin(): { client: RoomClient | null; join: (body: JoinBody) => Promise<void>; reset: () => void } {
  const [client, setClient] = useState<RoomClient | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const join = useCallback(async (body: JoinBody) => {
    const { ticket } = await api.join(body);
    const next = new RoomClient({ url: api.wsUrl(), ticket });
    await next.connect();
    // Gone while connecting (navigated away): do not keep a place nobody sees.
    if (!mounted.current) next.leave();
    else setClient(next);
  }, []);

  useEffect(() => {
    if (!client) return;
    const leave = () => client.leave();
    window.addEventListener('pagehide', leave);
    return () => {
      window.removeEventListener('pagehide', leave);
      leave();
    };
  }, [client]);

  return { client, join, reset: useCallback(() => setClient(null), []) };
}
