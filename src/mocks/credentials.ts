// Temporary credentials the emulated Cognito hands out, remembered so the emulated S3 can verify
// signatures with the same secret. They live in memory only: never persisted.

import { randomString, toBase64, randomBytes } from './encoding.ts';

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  identityId: string;
  authenticated: boolean;
  /** Epoch ms. */
  issuedAt: number;
  /** Epoch ms. */
  expiresAt: number;
}

const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export class CredentialRegistry {
  private readonly issued = new Map<string, IssuedCredentials>();

  constructor(
    private readonly now: () => number,
    private readonly lifetimeSeconds: number,
  ) {}

  issue(identityId: string, authenticated: boolean): IssuedCredentials {
    const issuedAt = this.now();
    const creds: IssuedCredentials = {
      // Temporary (STS) keys start with ASIA; permanent ones with AKIA.
      accessKeyId: `ASIA${randomString(16)}`,
      secretAccessKey: randomString(40, SECRET_ALPHABET),
      // Real tokens are long base64 with '/', '+' and '=': clients must URL-encode them in presigned URLs.
      sessionToken: `IQoJb3JpZ2luX2VtdQ${toBase64(randomBytes(300))}`,
      identityId,
      authenticated,
      issuedAt,
      expiresAt: issuedAt + this.lifetimeSeconds * 1000,
    };
    this.issued.set(creds.accessKeyId, creds);
    return creds;
  }

  get(accessKeyId: string): IssuedCredentials | undefined {
    return this.issued.get(accessKeyId);
  }

  isExpired(creds: IssuedCredentials): boolean {
    return this.now() >= creds.expiresAt;
  }

  /** Every credential issued so far answers ExpiredToken from now on. */
  expireAll(): void {
    const now = this.now();
    for (const c of this.issued.values()) c.expiresAt = Math.min(c.expiresAt, now);
  }

  clear(): void {
    this.issued.clear();
  }
}
