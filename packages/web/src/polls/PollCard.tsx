import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { PollView } from '@amphi/protocol';
import { formatRemaining, percents } from './pollDraft.js';

export interface PollActions {
  act(pollId: string, action: 'open' | 'close' | 'reveal' | 'remove'): void;
  vote(pollId: string, choices: number[]): Promise<boolean>;
}

/** The time left before `deadline` (ms since epoch), updated every second; null without a deadline. */
function useRemaining(deadline: number | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (deadline === null) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [deadline]);
  return deadline === null ? null : deadline - now;
}

function Results({ poll }: { poll: PollView }) {
  const { t } = useTranslation();
  const { results } = poll;
  if (!results) return null;
  const shares = percents(results);
  return (
    <div className="poll-results">
      <h4>{poll.state === 'revealed' ? t('polls.results') : t('polls.liveResults')}</h4>
      <ul className="plain-list">
        {poll.options.map((option, i) => {
          const correct = poll.correct?.includes(i) ?? false;
          return (
            <li key={i} className={correct ? 'poll-result correct' : 'poll-result'}>
              <span className="poll-result-label">
                {option}
                {correct && <span className="badge badge-on"> ✓ {t('polls.correctMark')}</span>}
              </span>
              <span className="poll-result-count">{t('polls.resultLine', { count: results.counts[i] ?? 0, percent: shares[i] ?? 0 })}</span>
              <span className="poll-bar" aria-hidden="true">
                <span style={{ width: `${shares[i] ?? 0}%` }} />
              </span>
            </li>
          );
        })}
      </ul>
      <p className="hint">
        {t('polls.voters', { count: results.voters })}
        {results.correctVoters !== null && ` · ${t('polls.correctVoters', { count: results.correctVoters })}`}
      </p>
    </div>
  );
}

function VoteForm({ poll, onVote }: { poll: PollView; onVote: (choices: number[]) => Promise<boolean> }) {
  const { t } = useTranslation();
  const id = useId();
  const [choices, setChoices] = useState<number[]>(poll.myChoices ?? []);
  const [busy, setBusy] = useState(false);
  const multiple = poll.kind === 'multiple';
  const voted = poll.myChoices !== null && poll.myChoices.length > 0;
  const toggle = (i: number, on: boolean) => setChoices((c) => (multiple ? (on ? [...c, i].sort((a, b) => a - b) : c.filter((x) => x !== i)) : [i]));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    void onVote(choices).then(() => setBusy(false));
  };
  return (
    <form onSubmit={submit} className="poll-vote">
      <fieldset>
        <legend className="visually-hidden">{poll.question}</legend>
        {multiple && poll.maxChoices < poll.options.length && <p className="hint">{t('polls.chooseUpTo', { count: poll.maxChoices })}</p>}
        {poll.options.map((option, i) => (
          <div className="choice" key={i}>
            <input
              type={multiple ? 'checkbox' : 'radio'}
              id={`${id}-${i}`}
              name={`${id}-choice`}
              checked={choices.includes(i)}
              disabled={multiple && !choices.includes(i) && choices.length >= poll.maxChoices}
              onChange={(e) => toggle(i, e.target.checked)}
            />
            <label htmlFor={`${id}-${i}`}>{option}</label>
          </div>
        ))}
      </fieldset>
      <div className="actions">
        <button type="submit" disabled={busy || choices.length === 0}>
          {voted ? t('polls.changeVote') : t('polls.vote')}
        </button>
      </div>
      <p role="status" className={voted ? 'status' : undefined}>
        {voted ? t('polls.voted') : null}
      </p>
    </form>
  );
}

/** One poll: its question, state and countdown; voting; results; the runner's buttons. */
export function PollCard({ poll, runs, votes, actions }: { poll: PollView; runs: boolean; votes: boolean; actions: PollActions }) {
  const { t } = useTranslation();
  const remaining = useRemaining(poll.state === 'open' ? poll.deadline : null);
  const headingId = useId();
  const act = (action: 'open' | 'close' | 'reveal' | 'remove') => () => actions.act(poll.id, action);
  return (
    <li className={`poll poll-${poll.state}`}>
      <article aria-labelledby={headingId}>
        <h3 id={headingId} className="poll-question">
          {poll.question}
        </h3>
        <p className="poll-meta">
          <span className={poll.state === 'open' ? 'badge badge-live' : 'badge'}>{t(`polls.states.${poll.state}`)}</span>
          {poll.quiz && <span className="badge">{t('polls.quiz')}</span>}
          {remaining !== null && (
            <span role="timer" className="poll-timer">
              {t('polls.timeLeft', { time: formatRemaining(remaining) })}
            </span>
          )}
        </p>
        {votes && poll.state === 'open' && <VoteForm poll={poll} onVote={(choices) => actions.vote(poll.id, choices)} />}
        {votes && poll.state !== 'open' && poll.myChoices && poll.myChoices.length > 0 && (
          <p>
            {t('polls.yourChoice')}: {poll.myChoices.map((i) => poll.options[i]).join(', ')}
          </p>
        )}
        {!runs && poll.state === 'closed' && <p className="muted">{t('polls.closedWaiting')}</p>}
        <Results poll={poll} />
        {runs && (
          <div className="actions">
            {poll.state === 'draft' && (
              <>
                <button type="button" className="small" onClick={act('open')}>
                  {t('polls.open')}
                </button>
                <button type="button" className="small secondary" onClick={act('remove')}>
                  {t('polls.remove')}
                </button>
              </>
            )}
            {poll.state === 'open' && (
              <button type="button" className="small" onClick={act('close')}>
                {t('polls.close')}
              </button>
            )}
            {poll.state === 'closed' && (
              <button type="button" className="small" onClick={act('reveal')}>
                {t('polls.reveal')}
              </button>
            )}
          </div>
        )}
      </article>
    </li>
  );
}
