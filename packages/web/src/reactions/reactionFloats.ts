import { REACTIONS, type Reaction, type ReactionCounts } from '@amphi/protocol';

/**
 * How each reaction is drawn: the only table of them (the server deals in names). The
 * button's name is translated (`reactions.names`): `question` reads "I have a question", so
 * ❓, not ✋, which would read as the raised hand (a separate feature).
 */
export const REACTION_EMOJI: Readonly<Record<Reaction, string>> = Object.freeze({ thumbsUp: '👍', clap: '👏', laugh: '😂', surprised: '😮', heart: '❤️', question: '❓' });

/**
 * The floating reactions to draw for one second's tally from the server: one per reaction
 * counted, at most `cap` of each, so a lecture's hundreds of claps stay a few (the counts
 * beside the bar say how many). One's own reactions, already drawn when sent, are taken out.
 */
export function floatsFor(counts: ReactionCounts, own: Partial<Record<Reaction, number>>, cap = 5): Reaction[] {
  return REACTIONS.flatMap((reaction) => {
    const others = Math.max(0, (counts[reaction] ?? 0) - (own[reaction] ?? 0));
    return Array.from({ length: Math.min(cap, others) }, () => reaction);
  });
}
