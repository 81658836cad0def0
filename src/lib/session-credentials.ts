// What every credential source promises, whichever way it talks to Cognito (the SDK in the app,
// plain fetch in the widget): temporary keys only, held in memory, renewed ahead of expiry, one
// renewal shared by every caller. Kept free of the AWS SDK so the widget can use it.

import { StorageError, describe } from './errors.ts';

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  identityId: string;
}

export interface CredentialSource {
  /** Cached credentials, renewed ahead of expiry. */
  get(): Promise<SessionCredentials>;
  /** Forced renewal (after S3 answered ExpiredToken). */
  refresh(): Promise<SessionCredentials>;
  readonly identityId: string | undefined;
}

export interface IdentityIdCache {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
  removeItem(k: string): void;
}

export const RENEW_MARGIN_MS = 5 * 60_000;

/** Throws unless the credentials are temporary: long-term IAM user keys must never reach a browser. */
export function assertTemporary(creds: { accessKeyId?: string; sessionToken?: string; expiration?: Date }): void {
  if (
    !creds.sessionToken ||
    !creds.accessKeyId ||
    creds.accessKeyId.startsWith('AKIA') ||
    !(creds.expiration instanceof Date) ||
    !(creds.expiration.getTime() > 0)
  ) {
    throw new StorageError('LongTermCredentials', describe('LongTermCredentials'));
  }
}

/** Caching, renewal and the checks on what Cognito issued; subclasses only fetch. */
export abstract class RenewingCredentials implements CredentialSource {
  #current: SessionCredentials | undefined;
  #inflight: Promise<SessionCredentials> | undefined;
  #identityId: string | undefined;
  readonly #margin: number;
  readonly #now: () => number;

  constructor(opts: { renewMarginMs?: number; now?: () => number }) {
    this.#margin = opts.renewMarginMs ?? RENEW_MARGIN_MS;
    this.#now = opts.now ?? Date.now;
  }

  /** Asks Cognito for new credentials; errors come out as StorageError. */
  protected abstract fetchCredentials(): Promise<SessionCredentials>;

  get identityId(): string | undefined {
    return this.#identityId;
  }

  get(): Promise<SessionCredentials> {
    // During a renewal the current keys may be the ones S3 just refused: wait for the new ones.
    if (this.#inflight) return this.#inflight;
    const c = this.#current;
    if (c && c.expiration.getTime() - this.#now() > this.#margin) return Promise.resolve(c);
    return this.refresh();
  }

  refresh(): Promise<SessionCredentials> {
    // Six parts failing with ExpiredToken at once must cause one Cognito call, not six.
    this.#inflight ??= this.#renew().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #renew(): Promise<SessionCredentials> {
    const creds = await this.fetchCredentials();
    assertTemporary(creds);
    if (!creds.secretAccessKey) throw new StorageError('LongTermCredentials', describe('LongTermCredentials'));
    if (creds.expiration.getTime() - this.#now() <= this.#margin) {
      throw new StorageError(
        'CredentialsExpireTooSoon',
        `Cognito issued credentials that expire at ${creds.expiration.toISOString()}, within ${Math.round(this.#margin / 60_000)} minutes of this device's time (${new Date(this.#now()).toISOString()}). Check that the device clock is set correctly.`,
      );
    }
    this.#current = creds;
    this.#identityId = creds.identityId;
    return creds;
  }
}
