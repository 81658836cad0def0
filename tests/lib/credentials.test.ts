// cognitoCredentials against a scripted Cognito Identity endpoint (MSW), to pin caching, renewal
// and refusal rules independently of the full emulation.

import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { cognitoCredentials, staticCredentials } from '../../src/lib/credentials.ts';
import { rejection, waitFor } from '../support/wait.ts';

const POOL = 'us-east-1:11111111-2222-4333-8444-555555555555';
const ENDPOINT = 'https://cognito-identity.us-east-1.amazonaws.com/';
const T0 = Date.UTC(2030, 0, 1);

interface CognitoCall {
  target: string;
  body: Record<string, unknown>;
}

let calls: CognitoCall[] = [];
let now = T0;
let lifetimeS = 3600;
let keyPrefix = 'ASIA';
let withToken = true;
let idSeq = 0;
/** While set, Cognito records each request but answers only once this resolves. */
let answersHeld: Promise<void> | undefined;
let failNext: { target: string; type: string; status?: number }[] = [];
const known = new Set<string>();

function cognito(url: string) {
  return http.post(url, async ({ request }) => {
    const target = (request.headers.get('x-amz-target') ?? '').replace('AWSCognitoIdentityService.', '');
    const body = (await request.json()) as Record<string, unknown>;
    calls.push({ target, body });
    await answersHeld;
    const fail = failNext.findIndex((f) => f.target === target);
    if (fail >= 0) {
      const [f] = failNext.splice(fail, 1);
      return HttpResponse.json({ __type: f!.type, message: 'scripted' }, { status: f!.status ?? 400, headers: { 'x-amzn-errortype': f!.type } });
    }
    if (target === 'GetId') {
      const id = `us-east-1:0000000${++idSeq}-aaaa-4bbb-8ccc-dddddddddddd`;
      known.add(id);
      return HttpResponse.json({ IdentityId: id });
    }
    if (target === 'GetCredentialsForIdentity') {
      const id = body.IdentityId as string;
      if (!known.has(id)) return HttpResponse.json({ __type: 'ResourceNotFoundException', message: 'Identity not found' }, { status: 400 });
      const n = calls.filter((c) => c.target === 'GetCredentialsForIdentity').length;
      return HttpResponse.json({
        IdentityId: id,
        Credentials: {
          AccessKeyId: `${keyPrefix}KEY${n}`,
          SecretKey: `secret-${n}`,
          ...(withToken ? { SessionToken: `token-${n}` } : {}),
          Expiration: Math.floor(now / 1000) + lifetimeS,
        },
      });
    }
    return HttpResponse.json({ __type: 'UnknownOperationException' }, { status: 400 });
  });
}

const server = setupServer(cognito(ENDPOINT), cognito('http://127.0.0.1:4566/'));
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  calls = [];
  now = T0;
  lifetimeS = 3600;
  keyPrefix = 'ASIA';
  withToken = true;
  answersHeld = undefined;
  failNext = [];
});
afterEach(() => vi.restoreAllMocks());

function source(extra: Partial<Parameters<typeof cognitoCredentials>[0]> = {}) {
  return cognitoCredentials({ identityPoolId: POOL, region: 'us-east-1', now: () => now, ...extra });
}

const count = (target: string) => calls.filter((c) => c.target === target).length;

/** Holds Cognito's answers until the returned function is called. */
function holdAnswers(): () => void {
  let release!: () => void;
  answersHeld = new Promise((r) => (release = r));
  return () => {
    answersHeld = undefined;
    release();
  };
}

function memoryCache() {
  const m = new Map<string, string>();
  return { map: m, getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) };
}

describe('cognitoCredentials', () => {
  it('gets guest credentials once and serves them from memory', async () => {
    const src = source();
    expect(src.identityId).toBeUndefined();
    const a = await src.get();
    const b = await src.get();
    expect(b).toBe(a);
    expect(a.sessionToken).toBe('token-1');
    expect(a.expiration.getTime()).toBe(T0 + 3600_000);
    expect(src.identityId).toBe(a.identityId);
    expect(count('GetId')).toBe(1);
    expect(count('GetCredentialsForIdentity')).toBe(1);
    expect(calls[0]?.body).toMatchObject({ IdentityPoolId: POOL });
    expect(calls[0]?.body.Logins).toBeUndefined();
  });

  it('renews 5 minutes ahead of expiry, reusing the identity', async () => {
    const src = source();
    const a = await src.get();
    now = T0 + 3600_000 - 5 * 60_000 - 1;
    expect(await src.get()).toBe(a);
    now += 2;
    const b = await src.get();
    expect(b).not.toBe(a);
    expect(b.accessKeyId).toBe('ASIAKEY2');
    expect(b.identityId).toBe(a.identityId);
    expect(count('GetId')).toBe(1);
  });

  it('never hands out credentials that expire within the margin', async () => {
    lifetimeS = 4 * 60;
    const err = await rejection(source().get());
    expect(err.code).toBe('CredentialsExpireTooSoon');
    expect(err.message).toMatch(/device clock/);
    expect(err.message).not.toMatch(/secret|token-/);
  });

  it('refresh() renews, and concurrent calls share one request', async () => {
    const src = source();
    const a = await src.get();
    // Every caller arrives while the renewal is still unanswered.
    const release = holdAnswers();
    const all = Promise.all([src.refresh(), src.refresh(), src.get(), src.refresh()]);
    await waitFor(() => count('GetCredentialsForIdentity') === 2, 'the renewal to reach Cognito');
    release();
    const results = await all;
    expect(count('GetCredentialsForIdentity')).toBe(2);
    for (const r of results) expect(r).toBe(results[0]);
    expect(results[0]).not.toBe(a);
    expect(await src.get()).toBe(results[0]);
  });

  it('concurrent first calls share one GetId and one GetCredentialsForIdentity', async () => {
    const release = holdAnswers();
    const src = source();
    const both = Promise.all([src.get(), src.get()]);
    await waitFor(() => count('GetId') === 1, 'GetId to reach Cognito');
    release();
    const [a, b] = await both;
    expect(a).toBe(b);
    expect(count('GetId')).toBe(1);
    expect(count('GetCredentialsForIdentity')).toBe(1);
  });

  it('caches the guest identity id, and never credentials, in the injected cache', async () => {
    const cache = memoryCache();
    const first = await source({ identityIdCache: cache }).get();
    expect([...cache.map.values()]).toEqual([first.identityId]);
    const second = await source({ identityIdCache: cache }).get();
    expect(second.identityId).toBe(first.identityId);
    expect(count('GetId')).toBe(1);
    for (const v of [...cache.map.keys(), ...cache.map.values()]) {
      expect(v).not.toContain('secret');
      expect(v).not.toContain('token');
      expect(v).not.toContain('ASIA');
    }
  });

  it('replaces a cached identity id that Cognito no longer knows', async () => {
    const cache = memoryCache();
    const first = await source({ identityIdCache: cache }).get();
    known.delete(first.identityId);
    const src = source({ identityIdCache: cache });
    const c = await src.get();
    expect(c.identityId).not.toBe(first.identityId);
    expect(src.identityId).toBe(c.identityId);
    expect([...cache.map.values()]).toEqual([c.identityId]);
  });

  it('sends logins, calling async token getters at every renewal', async () => {
    let n = 0;
    const getter = vi.fn(async () => `id-token-${++n}`);
    const src = source({ logins: { 'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC': getter } });
    await src.get();
    await src.refresh();
    expect(calls.map((c) => c.target)).toEqual(['GetId', 'GetCredentialsForIdentity', 'GetCredentialsForIdentity']);
    // One token per renewal, the same for its GetId and GetCredentialsForIdentity.
    expect(calls[0]?.body.Logins).toEqual({ 'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC': 'id-token-1' });
    expect(calls[1]?.body.Logins).toEqual({ 'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC': 'id-token-1' });
    expect(calls[2]?.body.Logins).toEqual({ 'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC': 'id-token-2' });
    expect(getter).toHaveBeenCalledTimes(2);
  });

  it('never offers a cached guest identity id together with a login', async () => {
    const cache = memoryCache();
    cache.setItem(`sessionbox.identityId.${POOL}`, 'us-east-1:guest-from-an-earlier-visit');
    const src = source({ identityIdCache: cache, logins: { 'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC': 'id-token' } });
    const c = await src.get();
    expect(calls.map((x) => x.target)).toEqual(['GetId', 'GetCredentialsForIdentity']);
    expect(c.identityId).not.toBe('us-east-1:guest-from-an-earlier-visit');
    expect(cache.map.get(`sessionbox.identityId.${POOL}`)).toBe('us-east-1:guest-from-an-earlier-visit');
  });

  it('uses a configured endpoint', async () => {
    const src = source({ endpoint: 'http://127.0.0.1:4566' });
    await src.get();
    expect(count('GetCredentialsForIdentity')).toBe(1);
  });

  it('refuses long-term keys', async () => {
    keyPrefix = 'AKIA';
    expect((await rejection(source().get())).code).toBe('LongTermCredentials');
    keyPrefix = 'ASIA';
    withToken = false;
    const err = await rejection(source().get());
    expect(err.code).toBe('LongTermCredentials');
    expect(err.message).toMatch(/temporary credentials/);
    expect(() => staticCredentials({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 's', sessionToken: 't', expiration: new Date(T0) })).toThrow(
      expect.objectContaining({ code: 'LongTermCredentials' }) as Error,
    );
    expect(() => staticCredentials({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 's', sessionToken: '', expiration: new Date(T0) })).toThrow(
      expect.objectContaining({ code: 'LongTermCredentials' }) as Error,
    );
  });

  it('maps Cognito errors to StorageError with a fix, and recovers on the next call', async () => {
    failNext = [{ target: 'GetId', type: 'NotAuthorizedException' }];
    const src = source();
    const err = await rejection(src.get());
    expect(err.code).toBe('NotAuthorized');
    expect(err.message).toMatch(/sign in again|unauthenticated/);
    const c = await src.get();
    expect(c.sessionToken).toBeTruthy();

    failNext = [{ target: 'GetCredentialsForIdentity', type: 'InvalidIdentityPoolConfigurationException' }];
    const e2 = await rejection(src.refresh());
    expect(e2.code).toBe('IdentityPoolMisconfigured');
    expect(e2.message).toMatch(/Operators: attach/);
  });

  it('logs nothing', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m).mockImplementation(() => {}));
    const src = source();
    await src.get();
    await src.refresh();
    failNext = [{ target: 'GetCredentialsForIdentity', type: 'NotAuthorizedException' }];
    expect((await rejection(src.refresh())).code).toBe('NotAuthorized');
    for (const s of spies) expect(s).not.toHaveBeenCalled();
  });
});
