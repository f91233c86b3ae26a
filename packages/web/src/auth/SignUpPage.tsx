import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { TextField } from '../ui/TextField.js';
import { useAction } from '../ui/useAction.js';
import { usePageTitle } from '../ui/usePageTitle.js';
import { useAuth } from './AuthContext.js';

/** Sign-up with open sign-up, or with an invitation (`/signup?invite=…`). */
export function SignUpPage() {
  const { t } = useTranslation();
  const { user, signUp, signupOpen } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const invite = params.get('invite') ?? undefined;
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  const closed = !signupOpen && invite === undefined;
  usePageTitle(closed ? t('auth.signupClosedTitle') : t('auth.signUpTitle'));

  if (user && !busy) return <Navigate to="/" replace />;

  if (closed) {
    return (
      <section className="card narrow">
        <h1>{t('auth.signupClosedTitle')}</h1>
        <p>{t('auth.signupClosedText')}</p>
        <p>
          {t('auth.haveAccount')} <Link to="/signin">{t('auth.signInLink')}</Link>
        </p>
      </section>
    );
  }

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    await run(async () => {
      await signUp({ name, email, password, ...(invite !== undefined ? { invite } : {}) });
      void navigate('/', { replace: true });
    });
  };

  return (
    <section className="card narrow">
      <h1>{t('auth.signUpTitle')}</h1>
      {invite !== undefined && <p>{t('auth.invited')}</p>}
      <form onSubmit={(e) => void onSubmit(e)}>
        <ErrorAlert code={error} />
        <TextField label={t('auth.name')} hint={t('auth.nameHint')} autoComplete="name" required maxLength={80} value={name} onChange={setName} />
        <TextField label={t('auth.email')} type="email" autoComplete="email" required value={email} onChange={setEmail} />
        <TextField
          label={t('auth.password')}
          hint={t('auth.passwordHint')}
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          maxLength={256}
          value={password}
          onChange={setPassword}
        />
        <button type="submit" disabled={busy}>
          {t('auth.signUpButton')}
        </button>
      </form>
      <p>
        {t('auth.haveAccount')} <Link to="/signin">{t('auth.signInLink')}</Link>
      </p>
    </section>
  );
}
