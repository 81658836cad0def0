// The widget's configuration: the element's attributes, optionally on top of a config.json fetched
// from `config-url` (the app's format, so one file can serve the app and its embeds). Every
// problem is collected and named by the attribute (or config-url field) to fix. The checks mirror
// parseConfig (src/lib/config.ts) for the fields a guest upload needs, in fewer bytes.

import { ConfigError, type AppConfig, type ConfigProblem } from '../lib/config.ts';

/** Attribute values as the element sees them: a string, or null/undefined when absent. */
export interface WidgetAttributes {
  configUrl?: string | null;
  region?: string | null;
  identityPoolId?: string | null;
  bucket?: string | null;
  prefix?: string | null;
  accept?: string | null;
  maxSize?: string | null;
  maxFiles?: string | null;
  multiple?: string | null;
  autoUpload?: string | null;
  locale?: string | null;
  s3Endpoint?: string | null;
  cognitoEndpoint?: string | null;
  forcePathStyle?: string | null;
}

export interface WidgetConfig {
  region: string;
  bucket: string;
  identityPoolId: string;
  /** Key prefix template with {identityId}, e.g. uploads/{identityId}/. */
  prefix: string;
  endpoints: AppConfig['endpoints'];
  partSize: number;
  parallelParts: number;
  /** Accepted types: '.ext' (lower case), 'type/*' or 'type/subtype'; empty accepts everything (see acceptsFile in src/lib/config.ts). */
  accept: string[];
  maxSize: number;
  /** Files the list may hold at once. */
  maxFiles: number;
  multiple: boolean;
  autoUpload: boolean;
  /** Canonical BCP 47 tag. */
  locale: string;
}

const present = (v: string | null | undefined): v is string => v !== null && v !== undefined;

/** A boolean attribute: present means true, except the explicit value "false". */
export function flag(v: string | null | undefined): boolean {
  return present(v) && v.trim().toLowerCase() !== 'false';
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** "25 MB", "1.5GiB", "1000" (bytes) -> bytes; undefined when unreadable. */
export function parseSize(v: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$/i.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]!;
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : undefined;
}

const ACCEPT_TOKEN = /^(\.[^\s.,/][^\s,/]*|[a-z0-9][\w.+-]*\/(\*|[a-z0-9][\w.+-]*))$/i;

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$/;
const POOL = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BUCKET = /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const MiB = 1024 * 1024;

type Json = Record<string, unknown>;
const object = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});

/** Turns attributes (and the JSON at config-url) into a WidgetConfig; throws ConfigError listing every problem. */
export async function resolveConfig(attrs: WidgetAttributes, opts: { baseUrl?: string; fallbackLocale?: string; fetch?: typeof fetch } = {}): Promise<WidgetConfig> {
  const problems: ConfigProblem[] = [];
  const source = present(attrs.configUrl) && attrs.configUrl.trim() ? attrs.configUrl.trim() : undefined;
  const file = source ? await fetchJson(source, opts) : {};
  if (file.mode === 'demo') {
    throw new ConfigError([{ field: 'config-url', message: `${source} describes the offline demo ("mode": "demo"), which only the app can run. Point config-url at a configuration with a real bucket (or the local emulation, npm run local-aws).` }]);
  }
  const endpoints = object(file.endpoints);
  const upload = object(file.upload);

  /** An attribute, else the config-url field; reports a problem (named after where the value came from) unless `ok`. */
  const pick = <T>(attribute: keyof WidgetAttributes | undefined, name: string, field: string, fromFile: unknown, ok: (v: unknown) => boolean, fix: string): T | undefined => {
    const own = attribute && attrs[attribute];
    const v = present(own) ? own.trim() : fromFile;
    if (v === undefined || v === '') return undefined;
    if (ok(v)) return v as T;
    problems.push({ field: present(own) ? name : `${field} in ${source}`, message: `${JSON.stringify(v)} ${fix}` });
    return undefined;
  };
  /** pick() for a field that must be set: "missing" names the attribute, unless the value was reported already. */
  const required = (v: () => string | undefined, name: string, fix: string): string => {
    const before = problems.length;
    const value = v();
    if (value === undefined && problems.length === before) problems.push({ field: name, message: `is missing. ${fix}` });
    return value ?? '';
  };
  const text = (re: RegExp) => (v: unknown) => typeof v === 'string' && re.test(v);
  const url = (v: unknown) => {
    try {
      return typeof v === 'string' && /^https?:$/.test(new URL(v).protocol);
    } catch {
      return false;
    }
  };

  const region = required(() => pick('region', 'region', 'region', file.region, text(REGION), 'is not an AWS region. Use the bucket\'s region code, e.g. "eu-west-1".'), 'region', 'Set it to the bucket\'s AWS region, e.g. "eu-west-1".');
  const bucket = required(() => pick('bucket', 'bucket', 'bucket', file.bucket, text(BUCKET), 'is not an S3 bucket name. Use the bare name (3-63 lowercase letters, digits, dots, hyphens), not an ARN or URL.'), 'bucket', 'Set it to the S3 bucket name.');
  const identityPoolId = required(
    () => pick('identityPoolId', 'identity-pool-id', 'identityPoolId', file.identityPoolId, text(POOL), 'is not an identity pool id. It looks like "us-east-1:" followed by a UUID (Cognito console, or the stack output IdentityPoolId).'),
    'identity-pool-id',
    'Set it to the Cognito identity pool id, e.g. "us-east-1:1a2b…".',
  );
  const prefix =
    pick<string>('prefix', 'prefix', 'prefixes.guest', object(file.prefixes).guest, (v) => typeof v === 'string' && v.includes('{identityId}') && v.endsWith('/') && !v.startsWith('/'), 'must contain {identityId}, end with "/" and not start with "/", e.g. "uploads/{identityId}/". The guest IAM policy allows exactly uploads/{identityId}/.') ??
    'uploads/{identityId}/';
  const s3 = pick<string>('s3Endpoint', 's3-endpoint', 'endpoints.s3', endpoints.s3, url, 'is not a URL. Use a full URL such as "http://127.0.0.1:4566", or leave it out for AWS.');
  const cognitoIdentity = pick<string>('cognitoEndpoint', 'cognito-endpoint', 'endpoints.cognitoIdentity', endpoints.cognitoIdentity, url, 'is not a URL. Use a full URL, or leave it out for AWS.');
  const forcePathStyle = present(attrs.forcePathStyle) ? flag(attrs.forcePathStyle) : endpoints.forcePathStyle === true;
  if (file.allowGuests === false) problems.push({ field: `allowGuests in ${source}`, message: 'is false, but the widget uploads as a guest. Allow guests in the identity pool and the configuration.' });
  const number = (min: number, max: number) => (v: unknown) => typeof v === 'number' && v >= min && v <= max;
  const partMiB = pick<number>(undefined, '', 'upload.partSizeMiB', upload.partSizeMiB, number(5, 5120), 'must be a number from 5 to 5120 (S3 parts are 5 MiB to 5 GiB).');
  const parallel = pick<number>(undefined, '', 'upload.parallelParts', upload.parallelParts, number(1, 16), 'must be a number from 1 to 16.');
  const maxMiB = pick<number>(undefined, '', 'upload.maxFileSizeMiB', upload.maxFileSizeMiB, number(0.001, 5 * MiB), 'must be a number from 0.001 to 5242880 (5 TiB).');

  // The attribute, else the config file's upload.accept (the list the app uses too).
  let accept: string[] = [];
  const ownAccept = present(attrs.accept) && attrs.accept.trim() ? attrs.accept.split(',') : undefined;
  const fileAccept = Array.isArray(upload.accept) ? (upload.accept as unknown[]) : upload.accept === undefined ? undefined : [upload.accept];
  const tokens = ownAccept ?? fileAccept;
  if (tokens) {
    accept = tokens.map((t) => String(t).trim().toLowerCase()).filter(Boolean);
    const bad = tokens.filter((t) => typeof t !== 'string' || !ACCEPT_TOKEN.test(t.trim()));
    if (bad.length) {
      problems.push({
        field: ownAccept ? 'accept' : `upload.accept in ${source}`,
        message: `${bad.map((b) => JSON.stringify(typeof b === 'string' ? b.trim() : b)).join(', ')} is not a file type. List extensions with a dot (".pdf") or media types ("image/*", "application/pdf")${ownAccept ? ', separated by commas' : ''}.`,
      });
    }
  }

  const limit = maxMiB ? Math.floor(maxMiB * MiB) : 5 * MiB * MiB;
  let maxSize = limit;
  if (present(attrs.maxSize)) {
    const n = parseSize(attrs.maxSize);
    if (n === undefined) problems.push({ field: 'max-size', message: `"${attrs.maxSize}" is not a size. Write a number of bytes or a number with a unit, e.g. "25 MB" or "2 GiB".` });
    else if (n > limit) problems.push({ field: 'max-size', message: `"${attrs.maxSize}" is more than the largest file the configuration allows (${limit} bytes). Use a smaller value.` });
    else maxSize = n;
  }

  const multiple = flag(attrs.multiple);
  let maxFiles = multiple ? Infinity : 1;
  if (present(attrs.maxFiles)) {
    const n = Number(attrs.maxFiles.trim());
    if (!Number.isInteger(n) || n < 1) problems.push({ field: 'max-files', message: `"${attrs.maxFiles}" is not a number of files. Use a whole number of at least 1, e.g. "5".` });
    else maxFiles = n;
  }

  let locale = 'en';
  try {
    locale = Intl.getCanonicalLocales(present(attrs.locale) && attrs.locale.trim() ? attrs.locale.trim() : opts.fallbackLocale || 'en')[0] ?? 'en';
  } catch {
    if (present(attrs.locale)) problems.push({ field: 'locale', message: `"${attrs.locale}" is not a language tag. Use one like "en", "de" or "fr-CA".` });
  }

  if (problems.length) throw new ConfigError(problems);
  const ep: AppConfig['endpoints'] = { forcePathStyle };
  if (s3) ep.s3 = s3.replace(/\/$/, '');
  if (cognitoIdentity) ep.cognitoIdentity = cognitoIdentity.replace(/\/$/, '');
  return {
    region,
    bucket,
    identityPoolId,
    prefix,
    endpoints: ep,
    partSize: (partMiB ?? 16) * MiB,
    parallelParts: Math.floor(parallel ?? 6),
    accept,
    maxSize,
    maxFiles,
    multiple,
    autoUpload: flag(attrs.autoUpload),
    locale,
  };
}

async function fetchJson(source: string, opts: { baseUrl?: string; fetch?: typeof fetch }): Promise<Record<string, unknown>> {
  const fail = (message: string) => new ConfigError([{ field: 'config-url', message }]);
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(new URL(source, opts.baseUrl ?? globalThis.location?.href), { cache: 'no-cache', credentials: 'omit' });
  } catch (cause) {
    throw fail(`${source} could not be fetched (${String(cause)}). Check the URL, that it allows this site by CORS, and that the page's CSP connect-src includes it.`);
  }
  if (!res.ok) throw fail(`${source} answered HTTP ${res.status}. Check the URL.`);
  try {
    const json: unknown = await res.json();
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) return json as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw fail(`${source} is not a JSON object like the app's config.json. Fix the file.`);
}
