import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { interactionRights, type RoomClient } from '@amphi/client';
import type { Participant, RoomInfo } from '@amphi/protocol';
import { ChatPanel } from '../chat/ChatPanel.js';
import { PollsPanel } from '../polls/PollsPanel.js';
import { QuestionsPanel } from '../qa/QuestionsPanel.js';
import { ReactionBar } from '../reactions/ReactionBar.js';
import { countNew, type InteractionTab } from './unread.js';
import { useInteraction } from './useInteraction.js';
import './interactionPanel.css';

const TABS: readonly InteractionTab[] = ['chat', 'questions', 'polls'];
const NOTHING_NEW: Record<InteractionTab, number> = { chat: 0, questions: 0, polls: 0 };

/**
 * The side panel of a room, for the stage and the audience alike: reactions, then tabs for
 * the chat, the questions and the polls. A tab not shown counts what is new in it; a poll
 * that opens is announced wherever one is.
 */
export function InteractionPanel({ client, you, room }: { client: RoomClient; you: Participant; room: RoomInfo }) {
  const { t } = useTranslation();
  const { interaction } = client;
  const snapshot = useInteraction(interaction);
  const rights = interactionRights(you.role);
  const [tab, setTab] = useState<InteractionTab>('chat');
  const [unread, setUnread] = useState(NOTHING_NEW);
  const [announcement, setAnnouncement] = useState<string | null>(null);
  const shown = useRef(tab);
  const tabs = useRef(new Map<InteractionTab, HTMLButtonElement>());

  useEffect(() => {
    shown.current = tab;
    setUnread((counts) => ({ ...counts, [tab]: 0 }));
  }, [tab]);

  useEffect(
    () =>
      interaction.on('events', (events) => {
        const fresh = countNew(events, you.id);
        setUnread((counts) => ({
          chat: shown.current === 'chat' ? 0 : counts.chat + fresh.chat,
          questions: shown.current === 'questions' ? 0 : counts.questions + fresh.questions,
          polls: shown.current === 'polls' ? 0 : counts.polls + fresh.polls,
        }));
        const opened = events.findLast((e) => e.kind === 'poll' && e.change === 'opened' && e.poll !== null);
        if (opened?.kind === 'poll' && opened.poll) setAnnouncement(t('polls.pollOpened', { question: opened.poll.question }));
      }),
    [interaction, you.id, t],
  );

  // Arrow keys, Home and End move between the tabs (and show them), as in any tab list.
  const onKeyDown = (event: KeyboardEvent) => {
    const index = TABS.indexOf(tab);
    const next =
      event.key === 'ArrowRight' ? TABS[(index + 1) % TABS.length] : event.key === 'ArrowLeft' ? TABS[(index + TABS.length - 1) % TABS.length] : event.key === 'Home' ? TABS[0] : event.key === 'End' ? TABS.at(-1) : undefined;
    if (!next) return;
    event.preventDefault();
    setTab(next);
    tabs.current.get(next)?.focus();
  };

  return (
    <section className="card interaction-panel" aria-labelledby="interaction-heading">
      <h2 id="interaction-heading" className="visually-hidden">
        {t('interaction.panel')}
      </h2>
      <ReactionBar interaction={interaction} />
      <p role="status" className="visually-hidden">
        {announcement}
      </p>
      <div className="tabs" role="tablist" aria-label={t('interaction.panel')} onKeyDown={onKeyDown}>
        {TABS.map((name) => (
          <button
            key={name}
            ref={(element) => {
              if (element) tabs.current.set(name, element);
              else tabs.current.delete(name);
            }}
            type="button"
            role="tab"
            id={`interaction-tab-${name}`}
            aria-selected={tab === name}
            aria-controls={`interaction-panel-${name}`}
            tabIndex={tab === name ? 0 : -1}
            className="tab"
            onClick={() => setTab(name)}
          >
            {t(`interaction.tabs.${name}`)}
            {unread[name] > 0 && <span className="badge tab-count">{t('interaction.newCount', { count: unread[name] })}</span>}
          </button>
        ))}
      </div>
      {!snapshot.synced && <p className="muted">{t('interaction.loading')}</p>}
      <div role="tabpanel" id="interaction-panel-chat" aria-labelledby="interaction-tab-chat" hidden={tab !== 'chat'}>
        <ChatPanel interaction={interaction} snapshot={snapshot} selfId={you.id} rights={rights} />
      </div>
      <div role="tabpanel" id="interaction-panel-questions" aria-labelledby="interaction-tab-questions" hidden={tab !== 'questions'}>
        <QuestionsPanel interaction={interaction} snapshot={snapshot} rights={rights} anonymity={room.settings.qaAnonymity} />
      </div>
      <div role="tabpanel" id="interaction-panel-polls" aria-labelledby="interaction-tab-polls" hidden={tab !== 'polls'}>
        <PollsPanel interaction={interaction} snapshot={snapshot} rights={rights} />
      </div>
    </section>
  );
}
