// The demo's stand-in OpenID Connect provider, so sign-in runs offline. demo-sign-in.html is its
// authorization endpoint (a real page: a service worker cannot answer navigations); discovery, the
// token endpoint and the key set are answered here, in the MSW worker, on the app's own origin.
//
// Codes are self-contained (base64url JSON written by the sign-in page), so the page and the worker
// share no state; the PKCE verifier, client and redirect URI are checked as a provider would. ID
// tokens are unsigned ("alg": "none"): nothing offline can check a signature, and the emulated
// Cognito reads sub, exp and iss only. Never use this provider outside the demo.

import { http, HttpResponse, type RequestHandler } from 'msw';

export interface DemoOidcOptions {
  /** Issuer URL, e.g. http://127.0.0.1:5173/demo-oidc. */
  issuer: string;
  /** The sign-in page (authorization endpoint), e.g. http://127.0.0.1:5173/demo-sign-in.html. */
  signInPage: string;
  clientId: string;
  tokenLifetimeSeconds?: number;
  now?: () => number;
}

export interface DemoOidc {
  handlers: RequestHandler[];
  /** Changeable at run time (the demo's test hook): lifetime of new tokens, refusing refreshes. */
  settings: { tokenLifetimeSeconds: number; refuseRefresh: boolean };
  /** grant_type of every token request answered, oldest first. */
  tokenRequests: string[];
}

/** What the sign-in page puts in the code. */
export interface DemoCode {
  user: string;
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce?: string;
  /** Epoch ms after which the code is refused. */
  expires: number;
}

interface RefreshToken {
  user: string;
  clientId: string;
  authTime: number;
}

export function encodeDemo(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeDemo<T>(text: string): T | undefined {
  try {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, '='));
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)))) as T;
  } catch {
    return undefined;
  }
}

async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  let bin = '';
  for (const b of digest) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function oauthError(error: string, description: string, status = 400): Response {
  return HttpResponse.json({ error, error_description: description }, { status, headers: { 'cache-control': 'no-store' } });
}

/** A stable subject per user name, so the same name gets the same identity (and files). */
export function demoSubject(user: string): string {
  return `demo-${user.trim().toLowerCase()}`;
}

export function createDemoOidc(opts: DemoOidcOptions): DemoOidc {
  const issuer = opts.issuer.replace(/\/$/, '');
  const now = opts.now ?? Date.now;
  const settings = { tokenLifetimeSeconds: opts.tokenLifetimeSeconds ?? 3600, refuseRefresh: false };
  const tokenRequests: string[] = [];
  const usedCodes = new Set<string>();

  const idToken = (user: string, authTime: number, nonce?: string): string => {
    const iat = Math.floor(now() / 1000);
    const claims: Record<string, unknown> = {
      iss: issuer,
      sub: demoSubject(user),
      aud: opts.clientId,
      iat,
      exp: iat + settings.tokenLifetimeSeconds,
      auth_time: authTime,
      name: user.trim(),
      preferred_username: user.trim(),
    };
    if (nonce) claims.nonce = nonce;
    return `${encodeDemo({ alg: 'none', typ: 'JWT' })}.${encodeDemo(claims)}.`;
  };

  const tokens = (user: string, authTime: number, nonce?: string) =>
    HttpResponse.json(
      {
        token_type: 'Bearer',
        access_token: `demo-access-${crypto.randomUUID()}`,
        id_token: idToken(user, authTime, nonce),
        refresh_token: encodeDemo({ user, clientId: opts.clientId, authTime } satisfies RefreshToken),
        expires_in: settings.tokenLifetimeSeconds,
        scope: 'openid profile',
      },
      { headers: { 'cache-control': 'no-store' } },
    );

  const handlers: RequestHandler[] = [
    http.get(`${issuer}/.well-known/openid-configuration`, () =>
      HttpResponse.json({
        issuer,
        authorization_endpoint: opts.signInPage,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        response_modes_supported: ['query'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['none'],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: ['openid', 'profile'],
        token_endpoint_auth_methods_supported: ['none'],
      }),
    ),
    http.get(`${issuer}/jwks`, () => HttpResponse.json({ keys: [] })),
    http.post(`${issuer}/token`, async ({ request }) => {
      const form = new URLSearchParams(await request.text());
      const grant = form.get('grant_type') ?? '';
      tokenRequests.push(grant);
      if (form.get('client_id') !== opts.clientId) return oauthError('invalid_client', `Unknown client_id ${JSON.stringify(form.get('client_id'))}.`, 401);
      if (grant === 'authorization_code') {
        const raw = form.get('code') ?? '';
        const code = decodeDemo<DemoCode>(raw);
        if (!code || usedCodes.has(raw)) return oauthError('invalid_grant', 'The code is malformed or was already used.');
        if (code.expires < now()) return oauthError('invalid_grant', 'The code has expired; sign in again.');
        if (code.clientId !== opts.clientId || code.redirectUri !== form.get('redirect_uri')) {
          return oauthError('invalid_grant', 'The code was issued to another client or redirect_uri.');
        }
        if ((await s256(form.get('code_verifier') ?? '')) !== code.challenge) {
          return oauthError('invalid_grant', 'PKCE verification failed: code_verifier does not match code_challenge.');
        }
        usedCodes.add(raw);
        return tokens(code.user, Math.floor(now() / 1000), code.nonce);
      }
      if (grant === 'refresh_token') {
        const refresh = decodeDemo<RefreshToken>(form.get('refresh_token') ?? '');
        if (!refresh || refresh.clientId !== opts.clientId) return oauthError('invalid_grant', 'The refresh token is malformed.');
        if (settings.refuseRefresh) return oauthError('invalid_grant', 'The session has ended at the provider; sign in again.');
        return tokens(refresh.user, refresh.authTime);
      }
      return oauthError('unsupported_grant_type', `grant_type ${JSON.stringify(grant)} is not supported.`);
    }),
  ];
  return { handlers, settings, tokenRequests };
}
