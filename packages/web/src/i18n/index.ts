import i18next from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';
import { en } from './en.js';
import { fr } from './fr.js';
import { ltiAdminEn } from './lti.en.js';
import { ltiAdminFr } from './lti.fr.js';
import { ltiAppEn } from './ltiApp.en.js';
import { ltiAppFr } from './ltiApp.fr.js';
import { ltiDeepLinkEn } from './ltiDeepLink.en.js';
import { ltiDeepLinkFr } from './ltiDeepLink.fr.js';
import { ltiRosterEn } from './ltiRoster.en.js';
import { ltiRosterFr } from './ltiRoster.fr.js';

export const LANGUAGES = ['en', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}

/** The language in use, reduced to one we ship ('fr-CA' → 'fr'). */
export function currentLanguage(): Language {
  const base = (i18next.resolvedLanguage ?? i18next.language ?? 'en').slice(0, 2);
  return isLanguage(base) ? base : 'en';
}

function syncDocumentLanguage(): void {
  document.documentElement.lang = currentLanguage();
}

/**
 * Starts i18next: the language chosen with the switcher (kept in localStorage) wins,
 * else the browser's (French for French browsers, English otherwise).
 */
export async function initI18n(): Promise<void> {
  i18next.on('languageChanged', syncDocumentLanguage);
  await i18next
    .use(LanguageDetector)
    .use(initReactI18next)
    .init({
      resources: { en: { translation: { ...en, ...ltiAdminEn, ...ltiAppEn, ...ltiDeepLinkEn, ...ltiRosterEn } }, fr: { translation: { ...fr, ...ltiAdminFr, ...ltiAppFr, ...ltiDeepLinkFr, ...ltiRosterFr } } },
      supportedLngs: [...LANGUAGES],
      nonExplicitSupportedLngs: true,
      load: 'languageOnly',
      fallbackLng: 'en',
      // React escapes what it renders.
      interpolation: { escapeValue: false },
      detection: { order: ['localStorage', 'navigator'], lookupLocalStorage: 'amphi.language', caches: ['localStorage'] },
      returnNull: false,
    });
  syncDocumentLanguage();
}
