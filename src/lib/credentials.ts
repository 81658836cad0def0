// Temporary credentials from a Cognito identity pool, held in memory only. The identity id may be
// cached (it is an identifier, not a secret); keys and tokens never leave this object.

import { fromCognitoIdentityPool } from '@aws-sdk/credential-provider-cognito-identity';
import type { CognitoIdentityCredentialProvider } from '@aws-sdk/credential-provider-cognito-identity';
import { StorageError, describe } from './errors.ts';
import { RenewingCredentials, assertTemporary } from './session-credentials.ts';
import type { CredentialSource, IdentityIdCache, SessionCredentials } from './session-credentials.ts';

export { RENEW_MARGIN_MS, assertTemporary } from './session-credentials.ts';
export type { CredentialSource, IdentityIdCache, SessionCredentials } from './session-credentials.ts';

export interface CognitoCredentialsOptions {
  identityPoolId: string;
  region: string;
  endpoint?: string;
  /** Provider name -> ID token, or a getter called at every renewal (so it can hand out a fresh token). */
  logins?: Record<string, string | (() => Promise<string>)>;
  /** Where the guest identity id is kept between visits (localStorage in the app). */
  identityIdCache?: IdentityIdCache;
  /** Renew this long before expiry; credentials closer to expiry are never handed out. Default 5 min. */
  renewMarginMs?: number;
  /** Clock in ms, for tests. */
  now?: () => number;
}

function cognitoError(err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? 'Error';
  const status = e?.$metadata?.httpStatusCode;
  const cause = err;
  switch (name) {
    case 'NotAuthorizedException':
      return new StorageError('NotAuthorized', 'Cognito refused to issue credentials. If you are signed in, sign in again; for guest access the identity pool must allow unauthenticated identities.', { status, cause });
    case 'ResourceNotFoundException':
      return new StorageError('IdentityPoolNotFound', 'Cognito does not know this identity pool or identity. Check "identityPoolId" in config.json (and that its region is right).', { status, cause });
    case 'InvalidIdentityPoolConfigurationException':
      return new StorageError('IdentityPoolMisconfigured', 'The identity pool has no usable IAM role for this kind of user. Operators: attach the authenticated/unauthenticated roles to the identity pool.', { status, cause });
    case 'TooManyRequestsException':
    case 'LimitExceededException':
      return new StorageError('TooManyRequests', 'Cognito is throttling requests. Wait a moment and try again.', { status, retryable: true, cause });
    case 'AbortError':
      return new StorageError('Aborted', describe('Aborted'), { cause });
  }
  if (err instanceof TypeError || (status === undefined && /fetch|network|ECONN|ENOTFOUND|EAI_AGAIN|socket/i.test(String(e?.message)))) {
    return new StorageError('NetworkError', 'Could not reach Amazon Cognito to get credentials. Check the connection; operators: check "region" and "endpoints.cognitoIdentity" in config.json.', { retryable: true, cause });
  }
  const retryable = status !== undefined && status >= 500;
  return new StorageError(name, `Cognito answered ${name}${status ? ` (HTTP ${status})` : ''}. Try again; if it persists, tell the operator this code.`, { status, retryable, cause });
}

class CognitoCredentialSource extends RenewingCredentials {
  #opts: CognitoCredentialsOptions;
  #provider: CognitoIdentityCredentialProvider | undefined;
  #identityFromCache = false;
  #memory = new Map<string, string>();

  constructor(opts: CognitoCredentialsOptions) {
    super(opts);
    this.#opts = opts;
  }

  #makeProvider(): CognitoIdentityCredentialProvider {
    const { identityPoolId, region, endpoint, logins, identityIdCache } = this.#opts;
    const memory = this.#memory;
    // Passing our own cache keeps the SDK from choosing IndexedDB/localStorage by itself; the
    // wrapper tells us whether the identity id came from it (a stale one is retried below).
    const cache = {
      getItem: (k: string) => {
        const v = identityIdCache ? identityIdCache.getItem(k) : (memory.get(k) ?? null);
        this.#identityFromCache = v !== null;
        return v;
      },
      setItem: (k: string, v: string) => (identityIdCache ? identityIdCache.setItem(k, v) : void memory.set(k, v)),
      removeItem: (k: string) => (identityIdCache ? identityIdCache.removeItem(k) : void memory.delete(k)),
    };
    return fromCognitoIdentityPool({
      identityPoolId,
      clientConfig: endpoint ? { region, endpoint } : { region },
      cache,
      ...(logins && Object.keys(logins).length ? { logins } : {}),
    });
  }

  async #fetch(): Promise<SessionCredentials> {
    this.#identityFromCache = false;
    this.#provider ??= this.#makeProvider();
    try {
      const c = await this.#provider();
      return {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        sessionToken: c.sessionToken as string,
        expiration: c.expiration as Date,
        identityId: c.identityId,
      };
    } catch (err) {
      // The provider pins the identity id it resolved; after a failure start over with GetId.
      this.#provider = undefined;
      throw err;
    }
  }

  protected async fetchCredentials(): Promise<SessionCredentials> {
    try {
      return await this.#fetch();
    } catch (err) {
      // A cached identity id that Cognito no longer knows (pool recreated, identity deleted):
      // the SDK has dropped it from the cache, so one more attempt gets a new identity.
      const e = err as { name?: string };
      if (!(this.#identityFromCache && e?.name === 'ResourceNotFoundException')) throw cognitoError(err);
      try {
        return await this.#fetch();
      } catch (err2) {
        throw cognitoError(err2);
      }
    }
  }
}

/** Credentials of a guest (no logins) or signed-in (logins) identity of a Cognito identity pool. */
export function cognitoCredentials(opts: CognitoCredentialsOptions): CredentialSource {
  return new CognitoCredentialSource(opts);
}

/**
 * A fixed set of credentials, for tests and tools. Refuses long-term keys like every source, and
 * cannot renew: refresh() hands back the same credentials.
 */
export function staticCredentials(creds: Omit<SessionCredentials, 'identityId'> & { identityId?: string }): CredentialSource {
  assertTemporary(creds);
  const c: SessionCredentials = { ...creds, identityId: creds.identityId ?? '' };
  return {
    get: async () => c,
    refresh: async () => c,
    identityId: creds.identityId,
  };
}
