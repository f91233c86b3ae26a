import { useTranslation } from 'react-i18next';
import type { ErrorCode } from '@amphi/protocol';

/** A translated error, announced by screen readers as soon as it appears. */
export function ErrorAlert({ code, id }: { code: ErrorCode | null; id?: string }) {
  const { t } = useTranslation();
  // The alert container stays in the page so that its content change is announced.
  return (
    <div role="alert" id={id} className={code ? 'alert alert-error' : undefined}>
      {code ? t(`errors.${code}`) : null}
    </div>
  );
}
