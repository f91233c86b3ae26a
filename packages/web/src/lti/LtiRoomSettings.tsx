import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { LtiRoomSettings as Settings } from '@amphi/protocol';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { StatusMessage } from '../ui/StatusMessage.js';
import { useAction } from '../ui/useAction.js';
import { useLoad } from '../ui/useLoad.js';
import { LtiGradeSelect, LtiTeachingAssistantSelect } from './LtiSettingsFields.js';
import { ltiClient } from './ltiSessionApi.js';

function SettingsForm({ token, initial, onSaved }: { token: string; initial: Settings; onSaved: (settings: Settings) => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState<Settings>(initial);
  const [saved, setSaved] = useState(false);
  const { busy, error, run } = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    await run(async () => {
      onSaved(await ltiClient(token).updateLtiRoomSettings(draft));
      setSaved(true);
    });
  };
  return (
    <form className="stack" onSubmit={(e) => void submit(e)}>
      <ErrorAlert code={error} />
      <LtiGradeSelect value={draft.ltiGrade} onChange={(ltiGrade) => setDraft((d) => ({ ...d, ltiGrade }))} />
      <LtiTeachingAssistantSelect value={draft.ltiTeachingAssistant} onChange={(ltiTeachingAssistant) => setDraft((d) => ({ ...d, ltiTeachingAssistant }))} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {t('ltiSettings.save')}
        </button>
        <StatusMessage>{saved ? t('ltiSettings.saved') : null}</StatusMessage>
      </div>
    </form>
  );
}

/** The room's LTI settings (grade posted after each session, teaching assistants' role), for a moderator launched from the course. */
export function LtiRoomSettings({ token }: { token: string }) {
  const { t } = useTranslation();
  const headingId = useId();
  const [settings, replace] = useLoad(() => ltiClient(token).ltiRoomSettings(), token);
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('ltiSettings.title')}</h2>
      {settings.status === 'loading' ? <p role="status">{t('app.loading')}</p> : null}
      {settings.status === 'error' ? <ErrorAlert code={settings.code} /> : null}
      {settings.status === 'ready' ? <SettingsForm token={token} initial={settings.data} onSaved={replace} /> : null}
    </section>
  );
}
