// ListObjectsV2: pagination, delimiters, encoding and authorization, and a 100,000-key bucket.

import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { StoredObject } from '../../src/mocks/store.ts';
import { guestCredentials, objectUrl, s3Client, s3Error, seedObject, signedFetch, useEmulation, type TestCredentials } from '../support/emulation.ts';

const env = useEmulation();
let creds: TestCredentials;
let s3: S3Client;
let p: string;

beforeEach(async () => {
  creds = await guestCredentials(env);
  s3 = s3Client(env, creds);
  p = creds.prefix;
});

/** Seeds straight into the store: thousands of keys without thousands of requests. */
function seedMany(keys: string[]): void {
  const body = new Blob(['a']);
  for (const key of keys) {
    const o: StoredObject = { key, size: 1, etag: '"0cc175b9c0f1b6a831c399e269772661"', lastModified: 1_700_000_000_000, contentType: 'text/plain', headers: {}, metadata: {} };
    void env.emulator.store.put(env.bucket, o, body);
  }
}

async function listAll(input: { Prefix: string; Delimiter?: string; MaxKeys?: number; StartAfter?: string }) {
  const keys: string[] = [];
  const prefixes: string[] = [];
  const pages: ListObjectsV2CommandOutput[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: env.bucket, ...input, ContinuationToken: token }));
    pages.push(page);
    keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    prefixes.push(...(page.CommonPrefixes ?? []).map((c) => c.Prefix!));
    token = page.NextContinuationToken;
  } while (token);
  return { keys, prefixes, pages };
}

describe('ListObjectsV2', () => {
  it('lists keys and folders with a delimiter, with S3 fields', async () => {
    await seedObject(env, `${p}b.txt`, 'bb', { lastModified: Date.UTC(2024, 0, 2, 3, 4, 5) });
    await seedObject(env, `${p}a.txt`, 'a');
    await seedObject(env, `${p}docs/one.txt`, '1');
    await seedObject(env, `${p}docs/sub/two.txt`, '2');
    await seedObject(env, `${p}pics/`, '');
    const out = await s3.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: p, Delimiter: '/' }));
    expect(out.Contents?.map((c) => c.Key)).toEqual([`${p}a.txt`, `${p}b.txt`]);
    expect(out.CommonPrefixes?.map((c) => c.Prefix)).toEqual([`${p}docs/`, `${p}pics/`]);
    expect(out).toMatchObject({ KeyCount: 4, MaxKeys: 1000, IsTruncated: false, Name: env.bucket, Prefix: p, Delimiter: '/' });
    expect(out.Contents?.[1]).toMatchObject({ Size: 2, ETag: '"21ad0bd836b90d08f4cf640b4c298e7c"', StorageClass: 'STANDARD', LastModified: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) });
    const docs = await s3.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: `${p}docs/`, Delimiter: '/' }));
    expect(docs.Contents?.map((c) => c.Key)).toEqual([`${p}docs/one.txt`]);
    expect(docs.CommonPrefixes?.map((c) => c.Prefix)).toEqual([`${p}docs/sub/`]);
  });

  it('pages past 1000 entries with continuation tokens, counting folders against MaxKeys', async () => {
    const files = Array.from({ length: 2300 }, (_, i) => `${p}f${String(i).padStart(5, '0')}`);
    const folders = Array.from({ length: 150 }, (_, i) => `${p}dir${String(i).padStart(3, '0')}/`);
    seedMany([...files, ...folders.flatMap((d) => [`${d}x`, `${d}y/z`])]);
    const { keys, prefixes, pages } = await listAll({ Prefix: p, Delimiter: '/' });
    expect(pages.map((pg) => pg.KeyCount)).toEqual([1000, 1000, 450]);
    expect(pages.map((pg) => pg.IsTruncated)).toEqual([true, true, false]);
    expect(prefixes).toEqual(folders);
    expect(keys).toEqual(files);
    expect(pages[0]!.NextContinuationToken).toMatch(/^[A-Za-z0-9+/]+=*$/);

    const capped = await s3.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: p, MaxKeys: 5000 }));
    expect(capped.MaxKeys).toBe(1000);
    expect(capped.KeyCount).toBe(1000);
    const small = await listAll({ Prefix: `${p}dir0`, Delimiter: '/', MaxKeys: 7 });
    expect(small.prefixes).toHaveLength(100);
    expect(small.pages).toHaveLength(15);
  });

  it('starts after StartAfter', async () => {
    seedMany(['a', 'b', 'c', 'd'].map((k) => `${p}${k}`));
    const out = await s3.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: p, StartAfter: `${p}b` }));
    expect(out.Contents?.map((c) => c.Key)).toEqual([`${p}c`, `${p}d`]);
    expect(out.StartAfter).toBe(`${p}b`);
  });

  it('sorts in UTF-8 byte order like S3', async () => {
    const keys = ['\u{1F600}', '\uFF21', 'z', 'A', 'é'];
    seedMany(keys.map((k) => `${p}${k}`));
    const { keys: listed } = await listAll({ Prefix: p });
    expect(listed.map((k) => k.slice(p.length))).toEqual(['A', 'z', 'é', '\uFF21', '\u{1F600}']);
  });

  it('URL-encodes names with EncodingType url', async () => {
    await seedObject(env, `${p}a b+c/\u0001.txt`, 'x');
    const res = await signedFetch(env, creds, {
      url: `https://${env.bucket}.s3.${env.region}.amazonaws.com/?list-type=2&encoding-type=url&prefix=${encodeURIComponent(p)}`,
      headers: { 'x-amz-security-token': creds.sessionToken },
    });
    const xml = await res.text();
    expect(xml).toContain('<EncodingType>url</EncodingType>');
    expect(xml).toContain('a+b%2Bc/%01.txt</Key>');
  });

  it('rejects a forged continuation token and a bad max-keys', async () => {
    const list = (query: string) =>
      signedFetch(env, creds, { url: `https://${env.bucket}.s3.${env.region}.amazonaws.com/?list-type=2&prefix=${encodeURIComponent(p)}&${query}`, headers: { 'x-amz-security-token': creds.sessionToken } });
    expect(await s3Error(await list('continuation-token=bm9wZQ%3D%3D'))).toMatchObject({ code: 'InvalidArgument', message: 'The continuation token provided is incorrect' });
    expect((await s3Error(await list('max-keys=-1'))).code).toBe('InvalidArgument');
    expect((await s3Error(await list('encoding-type=base64'))).code).toBe('InvalidArgument');
  });

  it('denies listing outside the identity prefix', async () => {
    for (const Prefix of [undefined, '', 'uploads/', `uploads/${creds.identityId}`]) {
      await expect(s3.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix }))).rejects.toMatchObject({ name: 'AccessDenied' });
    }
  });

  // How fast is for `npm run bench` (its 100,000-object folder); this test pins what is listed.
  it('lists a 100,000-key bucket: every folder once, a folder whole, and from StartAfter deep inside', async () => {
    const keys: string[] = [];
    for (let d = 0; d < 100; d++) for (let f = 0; f < 1000; f++) keys.push(`${p}d${String(d).padStart(3, '0')}/f${String(f).padStart(4, '0')}`);
    // Inserted out of order, as real uploads arrive.
    keys.reverse();
    seedMany(keys);
    const folders = await listAll({ Prefix: p, Delimiter: '/' });
    const inFolder = await listAll({ Prefix: `${p}d050/` });
    const deep = await s3.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: p, StartAfter: `${p}d099/f0990` }));
    expect(folders.prefixes).toEqual(Array.from({ length: 100 }, (_, d) => `${p}d${String(d).padStart(3, '0')}/`));
    expect(folders.keys).toEqual([]);
    expect(inFolder.keys).toEqual(Array.from({ length: 1000 }, (_, f) => `${p}d050/f${String(f).padStart(4, '0')}`));
    expect(deep.KeyCount).toBe(9);
    expect(deep.Contents?.map((c) => c.Key)).toEqual(Array.from({ length: 9 }, (_, i) => `${p}d099/f${String(991 + i).padStart(4, '0')}`));
    expect(deep.IsTruncated).toBe(false);
  });
});

describe('bucket-level requests', () => {
  it('does not emulate ListObjects v1 and says which call to use', async () => {
    const res = await signedFetch(env, creds, { url: `https://${env.bucket}.s3.${env.region}.amazonaws.com/?prefix=${encodeURIComponent(p)}`, headers: { 'x-amz-security-token': creds.sessionToken } });
    expect(res.status).toBe(501);
    expect((await s3Error(res)).message).toContain('ListObjectsV2');
  });

  it('answers NotImplemented to sub-resources it does not serve', async () => {
    const res = await signedFetch(env, creds, { url: objectUrl(env, `${p}x`, 'acl'), headers: { 'x-amz-security-token': creds.sessionToken } });
    expect(res.status).toBe(501);
  });
});
