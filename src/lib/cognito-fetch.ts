// Credentials from a Cognito identity pool over plain fetch: GetId and GetCredentialsForIdentity
// are two unsigned JSON calls, so neither the widget nor the app's first listing has to load the
// AWS SDK and its credential provider (BENCHMARKS.md, Payload). The contract of every CredentialSource:
// in memory only, renewed ahead of expiry, one renewal shared by every caller, temporary keys only.

import { RenewingCredentials } from './session-credentials.ts';
import type { CredentialSource, IdentityIdCache, SessionCredentials } from './session-credentials.ts';
import { StorageError, describe, isAbort } from './errors.ts';

export interface FetchCognitoOptions {
  identityPoolId: string;
  /** Cognito's region; default the one named in the pool id. */
  region?: string;
  /** Base URL overriding https://cognito-identity.{region}.amazonaws.com/. */
  endpoint?: string;
  /**
   * Provider name -> ID token, or a getter called at every renewal (so it can hand out a fresh
   * token): a signed-in identity. Without it, a guest (unauthenticated) identity.
   */
  logins?: Record<string, string | (() => Promise<string>)>;
  /** Where the identity id is kept between page loads; default memory (a new guest per load). */
  identityIdCache?: IdentityIdCache;
  /** Renew this long before expiry. Default 5 min. */
  renewMarginMs?: number;
  /** Clock in ms, for tests. */
  now?: () => number;
  /** Looked up at call time by default, so test interceptors installed later still apply. */
  fetch?: typeof fetch;
}

class CognitoCallError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function toStorage(err: unknown, signedIn: boolean): StorageError {
  if (err instanceof StorageError) return err;
  if (isAbort(err)) return new StorageError('Aborted', describe('Aborted'), { cause: err });
  if (!(err instanceof CognitoCallError)) {
    return new StorageError('NetworkError', 'Could not reach Amazon Cognito to get credentials. Check the connection; operators: check the region and the Cognito endpoint in the configuration, and that the page is allowed to connect to it (CSP connect-src).', { retryable: true, cause: err });
  }
  const { type, status } = err;
  const opts = { status, cause: err };
  switch (type) {
    case 'NotAuthorizedException':
      return signedIn
        ? new StorageError('NotAuthorized', 'Cognito refused the sign-in token. Sign in again; operators: check that the identity pool trusts this sign-in provider (oidc.loginsProvider).', opts)
        : new StorageError('NotAuthorized', 'Cognito refused to issue guest credentials. Operators: the identity pool must allow unauthenticated (guest) identities.', opts);
    case 'ResourceNotFoundException':
      return new StorageError('IdentityPoolNotFound', 'Cognito does not know this identity pool or identity. Check the identity pool id (identityPoolId in config.json, identity-pool-id on the widget) and that its region is right.', opts);
    case 'InvalidIdentityPoolConfigurationException':
      return new StorageError('IdentityPoolMisconfigured', `The identity pool has no usable IAM role for ${signedIn ? 'signed-in users' : 'guests'}. Operators: attach the ${signedIn ? 'authenticated' : 'unauthenticated'} role to the identity pool.`, opts);
    case 'TooManyRequestsException':
    case 'LimitExceededException':
      return new StorageError('TooManyRequests', 'Cognito is throttling requests. Wait a moment and try again.', { ...opts, retryable: true });
  }
  return new StorageError(type, `Cognito answered ${type} (HTTP ${status})${err.message ? `: ${err.message}` : ''}. Try again; if it persists, tell the operator this code.`, { ...opts, retryable: status >= 500 });
}

class FetchCognitoSource extends RenewingCredentials {
  #memory = new Map<string, string>();
  readonly #cacheKey: string;
  readonly #endpoint: string;

  constructor(private readonly opts: FetchCognitoOptions) {
    super(opts);
    const region = opts.region ?? opts.identityPoolId.split(':')[0];
    this.#endpoint = opts.endpoint ?? `https://cognito-identity.${region}.amazonaws.com/`;
    this.#cacheKey = `sessionbox.identityId.${opts.identityPoolId}`;
  }

  async #call<T>(operation: string, body: unknown): Promise<T> {
    const res = await (this.opts.fetch ?? fetch)(this.#endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${operation}` },
      body: JSON.stringify(body),
    });
    const json = (await res.json().catch(() => ({}))) as T & { __type?: string; message?: string; Message?: string };
    if (!res.ok) {
      // "com.amazonaws.cognito.identity.model#NotAuthorizedException" or the bare name.
      const type = (json.__type ?? res.headers.get('x-amzn-errortype') ?? `HTTP${res.status}`).split('#').pop()!.split(':')[0]!;
      throw new CognitoCallError(type, json.message ?? json.Message ?? '', res.status);
    }
    return json;
  }

  /** The logins map with every token getter called now (tokens may have been renewed). */
  async #logins(): Promise<{ Logins?: Record<string, string> }> {
    const entries = Object.entries(this.opts.logins ?? {});
    if (!entries.length) return {};
    const resolved = await Promise.all(entries.map(async ([k, v]) => [k, typeof v === 'string' ? v : await v()] as const));
    return { Logins: Object.fromEntries(resolved) };
  }

  async #fetch(): Promise<SessionCredentials> {
    // A signed-in identity is found again through its token; a persisted guest id must never be
    // offered with a login (Cognito would merge the guest into that user), so logins stay in memory.
    const logins = await this.#logins();
    const cache = logins.Logins ? undefined : this.opts.identityIdCache;
    const getId = async () => (await this.#call<{ IdentityId: string }>('GetId', { IdentityPoolId: this.opts.identityPoolId, ...logins })).IdentityId;
    const cached = cache ? cache.getItem(this.#cacheKey) : this.#memory.get(this.#cacheKey);
    let identityId = cached ?? (await getId());
    let out: { Credentials?: { AccessKeyId?: string; SecretKey?: string; SessionToken?: string; Expiration?: number } };
    try {
      out = await this.#call('GetCredentialsForIdentity', { IdentityId: identityId, ...logins });
    } catch (err) {
      // A cached identity Cognito no longer knows (pool recreated, identity deleted): get a new one.
      if (!cached || !(err instanceof CognitoCallError && err.type === 'ResourceNotFoundException')) throw err;
      if (cache) cache.removeItem(this.#cacheKey);
      else this.#memory.delete(this.#cacheKey);
      identityId = await getId();
      out = await this.#call('GetCredentialsForIdentity', { IdentityId: identityId, ...logins });
    }
    if (cache) cache.setItem(this.#cacheKey, identityId);
    else this.#memory.set(this.#cacheKey, identityId);
    const c = out.Credentials ?? {};
    return {
      accessKeyId: c.AccessKeyId ?? '',
      secretAccessKey: c.SecretKey ?? '',
      sessionToken: c.SessionToken ?? '',
      // Cognito's JSON protocol sends epoch seconds.
      expiration: new Date((c.Expiration ?? 0) * 1000),
      identityId,
    };
  }

  protected async fetchCredentials(): Promise<SessionCredentials> {
    try {
      return await this.#fetch();
    } catch (err) {
      throw toStorage(err, Object.keys(this.opts.logins ?? {}).length > 0);
    }
  }
}

/** Guest (no logins) or signed-in (logins) credentials of a Cognito identity pool, over plain fetch. */
export function fetchCognitoCredentials(opts: FetchCognitoOptions): CredentialSource {
  return new FetchCognitoSource(opts);
}
