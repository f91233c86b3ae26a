import type { InteractionEvent } from '@amphi/protocol';

/** The interaction panel's tabs. */
export type InteractionTab = 'chat' | 'questions' | 'polls';

/**
 * What is new for someone in a batch of released events, per tab: others' chat messages,
 * others' new questions, polls opened or revealed. One's own doings are not news.
 */
export function countNew(events: readonly InteractionEvent[], selfId: string | undefined): Record<InteractionTab, number> {
  const counts: Record<InteractionTab, number> = { chat: 0, questions: 0, polls: 0 };
  for (const event of events) {
    if (event.kind === 'chat.message' && event.from.id !== selfId && event.text !== null) counts.chat += 1;
    else if (event.kind === 'question' && event.change === 'asked' && !event.personal && event.question !== null && !event.question.mine) counts.questions += 1;
    else if (event.kind === 'poll' && (event.change === 'opened' || event.change === 'revealed') && !event.personal) counts.polls += 1;
  }
  return counts;
}
