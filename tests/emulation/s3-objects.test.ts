// Object operations, answered the way S3 answers them.

import {
  CopyObjectCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { crc32Base64 } from '../../src/mocks/hash.ts';
import { guestCredentials, objectUrl, s3Client, s3Error, seedObject, signedFetch, storedText, useEmulation, type TestCredentials } from '../support/emulation.ts';
import { recordContinues } from '../support/s3.ts';
import { sdkFailure, waitFor } from '../support/wait.ts';

const env = useEmulation({ buckets: ['test-bucket', 'other-bucket'] });
let creds: TestCredentials;
let s3: S3Client;
let p: string;

beforeEach(async () => {
  creds = await guestCredentials(env);
  s3 = s3Client(env, creds);
  p = creds.prefix;
});

describe('PutObject / GetObject / HeadObject', () => {
  it('stores the body, Content-Type and Content-Disposition and returns them', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: `${p}doc.txt`, Body: 'hello', ContentType: 'text/plain', ContentDisposition: 'inline', Metadata: { origin: 'test' } }));
    expect(put.ETag).toBe('"5d41402abc4b2a76b9719d911017c592"');
    const got = await s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${p}doc.txt` }));
    expect(await got.Body!.transformToString()).toBe('hello');
    expect(got).toMatchObject({ ContentType: 'text/plain', ContentDisposition: 'inline', ContentLength: 5, ETag: put.ETag, Metadata: { origin: 'test' } });
    expect(got.LastModified).toBeInstanceOf(Date);
    const head = await s3.send(new HeadObjectCommand({ Bucket: env.bucket, Key: `${p}doc.txt` }));
    expect(head).toMatchObject({ ContentType: 'text/plain', ContentLength: 5, ETag: put.ETag, AcceptRanges: 'bytes' });
  });

  it('defaults Content-Type to binary/octet-stream like S3', async () => {
    await signedFetch(env, creds, { method: 'PUT', url: objectUrl(env, `${p}raw`), body: 'x', headers: { 'x-amz-security-token': creds.sessionToken } });
    expect(env.emulator.store.head(env.bucket, `${p}raw`)?.contentType).toBe('binary/octet-stream');
  });

  it('round-trips odd key names exactly', async () => {
    const names = ['häll o+%#&=😀.txt', "quote'\"<>.txt", 'a//b', ' lead and trail ', 'q?x=1&y', '%2F', 'tab\tname', '..dots..', '\uFFFD\u{10348}'];
    for (const name of names) {
      await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: `${p}${name}`, Body: name }));
      const got = await s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${p}${name}` }));
      expect(await got.Body!.transformToString()).toBe(name);
      expect(env.emulator.store.head(env.bucket, `${p}${name}`)).toBeDefined();
    }
  });

  it('answers NoSuchKey for a missing key, and a bare 404 to HEAD', async () => {
    expect(await sdkFailure(s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${p}missing` })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(await sdkFailure(s3.send(new HeadObjectCommand({ Bucket: env.bucket, Key: `${p}missing` })))).toMatchObject({ name: 'NotFound', status: 404 });
    const head = await signedFetch(env, creds, { method: 'HEAD', url: objectUrl(env, `${p}missing`), headers: { 'x-amz-security-token': creds.sessionToken } });
    expect(head.status).toBe(404);
    expect(await head.text()).toBe('');
  });

  it('answers NoSuchBucket for a bucket that does not exist', async () => {
    expect(await sdkFailure(s3.send(new GetObjectCommand({ Bucket: 'nope-bucket', Key: `${p}x` })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
  });

  it('answers Expect: 100-continue at once, so a large upload is not held back', async () => {
    // The SDK sends the body on "100 Continue", or after max(6 s, requestTimeout) without one. With
    // that fallback beyond the test's own limit, only the emulation's answer can release the body.
    const expecting = s3Client(env, creds, { expectContinueHeader: true, requestHandler: { requestTimeout: 30 * 60_000 } });
    const continues = recordContinues();
    try {
      await expecting.send(new PutObjectCommand({ Bucket: env.bucket, Key: `${p}big`, Body: new Uint8Array(3 * 1024 * 1024).fill(3) }));
    } finally {
      continues.restore();
    }
    expect(continues.paths).toEqual([expect.stringMatching(/\/big\?x-id=PutObject$/)]);
    expect(env.emulator.requests.filter((r) => r.operation === 'PutObject').map((r) => [r.key, r.status])).toEqual([[`${p}big`, 200]]);
    expect(env.emulator.store.head(env.bucket, `${p}big`)?.size).toBe(3 * 1024 * 1024);
    expect(new Uint8Array(await (await env.emulator.store.read(env.bucket, `${p}big`))!.arrayBuffer()).every((b) => b === 3)).toBe(true);
  });

  it('rejects keys longer than 1024 UTF-8 bytes with KeyTooLongError', async () => {
    const key = `${p}${'é'.repeat(600)}`;
    expect(await sdkFailure(s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: 'x' })))).toMatchObject({ name: 'KeyTooLongError', status: 400 });
  });

  it('refuses ACLs like a bucket with ACLs disabled', async () => {
    expect(await sdkFailure(s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: `${p}pub`, Body: 'x', ACL: 'public-read' })))).toMatchObject({ name: 'AccessControlListNotSupported', status: 400 });
    await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: `${p}pub`, Body: 'x', ACL: 'bucket-owner-full-control' }));
  });

  it('denies keys outside the identity prefix', async () => {
    const other = await guestCredentials(env);
    for (const key of [`${other.prefix}x`, 'uploads/x', `users/${creds.identityId}/x`, 'top.txt']) {
      expect(await sdkFailure(s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: 'x' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    }
    await seedObject(env, `${other.prefix}secret`, 's');
    expect(await sdkFailure(s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${other.prefix}secret` })))).toMatchObject({ name: 'AccessDenied' });
    expect(await sdkFailure(s3.send(new DeleteObjectCommand({ Bucket: env.bucket, Key: `${other.prefix}secret` })))).toMatchObject({ name: 'AccessDenied' });
    expect(await storedText(env, `${other.prefix}secret`)).toBe('s');
  });

  it('serves byte ranges with 206 and Content-Range', async () => {
    await seedObject(env, `${p}digits`, '0123456789');
    const get = (range: string) => s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${p}digits`, Range: range }));
    const mid = await get('bytes=2-5');
    expect(mid.$metadata.httpStatusCode).toBe(206);
    expect(mid.ContentRange).toBe('bytes 2-5/10');
    expect(mid.ContentLength).toBe(4);
    expect(await mid.Body!.transformToString()).toBe('2345');
    expect(await (await get('bytes=7-')).Body!.transformToString()).toBe('789');
    expect(await (await get('bytes=-3')).Body!.transformToString()).toBe('789');
    const clipped = await get('bytes=8-100');
    expect(clipped.ContentRange).toBe('bytes 8-9/10');
    expect(await sdkFailure(get('bytes=10-'))).toMatchObject({ name: 'InvalidRange', status: 416 });
    const ignored = await get('bytes=5-2');
    expect(ignored.$metadata.httpStatusCode).toBe(200);
  });

  it('honours conditional reads', async () => {
    const { etag } = await seedObject(env, `${p}c`, 'c');
    expect(await sdkFailure(s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${p}c`, IfMatch: '"nope"' })))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    expect(await sdkFailure(s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${p}c`, IfNoneMatch: etag })))).toMatchObject({ status: 304 });
  });
});

describe('conditional writes', () => {
  it('answers 412 PreconditionFailed to If-None-Match: * when the key exists, and keeps the old body', async () => {
    const key = `${p}once.txt`;
    await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: 'first', IfNoneMatch: '*' }));
    const err = await sdkFailure(s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: 'second', IfNoneMatch: '*' })));
    expect(err).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    expect(await storedText(env, key)).toBe('first');
    await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: 'replaced' }));
    expect(await storedText(env, key)).toBe('replaced');
  });

  it('lets only one of two concurrent If-None-Match: * writes win', async () => {
    const key = `${p}race.txt`;
    // Both writes reach the emulation before either is answered.
    env.emulator.faults.add({ match: { operation: 'PutObject', key }, times: 2, fault: { hold: 'both' } });
    const writes = ['a', 'b'].map((body) => s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: body, IfNoneMatch: '*' })));
    await waitFor(() => env.emulator.faults.held('both') === 2, 'both writes to arrive');
    env.emulator.faults.release('both');
    const results = await Promise.allSettled(writes);
    const winner = results.findIndex((r) => r.status === 'fulfilled');
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await sdkFailure(writes[1 - winner]!)).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    expect(await storedText(env, key)).toBe(['a', 'b'][winner]);
  });

  it('checks If-Match against the current ETag', async () => {
    const key = `${p}m.txt`;
    const { etag } = await seedObject(env, key, 'v1');
    expect(await sdkFailure(s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: 'v2', IfMatch: '"0000"' })))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: 'v2', IfMatch: etag }));
    expect(await storedText(env, key)).toBe('v2');
    expect(await sdkFailure(s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: `${p}absent`, Body: 'x', IfMatch: etag })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
  });
});

describe('checksums', () => {
  const put = (key: string, body: string, headers: Record<string, string>) =>
    signedFetch(env, creds, { method: 'PUT', url: objectUrl(env, key), body, headers: { 'x-amz-security-token': creds.sessionToken, ...headers } });

  it('verifies x-amz-checksum-crc32 and returns it when asked', async () => {
    const body = 'checksummed';
    const bad = await put(`${p}bad`, body, { 'x-amz-checksum-crc32': crc32Base64(new TextEncoder().encode('other')) });
    expect(bad.status).toBe(400);
    expect((await s3Error(bad)).code).toBe('BadDigest');
    expect(env.emulator.store.head(env.bucket, `${p}bad`)).toBeUndefined();

    const crc = crc32Base64(new TextEncoder().encode(body));
    expect((await put(`${p}good`, body, { 'x-amz-checksum-crc32': crc })).status).toBe(200);
    const got = await s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${p}good`, ChecksumMode: 'ENABLED' }));
    expect(got.ChecksumCRC32).toBe(crc);
  });

  it('verifies the SDK CRC32 of a PutObject under the default checksum setting', async () => {
    const defaults = s3Client(env, creds, { requestChecksumCalculation: 'WHEN_SUPPORTED' });
    await defaults.send(new PutObjectCommand({ Bucket: env.bucket, Key: `${p}sdk.txt`, Body: 'with crc' }));
    expect(env.emulator.store.head(env.bucket, `${p}sdk.txt`)?.checksumCrc32).toBe(crc32Base64(new TextEncoder().encode('with crc')));
  });

  it('verifies Content-MD5', async () => {
    const bad = await put(`${p}md5`, 'abc', { 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' });
    expect((await s3Error(bad)).code).toBe('BadDigest');
    const invalid = await put(`${p}md5`, 'abc', { 'content-md5': 'not base64' });
    expect((await s3Error(invalid)).code).toBe('InvalidDigest');
    expect((await put(`${p}md5`, 'abc', { 'content-md5': 'kAFQmDzST7DWlj99KOF/cg==' })).status).toBe(200);
  });
});

describe('DeleteObject / DeleteObjects', () => {
  it('deletes, and deleting a missing key still answers 204', async () => {
    await seedObject(env, `${p}gone`, 'x');
    const out = await s3.send(new DeleteObjectCommand({ Bucket: env.bucket, Key: `${p}gone` }));
    expect(out.$metadata.httpStatusCode).toBe(204);
    expect(env.emulator.store.head(env.bucket, `${p}gone`)).toBeUndefined();
    expect((await s3.send(new DeleteObjectCommand({ Bucket: env.bucket, Key: `${p}gone` }))).$metadata.httpStatusCode).toBe(204);
  });

  it('deletes many, reporting AccessDenied per key outside the prefix', async () => {
    const other = await guestCredentials(env);
    await seedObject(env, `${p}a`, 'a');
    await seedObject(env, `${p}b & <c>`, 'b');
    await seedObject(env, `${other.prefix}theirs`, 't');
    const out = await s3.send(new DeleteObjectsCommand({
      Bucket: env.bucket,
      Delete: { Objects: [{ Key: `${p}a` }, { Key: `${p}b & <c>` }, { Key: `${other.prefix}theirs` }, { Key: `${p}never-existed` }] },
    }));
    expect(out.Deleted?.map((d) => d.Key).sort()).toEqual([`${p}a`, `${p}b & <c>`, `${p}never-existed`].sort());
    expect(out.Errors).toEqual([{ Key: `${other.prefix}theirs`, Code: 'AccessDenied', Message: 'Access Denied' }]);
    expect(await storedText(env, `${other.prefix}theirs`)).toBe('t');
    expect(env.emulator.store.head(env.bucket, `${p}a`)).toBeUndefined();
  });

  it('omits Deleted entries when Quiet', async () => {
    await seedObject(env, `${p}q`, 'q');
    const out = await s3.send(new DeleteObjectsCommand({ Bucket: env.bucket, Delete: { Quiet: true, Objects: [{ Key: `${p}q` }, { Key: 'not/mine' }] } }));
    expect(out.Deleted ?? []).toEqual([]);
    expect(out.Errors?.map((e) => e.Key)).toEqual(['not/mine']);
  });

  it('requires Content-MD5 or a checksum, and well-formed XML of at most 1000 keys', async () => {
    const url = `https://${env.bucket}.s3.${env.region}.amazonaws.com/?delete`;
    const xml = (n: number) => `<Delete>${Array.from({ length: n }, (_, i) => `<Object><Key>${p}${i}</Key></Object>`).join('')}</Delete>`;
    const send = (body: string, headers: Record<string, string> = {}) =>
      signedFetch(env, creds, { method: 'POST', url, body, headers: { 'x-amz-security-token': creds.sessionToken, ...headers } });
    expect(await s3Error(await send(xml(1)))).toMatchObject({ code: 'InvalidRequest' });
    const crc = (s: string) => ({ 'x-amz-checksum-crc32': crc32Base64(new TextEncoder().encode(s)) });
    expect((await s3Error(await send('<Delete><Object><Key>x</Key></Delete>', crc('<Delete><Object><Key>x</Key></Delete>')))).code).toBe('MalformedXML');
    expect((await s3Error(await send(xml(1001), crc(xml(1001))))).code).toBe('MalformedXML');
    expect((await send(xml(1000), crc(xml(1000)))).status).toBe(200);
  });
});

describe('CopyObject', () => {
  it('copies with URL-encoded source, keeping metadata, and answers CopyObjectResult', async () => {
    const src = `${p}src dir/ä+b.txt`;
    await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: src, Body: 'payload', ContentType: 'text/plain', ContentDisposition: 'attachment' }));
    const out = await s3.send(new CopyObjectCommand({ Bucket: env.bucket, Key: `${p}dst.txt`, CopySource: `${env.bucket}/${encodeURIComponent(src)}` }));
    expect(out.CopyObjectResult?.ETag).toBe('"321c3cf486ed509164edec1e1981fec8"');
    expect(out.CopyObjectResult?.LastModified).toBeInstanceOf(Date);
    const got = await s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${p}dst.txt` }));
    expect(got).toMatchObject({ ContentType: 'text/plain', ContentDisposition: 'attachment' });
    expect(await got.Body!.transformToString()).toBe('payload');
  });

  it('replaces metadata with the REPLACE directive', async () => {
    await seedObject(env, `${p}s`, 's', { contentType: 'text/plain' });
    await s3.send(new CopyObjectCommand({ Bucket: env.bucket, Key: `${p}t`, CopySource: `${env.bucket}/${p}s`, MetadataDirective: 'REPLACE', ContentType: 'image/png' }));
    expect(env.emulator.store.head(env.bucket, `${p}t`)?.contentType).toBe('image/png');
  });

  it('refuses to overwrite with If-None-Match: * and to copy onto itself unchanged', async () => {
    await seedObject(env, `${p}s`, 's');
    await seedObject(env, `${p}t`, 't');
    expect(await sdkFailure(s3.send(new CopyObjectCommand({ Bucket: env.bucket, Key: `${p}t`, CopySource: `${env.bucket}/${p}s`, IfNoneMatch: '*' })))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    expect(await storedText(env, `${p}t`)).toBe('t');
    expect(await sdkFailure(s3.send(new CopyObjectCommand({ Bucket: env.bucket, Key: `${p}s`, CopySource: `${env.bucket}/${p}s` })))).toMatchObject({ name: 'InvalidRequest', status: 400 });
  });

  it('needs s3:GetObject on the source and s3:PutObject on the target', async () => {
    const other = await guestCredentials(env);
    await seedObject(env, `${other.prefix}theirs`, 't');
    await seedObject(env, `${p}mine`, 'm');
    expect(await sdkFailure(s3.send(new CopyObjectCommand({ Bucket: env.bucket, Key: `${p}stolen`, CopySource: `${env.bucket}/${other.prefix}theirs` })))).toMatchObject({ name: 'AccessDenied' });
    expect(await sdkFailure(s3.send(new CopyObjectCommand({ Bucket: env.bucket, Key: `${other.prefix}planted`, CopySource: `${env.bucket}/${p}mine` })))).toMatchObject({ name: 'AccessDenied' });
    expect(await sdkFailure(s3.send(new CopyObjectCommand({ Bucket: env.bucket, Key: `${p}x`, CopySource: `${env.bucket}/${p}missing` })))).toMatchObject({ name: 'NoSuchKey' });
  });
});

describe('addressing', () => {
  it('serves path-style and virtual-hosted URLs for the same objects', async () => {
    const pathStyle = s3Client(env, creds, { forcePathStyle: true });
    await pathStyle.send(new PutObjectCommand({ Bucket: env.bucket, Key: `${p}both`, Body: 'same' }));
    expect(env.emulator.requests.at(-1)?.url).toMatch(new RegExp(`^https://s3\\.us-east-1\\.amazonaws\\.com/${env.bucket}/`));
    const got = await s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${p}both` }));
    expect(env.emulator.requests.at(-1)?.url).toMatch(new RegExp(`^https://${env.bucket}\\.s3\\.us-east-1\\.amazonaws\\.com/`));
    expect(await got.Body!.transformToString()).toBe('same');
  });

  it('serves another bucket it was told exists, and a configured endpoint', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'other-bucket', Key: `${p}x`, Body: 'o' }));
    expect(await storedText(env, `${p}x`, 'other-bucket')).toBe('o');
    env.emulator.addEndpoint('http://localhost:4599');
    const local = s3Client(env, creds, { endpoint: 'http://localhost:4599', forcePathStyle: true });
    const got = await local.send(new GetObjectCommand({ Bucket: 'other-bucket', Key: `${p}x` }));
    expect(await got.Body!.transformToString()).toBe('o');
  });

  it('tells a client configured for the wrong region which region the bucket is in', async () => {
    const wrong = s3Client(env, creds, { region: 'eu-west-1' });
    const err = await sdkFailure(wrong.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${p}x` })));
    expect(err).toMatchObject({ name: 'AuthorizationHeaderMalformed', status: 400 });
    expect(err.message).toContain("expecting 'us-east-1'");
  });
});
