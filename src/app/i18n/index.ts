// Message catalogs: English is built in, other locales load on demand (one small chunk each), chosen
// from navigator.languages before the app mounts. No runtime switching, so no reactivity is needed:
// components read t() once when they are created.
import { en, type Messages } from './en';
import { currentLocale, setCurrentLocale } from './locale';

export type { Messages };
export { count, currentLocale, dateTime, num } from './locale';

const LOADERS: Record<string, () => Promise<Messages>> = {
  de: () => import('./de').then((m) => m.de),
};
export const SUPPORTED = ['en', ...Object.keys(LOADERS)];

let messages: Messages = en;

/** The first of the browser's languages we have a catalog for ('de-AT' -> 'de'), else English. */
export function pickLocale(languages: readonly string[]): string {
  for (const tag of languages) {
    const base = tag.toLowerCase().split('-')[0] ?? '';
    if (SUPPORTED.includes(base)) return base;
  }
  return 'en';
}

/** Loads the catalog for the browser's languages and marks the document with it. Never fails: English is always there. */
export async function initI18n(languages: readonly string[] = navigator.languages ?? [navigator.language]): Promise<void> {
  const locale = pickLocale(languages);
  const load = LOADERS[locale];
  try {
    messages = load ? await load() : en;
    setCurrentLocale(locale);
  } catch {
    // A chunk that fails to load (deploy mid-session, flaky network) must not stop the app.
    messages = en;
    setCurrentLocale('en');
  }
  document.documentElement.lang = currentLocale();
}

/** The active catalog. */
export function t(): Messages {
  return messages;
}

/** Splits "Fix `config.json` now" into text and code runs, so catalogs can mark code without markup. */
export function segments(s: string): { code: boolean; text: string }[] {
  return s.split('`').map((text, i) => ({ code: i % 2 === 1, text }));
}
