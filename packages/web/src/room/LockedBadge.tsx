import { useTranslation } from 'react-i18next';

/** "Room locked", shown to everyone while a moderator keeps newcomers out; announced when it changes. */
export function LockedBadge({ locked }: { locked: boolean }) {
  const { t } = useTranslation();
  return <span role="status">{locked ? <span className="badge badge-warn">{t('room.roomLocked')}</span> : null}</span>;
}
