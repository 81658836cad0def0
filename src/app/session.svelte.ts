import type { OidcClient, OidcUser } from '../lib/oidc';
import { errorMessage } from './format';

/**
 * Renew the ID token this long before it expires: the identity pool must still accept it when
 * the request for new credentials arrives.
 */
export const ID_TOKEN_MARGIN_MS = 60_000;

export type SessionStatus = 'active' | 'renewing' | 'expired';

/**
 * Who is using the app: a guest, or a person signed in with OIDC whose ID token feeds the identity
 * pool's `logins`. When the token runs out it is renewed silently where the provider allows; else
 * the session is `expired` until the person signs in again (in a popup, so running uploads live on),
 * and requests needing credentials wait for that instead of failing.
 */
export class Session {
  user = $state<OidcUser | undefined>();
  status = $state<SessionStatus>('active');
  /** Why the last sign-in attempt failed, for the prompt. */
  error = $state<string | undefined>();
  busy = $state(false);

  readonly #client: OidcClient | undefined;
  readonly #now: () => number;
  #renewing: Promise<string> | undefined;
  #waiting: ((token: string) => void)[] = [];

  constructor(opts: { client?: OidcClient; user?: OidcUser; now?: () => number } = {}) {
    this.#client = opts.client;
    this.user = opts.user;
    this.#now = opts.now ?? Date.now;
  }

  get signedIn(): boolean {
    return this.user !== undefined;
  }

  /** Whether sign-in is configured at all. */
  get canSignIn(): boolean {
    return this.#client !== undefined;
  }

  get displayName(): string {
    return this.user?.displayName ?? 'Guest';
  }

  /** For the identity pool's `logins`: a valid ID token, renewed when needed. */
  idToken = (): Promise<string> => {
    const user = this.user;
    if (!user) return Promise.reject(new Error('Not signed in'));
    if (this.status === 'active' && user.idTokenExpiresAt - this.#now() > ID_TOKEN_MARGIN_MS) return Promise.resolve(user.idToken);
    this.#renewing ??= this.#renew().finally(() => {
      this.#renewing = undefined;
    });
    return this.#renewing;
  };

  async #renew(): Promise<string> {
    const client = this.#client;
    if (client && this.status !== 'expired') {
      this.status = 'renewing';
      try {
        const user = await client.renewSilently();
        this.#accept(user);
        return user.idToken;
      } catch {
        // The provider wants the person back: ask, and hold requests until they are.
      }
    }
    this.status = 'expired';
    return new Promise<string>((resolve) => this.#waiting.push(resolve));
  }

  #accept(user: OidcUser): void {
    if (this.user && user.subject !== this.user.subject) {
      // Someone else signed in in the popup: their token must not unlock this person's files.
      throw new Error(`Signed in as ${user.displayName}, but this page belongs to ${this.user.displayName}. Sign in as ${this.user.displayName}, or sign out first.`);
    }
    this.user = user;
    this.status = 'active';
    this.error = undefined;
    for (const resolve of this.#waiting.splice(0)) resolve(user.idToken);
  }

  /** Leaves for the provider's sign-in page; the app starts again signed in when it returns. */
  async signIn(): Promise<void> {
    if (!this.#client) return;
    this.busy = true;
    this.error = undefined;
    try {
      await this.#client.signInRedirect();
    } catch (err) {
      this.error = errorMessage(err);
      this.busy = false;
    }
  }

  /** After the session expired: signs in again in a popup and lets waiting requests continue. */
  async signInAgain(): Promise<void> {
    if (!this.#client || this.busy) return;
    this.busy = true;
    this.error = undefined;
    try {
      this.#accept(await this.#client.signInPopup());
    } catch (err) {
      this.error = errorMessage(err);
    } finally {
      this.busy = false;
    }
  }

  /** Forgets the tokens; the caller reloads the page, which drops the credentials with it. */
  async signOut(): Promise<void> {
    this.busy = true;
    try {
      await this.#client?.signOut();
    } finally {
      this.user = undefined;
      this.busy = false;
    }
  }
}
