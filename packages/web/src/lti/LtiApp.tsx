import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LanguageSwitcher } from '../i18n/LanguageSwitcher.js';
import { LtiDeepLinkPage } from './LtiDeepLinkPage.js';
import { LtiMessagePage } from './LtiMessagePage.js';
import { LtiRoomPage } from './LtiRoomPage.js';
import { keepLaunch, ltiStart, type LtiStart, type StoredLaunch } from './ltiBoot.js';
import { confirmInPlatformStorage } from './platformStorage.js';

/** Checks the launch in the platform's storage, then shows what it leads to. */
function LtiLaunch({ start }: { start: LtiStart }) {
  const { t } = useTranslation();
  const [launch, setLaunch] = useState<StoredLaunch | 'checking' | 'refused' | null>(() => (start.kind === 'run' ? start.launch : start.kind === 'check' ? 'checking' : null));

  useEffect(() => {
    if (start.kind !== 'check') return;
    let live = true;
    void confirmInPlatformStorage(start.storage, window).then((ok) => {
      if (!live) return;
      if (ok) keepLaunch(start.launch);
      setLaunch(ok ? start.launch : 'refused');
    });
    return () => {
      live = false;
    };
  }, [start]);

  if (launch === 'checking') return <p role="status">{t('ltiApp.checking')}</p>;
  if (launch === 'refused') return <LtiMessagePage title={t('ltiApp.storageFailedTitle')} text={t('ltiApp.storageFailed')} />;
  if (launch === null) return <LtiMessagePage title={t('ltiApp.missingTitle')} text={t('ltiApp.missing')} />;
  return launch.kind === 'deepLinking' ? <LtiDeepLinkPage token={launch.token} /> : <LtiRoomPage token={launch.token} />;
}

/**
 * `/lti/*`: the app inside an LMS (or opened from it in a new window). Compact: no sign-in
 * header or menu (the person is who the LMS says), only the language and the page itself.
 */
export function LtiApp() {
  const { t } = useTranslation();
  const [start] = useState(ltiStart);
  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="site-header" aria-label={t('ltiApp.bar')}>
        <div className="header-end">
          <LanguageSwitcher />
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <LtiLaunch start={start} />
      </main>
    </>
  );
}
