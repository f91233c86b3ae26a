import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { ErrorCode } from '@amphi/protocol';
import { ErrorAlert } from './ErrorAlert.js';
import { usePageTitle } from './usePageTitle.js';

/** "Not found", for unknown routes, or with the server's reason for a thing that could not be loaded. */
export function NotFoundPage({ code }: { code?: ErrorCode }) {
  const { t } = useTranslation();
  usePageTitle(t('app.notFoundTitle'));
  return (
    <section className="card narrow">
      <h1>{t('app.notFoundTitle')}</h1>
      {code ? <ErrorAlert code={code} /> : <p>{t('app.notFoundText')}</p>}
      <p>
        <Link to="/">{t('app.backHome')}</Link>
      </p>
    </section>
  );
}
