// Test helper: the local AWS emulation for a test file, plus shortcuts to mint credentials and build
// S3 clients the way the pitfalls in notes/design.md require.

import { Sha256 } from '@aws-crypto/sha256-js';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { DEFAULT_PREFIXES, MiB, type AppConfig } from '../../src/lib/config.ts';
import { createEmulator, type Emulator, type EmulatorOptions } from '../../src/mocks/emulator.ts';
import { singlePartEtag } from '../../src/mocks/hash.ts';
import { interceptInNode, type NodeEmulation } from '../../src/mocks/node.ts';
import type { StoredObject } from '../../src/mocks/store.ts';

export const DEFAULTS = {
  region: 'us-east-1',
  bucket: 'test-bucket',
  identityPoolId: 'us-east-1:11111111-2222-3333-4444-555555555555',
} as const;

/** The app's configuration for the default emulation, with test-sized uploads (5 MiB parts). */
export function testConfig(upload: Partial<AppConfig['upload']> = {}): AppConfig {
  return {
    mode: 'aws',
    region: DEFAULTS.region,
    bucket: DEFAULTS.bucket,
    identityPoolId: DEFAULTS.identityPoolId,
    allowGuests: true,
    prefixes: { ...DEFAULT_PREFIXES },
    endpoints: { forcePathStyle: false },
    upload: { partSize: 5 * MiB, parallelParts: 4, maxFileSize: 64 * MiB, ...upload },
  };
}

export interface Emulation {
  emulator: Emulator;
  region: string;
  bucket: string;
  identityPoolId: string;
}

export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  identityId: string;
  /** The prefix this identity may use under the default prefixAuthorizer. */
  prefix: string;
}

/**
 * Intercepts AWS requests for the test file (beforeAll/afterAll); after each test the store (objects,
 * uploads and Cognito identities), the request log and the faults are reset, so mint credentials per
 * test (beforeEach). `buckets` defaults to [bucket].
 */
export function useEmulation(opts: Partial<EmulatorOptions> & { bucket?: string } = {}): Emulation {
  const { bucket = DEFAULTS.bucket, ...rest } = opts;
  const options: EmulatorOptions = {
    region: DEFAULTS.region,
    identityPoolId: DEFAULTS.identityPoolId,
    buckets: [bucket],
    ...rest,
  };
  const emulator = createEmulator(options);
  let running: NodeEmulation | undefined;
  beforeAll(() => {
    running = interceptInNode(emulator);
  });
  afterEach(async () => {
    await emulator.reset();
  });
  afterAll(() => {
    running?.close();
  });
  return { emulator, region: options.region, bucket, identityPoolId: options.identityPoolId };
}

/** The Cognito endpoint an emulation answers (the regional AWS hostname unless configured). */
export function cognitoEndpoint(env: Emulation): string {
  return env.emulator.options.endpoints?.cognitoIdentity ?? `https://cognito-identity.${env.identityPoolId.split(':')[0]}.amazonaws.com/`;
}

export async function cognitoCall<T = Record<string, unknown>>(env: Emulation, operation: string, body: unknown): Promise<T> {
  const res = await fetch(cognitoEndpoint(env), {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${operation}` },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as T & { __type?: string; message?: string };
  if (!res.ok) throw Object.assign(new Error(`${json.__type}: ${json.message}`), { type: json.__type, status: res.status });
  return json;
}

/** Credentials for a new guest identity (or `identityId`, if given), fetched from the emulated Cognito. */
export async function guestCredentials(env: Emulation, identityId?: string): Promise<TestCredentials> {
  return credentialsFor(env, undefined, identityId);
}

/** Credentials for a signed-in identity; `logins` maps provider names to tokens (see fakeIdToken). */
export async function signedInCredentials(env: Emulation, logins: Record<string, string>): Promise<TestCredentials> {
  return credentialsFor(env, logins);
}

async function credentialsFor(env: Emulation, logins?: Record<string, string>, knownId?: string): Promise<TestCredentials> {
  const identityId = knownId ?? (await cognitoCall<{ IdentityId: string }>(env, 'GetId', { IdentityPoolId: env.identityPoolId, ...(logins ? { Logins: logins } : {}) })).IdentityId;
  const out = await cognitoCall<{ Credentials: { AccessKeyId: string; SecretKey: string; SessionToken: string; Expiration: number } }>(env, 'GetCredentialsForIdentity', {
    IdentityId: identityId,
    ...(logins ? { Logins: logins } : {}),
  });
  return {
    accessKeyId: out.Credentials.AccessKeyId,
    secretAccessKey: out.Credentials.SecretKey,
    sessionToken: out.Credentials.SessionToken,
    expiration: new Date(out.Credentials.Expiration * 1000),
    identityId,
    prefix: logins ? `users/${identityId}/` : `uploads/${identityId}/`,
  };
}

export const TEST_PROVIDER = 'cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool';

/** An unsigned JWT shaped like an OIDC id token; the emulation reads sub, exp and iss but not the signature. */
export function fakeIdToken(claims: { sub: string; iss?: string; exp?: number; [claim: string]: unknown }): string {
  const b64url = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  const payload = { iss: `https://${TEST_PROVIDER}`, exp: Math.floor(Date.now() / 1000) + 3600, ...claims };
  return `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(payload)}.c2lnbmF0dXJl`;
}

/** An S3 client for the emulation with the settings the design notes require for tests. */
export function s3Client(env: Emulation, creds: Pick<TestCredentials, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>, overrides: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    region: env.region,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    expectContinueHeader: false,
    maxAttempts: 1,
    ...overrides,
  });
}

/** Puts an object straight into the store, bypassing S3 (and its authorization). */
export async function seedObject(env: Emulation, key: string, body: string | Uint8Array = '', opts: { bucket?: string; contentType?: string; lastModified?: number } = {}): Promise<StoredObject> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const object: StoredObject = {
    key,
    size: bytes.length,
    etag: singlePartEtag(bytes),
    lastModified: Math.floor((opts.lastModified ?? Date.now()) / 1000) * 1000,
    contentType: opts.contentType ?? 'binary/octet-stream',
    headers: {},
    metadata: {},
  };
  await env.emulator.store.put(opts.bucket ?? env.bucket, object, new Blob([bytes.slice()]));
  return object;
}

/** The text of a stored object, or undefined. */
export async function storedText(env: Emulation, key: string, bucket = env.bucket): Promise<string | undefined> {
  return (await env.emulator.store.read(bucket, key))?.text();
}

export interface RawRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Default: now. */
  signingDate?: Date;
  /** x-amz-content-sha256 to sign and send. Default: the SHA-256 of the body. */
  payloadHash?: string;
}

/**
 * Signs a hand-made S3 request with SigV4 and sends it with fetch; `tamper` may change the signed
 * headers before sending (to prove the emulation notices). Host is not sent: the emulation derives it
 * from the URL, like a browser's request seen by a service worker.
 */
export async function signedFetch(
  env: Emulation,
  creds: Pick<TestCredentials, 'accessKeyId' | 'secretAccessKey'> & { sessionToken?: string },
  req: RawRequest,
  tamper?: (headers: Record<string, string>) => void,
): Promise<Response> {
  const url = new URL(req.url);
  const body = typeof req.body === 'string' ? new TextEncoder().encode(req.body) : req.body;
  const payloadHash = req.payloadHash ?? [...new Uint8Array(await crypto.subtle.digest('SHA-256', (body ?? new Uint8Array()).slice()))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signer = new SignatureV4({ service: 's3', region: env.region, credentials: creds, sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign(
    {
      method: req.method ?? 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query,
      headers: { host: url.host, 'x-amz-content-sha256': payloadHash, ...req.headers },
      ...(body ? { body } : {}),
    },
    { signingDate: req.signingDate ?? new Date() },
  );
  const headers = { ...(signed.headers as Record<string, string>) };
  delete headers.host;
  tamper?.(headers);
  return fetch(url, { method: req.method ?? 'GET', headers, ...(body ? { body: body.slice() } : {}) });
}

/** Parses an S3 error document into { code, message, ...details }. */
export async function s3Error(res: Response): Promise<Record<string, string>> {
  const text = await res.text();
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/<(\w[\w-]*)>([^<]*)<\/\1>/g)) out[m[1] === 'Code' ? 'code' : m[1] === 'Message' ? 'message' : m[1]!] = m[2]!;
  return out;
}

/** The URL of an object in the emulated bucket, virtual-hosted style, with the key encoded as the SDK does. */
export function objectUrl(env: Emulation, key: string, query = ''): string {
  const path = key.split('/').map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
  return `https://${env.bucket}.s3.${env.region}.amazonaws.com/${path}${query ? `?${query}` : ''}`;
}
