// Multipart uploads: the happy path and every way S3 refuses to complete one.

import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, ListMultipartUploadsCommand,
  ListPartsCommand, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { guestCredentials, s3Client, seedObject, storedText, useEmulation, type TestCredentials } from '../support/emulation.ts';
import { sdkFailure } from '../support/wait.ts';

const MiB = 1024 * 1024;
const env = useEmulation({
  // ListMultipartUploads is a bucket action the default prefix policy never grants; allow it here to test the listing.
  authorize: (req) => {
    const own = `uploads/${req.identityId}/`;
    if (req.action === 's3:ListBucketMultipartUploads') return (req.listPrefix ?? '').startsWith(own);
    if (req.key !== undefined) return req.key.startsWith(own);
    return req.action === 's3:ListBucket' && (req.listPrefix ?? '').startsWith(own);
  },
});
let creds: TestCredentials;
let s3: S3Client;
let p: string;

beforeEach(async () => {
  creds = await guestCredentials(env);
  s3 = s3Client(env, creds);
  p = creds.prefix;
});

function bytes(size: number, seed: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

async function start(key: string, contentType?: string): Promise<string> {
  const out = await s3.send(new CreateMultipartUploadCommand({ Bucket: env.bucket, Key: key, ContentType: contentType }));
  return out.UploadId!;
}

async function part(key: string, uploadId: string, n: number, body: Uint8Array): Promise<{ PartNumber: number; ETag: string }> {
  const out = await s3.send(new UploadPartCommand({ Bucket: env.bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: body }));
  return { PartNumber: n, ETag: out.ETag! };
}

const complete = (key: string, uploadId: string, parts: { PartNumber: number; ETag: string }[], extra: { IfNoneMatch?: string } = {}) =>
  s3.send(new CompleteMultipartUploadCommand({ Bucket: env.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts }, ...extra }));

describe('multipart upload', () => {
  it('assembles the parts, with S3\'s multipart ETag and the Content-Type given at creation', async () => {
    const key = `${p}big file.bin`;
    const uploadId = await start(key, 'application/x-test');
    expect(uploadId).toMatch(/^[A-Za-z0-9._-]{40,}$/);
    const bodies = [bytes(5 * MiB, 1), bytes(5 * MiB, 2), bytes(1234, 3)];
    const parts = await Promise.all(bodies.map((b, i) => part(key, uploadId, i + 1, b)));
    expect(parts[2]!.ETag).toBe(`"${createHash('md5').update(bodies[2]!).digest('hex')}"`);

    const listed = await s3.send(new ListPartsCommand({ Bucket: env.bucket, Key: key, UploadId: uploadId }));
    expect(listed.Parts?.map((x) => [x.PartNumber, x.Size, x.ETag])).toEqual(parts.map((x, i) => [x.PartNumber, bodies[i]!.length, x.ETag]));

    const out = await complete(key, uploadId, parts, { IfNoneMatch: '*' });
    const md5s = Buffer.concat(bodies.map((b) => createHash('md5').update(b).digest()));
    expect(out.ETag).toBe(`"${createHash('md5').update(md5s).digest('hex')}-3"`);
    expect(out).toMatchObject({ Bucket: env.bucket, Key: key });
    expect(out.Location).toContain(encodeURIComponent('big file.bin').replace(/%20/g, '%20'));

    const got = await s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: key, Range: `bytes=${5 * MiB - 2}-${5 * MiB + 1}` }));
    expect([...(await got.Body!.transformToByteArray())]).toEqual([...bodies[0]!.slice(-2), ...bodies[1]!.slice(0, 2)]);
    expect(got.ContentType).toBe('application/x-test');
    expect(env.emulator.store.head(env.bucket, key)?.size).toBe(10 * MiB + 1234);
    expect(env.emulator.store.getUpload(uploadId)).toBeUndefined();
    expect(await sdkFailure(complete(key, uploadId, parts))).toMatchObject({ name: 'NoSuchUpload', status: 404 });
  });

  it('completes with a subset of the uploaded parts and discards the rest', async () => {
    const key = `${p}subset`;
    const uploadId = await start(key);
    const one = await part(key, uploadId, 1, bytes(5 * MiB, 1));
    await part(key, uploadId, 2, bytes(10, 2));
    const three = await part(key, uploadId, 3, bytes(7, 3));
    await complete(key, uploadId, [one, three]);
    expect(env.emulator.store.head(env.bucket, key)?.size).toBe(5 * MiB + 7);
  });

  it('refuses parts smaller than 5 MiB except the last with EntityTooSmall', async () => {
    const key = `${p}small`;
    const uploadId = await start(key);
    const parts = [await part(key, uploadId, 1, bytes(1000, 1)), await part(key, uploadId, 2, bytes(1000, 2))];
    expect(await sdkFailure(complete(key, uploadId, parts))).toMatchObject({ name: 'EntityTooSmall', status: 400 });
    expect(env.emulator.store.head(env.bucket, key)).toBeUndefined();
    // A single small part is a valid (small) object.
    await complete(key, uploadId, parts.slice(0, 1));
    expect(env.emulator.store.head(env.bucket, key)?.size).toBe(1000);
  });

  it('refuses unknown parts and wrong ETags with InvalidPart', async () => {
    const key = `${p}ip`;
    const uploadId = await start(key);
    const one = await part(key, uploadId, 1, bytes(10, 1));
    expect(await sdkFailure(complete(key, uploadId, [{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }]))).toMatchObject({ name: 'InvalidPart', status: 400 });
    expect(await sdkFailure(complete(key, uploadId, [one, { PartNumber: 2, ETag: one.ETag }]))).toMatchObject({ name: 'InvalidPart' });
    // Unquoted ETags are the same ETag.
    await complete(key, uploadId, [{ PartNumber: 1, ETag: one.ETag.replace(/"/g, '') }]);
  });

  it('refuses parts out of ascending order with InvalidPartOrder', async () => {
    const key = `${p}order`;
    const uploadId = await start(key);
    const one = await part(key, uploadId, 1, bytes(5 * MiB, 1));
    const two = await part(key, uploadId, 2, bytes(10, 2));
    expect(await sdkFailure(complete(key, uploadId, [two, one]))).toMatchObject({ name: 'InvalidPartOrder', status: 400 });
    expect(await sdkFailure(complete(key, uploadId, [one, one]))).toMatchObject({ name: 'InvalidPartOrder' });
  });

  it('answers 412 to If-None-Match: * when the key appeared meanwhile, keeping the upload to abort', async () => {
    const key = `${p}taken`;
    const uploadId = await start(key);
    const one = await part(key, uploadId, 1, bytes(10, 1));
    await seedObject(env, key, 'someone else');
    expect(await sdkFailure(complete(key, uploadId, [one], { IfNoneMatch: '*' }))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    expect(await storedText(env, key)).toBe('someone else');
    expect(env.emulator.store.getUpload(uploadId)).toBeDefined();
    await s3.send(new AbortMultipartUploadCommand({ Bucket: env.bucket, Key: key, UploadId: uploadId }));
    expect(env.emulator.store.getUpload(uploadId)).toBeUndefined();
  });

  it('answers NoSuchUpload after an abort, for another key, and for made-up ids', async () => {
    const key = `${p}ab`;
    const uploadId = await start(key);
    expect(await sdkFailure(s3.send(new UploadPartCommand({ Bucket: env.bucket, Key: `${p}other`, UploadId: uploadId, PartNumber: 1, Body: 'x' })))).toMatchObject({ name: 'NoSuchUpload', status: 404 });
    await s3.send(new AbortMultipartUploadCommand({ Bucket: env.bucket, Key: key, UploadId: uploadId }));
    expect(await sdkFailure(s3.send(new UploadPartCommand({ Bucket: env.bucket, Key: key, UploadId: uploadId, PartNumber: 1, Body: 'x' })))).toMatchObject({ name: 'NoSuchUpload' });
    expect(await sdkFailure(s3.send(new AbortMultipartUploadCommand({ Bucket: env.bucket, Key: key, UploadId: uploadId })))).toMatchObject({ name: 'NoSuchUpload' });
    expect(await sdkFailure(s3.send(new ListPartsCommand({ Bucket: env.bucket, Key: key, UploadId: 'made-up' })))).toMatchObject({ name: 'NoSuchUpload' });
  });

  it('rejects part numbers outside 1..10000', async () => {
    const key = `${p}pn`;
    const uploadId = await start(key);
    for (const n of [0, 10001]) {
      expect(await sdkFailure(s3.send(new UploadPartCommand({ Bucket: env.bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: 'x' })))).toMatchObject({ name: 'InvalidArgument', status: 400 });
    }
  });

  it('denies multipart operations outside the identity prefix', async () => {
    const other = await guestCredentials(env);
    expect(await sdkFailure(s3.send(new CreateMultipartUploadCommand({ Bucket: env.bucket, Key: `${other.prefix}x` })))).toMatchObject({ name: 'AccessDenied' });
    const theirs = await s3Client(env, other).send(new CreateMultipartUploadCommand({ Bucket: env.bucket, Key: `${other.prefix}x` }));
    expect(await sdkFailure(s3.send(new UploadPartCommand({ Bucket: env.bucket, Key: `${other.prefix}x`, UploadId: theirs.UploadId, PartNumber: 1, Body: 'x' })))).toMatchObject({ name: 'AccessDenied' });
    expect(await sdkFailure(s3.send(new ListPartsCommand({ Bucket: env.bucket, Key: `${other.prefix}x`, UploadId: theirs.UploadId })))).toMatchObject({ name: 'AccessDenied' });
    expect(await sdkFailure(s3.send(new AbortMultipartUploadCommand({ Bucket: env.bucket, Key: `${other.prefix}x`, UploadId: theirs.UploadId })))).toMatchObject({ name: 'AccessDenied' });
  });

  it('pages ListParts with max-parts and part-number-marker', async () => {
    const key = `${p}lp`;
    const uploadId = await start(key);
    for (let n = 1; n <= 5; n++) await part(key, uploadId, n, bytes(3, n));
    const first = await s3.send(new ListPartsCommand({ Bucket: env.bucket, Key: key, UploadId: uploadId, MaxParts: 2 }));
    expect(first).toMatchObject({ IsTruncated: true, NextPartNumberMarker: '2', MaxParts: 2 });
    const rest = await s3.send(new ListPartsCommand({ Bucket: env.bucket, Key: key, UploadId: uploadId, PartNumberMarker: '2' }));
    expect(rest.Parts?.map((x) => x.PartNumber)).toEqual([3, 4, 5]);
    expect(rest.IsTruncated).toBe(false);
  });

  it('lists uploads in progress under a prefix', async () => {
    const a = await start(`${p}a`);
    await start(`${p}dir/b`);
    const out = await s3.send(new ListMultipartUploadsCommand({ Bucket: env.bucket, Prefix: p, Delimiter: '/' }));
    expect(out.Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([[`${p}a`, a]]);
    expect(out.CommonPrefixes?.map((c) => c.Prefix)).toEqual([`${p}dir/`]);
    expect(env.emulator.store.listUploads(env.bucket)).toHaveLength(2);
  });
});
