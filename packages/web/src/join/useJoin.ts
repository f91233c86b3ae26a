import { useCallback, useEffect, useRef, useState } from 'react';
import { RoomClient } from '@amphi/client';
import { api } from '../api.js';
import { tabGet, tabSet } from '../ui/tabStorage.js';

export type JoinBody = { token: string; displayName?: string } | { roomId: string; displayName?: string };
/** Asks for the one-time ticket some other way than POST /api/join (an LTI launch's app token). */
export type TicketProvider = () => Promise<{ ticket: string }>;

/** Where the resume token of the current place is kept: per tab, for this link or room. */
function storageKey(place: string): string {
  return `amphi.resume.${place}`;
}

function saved(place: string): string | null {
  return tabGet(storageKey(place));
}

function save(place: string, token: string | null): void {
  tabSet(storageKey(place), token);
}

/**
 * Joins a room: asks for a one-time ticket, opens the room client and keeps it. The client
 * is made in the Join click (never in an effect, which could run twice and spend the ticket
 * twice). Its resume token is kept in the tab (ui/tabStorage), so a page reload takes back the same
 * place (within the server's 30 s grace) instead of queueing again in the lobby. Leaving the
 * page in the app (unmount) leaves the room; closing or reloading the tab keeps the place
 * for the grace period.
 *
 * @param place the link token or room id, which names the saved place
 */
export function useJoin(place: string): { client: RoomClient | null; resuming: boolean; join: (body: JoinBody | TicketProvider) => Promise<void>; reset: () => void } {
  const [client, setClient] = useState<RoomClient | null>(null);
  const [resuming, setResuming] = useState(() => saved(place) !== null);
  const mounted = useRef(true);
  const tried = useRef(false);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const adopt = useCallback((next: RoomClient) => {
    // Gone while connecting (navigated away): do not keep a place nobody sees.
    if (!mounted.current) next.leave();
    else setClient(next);
  }, []);

  // After a reload: take back the saved place, once (StrictMode runs effects twice).
  useEffect(() => {
    const resumeToken = saved(place);
    if (tried.current || resumeToken === null) return;
    tried.current = true;
    const next = new RoomClient({ url: api.wsUrl(), resumeToken });
    next
      .connect()
      .then(() => adopt(next))
      .catch(() => save(place, null))
      .finally(() => setResuming(false));
  }, [place, adopt]);

  const join = useCallback(
    async (body: JoinBody | TicketProvider) => {
      const { ticket } = await (typeof body === 'function' ? body() : api.join(body));
      const next = new RoomClient({ url: api.wsUrl(), ticket });
      await next.connect();
      adopt(next);
    },
    [adopt],
  );

  useEffect(() => {
    if (!client) return;
    const keep = () => save(place, client.state === 'closed' ? null : client.resumeToken);
    keep();
    const off = client.on('state', keep);
    // Runs when the person leaves the page inside the app; a reload or a closed tab runs no
    // cleanup, so the place stays for the grace period.
    return () => {
      off();
      client.leave();
      save(place, null);
    };
  }, [client, place]);

  return { client, resuming, join, reset: useCallback(() => setClient(null), []) };
}
