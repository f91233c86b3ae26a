import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { StatusMessage } from '../ui/StatusMessage.js';
import { TextField } from '../ui/TextField.js';
import { useAction } from '../ui/useAction.js';
import { usePageTitle } from '../ui/usePageTitle.js';
import { useAuth } from './AuthContext.js';

/** `/account`: who I am, and changing my password (which signs out my other sessions). */
export function AccountPage() {
  const { t } = useTranslation();
  const { user } = useAuth();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const { busy, error, run } = useAction();
  const [done, setDone] = useState(false);
  usePageTitle(t('auth.accountTitle'));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(false);
    await run(async () => {
      await api.changePassword({ currentPassword, newPassword });
      setCurrentPassword('');
      setNewPassword('');
      setDone(true);
    });
  };

  return (
    <section className="card narrow">
      <h1>{t('auth.accountTitle')}</h1>
      <p>
        {user?.name} — {user?.email}
      </p>
      <h2>{t('auth.changePasswordTitle')}</h2>
      <form onSubmit={(e) => void onSubmit(e)}>
        <ErrorAlert code={error} />
        <TextField label={t('auth.currentPassword')} type="password" autoComplete="current-password" required value={currentPassword} onChange={setCurrentPassword} />
        <TextField label={t('auth.newPassword')} type="password" autoComplete="new-password" required minLength={10} hint={t('auth.passwordHint')} value={newPassword} onChange={setNewPassword} />
        <button type="submit" disabled={busy}>
          {t('auth.changePasswordButton')}
        </button>
        <StatusMessage>{done ? t('auth.passwordChanged') : ''}</StatusMessage>
      </form>
    </section>
  );
}
