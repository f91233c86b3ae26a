import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LobbyEntry, Participant } from '@amphi/protocol';

interface Seen {
  people: Map<string, Participant>;
  lobby: Set<string>;
}

/**
 * A polite live region announcing who joins, leaves, knocks at the lobby or raises a hand.
 * The first picture (everyone already there) is not announced.
 */
export function Announcer({ participants, lobby, selfId }: { participants: Participant[]; lobby: LobbyEntry[]; selfId: string | undefined }) {
  const { t } = useTranslation();
  const seen = useRef<Seen | null>(null);
  const [messages, setMessages] = useState<{ id: number; text: string }[]>([]);
  const nextId = useRef(1);

  useEffect(() => {
    const previous = seen.current;
    seen.current = { people: new Map(participants.map((p) => [p.id, p])), lobby: new Set(lobby.map((e) => e.id)) };
    if (!previous) return;
    const texts: string[] = [];
    for (const p of participants) {
      const before = previous.people.get(p.id);
      if (!before && p.id !== selfId) texts.push(t('room.joined', { name: p.name }));
      else if (before && p.handRaised && !before.handRaised && p.id !== selfId) texts.push(t('room.handUp', { name: p.name }));
    }
    const now = new Set(participants.map((p) => p.id));
    for (const [id, p] of previous.people) if (!now.has(id)) texts.push(t('room.left', { name: p.name }));
    for (const e of lobby) if (!previous.lobby.has(e.id)) texts.push(t('room.knocked', { name: e.name }));
    if (texts.length === 0) return;
    // Keep only the last few, so the region stays small.
    setMessages((list) => [...list, ...texts.map((text) => ({ id: nextId.current++, text }))].slice(-5));
  }, [participants, lobby, selfId, t]);

  return (
    <div className="visually-hidden" aria-live="polite" aria-relevant="additions">
      {messages.map((m) => (
        <p key={m.id}>{m.text}</p>
      ))}
    </div>
  );
}
