import { useEffect, useState } from 'react';
import type { ChatEntry, Interaction, PendingCommand, QuestionOrder } from '@amphi/client';
import type { ChatState, PollView, QaAnonymity, QuestionView } from '@amphi/protocol';

/** What the interaction panel shows, copied from the client's model so React sees each change. */
export interface InteractionSnapshot {
  /** The server's picture arrived (until then the panel says it is loading). */
  synced: boolean;
  chat: readonly ChatEntry[];
  chatState: ChatState;
  polls: readonly PollView[];
  questions: readonly QuestionView[];
  questionOrder: QuestionOrder;
  qaAnonymity: QaAnonymity;
  /** Commands not acknowledged yet (chat messages shown as "sending"). */
  pending: readonly PendingCommand[];
}

function read(interaction: Interaction): InteractionSnapshot {
  const { model } = interaction;
  return {
    synced: interaction.synced,
    chat: model.chat,
    chatState: model.chatState,
    polls: model.polls,
    questions: model.questions,
    questionOrder: model.questionOrder,
    qaAnonymity: model.qaAnonymity,
    pending: interaction.pending,
  };
}

/** Follows a room client's interaction layer (chat, Q&A, polls). */
export function useInteraction(interaction: Interaction): InteractionSnapshot {
  const [snapshot, setSnapshot] = useState(() => read(interaction));
  useEffect(() => {
    setSnapshot(read(interaction));
    return interaction.on('change', () => setSnapshot(read(interaction)));
  }, [interaction]);
  return snapshot;
}
