// Fault injection: failures, delays, dropped and hung requests, expired credentials.

import { CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { FetchHttpHandler } from '@smithy/fetch-http-handler';
import { beforeEach, describe, expect, it } from 'vitest';
import { cognitoCall, guestCredentials, objectUrl, s3Client, seedObject, signedFetch, storedText, useEmulation, type TestCredentials } from '../support/emulation.ts';
import { sdkFailure, waitFor } from '../support/wait.ts';

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

/** The log entry of the first request for this key, once it has arrived. */
const arrived = (key: string) => waitFor(() => env.emulator.requests.find((r) => r.key === `${p}${key}`), `a request for ${key}`);

describe('status faults', () => {
  it('fail the matching request once by default, with the S3 code for the status', async () => {
    env.emulator.faults.add({ match: { operation: 'PutObject' }, fault: { status: 503 } });
    expect(await sdkFailure(put('a'))).toMatchObject({ name: 'SlowDown', status: 503 });
    expect(env.emulator.store.head(env.bucket, `${p}a`)).toBeUndefined();
    await put('a');
    expect(await storedText(env, `${p}a`)).toBe('x');
    expect(env.emulator.requests.filter((r) => r.operation === 'PutObject').map((r) => [r.status, r.fault])).toEqual([[503, 'status'], [200, undefined]]);
  });

  it('honour after, times, custom codes and key patterns', async () => {
    env.emulator.faults.add({ match: { service: 's3', key: /\.tmp$/ }, after: 1, times: 2, fault: { status: 500, code: 'InternalError', message: 'injected' } });
    await put('f0.tmp');
    expect(await sdkFailure(put('f1.tmp'))).toMatchObject({ name: 'InternalError', status: 500, message: 'injected' });
    expect(await sdkFailure(put('f2.tmp'))).toMatchObject({ name: 'InternalError', status: 500, message: 'injected' });
    await put('f3.tmp');
    await put('other.txt');
    expect(env.emulator.store.keys(env.bucket).length).toBe(3);
    expect(env.emulator.requests.filter((r) => r.operation === 'PutObject').map((r) => [r.key!.slice(p.length), r.status])).toEqual([
      ['f0.tmp', 200],
      ['f1.tmp', 500],
      ['f2.tmp', 500],
      ['f3.tmp', 200],
      ['other.txt', 200],
    ]);
  });

  it('can target one part of a multipart upload', async () => {
    const key = `${p}mp`;
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: env.bucket, Key: key }));
    env.emulator.faults.add({ match: { operation: 'UploadPart', partNumber: 2 }, times: Infinity, fault: { status: 500 } });
    const send = (n: number) => s3.send(new UploadPartCommand({ Bucket: env.bucket, Key: key, UploadId, PartNumber: n, Body: 'x' }));
    await send(1);
    expect(await sdkFailure(send(2))).toMatchObject({ name: 'InternalError', status: 500 });
    expect(await sdkFailure(send(2))).toMatchObject({ name: 'InternalError', status: 500 });
    await send(3);
    expect(env.emulator.store.listParts(UploadId!).map((part) => part.partNumber)).toEqual([1, 3]);
  });

  it('answer HEAD without a body, and can be removed', async () => {
    await seedObject(env, `${p}h`, 'h');
    const remove = env.emulator.faults.add({ match: { operation: 'HeadObject' }, times: Infinity, fault: { status: 403 } });
    // The SDK cannot name the error of a bodiless HEAD answer ('Unknown'); the status is what arrives.
    expect(await sdkFailure(s3.send(new HeadObjectCommand({ Bucket: env.bucket, Key: `${p}h` })))).toMatchObject({ status: 403 });
    remove();
    expect(await s3.send(new HeadObjectCommand({ Bucket: env.bucket, Key: `${p}h` }))).toMatchObject({ ContentLength: 1 });
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
    await expect(res).rejects.toMatchObject({ name: 'TypeError', message: 'Failed to fetch' });
    expect(env.emulator.store.head(env.bucket, `${p}d`)).toBeUndefined();
    env.emulator.faults.add({ match: { operation: 'PutObject' }, fault: { drop: true } });
    // No answer at all, so no S3 code and no status: node's http client reports a network error.
    expect(await sdkFailure(put('d'))).toEqual({ name: 'TypeError', status: undefined, message: 'Network error' });
    expect(env.emulator.store.head(env.bucket, `${p}d`)).toBeUndefined();
    expect(env.emulator.requests.filter((r) => r.fault === 'drop').map((r) => r.status)).toEqual([0, 0]);
  });

  it('delay a request: later requests are answered first, and it is answered normally once the delay is over', async () => {
    // Over fetch, so that the client's abort reaches the emulation and ends the delay.
    const viaFetch = s3Client(env, creds, { requestHandler: new FetchHttpHandler() });
    env.emulator.faults.add({ match: { operation: 'PutObject', key: `${p}held-back` }, fault: { delayMs: 60 * 60_000 } });
    const abort = new AbortController();
    let settled = false;
    const delayed = viaFetch.send(new PutObjectCommand({ Bucket: env.bucket, Key: `${p}held-back`, Body: 'x' }), { abortSignal: abort.signal }).finally(() => (settled = true));
    const entry = await arrived('held-back');
    expect(entry).toMatchObject({ fault: 'delay', status: 0 });
    await put('later');
    expect(await storedText(env, `${p}later`)).toBe('x');
    expect([settled, entry.status]).toEqual([false, 0]);
    expect(env.emulator.store.head(env.bucket, `${p}held-back`)).toBeUndefined();
    abort.abort();
    expect(await sdkFailure(delayed)).toMatchObject({ name: 'AbortError' });

    env.emulator.faults.add({ match: { operation: 'PutObject' }, fault: { delayMs: 150 } });
    await put('slow', 'after the delay');
    expect(await storedText(env, `${p}slow`)).toBe('after the delay');
    expect(env.emulator.requests.filter((r) => r.key === `${p}slow`).map((r) => [r.status, r.fault])).toEqual([[200, 'delay']]);
  });

  it('hang a request until the client aborts it', async () => {
    await seedObject(env, `${p}h`, 'h');
    env.emulator.faults.add({ match: { operation: 'GetObject' }, fault: { hang: true } });
    const abort = new AbortController();
    let settled = false;
    const pending = s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${p}h` }), { abortSignal: abort.signal }).finally(() => (settled = true));
    const entry = await arrived('h');
    expect(entry).toMatchObject({ operation: 'GetObject', fault: 'hang', status: 0 });
    // A later request is answered while the hung one still waits.
    expect(await s3.send(new HeadObjectCommand({ Bucket: env.bucket, Key: `${p}h` }))).toMatchObject({ ContentLength: 1 });
    expect([settled, entry.status]).toEqual([false, 0]);
    abort.abort();
    expect(await sdkFailure(pending)).toMatchObject({ name: 'AbortError' });
    const got = await s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${p}h` }));
    expect(await got.Body!.transformToString()).toBe('h');
  });

  it('release hung fetches when their signal aborts', async () => {
    env.emulator.faults.add({ match: { operation: 'GetObject' }, fault: { hang: true } });
    const abort = new AbortController();
    const pending = fetch(objectUrl(env, `${p}x`), { signal: abort.signal });
    expect(await arrived('x')).toMatchObject({ fault: 'hang', status: 0 });
    abort.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('credential expiry', () => {
  it('expireCredentials fault expires every issued credential, then handles the request', async () => {
    env.emulator.faults.add({ match: { operation: 'PutObject' }, fault: { expireCredentials: true } });
    expect(await sdkFailure(put('e'))).toMatchObject({ name: 'ExpiredToken', status: 400 });
    expect(await sdkFailure(s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${p}e` })))).toMatchObject({ name: 'ExpiredToken', status: 400 });
    const fresh = await guestCredentials(env, creds.identityId);
    await s3Client(env, fresh).send(new PutObjectCommand({ Bucket: env.bucket, Key: `${p}e`, Body: 'x' }));
    expect(await storedText(env, `${p}e`)).toBe('x');
  });

  it('expireCredentials() expires everything issued so far', async () => {
    const other = await guestCredentials(env);
    env.emulator.expireCredentials();
    expect(await sdkFailure(put('x'))).toMatchObject({ name: 'ExpiredToken', status: 400 });
    expect(await sdkFailure(s3Client(env, other).send(new PutObjectCommand({ Bucket: env.bucket, Key: `${other.prefix}x`, Body: 'x' })))).toMatchObject({ name: 'ExpiredToken', status: 400 });
    expect(env.emulator.store.keys(env.bucket).length).toBe(0);
  });
});
