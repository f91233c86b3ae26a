import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { TextField } from '../ui/TextField.js';
import { useAction } from '../ui/useAction.js';
import { usePageTitle } from '../ui/usePageTitle.js';
import { useAuth } from './AuthContext.js';
import { safeNext } from './RequireAuth.js';

export function SignInPage() {
  const { t } = useTranslation();
  const { user, signIn, signupOpen } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  usePageTitle(t('auth.signInTitle'));

  if (user && !busy) return <Navigate to={next} replace />;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      await signIn(email, password);
      void navigate(next, { replace: true });
    });
  };

  return (
    <section className="card narrow">
      <h1>{t('auth.signInTitle')}</h1>
      <form onSubmit={(e) => void onSubmit(e)}>
        <ErrorAlert code={error} />
        <TextField label={t('auth.email')} type="email" autoComplete="email" required value={email} onChange={setEmail} />
        <TextField label={t('auth.password')} type="password" autoComplete="current-password" required value={password} onChange={setPassword} />
        <button type="submit" disabled={busy}>
          {t('auth.signInButton')}
        </button>
      </form>
      {signupOpen && (
        <p>
          {t('auth.noAccount')} <Link to="/signup">{t('auth.signUpLink')}</Link>
        </p>
      )}
    </section>
  );
}
