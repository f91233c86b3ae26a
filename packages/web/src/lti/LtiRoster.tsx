import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { currentLanguage } from '../i18n/index.js';
import { ErrorAlert } from '../ui/ErrorAlert.js';
import { StatusMessage } from '../ui/StatusMessage.js';
import { useAction } from '../ui/useAction.js';
import { useLoad } from '../ui/useLoad.js';
import { ltiClient } from './ltiSessionApi.js';
import { rosterView } from './rosterView.js';

/**
 * The LMS course roster for a moderator launched from the course: who has not joined the live
 * session yet, then who has; refreshed on demand (the server keeps the LMS's answer a minute).
 */
export function LtiRoster({ token }: { token: string }) {
  const { t } = useTranslation();
  const headingId = useId();
  const [roster, replace] = useLoad(() => ltiClient(token).ltiRoster(), token);
  const refresh = useAction();

  let body;
  if (roster.status === 'loading') body = <p role="status">{t('ltiRoster.loading')}</p>;
  else if (roster.status === 'error') body = <p className="alert alert-error">{roster.code === 'INVALID_STATE' ? t('ltiRoster.unavailable') : t(`errors.${roster.code}`)}</p>;
  else {
    const language = currentLanguage();
    const view = rosterView(roster.data.members, language);
    const time = new Date(roster.data.fetchedAt).toLocaleTimeString(language, { hour: '2-digit', minute: '2-digit' });
    body =
      view.members.length === 0 ? (
        <p>{t('ltiRoster.empty')}</p>
      ) : (
        <>
          <StatusMessage className="hint">{view.notJoined === 0 ? t('ltiRoster.allJoined') : t('ltiRoster.summary', { notJoined: view.notJoined, total: view.total })}</StatusMessage>
          <table>
            <caption className="visually-hidden">{t('ltiRoster.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('ltiRoster.name')}</th>
                <th scope="col">{t('ltiRoster.role')}</th>
                <th scope="col">{t('ltiRoster.presence')}</th>
              </tr>
            </thead>
            <tbody>
              {view.members.map((member, index) => (
                <tr key={`${index}-${member.name}`}>
                  <th scope="row">
                    {member.name}
                    {member.status !== 'Active' ? <span className="hint"> ({t('ltiRoster.inactive')})</span> : null}
                  </th>
                  <td>{t(`roles.${member.role}`)}</td>
                  <td>
                    <span className={member.joined ? 'badge badge-on' : 'badge'}>{member.joined ? t('ltiRoster.joined') : t('ltiRoster.notJoined')}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="hint">{t('ltiRoster.fetchedAt', { time })}</p>
        </>
      );
  }

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('ltiRoster.title')}</h2>
      <p className="hint">{t('ltiRoster.intro')}</p>
      <div className="actions">
        <button type="button" className="secondary" disabled={refresh.busy || roster.status === 'loading'} onClick={() => void refresh.run(async () => replace(await ltiClient(token).ltiRoster()))}>
          {t('ltiRoster.refresh')}
        </button>
      </div>
      <ErrorAlert code={refresh.error} />
      {body}
    </section>
  );
}
