// Emulated Cognito Identity (JSON 1.1, unsigned): GetId and GetCredentialsForIdentity, the two calls
// fromCognitoIdentityPool and the app make. Login tokens are not signature-checked (there is no
// identity provider offline) but are otherwise held to Cognito's rules: non-empty, unexpired, issued
// by the provider they are presented for.

import type { CredentialRegistry } from './credentials.ts';
import { randomString } from './encoding.ts';
import type { IdentityRecord, ObjectStore } from './store.ts';

export const COGNITO_TARGET_PREFIX = 'AWSCognitoIdentityService.';
const JSON_TYPE = 'application/x-amz-json-1.1';

export interface CognitoOptions {
  identityPoolId: string;
  allowGuests: boolean;
  store: ObjectStore;
  credentials: CredentialRegistry;
  now: () => number;
}

export class CognitoError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const notAuthorized = (message: string) => new CognitoError('NotAuthorizedException', message);
const invalidParameter = (message: string) => new CognitoError('InvalidParameterException', message);

/** The operation a Cognito request names in X-Amz-Target, e.g. "GetId". */
export function cognitoOperation(request: Request): string | undefined {
  const target = request.headers.get('x-amz-target');
  if (!target?.startsWith(COGNITO_TARGET_PREFIX)) return undefined;
  return target.slice(COGNITO_TARGET_PREFIX.length);
}

export function cognitoErrorResponse(err: CognitoError): Response {
  return json({ __type: err.type, message: err.message }, err.status, { 'x-amzn-ErrorType': `${err.type}:` });
}

export class CognitoService {
  constructor(private readonly opts: CognitoOptions) {}

  async handle(request: Request): Promise<Response> {
    try {
      const operation = cognitoOperation(request);
      if (request.method !== 'POST' || !operation) {
        throw new CognitoError('UnknownOperationException', 'Cognito Identity expects POST with an X-Amz-Target header.');
      }
      const type = request.headers.get('content-type')?.split(';')[0]?.trim();
      if (type !== JSON_TYPE) {
        throw new CognitoError('SerializationException', `Content-Type must be ${JSON_TYPE}, got ${type ?? 'none'}.`);
      }
      let input: unknown;
      try {
        input = JSON.parse(await request.text());
      } catch {
        throw new CognitoError('SerializationException', 'The request body is not valid JSON.');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new CognitoError('SerializationException', 'The request body must be a JSON object.');
      }
      const body = input as Record<string, unknown>;
      if (operation === 'GetId') return json(await this.getId(body));
      if (operation === 'GetCredentialsForIdentity') return json(await this.getCredentialsForIdentity(body));
      throw new CognitoError('UnknownOperationException', `The emulation does not implement ${operation}; only GetId and GetCredentialsForIdentity.`);
    } catch (err) {
      if (err instanceof CognitoError) return cognitoErrorResponse(err);
      throw err;
    }
  }

  private async getId(input: Record<string, unknown>): Promise<{ IdentityId: string }> {
    const poolId = input.IdentityPoolId;
    if (typeof poolId !== 'string') {
      throw invalidParameter("1 validation error detected: Value null at 'identityPoolId' failed to satisfy constraint: Member must not be null");
    }
    if (!/^[\w-]+:[0-9a-f-]+$/.test(poolId)) {
      throw invalidParameter(`1 validation error detected: Value '${poolId}' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+`);
    }
    if (poolId !== this.opts.identityPoolId) throw new CognitoError('ResourceNotFoundException', `IdentityPool '${poolId}' not found.`);
    const logins = this.logins(input.Logins);

    if (logins.length === 0) {
      if (!this.opts.allowGuests) throw notAuthorized('Unauthenticated access is not supported for this identity pool.');
      return { IdentityId: (await this.createIdentity([])).identityId };
    }
    const linked = this.linkedIdentities(logins);
    if (linked.size > 1) throw notAuthorized('Logins belong to different identities; Cognito would merge them, which the emulation does not do.');
    const [existing] = linked;
    if (existing) {
      await this.link(existing, logins);
      return { IdentityId: existing.identityId };
    }
    return { IdentityId: (await this.createIdentity(logins)).identityId };
  }

  private async getCredentialsForIdentity(input: Record<string, unknown>) {
    const identityId = input.IdentityId;
    if (typeof identityId !== 'string') {
      throw invalidParameter("1 validation error detected: Value null at 'identityId' failed to satisfy constraint: Member must not be null");
    }
    if (!/^[\w-]+:[0-9a-f-]+$/.test(identityId)) {
      throw invalidParameter(`1 validation error detected: Value '${identityId}' at 'identityId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+`);
    }
    const identity = this.opts.store.listIdentities().find((i) => i.identityId === identityId);
    if (!identity) throw new CognitoError('ResourceNotFoundException', `Identity '${identityId}' not found.`);
    const logins = this.logins(input.Logins);

    if (logins.length === 0) {
      if (identity.logins.length > 0) throw notAuthorized(`Access to Identity '${identityId}' is forbidden.`);
      if (!this.opts.allowGuests) throw notAuthorized('Unauthenticated access is not supported for this identity pool.');
    } else {
      for (const other of this.linkedIdentities(logins)) {
        if (other.identityId !== identityId) {
          throw notAuthorized('Logins don\'t match. Please include at least one valid login for this identity or identity pool.');
        }
      }
      // Like Cognito, a login presented for an identity without it becomes linked (a guest signing in keeps its id).
      await this.link(identity, logins);
    }
    const creds = this.opts.credentials.issue(identityId, logins.length > 0);
    return {
      IdentityId: identityId,
      Credentials: {
        AccessKeyId: creds.accessKeyId,
        SecretKey: creds.secretAccessKey,
        SessionToken: creds.sessionToken,
        // Epoch seconds, as Cognito's JSON protocol sends timestamps.
        Expiration: Math.floor(creds.expiresAt / 1000),
      },
    };
  }

  /** Validated logins as "provider\nsubject". */
  private logins(raw: unknown): string[] {
    if (raw === undefined || raw === null) return [];
    if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidParameter('Logins must be a map of provider name to token.');
    const entries = Object.entries(raw as Record<string, unknown>);
    if (entries.length > 10) throw invalidParameter('Logins may name at most 10 providers.');
    return entries.map(([provider, token]) => `${provider}\n${this.subject(provider, token)}`);
  }

  private subject(provider: string, token: unknown): string {
    if (typeof token !== 'string' || token.trim() === '') throw notAuthorized(`Invalid login token. The token for '${provider}' is empty.`);
    const parts = token.split('.');
    if (parts.length !== 3) return token;
    const claims = decodeJwtPayload(parts[1]!);
    if (!claims) throw notAuthorized('Invalid login token. Not a valid OpenId Connect identity token.');
    if (typeof claims.sub !== 'string' || claims.sub === '') throw notAuthorized('Invalid login token. Missing a required claim: sub');
    const now = this.opts.now() / 1000;
    if (typeof claims.exp === 'number' && claims.exp <= now) {
      throw notAuthorized(`Invalid login token. Token expired: ${claims.exp} >= ${Math.floor(now)}`);
    }
    if (typeof claims.iss === 'string' && claims.iss.replace(/^https:\/\//, '').replace(/\/$/, '') !== provider) {
      throw notAuthorized("Invalid login token. Issuer doesn't match providerName");
    }
    return claims.sub;
  }

  private linkedIdentities(logins: string[]): Set<IdentityRecord> {
    const found = new Set<IdentityRecord>();
    for (const identity of this.opts.store.listIdentities()) {
      if (identity.logins.some((l) => logins.includes(l))) found.add(identity);
    }
    return found;
  }

  private async link(identity: IdentityRecord, logins: string[]): Promise<void> {
    const missing = logins.filter((l) => !identity.logins.includes(l));
    if (missing.length) await this.opts.store.putIdentity({ ...identity, logins: [...identity.logins, ...missing] });
  }

  private async createIdentity(logins: string[]): Promise<IdentityRecord> {
    const region = this.opts.identityPoolId.split(':')[0]!;
    const identity: IdentityRecord = { identityId: `${region}:${uuid()}`, logins, createdAt: this.opts.now() };
    await this.opts.store.putIdentity(identity);
    return identity;
  }
}

function uuid(): string {
  // randomUUID needs a secure context; the demo may be served from a LAN address without one.
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const h = randomString(32, '0123456789abcdef');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[parseInt(h[16]!, 16) % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function decodeJwtPayload(part: string): Record<string, unknown> | undefined {
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const bin = atob(b64);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': JSON_TYPE, 'x-amzn-requestid': crypto.randomUUID?.() ?? randomString(36), ...headers },
  });
}
