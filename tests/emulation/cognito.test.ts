// The emulated Cognito Identity pool, through the SDK's fromCognitoIdentityPool and raw JSON calls.

import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-provider-cognito-identity';
import { describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/mocks/emulator.ts';
import { cognitoCall, fakeIdToken, guestCredentials, signedInCredentials, TEST_PROVIDER, useEmulation } from '../support/emulation.ts';

const NOW = Date.UTC(2030, 0, 1);
let clock = NOW;
const env = useEmulation({ now: () => clock, credentialLifetimeSeconds: 900 });

function s3With(credentials: S3Client['config']['credentials']): S3Client {
  return new S3Client({ region: env.region, credentials, requestChecksumCalculation: 'WHEN_REQUIRED', maxAttempts: 1 });
}

describe('fromCognitoIdentityPool', () => {
  it('gets guest credentials that sign S3 requests for the guest prefix', async () => {
    clock = Date.now();
    const provider = fromCognitoIdentityPool({ identityPoolId: env.identityPoolId, clientConfig: { region: env.region } });
    const creds = await provider();
    expect(creds.identityId).toMatch(/^us-east-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(creds.secretAccessKey).toHaveLength(40);
    expect(creds.sessionToken!.length).toBeGreaterThan(100);
    expect(creds.expiration!.getTime()).toBe(Math.floor((clock + 900_000) / 1000) * 1000);
    const s3 = s3With(provider);
    await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: `uploads/${creds.identityId}/hi.txt`, Body: 'hi' }));
    await expect(s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: `users/${creds.identityId}/hi.txt`, Body: 'hi' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(env.emulator.requests.filter((r) => r.service === 'cognito').map((r) => r.operation).slice(0, 2)).toEqual(['GetId', 'GetCredentialsForIdentity']);
  });

  it('gets authenticated credentials for logins, with one stable identity per subject', async () => {
    clock = Date.now();
    const token = fakeIdToken({ sub: 'alice' });
    const provider = fromCognitoIdentityPool({ identityPoolId: env.identityPoolId, logins: { [TEST_PROVIDER]: token }, clientConfig: { region: env.region } });
    const creds = await provider();
    const s3 = s3With(provider);
    await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: `users/${creds.identityId}/a.txt`, Body: 'a' }));
    await expect(s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: `uploads/${creds.identityId}/a.txt`, Body: 'a' }))).rejects.toMatchObject({ name: 'AccessDenied' });

    const again = await signedInCredentials(env, { [TEST_PROVIDER]: fakeIdToken({ sub: 'alice', iat: 1 }) });
    expect(again.identityId).toBe(creds.identityId);
    const bob = await signedInCredentials(env, { [TEST_PROVIDER]: fakeIdToken({ sub: 'bob' }) });
    expect(bob.identityId).not.toBe(creds.identityId);
  });
});

describe('GetId / GetCredentialsForIdentity', () => {
  it('uses a non-JWT token itself as the subject', async () => {
    const a = await signedInCredentials(env, { 'graph.example.com': 'opaque-token-1' });
    const b = await signedInCredentials(env, { 'graph.example.com': 'opaque-token-1' });
    const c = await signedInCredentials(env, { 'graph.example.com': 'opaque-token-2' });
    expect(a.identityId).toBe(b.identityId);
    expect(c.identityId).not.toBe(a.identityId);
  });

  it('rejects empty, expired and foreign tokens with NotAuthorizedException', async () => {
    clock = NOW;
    const getId = (token: string) => cognitoCall(env, 'GetId', { IdentityPoolId: env.identityPoolId, Logins: { [TEST_PROVIDER]: token } });
    await expect(getId('')).rejects.toMatchObject({ type: 'NotAuthorizedException', status: 400 });
    await expect(getId(fakeIdToken({ sub: 'x', exp: NOW / 1000 - 1 }))).rejects.toMatchObject({ type: 'NotAuthorizedException', message: expect.stringContaining('Token expired') });
    await expect(getId(fakeIdToken({ sub: 'x', iss: 'https://accounts.example.com', exp: NOW / 1000 + 60 }))).rejects.toMatchObject({ type: 'NotAuthorizedException', status: 400, message: expect.stringContaining("Issuer doesn't match") });
    await expect(getId(fakeIdToken({ sub: '', exp: NOW / 1000 + 60 }))).rejects.toMatchObject({ type: 'NotAuthorizedException' });
  });

  it('answers ResourceNotFoundException for another pool or an unknown identity', async () => {
    await expect(cognitoCall(env, 'GetId', { IdentityPoolId: 'us-east-1:99999999-2222-3333-4444-555555555555' })).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
    await expect(cognitoCall(env, 'GetCredentialsForIdentity', { IdentityId: 'us-east-1:99999999-2222-3333-4444-555555555555' })).rejects.toMatchObject({ type: 'ResourceNotFoundException' });
    await expect(cognitoCall(env, 'GetId', { IdentityPoolId: 'not a pool' })).rejects.toMatchObject({ type: 'InvalidParameterException' });
  });

  it('refuses credentials for a signed-in identity without its logins', async () => {
    const user = await signedInCredentials(env, { [TEST_PROVIDER]: fakeIdToken({ sub: 'carol', exp: clock / 1000 + 600 }) });
    await expect(guestCredentials(env, user.identityId)).rejects.toMatchObject({ type: 'NotAuthorizedException', message: expect.stringContaining(`Access to Identity '${user.identityId}' is forbidden.`) });
    const other = await signedInCredentials(env, { [TEST_PROVIDER]: fakeIdToken({ sub: 'dave', exp: clock / 1000 + 600 }) });
    await expect(
      cognitoCall(env, 'GetCredentialsForIdentity', { IdentityId: user.identityId, Logins: { [TEST_PROVIDER]: fakeIdToken({ sub: 'dave', exp: clock / 1000 + 600 }) } }),
    ).rejects.toMatchObject({ type: 'NotAuthorizedException' });
    expect(other.identityId).not.toBe(user.identityId);
  });

  it('links a login presented for a guest identity, which then stays signed in', async () => {
    const guest = await guestCredentials(env);
    const logins = { [TEST_PROVIDER]: fakeIdToken({ sub: 'erin', exp: clock / 1000 + 600 }) };
    const out = await cognitoCall<{ IdentityId: string }>(env, 'GetCredentialsForIdentity', { IdentityId: guest.identityId, Logins: logins });
    expect(out.IdentityId).toBe(guest.identityId);
    expect((await signedInCredentials(env, logins)).identityId).toBe(guest.identityId);
    await expect(guestCredentials(env, guest.identityId)).rejects.toMatchObject({ type: 'NotAuthorizedException' });
  });

  it('refuses guests when the pool does not allow them', async () => {
    const closed = createEmulator({ region: 'us-east-1', buckets: ['b'], identityPoolId: env.identityPoolId, allowGuests: false });
    const res = await closed.handle(
      new Request('https://cognito-identity.us-east-1.amazonaws.com/', {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityService.GetId' },
        body: JSON.stringify({ IdentityPoolId: env.identityPoolId }),
      }),
    );
    expect(res!.status).toBe(400);
    expect(await res!.json()).toEqual({ __type: 'NotAuthorizedException', message: 'Unauthenticated access is not supported for this identity pool.' });
  });

  it('insists on the JSON 1.1 protocol', async () => {
    const res = await fetch('https://cognito-identity.us-east-1.amazonaws.com/', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-amz-target': 'AWSCognitoIdentityService.GetId' },
      body: JSON.stringify({ IdentityPoolId: env.identityPoolId }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).__type).toBe('SerializationException');
  });
});
