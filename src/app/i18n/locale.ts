// The active locale and the Intl helpers the catalogs use for numbers, plurals, units and dates.
// Kept apart from the catalogs so both can import it without a cycle.

let active = 'en';
const cache = new Map<string, Intl.NumberFormat | Intl.PluralRules | Intl.DateTimeFormat>();

function cached<T extends Intl.NumberFormat | Intl.PluralRules | Intl.DateTimeFormat>(key: string, make: () => T): T {
  const hit = cache.get(`${active}|${key}`);
  if (hit) return hit as T;
  const made = make();
  cache.set(`${active}|${key}`, made);
  return made;
}

export function currentLocale(): string {
  return active;
}

export function setCurrentLocale(locale: string): void {
  active = locale;
}

/** 12,345 (en) / 12.345 (de). */
export function num(n: number, opts: Intl.NumberFormatOptions = {}): string {
  return cached(`n${JSON.stringify(opts)}`, () => new Intl.NumberFormat(active, opts)).format(n);
}

export interface PluralForms {
  one: string;
  other: string;
  zero?: string;
}

/** Picks the plural form for n and puts the formatted number where '#' stands: count(3, { one: '# file', other: '# files' }). */
export function count(n: number, forms: PluralForms): string {
  const rule = n === 0 && forms.zero !== undefined ? 'zero' : cached('p', () => new Intl.PluralRules(active)).select(n);
  const form = rule === 'zero' && forms.zero !== undefined ? forms.zero : rule === 'one' ? forms.one : forms.other;
  return form.replace('#', num(n));
}

/** "15 minutes" / "15 Minuten", spelled by Intl in the active locale. */
export function unit(n: number, name: 'second' | 'minute' | 'hour' | 'day', display: 'long' | 'short' = 'long'): string {
  return num(n, { style: 'unit', unit: name, unitDisplay: display });
}

export function dateTime(date: Date): string {
  return cached('dt', () => new Intl.DateTimeFormat(active, { dateStyle: 'medium', timeStyle: 'short' })).format(date);
}

/** "in 60 minutes" / "in 60 Minuten". */
export function relativeMinutes(minutes: number): string {
  return new Intl.RelativeTimeFormat(active, { numeric: 'auto' }).format(minutes, 'minute');
}
