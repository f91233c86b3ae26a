import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { INTERACTION_LIMITS } from '@amphi/client';
import { CountedTextArea } from '../room/CountedTextArea.js';

interface Props {
  /** Whether one may write to everyone now (else only privately to the moderators). */
  canPublic: boolean;
  /** Sends; resolves false when the server refused (the text comes back to the composer). */
  onSend: (text: string, to: 'room' | 'moderators') => Promise<boolean>;
}

/**
 * Writes a chat message: Enter sends, Shift+Enter starts a new line. The text leaves the
 * composer at once (it shows as "sending" in the list, and is sent again after a lost
 * connection until the server has it); a refused message comes back to be corrected.
 */
export function ChatComposer({ canPublic, onSend }: Props) {
  const { t } = useTranslation();
  const privateId = useId();
  const [text, setText] = useState('');
  const [toModerators, setToModerators] = useState(false);
  const to = canPublic && !toModerators ? 'room' : 'moderators';

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const message = text.trim();
    if (message === '') return;
    setText('');
    void onSend(message, to).then((ok) => {
      if (!ok) setText((current) => (current === '' ? message : current));
    });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Not while an input method composes a character (Japanese, Chinese…).
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form className="chat-composer" onSubmit={submit}>
      <CountedTextArea label={t('chat.message')} value={text} onChange={setText} max={INTERACTION_LIMITS.chatMax} hint={t('chat.sendHint')} onKeyDown={onKeyDown} />
      <div className="actions">
        <div className="choice chat-private-choice">
          <input type="checkbox" id={privateId} checked={to === 'moderators'} disabled={!canPublic} onChange={(e) => setToModerators(e.target.checked)} />
          <label htmlFor={privateId}>{t('chat.toModerators')}</label>
        </div>
        <button type="submit" disabled={text.trim() === ''}>
          {t('chat.send')}
        </button>
      </div>
    </form>
  );
}
