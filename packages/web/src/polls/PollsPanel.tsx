import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Interaction, InteractionRights } from '@amphi/client';
import type { ErrorCode, PollDraft } from '@amphi/protocol';
import { errorCodeOf } from '../api.js';
import type { InteractionSnapshot } from '../room/useInteraction.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { PollCard, type PollActions } from './PollCard.js';
import { PollForm } from './PollForm.js';

interface Props {
  interaction: Interaction;
  snapshot: InteractionSnapshot;
  rights: InteractionRights;
}

/**
 * Polls and quizzes, newest first: those who run polls write, open, close and reveal them and
 * see live counts; everyone else votes (and may change their vote until it closes) and sees
 * the results once revealed.
 */
export function PollsPanel({ interaction, snapshot, rights }: Props) {
  const { t } = useTranslation();
  const [error, setError] = useState<ErrorCode | null>(null);
  const polls = useMemo(() => [...snapshot.polls].reverse(), [snapshot.polls]);
  const actions = useMemo<PollActions>(() => {
    const attempt = (action: () => Promise<void>) => {
      setError(null);
      return action().then(
        () => true,
        (err: unknown) => {
          setError(errorCodeOf(err));
          return false;
        },
      );
    };
    return { act: (id, action) => void attempt(() => interaction.actOnPoll(id, action)), vote: (id, choices) => attempt(() => interaction.vote(id, choices)) };
  }, [interaction]);
  const create = (draft: PollDraft) => {
    setError(null);
    return interaction.createPoll(draft).then(
      () => true,
      (err: unknown) => {
        setError(errorCodeOf(err));
        return false;
      },
    );
  };

  return (
    <div className="polls">
      {rights.runPolls && <PollForm onCreate={create} />}
      <ErrorAlert code={error} />
      {polls.length === 0 ? (
        <p className="muted">{t('polls.empty')}</p>
      ) : (
        <ol className="poll-list" aria-label={t('polls.polls')}>
          {polls.map((poll) => (
            <PollCard key={poll.id} poll={poll} runs={rights.runPolls} votes={rights.vote} actions={actions} />
          ))}
        </ol>
      )}
    </div>
  );
}
