import { StorageError } from '../lib/errors';
import { formatSize as formatSizeIn } from '../lib/format';
import { currentLocale, dateTime, t } from './i18n';

/** Decimal units (kB, MB), as file managers show them, in the current locale. */
export function formatSize(bytes: number): string {
  return formatSizeIn(bytes, currentLocale());
}

export function formatDate(date: Date | undefined): string {
  return date ? dateTime(date) : '';
}

/** What to tell the person. StorageError messages already name the cause and the fix. */
export function errorMessage(err: unknown): string {
  if (err instanceof StorageError) return err.message;
  if (err instanceof Error) return t().start.unexpected(err.message || err.name);
  return t().start.unexpected(String(err));
}

export function errorCode(err: unknown): string | undefined {
  return err instanceof StorageError ? err.code : undefined;
}

/** "2.4 MB/s". */
export function formatSpeed(bytesPerSecond: number): string {
  return `${formatSize(Math.round(bytesPerSecond))}/s`;
}

/** Time left, rounded the way people say it: "8 s", "3 min", "1 h 5 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}
