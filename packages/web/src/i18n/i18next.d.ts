import 'i18next';
import type { Translation } from './en.js';
import type { LtiAdminTranslation } from './lti.en.js';
import type { LtiAppTranslation } from './ltiApp.en.js';
import type { LtiDeepLinkTranslation } from './ltiDeepLink.en.js';
import type { LtiRosterTranslation } from './ltiRoster.en.js';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Translation & LtiAdminTranslation & LtiAppTranslation & LtiDeepLinkTranslation & LtiRosterTranslation };
    returnNull: false;
  }
}
