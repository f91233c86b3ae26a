import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { MediaPolicy, QaAnonymity, type RoomKind, type RoomSettings } from '@amphi/protocol';
import { LtiGradeSelect, LtiTeachingAssistantSelect } from '../lti/LtiSettingsFields.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { StatusMessage } from '../ui/StatusMessage.js';
import { TextField } from '../ui/TextField.js';
import { RoomKindChoice } from './RoomKindChoice.js';
import { useAction } from '../ui/useAction.js';

export interface RoomDraft {
  title: string;
  kind: RoomKind;
  settings: RoomSettings;
}

function PolicySelect({ label, value, onChange }: { label: string; value: MediaPolicy; onChange: (v: MediaPolicy) => void }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(MediaPolicy.parse(e.target.value))}>
        {MediaPolicy.options.map((policy) => (
          <option key={policy} value={policy}>
            {t(`policies.${policy}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

function QaAnonymitySelect({ value, onChange }: { value: QaAnonymity; onChange: (v: QaAnonymity) => void }) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{t('qaAnonymity.label')}</label>
      <select id={id} value={value} onChange={(e) => onChange(QaAnonymity.parse(e.target.value))}>
        {QaAnonymity.options.map((mode) => (
          <option key={mode} value={mode}>
            {t(`qaAnonymity.options.${mode}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Title, kind and settings of a room; used to create and to edit. */
export function RoomForm({ initial, submitLabel, onSubmit }: { initial: RoomDraft; submitLabel: string; onSubmit: (draft: RoomDraft) => Promise<void> }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<RoomDraft>(initial);
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState(false);
  const setSettings = (change: Partial<RoomSettings>) => setDraft((d) => ({ ...d, settings: { ...d.settings, ...change } }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    await run(async () => {
      await onSubmit({ ...draft, title: draft.title.trim() });
      setSaved(true);
    });
  };

  return (
    <form onSubmit={(e) => void submit(e)} className="stack">
      <ErrorAlert code={error} />
      <TextField label={t('editor.title')} required maxLength={120} value={draft.title} onChange={(title) => setDraft((d) => ({ ...d, title }))} />
      <RoomKindChoice legend={t('editor.kind')} value={draft.kind} onChange={(kind) => setDraft((d) => ({ ...d, kind }))} />
      <fieldset>
        <legend>{t('editor.settings')}</legend>
        <div className="choice">
          <input type="checkbox" id="setting-lobby" checked={draft.settings.lobby} onChange={(e) => setSettings({ lobby: e.target.checked })} />
          <label htmlFor="setting-lobby">{t('editor.lobby')}</label>
        </div>
        <div className="choice">
          <input type="checkbox" id="setting-guests" checked={draft.settings.guestsAllowed} onChange={(e) => setSettings({ guestsAllowed: e.target.checked })} />
          <label htmlFor="setting-guests">{t('editor.guestsAllowed')}</label>
        </div>
        <PolicySelect label={t('editor.screenShare')} value={draft.settings.screenShare} onChange={(screenShare) => setSettings({ screenShare })} />
        <PolicySelect label={t('editor.unmute')} value={draft.settings.unmute} onChange={(unmute) => setSettings({ unmute })} />
        <QaAnonymitySelect value={draft.settings.qaAnonymity} onChange={(qaAnonymity) => setSettings({ qaAnonymity })} />
      </fieldset>
      <fieldset>
        <legend>{t('ltiSettings.title')}</legend>
        <LtiGradeSelect value={draft.settings.ltiGrade} onChange={(ltiGrade) => setSettings({ ltiGrade })} />
        <LtiTeachingAssistantSelect value={draft.settings.ltiTeachingAssistant} onChange={(ltiTeachingAssistant) => setSettings({ ltiTeachingAssistant })} />
      </fieldset>
      <div className="actions">
        <button type="submit" disabled={busy}>
          {submitLabel}
        </button>
        <StatusMessage>{saved ? t('app.saved') : null}</StatusMessage>
      </div>
    </form>
  );
}
