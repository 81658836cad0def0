// The demo's IndexedDB store (fake-indexeddb here): everything but credentials survives a reload.

import 'fake-indexeddb/auto';
import { CreateMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createEmulator, type EmulatorOptions } from '../../src/mocks/emulator.ts';
import { interceptInNode } from '../../src/mocks/node.ts';
import { IndexedDbStore } from '../../src/mocks/store-idb.ts';
import { DEFAULTS, guestCredentials, s3Client, type Emulation } from '../support/emulation.ts';

async function session<T>(dbName: string, work: (env: Emulation, store: IndexedDbStore) => Promise<T>): Promise<T> {
  const store = new IndexedDbStore(dbName);
  await store.ready();
  const opts: EmulatorOptions = { region: DEFAULTS.region, buckets: [DEFAULTS.bucket], identityPoolId: DEFAULTS.identityPoolId, store };
  const running = interceptInNode(createEmulator(opts));
  try {
    return await work({ emulator: running.emulator, region: opts.region, bucket: DEFAULTS.bucket, identityPoolId: opts.identityPoolId }, store);
  } finally {
    running.close();
    await store.close();
  }
}

describe('IndexedDbStore', () => {
  it('keeps objects, uploads in progress and identities across a reload', async () => {
    const db = `reload-${Math.random()}`;
    const before = await session(db, async (env) => {
      const creds = await guestCredentials(env);
      const s3 = s3Client(env, creds);
      await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}keep.txt`, Body: 'kept', ContentType: 'text/plain' }));
      await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}gone.txt`, Body: 'gone' }));
      await s3.send(new DeleteObjectCommand({ Bucket: env.bucket, Key: `${creds.prefix}gone.txt` }));
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: env.bucket, Key: `${creds.prefix}big` }));
      await s3.send(new UploadPartCommand({ Bucket: env.bucket, Key: `${creds.prefix}big`, UploadId, PartNumber: 1, Body: 'part one' }));
      return { identityId: creds.identityId, prefix: creds.prefix, uploadId: UploadId! };
    });

    await session(db, async (env, store) => {
      // Same identity id (as the app caches it), new credentials: the guest finds their files.
      const creds = await guestCredentials(env, before.identityId);
      const s3 = s3Client(env, creds);
      const list = await s3.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: before.prefix }));
      expect(list.Contents?.map((c) => c.Key)).toEqual([`${before.prefix}keep.txt`]);
      const got = await s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: `${before.prefix}keep.txt` }));
      expect(await got.Body!.transformToString()).toBe('kept');
      expect(got.ContentType).toBe('text/plain');
      expect(store.getUpload(before.uploadId)?.key).toBe(`${before.prefix}big`);
      expect(await (await store.readPart(before.uploadId, 1))?.text()).toBe('part one');
      await store.clear();
    });

    await session(db, async (env, store) => {
      expect(store.keys(env.bucket).length).toBe(0);
      expect(store.listIdentities()).toEqual([]);
    });
  });

  it('serves a body written moments ago before its transaction committed', async () => {
    await session(`pending-${Math.random()}`, async (env, store) => {
      const o = { key: 'k', size: 3, etag: '"x"', lastModified: 0, contentType: 'text/plain', headers: {}, metadata: {} };
      const writing = store.put(env.bucket, o, new Blob(['abc']));
      expect(store.head(env.bucket, 'k')).toBe(o);
      expect(await (await store.read(env.bucket, 'k'))?.text()).toBe('abc');
      await writing;
      expect(await (await store.read(env.bucket, 'k'))?.text()).toBe('abc');
    });
  });
});
