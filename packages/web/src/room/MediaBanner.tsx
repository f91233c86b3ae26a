import { useTranslation } from 'react-i18next';

/**
 * "Reconnecting audio and video…" while the media connection recovers, like the room's
 * reconnecting banner (which takes precedence while the whole connection is lost). One live
 * region that stays in the page, so its text is announced when it appears.
 */
export function MediaBanner({ reconnecting }: { reconnecting: boolean }) {
  const { t } = useTranslation();
  return (
    <p role="status" className={reconnecting ? 'banner' : 'visually-hidden'}>
      {reconnecting ? t('media.reconnecting') : null}
    </p>
  );
}
