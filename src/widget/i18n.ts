// The widget's words in the languages it ships. Error messages from the storage core stay in
// English: they name codes and settings an operator looks up.

const en = {
  dropMany: 'Drop files here or',
  dropOne: 'Drop a file here or',
  chooseMany: 'Choose files',
  chooseOne: 'Choose a file',
  accepted: 'Accepted: {0}.',
  upTo: 'Up to {0} per file.',
  atMost: 'At most {0} files.',
  files: 'Files',
  upload: 'Upload',
  cancel: 'Cancel',
  retry: 'Retry',
  remove: 'Remove',
  cancelName: 'Cancel {0}',
  retryName: 'Retry {0}',
  removeName: 'Remove {0}',
  progressOf: 'Upload progress of {0}',
  queued: 'Waiting',
  uploading: 'Uploading',
  done: 'Uploaded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  savedAs: 'Saved as {0}: the name was taken.',
  added: '{0} added.',
  uploaded: '{0} uploaded.',
  failedName: '{0} failed: {1}',
  cancelledName: '{0} cancelled.',
  wrongType: '{0} is not an accepted type ({1}).',
  tooBig: '{0} is larger than {1}.',
  tooMany: '{0} was not added: the list holds at most {1}.',
  misconfigured: 'This upload form is not set up correctly.',
  misconfiguredHint: 'Site owner: fix these attributes of <sessionbox-upload>:',
};

export type Strings = typeof en;

const de: Strings = {
  dropMany: 'Dateien hierher ziehen oder',
  dropOne: 'Datei hierher ziehen oder',
  chooseMany: 'Dateien auswählen',
  chooseOne: 'Datei auswählen',
  accepted: 'Erlaubt: {0}.',
  upTo: 'Bis {0} pro Datei.',
  atMost: 'Höchstens {0} Dateien.',
  files: 'Dateien',
  upload: 'Hochladen',
  cancel: 'Abbrechen',
  retry: 'Wiederholen',
  remove: 'Entfernen',
  cancelName: '{0} abbrechen',
  retryName: '{0} wiederholen',
  removeName: '{0} entfernen',
  progressOf: 'Fortschritt von {0}',
  queued: 'Wartet',
  uploading: 'Wird hochgeladen',
  done: 'Hochgeladen',
  failed: 'Fehlgeschlagen',
  cancelled: 'Abgebrochen',
  savedAs: 'Gespeichert als {0}: der Name war vergeben.',
  added: '{0} hinzugefügt.',
  uploaded: '{0} hochgeladen.',
  failedName: '{0} fehlgeschlagen: {1}',
  cancelledName: '{0} abgebrochen.',
  wrongType: '{0} hat keinen erlaubten Typ ({1}).',
  tooBig: '{0} ist größer als {1}.',
  tooMany: '{0} wurde nicht hinzugefügt: die Liste fasst höchstens {1}.',
  misconfigured: 'Dieses Upload-Formular ist nicht richtig eingerichtet.',
  misconfiguredHint: 'Für die Betreiber der Seite: diese Attribute von <sessionbox-upload> korrigieren:',
};

const fr: Strings = {
  dropMany: 'Déposez des fichiers ici ou',
  dropOne: 'Déposez un fichier ici ou',
  chooseMany: 'Choisir des fichiers',
  chooseOne: 'Choisir un fichier',
  accepted: 'Acceptés : {0}.',
  upTo: "Jusqu'à {0} par fichier.",
  atMost: '{0} fichiers au plus.',
  files: 'Fichiers',
  upload: 'Envoyer',
  cancel: 'Annuler',
  retry: 'Réessayer',
  remove: 'Retirer',
  cancelName: 'Annuler {0}',
  retryName: 'Réessayer {0}',
  removeName: 'Retirer {0}',
  progressOf: 'Progression de {0}',
  queued: 'En attente',
  uploading: 'Envoi en cours',
  done: 'Envoyé',
  failed: 'Échec',
  cancelled: 'Annulé',
  savedAs: 'Enregistré sous {0} : le nom était pris.',
  added: '{0} ajouté.',
  uploaded: '{0} envoyé.',
  failedName: '{0} a échoué : {1}',
  cancelledName: '{0} annulé.',
  wrongType: "{0} n'est pas d'un type accepté ({1}).",
  tooBig: '{0} dépasse {1}.',
  tooMany: "{0} n'a pas été ajouté : la liste en contient {1} au plus.",
  misconfigured: "Ce formulaire d'envoi n'est pas configuré correctement.",
  misconfiguredHint: 'Pour le propriétaire du site : corrigez ces attributs de <sessionbox-upload> :',
};

const LANGUAGES: Record<string, Strings> = { en, de, fr };

/** The strings for a locale's language, English when it is not one the widget ships. */
export function stringsFor(locale: string): Strings {
  return LANGUAGES[locale.split('-')[0]!.toLowerCase()] ?? en;
}

/** Replaces {0}, {1}, ... */
export function fmt(template: string, ...args: (string | number)[]): string {
  return template.replace(/\{(\d)\}/g, (_, i: string) => String(args[Number(i)]));
}
