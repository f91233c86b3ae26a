import { compareQuestions, type ChatState, type InteractionEvent, type PollView, type QaAnonymity, type QuestionView, type ServerMessage } from '@amphi/protocol';

/** A chat message as shown: `text` null once a moderator deleted it. */
export type ChatEntry = Extract<InteractionEvent, { kind: 'chat.message' }>;
export type InteractionSnapshot = Extract<ServerMessage, { type: 'interaction.snapshot' }>;
export type QuestionOrder = InteractionSnapshot['questionOrder'];

/** Chat messages kept in memory (the server's recent history holds as many). */
export const CHAT_HISTORY_LIMIT = 200;

/** Questions in the order everyone sees them (the server's rule, `compareQuestions`). */
export function sortQuestions(questions: readonly QuestionView[], order: QuestionOrder): QuestionView[] {
  return [...questions].sort((a, b) => compareQuestions(a, b, order));
}

/**
 * One person's picture of a room's interaction layer (chat, polls, Q&A), built from the
 * server's snapshot and the logged events applied in order. Every getter hands out a value that
 * is never mutated afterwards: a change replaces it, so UIs may compare by reference.
 */
export class InteractionModel {
  #chat: readonly ChatEntry[] = [];
  /** Seqs of deleted messages, so a message released after its deletion shows as deleted. */
  #deleted = new Set<number>();
  #chatState: ChatState = { enabled: true, muted: false, mutedParticipants: [] };
  #polls = new Map<string, PollView>();
  #questions = new Map<string, QuestionView>();
  /** The seq of the view held for each poll or question: an older view never replaces a newer one. */
  #viewSeq = new Map<string, number>();
  #order: QuestionOrder = 'votes';
  #qaAnonymity: QaAnonymity = 'fromPeers';
  #pollList: readonly PollView[] = [];
  #questionList: readonly QuestionView[] = [];

  constructor(readonly selfId: () => string | null) {}

  get chat(): readonly ChatEntry[] {
    return this.#chat;
  }
  get chatState(): ChatState {
    return this.#chatState;
  }
  /** Polls in the order they were created. */
  get polls(): readonly PollView[] {
    return this.#pollList;
  }
  /** Questions in the order everyone sees them (see `sortQuestions`). */
  get questions(): readonly QuestionView[] {
    return this.#questionList;
  }
  get questionOrder(): QuestionOrder {
    return this.#order;
  }
  get qaAnonymity(): QaAnonymity {
    return this.#qaAnonymity;
  }
  poll(id: string): PollView | undefined {
    return this.#polls.get(id);
  }
  question(id: string): QuestionView | undefined {
    return this.#questions.get(id);
  }

  /** Replaces everything with the server's picture. */
  reset(snapshot: InteractionSnapshot): void {
    this.#chat = [];
    this.#deleted = new Set();
    this.#chatState = snapshot.chatState;
    this.#order = snapshot.questionOrder;
    this.#qaAnonymity = snapshot.qaAnonymity;
    this.#viewSeq = new Map();
    this.#polls = new Map(snapshot.polls.map((p) => [p.id, p]));
    this.#questions = new Map(snapshot.questions.map((q) => [q.id, q]));
    for (const id of [...this.#polls.keys(), ...this.#questions.keys()]) this.#viewSeq.set(id, snapshot.lastSeq);
    for (const event of snapshot.chat) this.apply(event);
    this.#listPolls();
    this.#listQuestions();
  }

  /** Applies one logged event (events arrive in seq order, each once). */
  apply(event: InteractionEvent): void {
    switch (event.kind) {
      case 'chat.message': {
        if (this.#chat.some((m) => m.seq === event.seq)) return;
        const entry = this.#deleted.has(event.seq) ? { ...event, text: null } : event;
        // Released events may come out of seq order (one's own at once): keep the list sorted.
        const next = [...this.#chat, entry].sort((a, b) => a.seq - b.seq);
        this.#chat = next.length > CHAT_HISTORY_LIMIT ? next.slice(-CHAT_HISTORY_LIMIT) : next;
        return;
      }
      case 'chat.deleted':
        this.#deleted.add(event.target);
        if (this.#chat.some((m) => m.seq === event.target)) this.#chat = this.#chat.map((m) => (m.seq === event.target ? { ...m, text: null } : m));
        return;
      case 'chat.muted': {
        const others = this.#chatState.mutedParticipants.filter((id) => id !== event.participantId);
        this.#chatState = {
          ...this.#chatState,
          muted: event.participantId === this.selfId() ? event.muted : this.#chatState.muted,
          mutedParticipants: event.muted ? [...others, event.participantId] : others,
        };
        return;
      }
      case 'chat.switched':
        this.#chatState = { ...this.#chatState, enabled: event.enabled };
        return;
      case 'poll': {
        if (!this.#fresh(event.pollId, event.seq)) return;
        const known = this.#polls.get(event.pollId);
        if (event.poll === null) this.#polls.delete(event.pollId);
        else this.#polls.set(event.pollId, event.personal || !known ? event.poll : { ...event.poll, myChoices: known.myChoices });
        this.#listPolls();
        return;
      }
      case 'question': {
        if (!this.#fresh(event.questionId, event.seq)) return;
        const known = this.#questions.get(event.questionId);
        if (event.question === null) this.#questions.delete(event.questionId);
        else this.#setQuestion(event.question, event.personal, known);
        // A merge: the question kept, with the combined votes (one's vote or question on the duplicate counts for it).
        if (event.into && this.#fresh(event.into.id, event.seq)) {
          const into = this.#questions.get(event.into.id);
          const carried = into && known && !into.mine && (known.mine || known.votedByMe) ? { ...into, votedByMe: true } : into;
          this.#setQuestion(event.into, event.personal, carried);
        }
        this.#listQuestions();
        return;
      }
      case 'question.order':
        this.#order = event.order;
        this.#listQuestions();
        return;
    }
  }

  /** Keeps `mine` and `votedByMe` one knew when the view was rendered for one's role, not for oneself. */
  #setQuestion(question: QuestionView, personal: boolean, known: QuestionView | undefined): void {
    const view = personal || !known ? question : { ...question, mine: known.mine, votedByMe: known.votedByMe };
    // One question is answered at a time: the one being answered before goes back to open.
    if (view.status === 'answering') {
      for (const [id, q] of this.#questions) if (id !== view.id && q.status === 'answering') this.#questions.set(id, { ...q, status: 'open' });
    }
    this.#questions.set(view.id, view);
  }

  #fresh(id: string, seq: number): boolean {
    if ((this.#viewSeq.get(id) ?? 0) > seq) return false;
    this.#viewSeq.set(id, seq);
    return true;
  }

  #listPolls(): void {
    this.#pollList = [...this.#polls.values()];
  }

  #listQuestions(): void {
    this.#questionList = sortQuestions([...this.#questions.values()], this.#order);
  }
}
