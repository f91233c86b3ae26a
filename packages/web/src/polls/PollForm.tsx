import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { INTERACTION_LIMITS } from '@amphi/client';
import type { PollDraft } from '@amphi/protocol';
import { TextField } from '../ui/TextField.js';
import { StatusMessage } from '../ui/StatusMessage.js';
import { EMPTY_POLL_FORM, markCorrect, POLL_TIMERS, toPollDraft, type PollForm as Form, type PollTimer } from './pollDraft.js';

const TIMERS = Object.keys(POLL_TIMERS) as PollTimer[];

/**
 * Writes a poll (those who run polls): question, one or several answers, 2 to 10 options,
 * optional correct answers (a quiz) and timer. It is created as a draft, opened afterwards.
 */
export function PollForm({ onCreate }: { onCreate: (draft: PollDraft) => Promise<boolean> }) {
  const { t } = useTranslation();
  const id = useId();
  const [form, setForm] = useState<Form>(EMPTY_POLL_FORM);
  const [created, setCreated] = useState(false);
  const [busy, setBusy] = useState(false);
  const draft = toPollDraft(form);
  const change = (next: Partial<Form>) => {
    setCreated(false);
    setForm((f) => ({ ...f, ...next }));
  };
  const setOption = (index: number, text: string) => change({ options: form.options.map((o, i) => (i === index ? text : o)) });
  const removeOption = (index: number) => change({ options: form.options.filter((_, i) => i !== index), correct: form.correct.filter((_, i) => i !== index) });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!draft) return;
    setBusy(true);
    void onCreate(draft).then((ok) => {
      setBusy(false);
      if (!ok) return;
      setForm(EMPTY_POLL_FORM);
      setCreated(true);
    });
  };

  return (
    <details className="poll-form">
      <summary>{t('polls.newPoll')}</summary>
      <form onSubmit={submit} className="stack">
        <TextField label={t('polls.question')} value={form.question} onChange={(question) => change({ question })} maxLength={INTERACTION_LIMITS.pollQuestionMax} required />
        <fieldset>
          <legend>{t('polls.kind')}</legend>
          {(['single', 'multiple'] as const).map((kind) => (
            <div className="choice" key={kind}>
              <input type="radio" id={`${id}-${kind}`} name={`${id}-kind`} checked={form.kind === kind} onChange={() => change({ kind, correct: form.options.map(() => false) })} />
              <label htmlFor={`${id}-${kind}`}>{t(`polls.kinds.${kind}`)}</label>
            </div>
          ))}
        </fieldset>
        <fieldset>
          <legend>{t('polls.options')}</legend>
          <p className="hint" id={`${id}-correct-hint`}>
            {t('polls.correctHint')}
          </p>
          <ol className="poll-options-edit">
            {form.options.map((option, i) => (
              <li key={i} className="inline-form">
                <TextField label={t('polls.option', { number: i + 1 })} value={option} onChange={(text) => setOption(i, text)} maxLength={INTERACTION_LIMITS.pollOptionMax} />
                <div className="choice">
                  <input
                    type="checkbox"
                    id={`${id}-correct-${i}`}
                    checked={form.correct[i] ?? false}
                    onChange={(e) => change({ correct: markCorrect(form, i, e.target.checked) })}
                    aria-describedby={`${id}-correct-hint`}
                    aria-label={`${t('polls.correct')}: ${t('polls.option', { number: i + 1 })}`}
                  />
                  <label htmlFor={`${id}-correct-${i}`} aria-hidden="true">
                    {t('polls.correct')}
                  </label>
                </div>
                {form.options.length > INTERACTION_LIMITS.pollMinOptions && (
                  <button type="button" className="small link-button" onClick={() => removeOption(i)}>
                    {t('polls.removeOption', { number: i + 1 })}
                  </button>
                )}
              </li>
            ))}
          </ol>
          {form.options.length < INTERACTION_LIMITS.pollMaxOptions && (
            <button type="button" className="small secondary" onClick={() => change({ options: [...form.options, ''], correct: [...form.correct, false] })}>
              {t('polls.addOption')}
            </button>
          )}
        </fieldset>
        <div className="field">
          <label htmlFor={`${id}-timer`}>{t('polls.timer')}</label>
          <select id={`${id}-timer`} value={form.timer} onChange={(e) => change({ timer: TIMERS.find((timer) => timer === e.target.value) ?? 'none' })}>
            {TIMERS.map((timer) => (
              <option key={timer} value={timer}>
                {t(`polls.timers.${timer}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="actions">
          <button type="submit" disabled={!draft || busy}>
            {t('polls.create')}
          </button>
          <StatusMessage>{created ? t('polls.created') : null}</StatusMessage>
        </div>
      </form>
    </details>
  );
}
