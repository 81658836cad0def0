// Every S3 request must be SigV4-signed with credentials the emulated Cognito issued, like real S3.

import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { beforeEach, describe, expect, it } from 'vitest';
import { guestCredentials, objectUrl, s3Client, s3Error, seedObject, signedFetch, useEmulation, type TestCredentials } from '../support/emulation.ts';

let offset = 0;
const env = useEmulation({ now: () => Date.now() + offset });
let creds: TestCredentials;

beforeEach(async () => {
  offset = 0;
  creds = await guestCredentials(env);
});

async function sdkError(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the request to fail');
}

describe('Authorization header', () => {
  it('accepts a request signed with issued credentials, without a Host header', async () => {
    const res = await signedFetch(env, creds, { method: 'PUT', url: objectUrl(env, `${creds.prefix}x.txt`), body: 'hi', headers: { 'x-amz-security-token': creds.sessionToken } });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"49f68a5c8493ec2c0bf489821c21fc3b"');
  });

  it('accepts a signed Content-Length the runtime did not pass on', async () => {
    const res = await signedFetch(env, creds, {
      method: 'PUT',
      url: objectUrl(env, `${creds.prefix}len.txt`),
      body: 'four',
      headers: { 'x-amz-security-token': creds.sessionToken, 'content-length': '4' },
    }, (h) => delete h['content-length']);
    expect(res.status).toBe(200);
  });

  it('rejects a tampered signature with SignatureDoesNotMatch and shows the canonical request', async () => {
    const res = await signedFetch(env, creds, { url: objectUrl(env, `${creds.prefix}x.txt`), headers: { 'x-amz-security-token': creds.sessionToken } }, (h) => {
      h.authorization = h.authorization!.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    });
    expect(res.status).toBe(403);
    const err = await s3Error(res);
    expect(err.code).toBe('SignatureDoesNotMatch');
    expect(err.CanonicalRequest).toContain('GET\n/uploads/');
  });

  it('rejects a signed header changed after signing', async () => {
    const res = await signedFetch(
      env,
      creds,
      { method: 'PUT', url: objectUrl(env, `${creds.prefix}x.txt`), body: 'hi', headers: { 'x-amz-security-token': creds.sessionToken, 'content-type': 'text/plain' } },
      (h) => {
        h['content-type'] = 'text/html';
      },
    );
    expect((await s3Error(res)).code).toBe('SignatureDoesNotMatch');
  });

  it('rejects a signature made with the wrong secret', async () => {
    const s3 = s3Client(env, { ...creds, secretAccessKey: 'x'.repeat(40) });
    const err = await sdkError(s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}x` })));
    expect(err).toMatchObject({ name: 'SignatureDoesNotMatch', status: 403 });
  });

  it('rejects unknown access keys with InvalidAccessKeyId', async () => {
    const s3 = s3Client(env, { ...creds, accessKeyId: 'ASIAUNKNOWNUNKNOWN00' });
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}x` })))).toMatchObject({ name: 'InvalidAccessKeyId', status: 403 });
  });

  it('denies temporary keys sent without their session token', async () => {
    const s3 = new S3Client({ region: env.region, credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }, maxAttempts: 1 });
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}x` })))).toMatchObject({ name: 'AccessDenied', status: 403 });
  });

  it('rejects a session token that belongs to other keys with InvalidToken', async () => {
    const other = await guestCredentials(env);
    const s3 = s3Client(env, { ...creds, sessionToken: other.sessionToken });
    expect(await sdkError(s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}x` })))).toMatchObject({ name: 'InvalidToken', status: 400 });
  });

  it('answers ExpiredToken once the credentials expired', async () => {
    const s3 = s3Client(env, creds);
    await seedObject(env, `${creds.prefix}x`, 'x');
    await s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}x` }));
    offset = 3601_000;
    // The client signs with the real clock; only the emulator's credentials have aged.
    const err = await sdkError(s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}x` })));
    expect(err).toMatchObject({ name: 'ExpiredToken', status: 400 });
  });

  it('rejects requests signed more than 15 minutes off with RequestTimeTooSkewed', async () => {
    await seedObject(env, `${creds.prefix}x`, 'x');
    const ok = s3Client(env, creds, { systemClockOffset: 14 * 60_000 });
    await ok.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}x` }));
    const skewed = s3Client(env, creds, { systemClockOffset: -16 * 60_000 });
    expect(await sdkError(skewed.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}x` })))).toMatchObject({ name: 'RequestTimeTooSkewed', status: 403 });
  });

  it('rejects a signature scoped to another region', async () => {
    const s3 = s3Client(env, creds, { region: 'eu-west-1', endpoint: `https://s3.${env.region}.amazonaws.com`, forcePathStyle: true });
    const err = await sdkError(s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}x` })));
    expect(err).toMatchObject({ name: 'AuthorizationHeaderMalformed', status: 400 });
    expect(err.message).toContain("the region 'eu-west-1' is wrong; expecting 'us-east-1'");
  });

  it('rejects a body that does not match x-amz-content-sha256', async () => {
    const res = await signedFetch(env, creds, {
      method: 'PUT',
      url: objectUrl(env, `${creds.prefix}x.txt`),
      body: 'actual',
      payloadHash: '0'.repeat(64),
      headers: { 'x-amz-security-token': creds.sessionToken },
    });
    expect(res.status).toBe(400);
    expect((await s3Error(res)).code).toBe('XAmzContentSHA256Mismatch');
    expect(await env.emulator.store.read(env.bucket, `${creds.prefix}x.txt`)).toBeUndefined();
  });

  it('denies x-amz-* headers that were not signed', async () => {
    const res = await signedFetch(env, creds, { method: 'PUT', url: objectUrl(env, `${creds.prefix}x.txt`), body: 'x', headers: { 'x-amz-security-token': creds.sessionToken } }, (h) => {
      h['x-amz-meta-sneaky'] = '1';
    });
    expect(res.status).toBe(403);
    expect(await s3Error(res)).toMatchObject({ code: 'AccessDenied', HeadersNotSigned: 'x-amz-meta-sneaky' });
  });

  it('denies anonymous requests', async () => {
    const res = await fetch(objectUrl(env, `${creds.prefix}x.txt`));
    expect(res.status).toBe(403);
    expect((await s3Error(res)).code).toBe('AccessDenied');
  });
});

describe('presigned URLs', () => {
  it('serves a presigned GET with response header overrides', async () => {
    await seedObject(env, `${creds.prefix}report.csv`, 'a,b', { contentType: 'text/csv' });
    const url = await getSignedUrl(
      s3Client(env, creds),
      new GetObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}report.csv`, ResponseContentDisposition: 'attachment; filename="r é.csv"', ResponseContentType: 'application/octet-stream' }),
      { expiresIn: 60 },
    );
    expect(url).toContain('X-Amz-Security-Token=');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('a,b');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="r é.csv"');
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    // The request log is printed by failing tests: it must not carry the token or signature.
    expect(env.emulator.requests.at(-1)?.url).toContain('X-Amz-Security-Token=redacted');
    expect(env.emulator.requests.at(-1)?.url).not.toContain(encodeURIComponent(creds.sessionToken));
  });

  it('rejects a presigned URL whose path or signature was changed', async () => {
    await seedObject(env, `${creds.prefix}a.txt`, 'a');
    await seedObject(env, `${creds.prefix}b.txt`, 'b');
    const url = await getSignedUrl(s3Client(env, creds), new GetObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}a.txt` }), { expiresIn: 60 });
    const otherKey = await fetch(url.replace('/a.txt?', '/b.txt?'));
    expect(otherKey.status).toBe(403);
    expect((await s3Error(otherKey)).code).toBe('SignatureDoesNotMatch');
    const badSig = await fetch(url.replace(/X-Amz-Signature=[0-9a-f]/, 'X-Amz-Signature=x'));
    expect((await s3Error(badSig)).code).toBe('SignatureDoesNotMatch');
  });

  it('rejects a presigned URL after X-Amz-Expires with "Request has expired"', async () => {
    await seedObject(env, `${creds.prefix}a.txt`, 'a');
    const url = await getSignedUrl(s3Client(env, creds), new GetObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}a.txt` }), { expiresIn: 60 });
    expect((await fetch(url)).status).toBe(200);
    offset = 61_000;
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await s3Error(res)).toMatchObject({ code: 'AccessDenied', message: 'Request has expired', 'X-Amz-Expires': '60' });
  });

  it('rejects a presigned URL once its credentials expired, even within X-Amz-Expires', async () => {
    await seedObject(env, `${creds.prefix}a.txt`, 'a');
    const url = await getSignedUrl(s3Client(env, creds), new GetObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}a.txt` }), { expiresIn: 7200 });
    env.emulator.expireCredentials();
    const res = await fetch(url);
    expect(res.status).toBe(400);
    expect((await s3Error(res)).code).toBe('ExpiredToken');
  });

  it('rejects a presigned URL without its session token', async () => {
    await seedObject(env, `${creds.prefix}a.txt`, 'a');
    const url = await getSignedUrl(s3Client(env, creds), new GetObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}a.txt` }), { expiresIn: 60 });
    const res = await fetch(url.replace(/&?X-Amz-Security-Token=[^&]*/, ''));
    expect(res.status).toBe(403);
    expect((await s3Error(res)).code).toBe('AccessDenied');
  });

  it('accepts a presigned PUT with a signed If-None-Match and answers 412 when the key exists', async () => {
    const key = `${creds.prefix}up.txt`;
    const url = await getSignedUrl(s3Client(env, creds), new PutObjectCommand({ Bucket: env.bucket, Key: key, IfNoneMatch: '*' }), { expiresIn: 60 });
    expect((await fetch(url, { method: 'PUT', body: 'first', headers: { 'if-none-match': '*' } })).status).toBe(200);
    const again = await fetch(url, { method: 'PUT', body: 'second', headers: { 'if-none-match': '*' } });
    expect(again.status).toBe(412);
    expect(await env.emulator.store.read(env.bucket, key).then((b) => b?.text())).toBe('first');
    const unsent = await fetch(url, { method: 'PUT', body: 'third' });
    expect((await s3Error(unsent)).code).toBe('SignatureDoesNotMatch');
  });

  it('checks x-amz-checksum-crc32 carried in a presigned URL (the WHEN_SUPPORTED pitfall)', async () => {
    // Without requestChecksumCalculation: 'WHEN_REQUIRED' the SDK signs the CRC32 of an empty body.
    const defaults = new S3Client({ region: env.region, credentials: creds });
    const url = await getSignedUrl(defaults, new PutObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}c.txt` }), { expiresIn: 60 });
    expect(url).toContain('x-amz-checksum-crc32=');
    const res = await fetch(url, { method: 'PUT', body: 'content' });
    expect(res.status).toBe(400);
    expect((await s3Error(res)).code).toBe('BadDigest');
  });
});
