// The one size formatter: the app (in its current locale), the widget (in its own) and the core's
// messages (in English) all show sizes the same way.

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;
const formats = new Map<string, Intl.NumberFormat>();

/** Decimal units (kB, MB), as file managers show them, in the locale's words: "2.4 MB", "2,4 MB". */
export function formatSize(bytes: number, locale = 'en'): string {
  // Intl spells bytes out ("0 byte"); "B" matches the kB/MB that follow.
  if (bytes < 1000) return `${bytes} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = value < 10 ? 1 : 0;
  const key = `${locale}:${unit}:${digits}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'unit', unit: UNITS[unit], unitDisplay: 'short', maximumFractionDigits: digits });
    formats.set(key, format);
  }
  return format.format(value);
}
