import { useTranslation } from 'react-i18next';
import { LANGUAGES, currentLanguage } from './index.js';

/** Buttons for each language, each labelled in its own language. */
export function LanguageSwitcher() {
  const { t, i18n } = useTranslation();
  const current = currentLanguage();
  return (
    <div role="group" aria-label={t('app.language')} className="language-switcher">
      {LANGUAGES.map((lng) => (
        <button key={lng} type="button" lang={lng} aria-pressed={lng === current} className="link-button" onClick={() => void i18n.changeLanguage(lng)}>
          {t(`languages.${lng}`)}
        </button>
      ))}
    </div>
  );
}
