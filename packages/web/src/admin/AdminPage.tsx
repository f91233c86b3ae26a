import { useTranslation } from 'react-i18next';
import { usePageTitle } from '../ui/usePageTitle.js';
import { InviteForm } from './InviteForm.js';
import { SignupSettings } from './SignupSettings.js';

/** Instance administration: open sign-up, invitations. */
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
    </>
  );
}
