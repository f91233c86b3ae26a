import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Interaction } from '@amphi/client';
import type { QuestionView } from '@amphi/protocol';

type Act = Parameters<Interaction['actOnQuestion']>[1];

export interface QuestionActions {
  act(questionId: string, action: Act): void;
  merge(questionId: string, into: string): void;
}

interface Props {
  question: QuestionView;
  /** Questions this one may be merged into (for those who run the Q&A), else null. */
  mergeTargets: readonly QuestionView[] | null;
  /** Those who run the Q&A: star, answering now, answered, dismiss, reopen, merge. */
  runs: boolean;
  actions: QuestionActions;
}

function Asker({ question: q }: { question: QuestionView }) {
  const { t } = useTranslation();
  if (q.mine) return <span>{t('qa.askedByYou')}</span>;
  if (q.askerName === null) return <span>{t('qa.anonymousAsker')}</span>;
  // Moderators still see who asked anonymously (unless the room makes questions fully anonymous).
  return <span>{q.anonymous ? `${t('qa.askedBy', { name: q.askerName })} (${t('qa.anonymousAsker')})` : t('qa.askedBy', { name: q.askerName })}</span>;
}

function MergeForm({ question, targets, onMerge }: { question: QuestionView; targets: readonly QuestionView[]; onMerge: (into: string) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [into, setInto] = useState('');
  return (
    <form
      className="inline-form merge-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (into !== '') onMerge(into);
      }}
    >
      <label htmlFor={id} className="inline-label">
        {t('qa.mergeInto')}
      </label>
      <select id={id} value={into} onChange={(e) => setInto(e.target.value)}>
        <option value="">{t('qa.mergeNone')}</option>
        {targets
          .filter((q) => q.id !== question.id)
          .map((q) => (
            <option key={q.id} value={q.id}>
              {q.text.length > 60 ? `${q.text.slice(0, 60)}…` : q.text}
            </option>
          ))}
      </select>
      <button type="submit" className="small secondary" disabled={into === ''}>
        {t('qa.merge')}
      </button>
    </form>
  );
}

/** One question: its text, who asked, votes and status; upvote; the Q&A runners' actions. */
export function QuestionItem({ question: q, mergeTargets, runs, actions }: Props) {
  const { t } = useTranslation();
  const act = (action: Act) => () => actions.act(q.id, action);
  const votable = q.status === 'open' || q.status === 'answering';
  return (
    <li className={`question question-${q.status}`}>
      <p className="question-text">
        {q.text}
        {q.edited && <span className="muted"> ({t('qa.edited')})</span>}
      </p>
      <p className="question-meta">
        {q.status !== 'open' && <span className={q.status === 'answering' ? 'badge badge-live' : 'badge'}>{t(`qa.statuses.${q.status}`)}</span>}
        {q.starred && <span className="badge badge-hand">★ {t('qa.starred')}</span>}
        <Asker question={q} />
        <span className="question-votes">{t('qa.votes', { count: q.votes })}</span>
      </p>
      <div className="actions">
        {/* Everyone may upvote once, but not their own question. */}
        {!q.mine && votable && (
          <button type="button" className="small secondary" aria-pressed={q.votedByMe} aria-label={t('qa.upvoteQuestion', { text: q.text })} onClick={act(q.votedByMe ? 'unvote' : 'upvote')}>
            ▲ {t('qa.upvote')}
          </button>
        )}
        {q.mine && q.status === 'open' && (
          <button type="button" className="small link-button" onClick={act('withdraw')}>
            {t('qa.withdraw')}
          </button>
        )}
      </div>
      {runs && (
        <div className="actions question-actions" role="group" aria-label={t('qa.moderatorActions', { text: q.text })}>
          <button type="button" className="small secondary" aria-pressed={q.starred} onClick={act(q.starred ? 'unstar' : 'star')}>
            {q.starred ? t('qa.unstar') : t('qa.star')}
          </button>
          {q.status === 'open' && (
            <button type="button" className="small" onClick={act('answering')}>
              {t('qa.answering')}
            </button>
          )}
          {votable && (
            <button type="button" className="small secondary" onClick={act('answered')}>
              {t('qa.answered')}
            </button>
          )}
          {q.status !== 'dismissed' && (
            <button type="button" className="small secondary" onClick={act('dismiss')}>
              {t('qa.dismiss')}
            </button>
          )}
          {q.status !== 'open' && (
            <button type="button" className="small secondary" onClick={act('reopen')}>
              {t('qa.reopen')}
            </button>
          )}
          {mergeTargets && (q.status === 'open' || q.status === 'dismissed') && mergeTargets.some((target) => target.id !== q.id) && (
            <MergeForm question={q} targets={mergeTargets} onMerge={(into) => actions.merge(q.id, into)} />
          )}
        </div>
      )}
    </li>
  );
}
