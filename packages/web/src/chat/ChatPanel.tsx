import { useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatEntry, Interaction, InteractionRights } from '@amphi/client';
import type { ErrorCode } from '@amphi/protocol';
import { errorCodeOf } from '../api.js';
import type { InteractionSnapshot } from '../room/useInteraction.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { ChatComposer } from './ChatComposer.js';
import { LinkifiedText } from './LinkifiedText.js';

interface Props {
  interaction: Interaction;
  snapshot: InteractionSnapshot;
  selfId: string | undefined;
  rights: InteractionRights;
}

interface ModerationActions {
  remove(seq: number): void;
  mute(participantId: string, muted: boolean): void;
}

function ChatMessage({ message, selfId, moderation, mutedIds }: { message: ChatEntry; selfId: string | undefined; moderation: ModerationActions | null; mutedIds: readonly string[] }) {
  const { t, i18n } = useTranslation();
  const { from } = message;
  const mine = from.id === selfId;
  const name = mine ? t('chat.you') : from.name;
  const muted = mutedIds.includes(from.id);
  const time = new Date(message.at);
  return (
    <li className={message.to === 'moderators' ? 'chat-message chat-private' : 'chat-message'}>
      <p className="chat-meta">
        <span className="chat-author">{name}</span>
        {from.role === 'moderator' || from.role === 'presenter' ? <span className="badge">{t(`roles.${from.role}`)}</span> : null}
        {message.to === 'moderators' && <span className="badge badge-hand">{t('chat.privateBadge')}</span>}
        {moderation && muted && <span className="badge badge-warn">{t('chat.mutedBadge')}</span>}
        <time className="chat-time" dateTime={time.toISOString()}>
          {time.toLocaleTimeString(i18n.language, { hour: '2-digit', minute: '2-digit' })}
        </time>
      </p>
      {message.text === null ? <p className="chat-deleted">{t('chat.deleted')}</p> : <p className="chat-text">
          <LinkifiedText text={message.text} />
        </p>}
      {moderation && message.text !== null && (
        <div className="actions chat-actions">
          <button type="button" className="small link-button" aria-label={t('chat.deleteFrom', { name: from.name })} onClick={() => moderation.remove(message.seq)}>
            {t('chat.delete')}
          </button>
          {!mine && from.role !== 'moderator' && (
            <button
              type="button"
              className="small link-button"
              aria-label={muted ? t('chat.unmute', { name: from.name }) : t('chat.mute', { name: from.name })}
              onClick={() => moderation.mute(from.id, !muted)}
            >
              {muted ? t('chat.unmuteShort') : t('chat.muteShort')}
            </button>
          )}
        </div>
      )}
    </li>
  );
}

/**
 * The room's chat: messages (a polite live region), messages still being sent, a composer
 * with a length cap and a private "to the moderators" option; moderators delete messages,
 * mute a person's chat and switch the chat off.
 */
export function ChatPanel({ interaction, snapshot, selfId, rights }: Props) {
  const { t } = useTranslation();
  const { chat, chatState, pending } = snapshot;
  const [error, setError] = useState<ErrorCode | null>(null);
  const log = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  // A moderator is never silenced (a mute recorded before a promotion, or for an id the
  // server could not check, changes nothing for them): no "muted" notice either.
  const muted = chatState.muted && !rights.moderateChat;
  const canPublic = rights.moderateChat || (chatState.enabled && !muted);
  const canPrivate = rights.moderateChat || !muted;
  const sending = pending.flatMap((p) => (p.command.type === 'chat.send' ? [{ ...p, command: p.command }] : []));

  // Follow new messages while the reader is at the bottom; leave them where they are otherwise.
  useLayoutEffect(() => {
    const element = log.current;
    if (element && atBottom.current) element.scrollTop = element.scrollHeight;
  }, [chat, sending.length]);

  const run = (action: () => Promise<void>) => {
    setError(null);
    action().catch((err: unknown) => setError(errorCodeOf(err)));
  };
  const moderation: ModerationActions | null = rights.moderateChat
    ? { remove: (seq) => run(() => interaction.deleteChat(seq)), mute: (id, muted) => run(() => interaction.muteChat(id, muted)) }
    : null;
  const send = (text: string, to: 'room' | 'moderators'): Promise<boolean> => {
    setError(null);
    return interaction.sendChat(text, to).then(
      () => true,
      (err: unknown) => {
        setError(errorCodeOf(err));
        return false;
      },
    );
  };

  return (
    <div className="chat">
      {rights.moderateChat && (
        <div className="actions chat-switch">
          <button type="button" className="small secondary" onClick={() => run(() => interaction.switchChat(!chatState.enabled))}>
            {chatState.enabled ? t('chat.switchOff') : t('chat.switchOn')}
          </button>
        </div>
      )}
      <p role="status" className={!chatState.enabled || muted ? 'notice' : undefined}>
        {muted ? t('chat.mutedNotice') : !chatState.enabled ? (rights.moderateChat ? t('chat.offModeratorNotice') : t('chat.offNotice')) : null}
      </p>
      <div
        ref={log}
        className="chat-log"
        role="log"
        aria-live="polite"
        aria-label={t('chat.messages')}
        // Scrollable: reachable with the keyboard to read back.
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {chat.length === 0 && sending.length === 0 && <p className="muted">{t('chat.empty')}</p>}
        <ol className="chat-list">
          {chat.map((message) => (
            <ChatMessage key={message.seq} message={message} selfId={selfId} moderation={moderation} mutedIds={chatState.mutedParticipants} />
          ))}
          {sending.map((p) => (
            <li key={p.clientId} className="chat-message chat-pending" aria-busy="true">
              <p className="chat-meta">
                <span className="chat-author">{t('chat.you')}</span>
                {p.command.to === 'moderators' && <span className="badge badge-hand">{t('chat.privateBadge')}</span>}
                <span className="muted">{p.retryAt !== null ? t('interaction.retryLater') : t('interaction.sending')}</span>
              </p>
              <p className="chat-text">{p.command.text}</p>
            </li>
          ))}
        </ol>
      </div>
      <ErrorAlert code={error} />
      {(canPublic || canPrivate) && <ChatComposer canPublic={canPublic} onSend={send} />}
    </div>
  );
}
