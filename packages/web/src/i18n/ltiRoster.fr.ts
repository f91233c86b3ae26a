import type { LtiRosterTranslation } from './ltiRoster.en.js';

/** Textes français de la liste des inscrits et des réglages LTI de la salle ; fusionnés dans `translation` (voir index.ts). */
export const ltiRosterFr: LtiRosterTranslation = {
  ltiRoster: {
    title: 'Inscrits du cours',
    intro: 'Les membres du cours dans votre plateforme d’apprentissage, et qui a rejoint la session en direct (celle en cours, ou la dernière).',
    refresh: 'Actualiser',
    loading: 'Chargement de la liste…',
    unavailable: 'La liste des inscrits n’est pas disponible : votre plateforme d’apprentissage ne la partage pas avec Amphi, ou n’a pas répondu. Réessayez plus tard.',
    empty: 'Le cours n’a aucun membre.',
    summary: '{{notJoined}} sur {{total}} pas encore arrivés',
    allJoined: 'Tous les membres du cours sont arrivés.',
    fetchedAt: 'Lue depuis la plateforme d’apprentissage à {{time}}.',
    caption: 'Membres du cours et leur présence',
    name: 'Nom',
    role: 'Rôle dans Amphi',
    presence: 'Session en direct',
    joined: 'Arrivé',
    notJoined: 'Pas encore arrivé',
    inactive: 'inactif dans le cours',
  },
  ltiSettings: {
    title: 'Plateforme d’apprentissage (LTI)',
    grade: {
      label: 'Note envoyée au carnet de notes du cours après chaque session en direct',
      options: {
        off: 'Aucune note',
        attendance: 'Présence : 1 si l’étudiant est venu, 0 sinon',
        participation: 'Participation : part de la session où l’étudiant était présent, sur 100',
      },
    },
    teachingAssistant: {
      label: 'Les assistants du cours entrent comme',
      options: { moderator: 'Modérateurs', presenter: 'Présentateurs' },
    },
    save: 'Enregistrer',
    saved: 'Enregistré.',
  },
};
