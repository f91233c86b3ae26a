import type { LtiAppTranslation } from './ltiApp.en.js';

/** Textes français de l’application lancée depuis un LMS (LTI) ; fusionnés dans `translation` (voir index.ts). */
export const ltiAppFr: LtiAppTranslation = {
  ltiApp: {
    bar: 'Amphi dans votre cours',
    checking: 'Connexion à votre cours…',
    storageFailedTitle: 'Le lancement n’a pas pu être confirmé',
    storageFailed: 'Amphi n’a pas pu confirmer le lancement auprès de votre cours. Revenez à votre cours et rouvrez l’activité.',
    missingTitle: 'Ouvrez l’activité depuis votre cours',
    missing: 'Cette page doit être lancée depuis votre cours, et aucun lancement n’a été trouvé ici (il a peut-être expiré). Revenez à votre cours et rouvrez l’activité.',
    errorTitle: 'L’activité n’a pas pu être ouverte',
    openAgain: 'Revenez à votre cours et rouvrez l’activité.',
    openInNewWindow: 'Ouvrir dans une nouvelle fenêtre',
  },
};
