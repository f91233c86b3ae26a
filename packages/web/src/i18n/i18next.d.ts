import 'i18next';
import type { Translation } from './en.js';
import type { LtiAdminTranslation } from './lti.en.js';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Translation & LtiAdminTranslation };
    returnNull: false;
  }
}
