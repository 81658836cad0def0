// Runtime configuration, read from config.json at start so one build serves many deployments.
// Validation collects every problem at once and names the field and the fix for each.

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

export interface OidcConfig {
  /** Issuer URL of the OIDC provider (a Cognito User Pool or any other). */
  authority: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  /** Key of the identity pool's `logins` map, e.g. cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC. */
  loginsProvider: string;
}

export interface AppConfig {
  /** "demo" runs against the local AWS emulation inside the browser. */
  mode: 'aws' | 'demo';
  region: string;
  bucket: string;
  identityPoolId: string;
  allowGuests: boolean;
  /** Templates with {identityId}; each identity only ever sees keys below its own prefix. */
  prefixes: { signedIn: string; guest: string };
  oidc?: OidcConfig;
  endpoints: { s3?: string; cognitoIdentity?: string; forcePathStyle: boolean };
  upload: {
    /** Preferred part size in bytes; grows for files that would need more than 10,000 parts. */
    partSize: number;
    parallelParts: number;
    maxFileSize: number;
    /**
     * Types the site accepts, as in an <input accept>: extensions (".pdf") and MIME types
     * ("image/*", "application/pdf"). Absent: any type.
     */
    accept?: string[];
  };
}

export interface ConfigProblem {
  field: string;
  message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('\n'));
  }
}

export const DEFAULT_PREFIXES = { signedIn: 'users/{identityId}/', guest: 'uploads/{identityId}/' };
export const DEFAULT_UPLOAD = { partSize: 16 * MiB, parallelParts: 6, maxFileSize: 5 * TiB };

/** The configuration the offline demo runs with: its endpoints are served by the emulation. */
export const DEMO_CONFIG: AppConfig = {
  mode: 'demo',
  region: 'us-east-1',
  bucket: 'sessionbox-demo',
  identityPoolId: 'us-east-1:0de00000-0000-4000-8000-000000000000',
  allowGuests: true,
  prefixes: { ...DEFAULT_PREFIXES },
  endpoints: { forcePathStyle: false },
  upload: { ...DEFAULT_UPLOAD },
};

/**
 * The demo's stand-in OIDC provider: its discovery, token and key endpoints are served by the
 * emulation (MSW) and its sign-in page is demo-sign-in.html, all next to the app on its own origin.
 */
export function demoOidcConfig(appUrl: string): OidcConfig {
  const app = new URL('./', appUrl);
  const authority = new URL('demo-oidc', app).href;
  return {
    authority,
    clientId: 'sessionbox-demo',
    redirectUri: app.href,
    scopes: ['openid', 'profile'],
    // Cognito names an OIDC provider by its issuer without "https://"; the emulation checks the same.
    loginsProvider: authority.replace(/^https:\/\//, ''),
  };
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$/;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const BUCKET = /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const TOP_FIELDS = ['$schema', 'mode', 'region', 'bucket', 'identityPoolId', 'allowGuests', 'prefixes', 'oidc', 'endpoints', 'upload'];

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isLocalHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** Parses and validates config.json; throws ConfigError listing every problem. */
export function parseConfig(raw: unknown): AppConfig {
  const problems: ConfigProblem[] = [];
  const fail = (field: string, message: string) => problems.push({ field, message });

  if (!isObject(raw)) {
    throw new ConfigError([{ field: 'config.json', message: 'must be a JSON object, e.g. {"mode": "demo"}. Fix the file\'s syntax.' }]);
  }
  for (const k of Object.keys(raw)) {
    if (!TOP_FIELDS.includes(k)) fail(k, `unknown field. Remove it or fix its spelling; known fields: ${TOP_FIELDS.slice(1).join(', ')}.`);
  }

  const mode = raw.mode ?? 'aws';
  if (mode !== 'aws' && mode !== 'demo') fail('mode', 'must be "aws" or "demo". Use "demo" for the offline demo, "aws" (or leave it out) for a real bucket.');
  if (mode === 'demo') {
    if (problems.length) throw new ConfigError(problems);
    return structuredClone(DEMO_CONFIG);
  }

  const str = (field: string, v: unknown, fix: string): string => {
    if (typeof v !== 'string' || v.trim() === '') {
      fail(field, `is missing. ${fix}`);
      return '';
    }
    return v.trim();
  };

  const region = str('region', raw.region, 'Set it to the bucket\'s AWS region, e.g. "us-east-1".');
  if (region && !REGION.test(region)) fail('region', `"${region}" is not an AWS region. Use a region code such as "eu-west-1".`);

  const bucket = str('bucket', raw.bucket, 'Set it to the S3 bucket name (the CloudFormation output DataBucketName).');
  if (bucket && !BUCKET.test(bucket)) fail('bucket', `"${bucket}" is not a valid S3 bucket name. Use the bare name (3-63 lowercase letters, digits, dots, hyphens), not an ARN or URL.`);

  const identityPoolId = str('identityPoolId', raw.identityPoolId, 'Set it to the Cognito identity pool id, e.g. "us-east-1:1a2b...".');
  if (identityPoolId) {
    const m = new RegExp(`^([a-z0-9-]+):${UUID}$`).exec(identityPoolId);
    if (!m) fail('identityPoolId', `"${identityPoolId}" is not an identity pool id. It looks like "us-east-1:" followed by a UUID (Cognito console, or the stack output IdentityPoolId).`);
  }

  let allowGuests = true;
  if (raw.allowGuests !== undefined) {
    if (typeof raw.allowGuests !== 'boolean') fail('allowGuests', 'must be true or false.');
    else allowGuests = raw.allowGuests;
  }

  const prefixes = { ...DEFAULT_PREFIXES };
  if (raw.prefixes !== undefined) {
    if (!isObject(raw.prefixes)) fail('prefixes', 'must be an object like {"signedIn": "users/{identityId}/", "guest": "uploads/{identityId}/"}.');
    else {
      for (const k of Object.keys(raw.prefixes)) {
        if (k !== 'signedIn' && k !== 'guest') fail(`prefixes.${k}`, 'unknown field. Use "signedIn" or "guest".');
      }
      for (const k of ['signedIn', 'guest'] as const) {
        const v = raw.prefixes[k];
        if (v === undefined) continue;
        if (typeof v !== 'string' || !v.includes('{identityId}') || !v.endsWith('/') || v.startsWith('/')) {
          fail(`prefixes.${k}`, 'must contain {identityId}, end with "/" and not start with "/", e.g. "users/{identityId}/". The IAM policy confines each identity to exactly this prefix.');
        } else prefixes[k] = v;
      }
    }
  }

  let oidc: OidcConfig | undefined;
  if (raw.oidc !== undefined) {
    const o = raw.oidc;
    if (!isObject(o)) fail('oidc', 'must be an object with authority, clientId, redirectUri, scopes and loginsProvider, or be left out.');
    else {
      const authority = str('oidc.authority', o.authority, 'Set it to the issuer URL, e.g. "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC".');
      const clientId = str('oidc.clientId', o.clientId, 'Set it to the app client id registered with the provider.');
      const redirectUri = str('oidc.redirectUri', o.redirectUri, 'Set it to this app\'s URL, registered as a callback with the provider.');
      const loginsProvider = str('oidc.loginsProvider', o.loginsProvider, 'Set it to the provider name configured in the identity pool, e.g. "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC".');
      for (const [field, v] of [['oidc.authority', authority], ['oidc.redirectUri', redirectUri]] as const) {
        if (!v) continue;
        let url: URL | undefined;
        try { url = new URL(v); } catch { /* reported below */ }
        if (!url || (url.protocol !== 'https:' && !isLocalHttp(url))) fail(field, `"${v}" must be an https:// URL (http:// only for localhost).`);
      }
      let scopes = ['openid'];
      if (o.scopes !== undefined) {
        if (!Array.isArray(o.scopes) || !o.scopes.every((s) => typeof s === 'string') || !o.scopes.includes('openid')) {
          fail('oidc.scopes', 'must be a list of strings that includes "openid", e.g. ["openid", "email"].');
        } else scopes = o.scopes as string[];
      }
      oidc = { authority, clientId, redirectUri, scopes, loginsProvider };
    }
  }
  if (!allowGuests && !oidc) fail('allowGuests', 'is false but no "oidc" sign-in is configured, so nobody could get in. Set allowGuests to true or add the oidc section.');

  const endpoints: AppConfig['endpoints'] = { forcePathStyle: false };
  if (raw.endpoints !== undefined) {
    const e = raw.endpoints;
    if (!isObject(e)) fail('endpoints', 'must be an object like {"s3": "http://127.0.0.1:4566", "forcePathStyle": true}, or be left out for AWS.');
    else {
      for (const k of Object.keys(e)) {
        if (!['s3', 'cognitoIdentity', 'forcePathStyle'].includes(k)) fail(`endpoints.${k}`, 'unknown field. Use "s3", "cognitoIdentity" or "forcePathStyle".');
      }
      for (const k of ['s3', 'cognitoIdentity'] as const) {
        const v = e[k];
        if (v === undefined) continue;
        let url: URL | undefined;
        try { url = typeof v === 'string' ? new URL(v) : undefined; } catch { /* reported below */ }
        if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) fail(`endpoints.${k}`, 'must be a full URL such as "http://127.0.0.1:4566", or be left out for AWS.');
        else endpoints[k] = url.href.replace(/\/$/, '');
      }
      if (e.forcePathStyle !== undefined) {
        if (typeof e.forcePathStyle !== 'boolean') fail('endpoints.forcePathStyle', 'must be true or false.');
        else endpoints.forcePathStyle = e.forcePathStyle;
      }
    }
  }

  const upload: AppConfig['upload'] = { ...DEFAULT_UPLOAD };
  if (raw.upload !== undefined) {
    const u = raw.upload;
    if (!isObject(u)) fail('upload', 'must be an object like {"partSizeMiB": 16, "parallelParts": 6, "maxFileSizeMiB": 5120}.');
    else {
      for (const k of Object.keys(u)) {
        if (!['partSizeMiB', 'parallelParts', 'maxFileSizeMiB', 'accept'].includes(k)) fail(`upload.${k}`, 'unknown field. Use "partSizeMiB", "parallelParts", "maxFileSizeMiB" or "accept".');
      }
      const num = (k: string, min: number, max: number, why: string): number | undefined => {
        const v = u[k];
        if (v === undefined) return undefined;
        if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
          fail(`upload.${k}`, `must be a number from ${min} to ${max}. ${why}`);
          return undefined;
        }
        return v;
      };
      const part = num('partSizeMiB', 5, 5120, 'S3 parts are 5 MiB to 5 GiB.');
      if (part !== undefined) upload.partSize = Math.round(part * MiB);
      const par = num('parallelParts', 1, 16, 'Browsers open about 6 connections per host; 4-8 is typical.');
      if (par !== undefined) upload.parallelParts = Math.floor(par);
      const max = num('maxFileSizeMiB', 0.001, 5 * 1024 * 1024, 'S3 objects are at most 5 TiB (5242880 MiB).');
      if (max !== undefined) upload.maxFileSize = Math.floor(max * MiB);
      if (u.accept !== undefined) {
        const bad = Array.isArray(u.accept) ? u.accept.filter((a) => typeof a !== 'string' || !ACCEPT_ITEM.test(a.trim())) : undefined;
        if (!bad || bad.length || (u.accept as unknown[]).length === 0) {
          const shown = bad?.length ? ` ${bad.map((b) => JSON.stringify(b)).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not.` : '';
          fail('upload.accept', `must be a non-empty list of file extensions (".pdf") and MIME types ("image/*", "application/pdf"), e.g. [".pdf", "image/*"], or be left out to accept any type.${shown}`);
        } else upload.accept = (u.accept as string[]).map((a) => a.trim().toLowerCase());
      }
    }
  }

  if (problems.length) throw new ConfigError(problems);
  const config: AppConfig = { mode: 'aws', region, bucket, identityPoolId, allowGuests, prefixes, endpoints, upload };
  if (oidc) config.oidc = oidc;
  return config;
}

/**
 * Fetches and validates config.json. Where the demo is built in (`demo`: the dev server and
 * `npm run build:demo`), a missing file means the offline demo; a production build refuses both a
 * missing file and "mode": "demo", so a deployment never falls back to the in-browser emulation.
 */
export async function loadConfig(url = 'config.json', fetchImpl: typeof fetch = fetch, opts: { demo?: boolean } = {}): Promise<AppConfig> {
  let res: Response;
  try {
    res = await fetchImpl(url, { cache: 'no-cache' });
  } catch (cause) {
    throw new ConfigError([{ field: 'config.json', message: `could not be fetched (${String(cause)}). Check that it is deployed next to index.html.` }]);
  }
  // Hosts that answer unknown paths with index.html (an SPA fallback, CloudFront error pages) turn a
  // missing config.json into a 200 HTML page: that is a missing file too, not a syntax error.
  const missing = res.status === 404 || (res.ok && /^text\/html\b/i.test(res.headers.get('content-type') ?? ''));
  if (missing) {
    if (opts.demo) return structuredClone(DEMO_CONFIG);
    throw new ConfigError([
      {
        field: 'config.json',
        message:
          'is missing. Deploy the config.json for your bucket next to index.html (the CloudFormation stack writes it as the output ConfigJson; see public/config.example.json). For the offline demo, build with npm run build:demo instead.',
      },
    ]);
  }
  if (!res.ok) throw new ConfigError([{ field: 'config.json', message: `answered HTTP ${res.status}. Check that it is deployed next to index.html and readable.` }]);
  let raw: unknown;
  try {
    raw = await res.json();
  } catch (cause) {
    throw new ConfigError([{ field: 'config.json', message: `is not valid JSON (${(cause as Error).message}). Fix its syntax.` }]);
  }
  const config = parseConfig(raw);
  if (config.mode === 'demo' && !opts.demo) {
    throw new ConfigError([
      {
        field: 'mode',
        message:
          'is "demo", but this is a production build, which has no demo inside. Set "mode": "aws" with your bucket\'s fields, or build the offline demo with npm run build:demo.',
      },
    ]);
  }
  return config;
}

const ACCEPT_ITEM = /^(\.[^./\\\s][^/\\\s]*|[a-z0-9][\w.+-]*\/(\*|[a-z0-9][\w.+-]*))$/i;

/** Whether a file passes `upload.accept` (matched like an <input accept>: extension or MIME type). */
export function acceptsFile(accept: string[] | undefined, file: { name: string; type: string }): boolean {
  if (!accept) return true;
  const name = file.name.toLowerCase();
  const type = file.type.toLowerCase();
  return accept.some((a) => {
    if (a.startsWith('.')) return name.endsWith(a) && name.length > a.length;
    if (a.endsWith('/*')) return type.startsWith(a.slice(0, -1));
    return type === a;
  });
}

/** Cognito may live in another region than the bucket: the pool id names its own. */
export function cognitoRegion(config: AppConfig): string {
  return config.identityPoolId.split(':')[0] || config.region;
}

/** The prefix an identity's files live under. */
export function prefixFor(config: AppConfig, identityId: string, signedIn: boolean): string {
  return (signedIn ? config.prefixes.signedIn : config.prefixes.guest).replaceAll('{identityId}', identityId);
}
