// Fault injection: failures, delays, dropped and hung requests, expired credentials.

import { CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { cognitoCall, guestCredentials, objectUrl, s3Client, seedObject, signedFetch, useEmulation, type TestCredentials } from '../support/emulation.ts';

const env = useEmulation();
let creds: TestCredentials;
let s3: S3Client;
let p: string;

beforeEach(async () => {
  creds = await guestCredentials(env);
  s3 = s3Client(env, creds);
  p = creds.prefix;
});

const put = (key: string, body = 'x') => s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: `${p}${key}`, Body: body }));

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return e.$metadata?.httpStatusCode ? `${e.name} ${e.$metadata.httpStatusCode}` : e.name;
  }
}

describe('status faults', () => {
  it('fail the matching request once by default, with the S3 code for the status', async () => {
    env.emulator.faults.add({ match: { operation: 'PutObject' }, fault: { status: 503 } });
    expect(await outcome(put('a'))).toBe('SlowDown 503');
    expect(env.emulator.store.head(env.bucket, `${p}a`)).toBeUndefined();
    expect(await outcome(put('a'))).toBe('ok');
    expect(env.emulator.requests.filter((r) => r.operation === 'PutObject').map((r) => [r.status, r.fault])).toEqual([[503, 'status'], [200, undefined]]);
  });

  it('honour after, times, custom codes and key patterns', async () => {
    env.emulator.faults.add({ match: { service: 's3', key: /\.tmp$/ }, after: 1, times: 2, fault: { status: 500, code: 'InternalError', message: 'injected' } });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await outcome(put(`f${i}.tmp`)));
    results.push(await outcome(put('other.txt')));
    expect(results).toEqual(['ok', 'InternalError 500', 'InternalError 500', 'ok', 'ok']);
  });

  it('can target one part of a multipart upload', async () => {
    const key = `${p}mp`;
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: env.bucket, Key: key }));
    env.emulator.faults.add({ match: { operation: 'UploadPart', partNumber: 2 }, times: Infinity, fault: { status: 500 } });
    const send = (n: number) => outcome(s3.send(new UploadPartCommand({ Bucket: env.bucket, Key: key, UploadId, PartNumber: n, Body: 'x' })));
    expect([await send(1), await send(2), await send(2), await send(3)]).toEqual(['ok', 'InternalError 500', 'InternalError 500', 'ok']);
  });

  it('answer HEAD without a body, and can be removed', async () => {
    await seedObject(env, `${p}h`, 'h');
    const remove = env.emulator.faults.add({ match: { operation: 'HeadObject' }, times: Infinity, fault: { status: 403 } });
    // The SDK cannot name the error of a bodiless HEAD answer; the status is what arrives.
    expect(await outcome(s3.send(new HeadObjectCommand({ Bucket: env.bucket, Key: `${p}h` })))).toMatch(/ 403$/);
    remove();
    expect(await outcome(s3.send(new HeadObjectCommand({ Bucket: env.bucket, Key: `${p}h` })))).toBe('ok');
  });

  it('apply to Cognito with Cognito JSON errors', async () => {
    env.emulator.faults.add({ match: { service: 'cognito', operation: 'GetId' }, fault: { status: 400, code: 'TooManyRequestsException', message: 'slow down' } });
    await expect(cognitoCall(env, 'GetId', { IdentityPoolId: env.identityPoolId })).rejects.toMatchObject({ type: 'TooManyRequestsException', status: 400 });
    await expect(cognitoCall(env, 'GetId', { IdentityPoolId: env.identityPoolId })).resolves.toHaveProperty('IdentityId');
  });
});

describe('network faults', () => {
  it('drop a request like a network failure', async () => {
    env.emulator.faults.add({ match: { operation: 'PutObject' }, fault: { drop: true } });
    const res = signedFetch(env, creds, { method: 'PUT', url: objectUrl(env, `${p}d`), body: 'x', headers: { 'x-amz-security-token': creds.sessionToken } });
    await expect(res).rejects.toThrow(TypeError);
    expect(env.emulator.store.head(env.bucket, `${p}d`)).toBeUndefined();
    env.emulator.faults.add({ match: { operation: 'PutObject' }, fault: { drop: true } });
    expect(await outcome(put('d'))).not.toMatch(/^ok|\d{3}$/);
    expect(env.emulator.requests.filter((r) => r.fault === 'drop').map((r) => r.status)).toEqual([0, 0]);
  });

  it('delay a request, then answer it normally', async () => {
    env.emulator.faults.add({ match: { operation: 'PutObject' }, fault: { delayMs: 150 } });
    const started = performance.now();
    expect(await outcome(put('slow'))).toBe('ok');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('hang a request until the client aborts it', async () => {
    await seedObject(env, `${p}h`, 'h');
    env.emulator.faults.add({ match: { operation: 'GetObject' }, fault: { hang: true } });
    const abort = new AbortController();
    const pending = s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${p}h` }), { abortSignal: abort.signal });
    const settled = await Promise.race([pending.then(() => 'answered', () => 'failed'), new Promise((r) => setTimeout(() => r('still hanging'), 200))]);
    expect(settled).toBe('still hanging');
    abort.abort();
    expect(await outcome(pending)).toBe('AbortError');
    expect(await outcome(s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${p}h` })))).toBe('ok');
  });

  it('release hung fetches when their signal aborts', async () => {
    env.emulator.faults.add({ match: { operation: 'GetObject' }, fault: { hang: true } });
    const abort = new AbortController();
    const pending = fetch(objectUrl(env, `${p}x`), { signal: abort.signal });
    setTimeout(() => abort.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('credential expiry', () => {
  it('expireCredentials fault expires every issued credential, then handles the request', async () => {
    env.emulator.faults.add({ match: { operation: 'PutObject' }, fault: { expireCredentials: true } });
    expect(await outcome(put('e'))).toBe('ExpiredToken 400');
    expect(await outcome(s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${p}e` })))).toBe('ExpiredToken 400');
    const fresh = await guestCredentials(env, creds.identityId);
    expect(await outcome(s3Client(env, fresh).send(new PutObjectCommand({ Bucket: env.bucket, Key: `${p}e`, Body: 'x' })))).toBe('ok');
  });

  it('expireCredentials() expires everything issued so far', async () => {
    const other = await guestCredentials(env);
    env.emulator.expireCredentials();
    expect(await outcome(put('x'))).toBe('ExpiredToken 400');
    expect(await outcome(s3Client(env, other).send(new PutObjectCommand({ Bucket: env.bucket, Key: `${other.prefix}x`, Body: 'x' })))).toBe('ExpiredToken 400');
  });
});
