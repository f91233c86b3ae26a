import type { LtiDeepLinkTranslation } from './ltiDeepLink.en.js';

/** Textes français de la page où un·e enseignant·e ajoute Amphi à un cours (LTI deep linking) ; fusionnés dans `translation` (voir index.ts). */
export const ltiDeepLinkFr: LtiDeepLinkTranslation = {
  ltiDeepLink: {
    title: 'Ajouter Amphi à votre cours',
    intro: 'Choisissez la salle à laquelle mène cette nouvelle activité de votre cours : une salle déjà présente dans ce cours, ou une nouvelle.',
    existing: 'Utiliser une salle existante',
    existingHint: 'Salles déjà ajoutées à ce cours. Les étudiant·es des deux activités se retrouvent dans la même salle.',
    newRoomChoice: 'Créer plutôt une nouvelle salle',
    create: 'Créer une nouvelle salle',
    roomTitle: 'Titre de la salle',
    titleRequired: 'Donnez un titre à la salle.',
    kind: 'Type de salle',
    addExisting: 'Ajouter cette salle au cours',
    addNew: 'Créer la salle et l’ajouter au cours',
    returning: 'Retour à votre cours…',
  },
};
