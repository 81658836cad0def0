// Temporary credentials from a Cognito identity pool, held in memory only. The identity id may be
// cached (it is an identifier, not a secret); keys and tokens never leave this object.

import { fetchCognitoCredentials } from './cognito-fetch.ts';
import { assertTemporary } from './session-credentials.ts';
import type { CredentialSource, IdentityIdCache, SessionCredentials } from './session-credentials.ts';

export { RENEW_MARGIN_MS, assertTemporary } from './session-credentials.ts';
export type { CredentialSource, IdentityIdCache, SessionCredentials } from './session-credentials.ts';

export interface CognitoCredentialsOptions {
  identityPoolId: string;
  region: string;
  endpoint?: string;
  /** Provider name -> ID token, or a getter called at every renewal (so it can hand out a fresh token). */
  logins?: Record<string, string | (() => Promise<string>)>;
  /** Where the guest identity id is kept between visits (localStorage in the app); never used with logins. */
  identityIdCache?: IdentityIdCache;
  /** Renew this long before expiry; credentials closer to expiry are never handed out. Default 5 min. */
  renewMarginMs?: number;
  /** Clock in ms, for tests. */
  now?: () => number;
}

/**
 * Credentials of a guest (no logins) or signed-in (logins) identity of a Cognito identity pool.
 * Two unsigned JSON calls over fetch (cognito-fetch.ts) rather than the SDK's provider: the same
 * calls, without loading the SDK before the first listing.
 */
export function cognitoCredentials(opts: CognitoCredentialsOptions): CredentialSource {
  return fetchCognitoCredentials(opts);
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
