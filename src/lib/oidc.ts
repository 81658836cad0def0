// OpenID Connect sign-in (authorization code + PKCE) through oidc-client-ts, reduced to what the
// app needs: an ID token for the identity pool's `logins`, renewed silently where the provider
// allows (refresh token), else by a new sign-in in a popup so the page and its uploads live on.
//
// Token storage: the signed-in user (ID, access and refresh tokens) is kept in memory only
// (InMemoryWebStorage): nothing an injected script or a shared computer could read later, at the
// price of signing in again after a reload. Only the short-lived PKCE request state (verifier,
// nonce) goes to sessionStorage, because it must survive the redirect to the provider; it is
// removed when the answer comes back.

import { InMemoryWebStorage, UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import type { OidcConfig } from './config.ts';
import { StorageError } from './errors.ts';

export interface OidcUser {
  idToken: string;
  /** Expiry of the ID token (epoch ms): the identity pool refuses it after this. */
  idTokenExpiresAt: number;
  subject: string;
  /** What to show: name, preferred_username, email or the subject. */
  displayName: string;
  canRenewSilently: boolean;
}

/** The URL without the OIDC answer, for history.replaceState: codes must not linger in history. */
export function withoutCallbackParams(url: string): string {
  const u = new URL(url);
  for (const k of ['code', 'state', 'session_state', 'error', 'error_description', 'error_uri', 'iss']) u.searchParams.delete(k);
  return u.href;
}

function claim(claims: Record<string, unknown>, name: string): string | undefined {
  const v = claims[name];
  return typeof v === 'string' && v.trim() ? v : undefined;
}

function decodeClaims(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? '';
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, '='));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

function toOidcUser(user: User): OidcUser {
  if (!user.id_token) {
    throw new StorageError('SignInFailed', 'The sign-in provider returned no ID token. Operators: include the "openid" scope in oidc.scopes and allow it for this app client.');
  }
  const claims = decodeClaims(user.id_token);
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : (user.expires_at ?? 0) * 1000;
  const subject = claim(claims, 'sub') ?? '';
  return {
    idToken: user.id_token,
    idTokenExpiresAt: exp,
    subject,
    displayName: claim(claims, 'name') ?? claim(claims, 'preferred_username') ?? claim(claims, 'email') ?? claim(claims, 'cognito:username') ?? subject,
    canRenewSilently: Boolean(user.refresh_token),
  };
}

function signInError(err: unknown, action: string): StorageError {
  if (err instanceof StorageError) return err;
  const e = err as { error?: string; error_description?: string; message?: string };
  if (e?.error === 'access_denied') return new StorageError('SignInCancelled', 'Sign-in was cancelled. Choose “Sign in” to try again.', { cause: err });
  if (/popup closed|closed by user/i.test(String(e?.message))) {
    return new StorageError('SignInCancelled', 'The sign-in window was closed before signing in finished. Choose “Sign in again” to retry.', { cause: err });
  }
  if (/popup blocked|window\.open/i.test(String(e?.message))) {
    return new StorageError('PopupBlocked', 'The browser blocked the sign-in window. Allow pop-ups for this site, then choose “Sign in again”.', { cause: err });
  }
  const detail = e?.error_description || e?.error || e?.message || String(err);
  return new StorageError(
    'SignInFailed',
    `${action} failed: ${detail}. Try again; if it keeps failing, operators: check oidc.authority, oidc.clientId and oidc.redirectUri in config.json against the provider's app client.`,
    { cause: err },
  );
}

export interface OidcClient {
  /** Leaves the page for the provider's sign-in; resolves never (the page unloads). */
  signInRedirect(): Promise<void>;
  /** Signs in in a popup, keeping this page (and its running uploads) alive. */
  signInPopup(): Promise<OidcUser>;
  /** Redeems the provider's answer in `url` (its code or error, with state). */
  handleRedirect(url: string): Promise<OidcUser>;
  /** A fresh ID token without user interaction (refresh token); throws when the provider needs a prompt. */
  renewSilently(): Promise<OidcUser>;
  /** Forgets the tokens held in memory. The provider's own session (its cookie) is left alone. */
  signOut(): Promise<void>;
}

export function createOidcClient(config: OidcConfig): OidcClient {
  const manager = new UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    popup_redirect_uri: config.redirectUri,
    response_type: 'code',
    scope: config.scopes.join(' '),
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    stateStore: new WebStorageStateStore({ store: sessionStorage }),
    // Renewal happens on demand, when the identity pool needs a valid ID token.
    automaticSilentRenew: false,
    loadUserInfo: false,
    monitorSession: false,
  });
  return {
    async signInRedirect() {
      try {
        await manager.signinRedirect();
      } catch (err) {
        throw signInError(err, 'Starting the sign-in');
      }
    },
    async signInPopup() {
      try {
        return toOidcUser(await manager.signinPopup());
      } catch (err) {
        throw signInError(err, 'Signing in');
      }
    },
    async handleRedirect(url) {
      try {
        const user = await manager.signinRedirectCallback(url);
        return toOidcUser(user);
      } catch (err) {
        throw signInError(err, 'Signing in');
      }
    },
    async renewSilently() {
      const user = await manager.getUser();
      if (!user?.refresh_token) throw new StorageError('SessionExpired', 'The session has ended and the provider gave no refresh token. Sign in again.');
      try {
        const renewed = await manager.signinSilent();
        if (!renewed) throw new Error('no user');
        return toOidcUser(renewed);
      } catch (err) {
        throw new StorageError('SessionExpired', 'The session has ended and could not be renewed without you. Sign in again.', { cause: err });
      }
    },
    async signOut() {
      await manager.removeUser();
      await manager.clearStaleState();
    },
  };
}

/** In the sign-in popup: hands the provider's answer to the page that opened it, and closes. */
export async function finishPopupSignIn(config: OidcConfig, url: string): Promise<void> {
  const manager = new UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
  });
  await manager.signinPopupCallback(url);
}
