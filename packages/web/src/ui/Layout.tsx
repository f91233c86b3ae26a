import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useAuth } from '../auth/AuthContext.js';
import { LanguageSwitcher } from '../i18n/LanguageSwitcher.js';
import { errorCodeOf } from '../api.js';
import { ErrorAlert } from './ErrorAlert.js';
import type { ErrorCode } from '@amphi/protocol';

/** Page frame: skip link, header (brand, navigation, language, account) and the main landmark. */
export function Layout() {
  const { t } = useTranslation();
  const { user, signOut } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  const [error, setError] = useState<ErrorCode | null>(null);

  // After client-side navigation, move focus to the new content, as a page load would.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    main.current?.focus();
  }, [location.pathname]);

  const onSignOut = async () => {
    try {
      await signOut();
      setError(null);
      void navigate('/signin');
    } catch (err) {
      setError(errorCodeOf(err));
    }
  };

  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          {t('app.name')}
        </Link>
        <nav aria-label={t('app.mainNav')}>
          <ul>
            {user && (
              <li>
                <NavLink to="/" end>
                  {t('nav.rooms')}
                </NavLink>
              </li>
            )}
            {user && (
              <li>
                <NavLink to="/account">{t('nav.account')}</NavLink>
              </li>
            )}
            {user?.role === 'admin' && (
              <li>
                <NavLink to="/admin">{t('nav.admin')}</NavLink>
              </li>
            )}
            {!user && (
              <>
                <li>
                  <NavLink to="/signin">{t('nav.signIn')}</NavLink>
                </li>
                <li>
                  <NavLink to="/signup">{t('nav.signUp')}</NavLink>
                </li>
              </>
            )}
          </ul>
        </nav>
        <div className="header-end">
          <LanguageSwitcher />
          {user && (
            <div className="account">
              <span>{t('app.signedInAs', { name: user.name })}</span>
              <button type="button" className="secondary" onClick={() => void onSignOut()}>
                {t('nav.signOut')}
              </button>
            </div>
          )}
        </div>
      </header>
      <ErrorAlert code={error} />
      <main id="main" ref={main} tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
