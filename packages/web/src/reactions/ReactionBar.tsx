import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Interaction } from '@amphi/client';
import { REACTIONS, type Reaction, type ReactionCounts } from '@amphi/protocol';
import { floatsFor, REACTION_EMOJI } from './reactionFloats.js';

/** How long (ms) a floating reaction stays, and the counts of the last tally. */
const FLOAT_MS = 2_500;
const COUNTS_MS = 4_000;

interface Float {
  id: number;
  reaction: Reaction;
  /** Horizontal position in percent, so several do not overlap. */
  left: number;
}

/**
 * A small bar of reactions. Each one floats up briefly (one's own at once, others' from the
 * server's tally each second, a few of each however large the room), and the last tally's
 * counts show beside the bar. Floats are decoration (hidden from screen readers); the counts
 * are text.
 */
export function ReactionBar({ interaction }: { interaction: Interaction }) {
  const { t } = useTranslation();
  const [floats, setFloats] = useState<Float[]>([]);
  const [counts, setCounts] = useState<ReactionCounts | null>(null);
  const own = useRef<Partial<Record<Reaction, number>>>({});
  const nextId = useRef(1);
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());

  useEffect(() => {
    const pending = timers.current;
    return () => {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
    };
  }, []);

  const later = useCallback((action: () => void, ms: number) => {
    const timer = setTimeout(() => {
      timers.current.delete(timer);
      action();
    }, ms);
    timers.current.add(timer);
  }, []);
  const float = useCallback(
    (reactions: Reaction[]) => {
      if (reactions.length === 0) return;
      const added = reactions.map((reaction) => ({ id: nextId.current++, reaction, left: 5 + Math.random() * 85 }));
      setFloats((list) => [...list, ...added]);
      const ids = new Set(added.map((f) => f.id));
      later(() => setFloats((list) => list.filter((f) => !ids.has(f.id))), FLOAT_MS);
    },
    [later],
  );

  useEffect(
    () =>
      interaction.on('reactions', (tally) => {
        float(floatsFor(tally, own.current));
        own.current = {};
        setCounts(tally);
        later(() => setCounts((current) => (current === tally ? null : current)), COUNTS_MS);
      }),
    [interaction, float, later],
  );

  const send = (reaction: Reaction) => {
    if (!interaction.react(reaction)) return;
    own.current[reaction] = (own.current[reaction] ?? 0) + 1;
    float([reaction]);
  };

  const shown = counts ? REACTIONS.filter((r) => (counts[r] ?? 0) > 0) : [];
  return (
    <div className="reactions">
      <div className="reaction-floats" aria-hidden="true">
        {floats.map((f) => (
          <span key={f.id} className="reaction-float" style={{ left: `${f.left}%` }}>
            {REACTION_EMOJI[f.reaction]}
          </span>
        ))}
      </div>
      <div className="reaction-bar" role="group" aria-label={t('reactions.bar')}>
        {REACTIONS.map((reaction) => (
          <button key={reaction} type="button" className="reaction-button secondary" title={t(`reactions.names.${reaction}`)} aria-label={t(`reactions.names.${reaction}`)} onClick={() => send(reaction)}>
            <span aria-hidden="true">{REACTION_EMOJI[reaction]}</span>
          </button>
        ))}
      </div>
      {shown.length > 0 && (
        <p className="reaction-counts">
          <span className="visually-hidden">{t('reactions.recent')}: </span>
          {shown.map((r) => (
            <span key={r} className="reaction-count" title={t('reactions.count', { name: t(`reactions.names.${r}`), count: counts?.[r] ?? 0 })}>
              <span aria-hidden="true">{REACTION_EMOJI[r]}</span>
              <span className="visually-hidden">{t(`reactions.names.${r}`)}</span> {counts?.[r]}
            </span>
          ))}
        </p>
      )}
    </div>
  );
}
