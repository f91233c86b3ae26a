import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.js';
import { useAuth } from '../auth/AuthContext.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { StatusMessage } from '../ui/StatusMessage.js';
import { useAction } from '../ui/useAction.js';
import { useLoad } from '../ui/useLoad.js';

/** The open sign-up switch (a checkbox saved with its button). */
export function SignupSettings() {
  const { t } = useTranslation();
  const { refresh } = useAuth();
  const [settings, setSettings] = useLoad(() => api.adminSettings(), 'settings');
  const [openSignup, setOpenSignup] = useState<boolean | null>(null);
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState(false);
  const checked = openSignup ?? (settings.status === 'ready' ? settings.data.openSignup : false);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    await run(async () => {
      setSettings(await api.setAdminSettings({ openSignup: checked }));
      setOpenSignup(null);
      setSaved(true);
      await refresh();
    });
  };

  return (
    <section className="card" aria-labelledby="signup-heading">
      <h2 id="signup-heading">{t('admin.signup')}</h2>
      <ErrorAlert code={settings.status === 'error' ? settings.code : error} />
      {settings.status === 'loading' && <p role="status">{t('app.loading')}</p>}
      {settings.status === 'ready' && (
        <form onSubmit={(e) => void save(e)} className="stack">
          <div className="choice">
            <input
              type="checkbox"
              id="open-signup"
              checked={checked}
              onChange={(e) => {
                setOpenSignup(e.target.checked);
                setSaved(false);
              }}
            />
            <label htmlFor="open-signup">{t('admin.openSignup')}</label>
          </div>
          <div className="actions">
            <button type="submit" disabled={busy}>
              {t('app.save')}
            </button>
            <StatusMessage>{saved ? t('admin.signupSaved') : null}</StatusMessage>
          </div>
        </form>
      )}
    </section>
  );
}
