import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { AccountRole } from '@amphi/protocol';
import { api } from '../api.js';
import { CopyField } from '../ui/CopyField.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { TextField } from '../ui/TextField.js';
import { useAction } from '../ui/useAction.js';
import { currentLanguage } from '../i18n/index.js';

/** Creates an invitation (optionally for one email) and shows its link. */
export function InviteForm() {
  const { t } = useTranslation();
  const roleId = useId();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<AccountRole>('teacher');
  const { busy, error, run } = useAction();
  const [invite, setInvite] = useState<{ url: string; expiresAt: string } | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = email.trim();
    await run(async () => setInvite(await api.invite({ role, ...(trimmed ? { email: trimmed } : {}) })));
  };

  return (
    <section className="card" aria-labelledby="invite-heading">
      <h2 id="invite-heading">{t('admin.invitations')}</h2>
      <p className="hint">{t('admin.invitationsHint')}</p>
      <form onSubmit={(e) => void submit(e)} className="stack">
        <ErrorAlert code={error} />
        <TextField label={t('admin.inviteEmail')} type="email" value={email} onChange={setEmail} />
        <div className="field">
          <label htmlFor={roleId}>{t('admin.inviteRole')}</label>
          <select id={roleId} value={role} onChange={(e) => setRole(AccountRole.parse(e.target.value))}>
            {(['teacher', 'admin'] as const).map((r) => (
              <option key={r} value={r}>
                {t(`admin.accountRoles.${r}`)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={busy}>
          {t('admin.createInvite')}
        </button>
      </form>
      {invite && (
        <div className="invite-result">
          <CopyField key={invite.url} label={t('admin.inviteLink')} value={invite.url} />
          <p className="hint">{t('admin.inviteExpires', { date: new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'long', timeStyle: 'short' }).format(new Date(invite.expiresAt)) })}</p>
        </div>
      )}
    </section>
  );
}
