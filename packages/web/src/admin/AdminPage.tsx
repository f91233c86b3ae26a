import { useTranslation } from 'react-i18next';
import { usePageTitle } from '../ui/usePageTitle.js';
import { InviteForm } from './InviteForm.js';
import { LtiConsumers } from './LtiConsumers.js';
import { LtiPlatforms } from './LtiPlatforms.js';
import { SignupSettings } from './SignupSettings.js';

/** Instance administration: open sign-up, invitations, learning platforms (LTI). */
export function AdminPage() {
  const { t } = useTranslation();
  usePageTitle(t('admin.title'));
  return (
    <>
      <h1>{t('admin.title')}</h1>
      <div className="grid">
        <SignupSettings />
        <InviteForm />
      </div>
      <section aria-labelledby="lti-heading">
        <h2 id="lti-heading">{t('ltiAdmin.title')}</h2>
        <p className="hint">{t('ltiAdmin.intro')}</p>
        <div className="grid">
          <LtiPlatforms />
          <LtiConsumers />
        </div>
      </section>
    </>
  );
}
