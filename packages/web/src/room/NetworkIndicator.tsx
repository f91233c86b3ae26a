import { useTranslation } from 'react-i18next';
import type { NetworkQuality } from './networkQuality.js';

const BARS = { good: 3, fair: 2, poor: 1 } as const;

/** The network quality as text ("Connection: good"), with bars beside it for a quick look. */
export function NetworkIndicator({ quality }: { quality: NetworkQuality | null }) {
  const { t } = useTranslation();
  if (!quality) return null;
  return (
    <p className={`network network-${quality}`}>
      <span className="network-bars" aria-hidden="true">
        {[1, 2, 3].map((bar) => (
          <span key={bar} className={bar <= BARS[quality] ? 'on' : undefined} />
        ))}
      </span>
      {t(`media.network.${quality}`)}
    </p>
  );
}
