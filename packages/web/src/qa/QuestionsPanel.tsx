import { useId, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { INTERACTION_LIMITS, type Interaction, type InteractionRights, type QuestionOrder } from '@amphi/client';
import type { ErrorCode, QaAnonymity } from '@amphi/protocol';
import { errorCodeOf } from '../api.js';
import { CountedTextArea } from '../room/CountedTextArea.js';
import type { InteractionSnapshot } from '../room/useInteraction.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { StatusMessage } from '../ui/StatusMessage.js';
import { QuestionItem, type QuestionActions } from './QuestionItem.js';

interface Props {
  interaction: Interaction;
  snapshot: InteractionSnapshot;
  rights: InteractionRights;
  /** The room's setting: whether askers may hide their name, and from whom. */
  anonymity: QaAnonymity;
}

function AskForm({ anonymity, onAsk }: { anonymity: QaAnonymity; onAsk: (text: string, anonymous: boolean) => Promise<boolean> }) {
  const { t } = useTranslation();
  const anonymousId = useId();
  const [text, setText] = useState('');
  const [anonymous, setAnonymous] = useState(false);
  const [sent, setSent] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const question = text.trim();
    if (question === '') return;
    setText('');
    setSent(false);
    void onAsk(question, anonymity !== 'off' && anonymous).then((ok) => {
      if (ok) setSent(true);
      else setText((current) => (current === '' ? question : current));
    });
  };
  return (
    <form className="ask-form" onSubmit={submit}>
      <CountedTextArea label={t('qa.yourQuestion')} value={text} onChange={setText} max={INTERACTION_LIMITS.questionMax} />
      {anonymity !== 'off' && (
        <div className="choice">
          <input type="checkbox" id={anonymousId} checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} aria-describedby={`${anonymousId}-hint`} />
          <label htmlFor={anonymousId}>{t('qa.anonymous')}</label>
          <p className="hint" id={`${anonymousId}-hint`}>
            {t(`qa.anonymousHint.${anonymity}`)}
          </p>
        </div>
      )}
      <div className="actions">
        <button type="submit" disabled={text.trim() === ''}>
          {t('qa.ask')}
        </button>
        <StatusMessage>{sent ? t('qa.asked') : null}</StatusMessage>
      </div>
    </form>
  );
}

/**
 * Q&A, apart from the chat: ask (anonymously when the room allows), upvote once, and for those
 * who run it sort, star, mark "answering now" and answered, dismiss, merge duplicates. The list
 * is a polite live region; the asker is told when their question is being answered.
 */
export function QuestionsPanel({ interaction, snapshot, rights, anonymity }: Props) {
  const { t } = useTranslation();
  const orderId = useId();
  const [error, setError] = useState<ErrorCode | null>(null);
  const { questions, questionOrder } = snapshot;
  const answeringMine = questions.find((q) => q.mine && q.status === 'answering');
  const mergeTargets = useMemo(() => (rights.runQuestions ? questions.filter((q) => q.status !== 'dismissed') : null), [questions, rights.runQuestions]);

  const actions = useMemo<QuestionActions>(() => {
    const run = (action: () => Promise<void>) => {
      setError(null);
      action().catch((err: unknown) => setError(errorCodeOf(err)));
    };
    return { act: (id, action) => run(() => interaction.actOnQuestion(id, action)), merge: (id, into) => run(() => interaction.mergeQuestion(id, into)) };
  }, [interaction]);
  const ask = (text: string, anonymous: boolean) => {
    setError(null);
    return interaction.ask(text, anonymous).then(
      () => true,
      (err: unknown) => {
        setError(errorCodeOf(err));
        return false;
      },
    );
  };
  const setOrder = (order: QuestionOrder) => {
    setError(null);
    interaction.orderQuestions(order).catch((err: unknown) => setError(errorCodeOf(err)));
  };

  return (
    <div className="questions">
      <p role="status" className={answeringMine ? 'notice answering-notice' : undefined}>
        {answeringMine ? t('qa.yoursAnswering', { text: answeringMine.text }) : null}
      </p>
      <AskForm anonymity={anonymity} onAsk={ask} />
      <ErrorAlert code={error} />
      {rights.runQuestions ? (
        <div className="field inline-field">
          <label htmlFor={orderId}>{t('qa.sortBy')}</label>
          <select id={orderId} value={questionOrder} onChange={(e) => setOrder(e.target.value === 'time' ? 'time' : 'votes')}>
            <option value="votes">{t('qa.orders.votes')}</option>
            <option value="time">{t('qa.orders.time')}</option>
          </select>
        </div>
      ) : (
        <p className="hint">{t('qa.sortedBy', { order: t(`qa.orders.${questionOrder}`) })}</p>
      )}
      <div className="question-log" role="log" aria-live="polite" aria-label={t('qa.questions')} tabIndex={0}>
        {questions.length === 0 && <p className="muted">{t('qa.empty')}</p>}
        <ol className="question-list">
          {questions.map((q) => (
            <QuestionItem key={q.id} question={q} mergeTargets={mergeTargets} runs={rights.runQuestions} actions={actions} />
          ))}
        </ol>
      </div>
    </div>
  );
}
