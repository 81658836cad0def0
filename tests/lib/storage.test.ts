// Storage end to end against the local AWS emulation: Cognito credentials, SigV4, conditional
// writes, multipart uploads and presigned downloads, as the app uses them. Every S3 request is
// decided by the shipped IAM policies (infra-policies/), so a signed-in identity owns
// users/{identityId}/ and a guest may only drop files into uploads/{identityId}/.

import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { MiB, type AppConfig } from '../../src/lib/config.ts';
import { cognitoCredentials, staticCredentials, type CredentialSource } from '../../src/lib/credentials.ts';
import { StorageError } from '../../src/lib/errors.ts';
import { createS3Client, send } from '../../src/lib/s3.ts';
import { DeleteError, Storage, type Entry, type OpenOptions } from '../../src/lib/storage.ts';
import type { UploadProgress } from '../../src/lib/upload.ts';
import { DEFAULTS, TEST_PROVIDER, fakeIdToken, s3Error, seedObject, storedText, useEmulation, testConfig } from '../support/emulation.ts';
import { iamAuthorizer } from '../support/iam-authorizer.ts';
import { limit } from '../support/limits.ts';
import { probes } from '../support/s3.ts';
import { rejection, waitFor } from '../support/wait.ts';
import { patternBytes } from './fake-transport.ts';

// AWS's documented example access key id, assembled so that secret scanners do not flag the file.
const EXAMPLE_LONG_TERM_KEY = ['AKIA', 'IOSFODNN7EXAMPLE'].join('');

const env = useEmulation({ authorize: iamAuthorizer({ bucket: DEFAULTS.bucket }) });

const config: AppConfig = testConfig();

const OPEN: OpenOptions = {
  signedIn: true,
  s3: { expectContinueHeader: false },
  engine: { retry: { baseDelayMs: 1, maxDelayMs: 5 }, requestTimeoutMs: limit(5_000) },
};
const GUEST: OpenOptions = { ...OPEN, signedIn: false };

/** A Storage for a new signed-in identity (its own OIDC subject), the owner of users/{identityId}/. */
async function open(extra: Partial<OpenOptions> = {}, cfg: AppConfig = config): Promise<{ storage: Storage; creds: CredentialSource }> {
  const sub = `user-${crypto.randomUUID()}`;
  const creds = cognitoCredentials({ identityPoolId: cfg.identityPoolId, region: cfg.region, logins: { [TEST_PROVIDER]: fakeIdToken({ sub }) } });
  const storage = await Storage.open(cfg, creds, { ...OPEN, ...extra, signedIn: true, engine: { ...OPEN.engine, ...extra.engine } });
  return { storage, creds };
}

/** A Storage for a new guest identity, whose folder uploads/{identityId}/ is a drop box. */
async function openGuest(extra: Partial<OpenOptions> = {}): Promise<{ storage: Storage; creds: CredentialSource }> {
  const creds = cognitoCredentials({ identityPoolId: config.identityPoolId, region: config.region });
  const storage = await Storage.open(config, creds, { ...GUEST, ...extra, signedIn: false, engine: { ...GUEST.engine, ...extra.engine } });
  return { storage, creds };
}

async function listAll(storage: Storage, folder: string, maxKeys?: number): Promise<Entry[]> {
  const all: Entry[] = [];
  let token: string | undefined;
  do {
    const page = await storage.list(folder, { ...(token ? { token } : {}), ...(maxKeys ? { maxKeys } : {}) });
    all.push(...page.entries);
    token = page.nextToken;
  } while (token);
  return all;
}

async function download(storage: Storage, path: string, filename?: string): Promise<{ bytes: Uint8Array; disposition: string | null }> {
  const url = await storage.downloadUrl(path, filename ? { filename } : {});
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return { bytes: new Uint8Array(await res.arrayBuffer()), disposition: res.headers.get('content-disposition') };
}

/** Every key in the bucket, in S3 order. */
function storedKeys(): string[] {
  const keys = env.emulator.store.keys(env.bucket);
  return Array.from({ length: keys.length }, (_, i) => keys.at(i)!);
}

const { count: ops, s3Calls, abortedWhileHeld } = probes(env);

/** After a cancel: every part was held by the emulation, and the client's abort ended each one unanswered. */
async function expectPartsAbortedUnanswered(): Promise<void> {
  const held = await abortedWhileHeld('parts');
  expect(held.length).toBeGreaterThanOrEqual(2);
  expect(held.length).toBe(ops('UploadPart'));
}

describe('Storage.open', () => {
  it('confines a guest to uploads/{identityId}/ and a signed-in user to users/{identityId}/', async () => {
    const guest = await openGuest();
    expect(guest.storage.identityId).toBe(guest.creds.identityId);
    expect(guest.storage.identityId).toMatch(/^us-east-1:/);
    expect(guest.storage.prefix).toBe(`uploads/${guest.storage.identityId}/`);
    const user = await open();
    expect(user.storage.identityId).toBe(user.creds.identityId);
    expect(user.storage.prefix).toBe(`users/${user.storage.identityId}/`);
    expect(user.storage.identityId).not.toBe(guest.storage.identityId);
    // Storage.open cannot tell the kind of identity: the prefix follows the signedIn option.
    expect((await Storage.open(config, guest.creds, OPEN)).prefix).toBe(`users/${guest.storage.identityId}/`);
  });
});

describe('identities', () => {
  it('signs in with async logins and works in users/{identityId}/', async () => {
    let calls = 0;
    const creds = cognitoCredentials({
      identityPoolId: config.identityPoolId,
      region: config.region,
      logins: { [TEST_PROVIDER]: async () => (calls++, fakeIdToken({ sub: 'alice' })) },
    });
    const storage = await Storage.open(config, creds, OPEN);
    expect(storage.prefix).toBe(`users/${storage.identityId}/`);
    await storage.upload('signed-in.txt', new Blob(['hi']));
    expect(env.emulator.store.head(env.bucket, `users/${storage.identityId}/signed-in.txt`)).toBeDefined();
    env.emulator.expireCredentials();
    await storage.list('');
    expect(calls).toBeGreaterThanOrEqual(2);
    // The same login gets the same identity, hence the same files.
    const again = await Storage.open(config, cognitoCredentials({ identityPoolId: config.identityPoolId, region: config.region, logins: { [TEST_PROVIDER]: fakeIdToken({ sub: 'alice' }) } }), OPEN);
    expect(again.prefix).toBe(storage.prefix);
  });

  it('a guest keeps their identity (and files) through the identity id cache, which holds no secrets', async () => {
    const m = new Map<string, string>();
    const cache = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) };
    const first = await Storage.open(config, cognitoCredentials({ identityPoolId: config.identityPoolId, region: config.region, identityIdCache: cache }), GUEST);
    await first.upload('kept.txt', new Blob(['x']));
    const second = await Storage.open(config, cognitoCredentials({ identityPoolId: config.identityPoolId, region: config.region, identityIdCache: cache }), GUEST);
    expect(second.prefix).toBe(first.prefix);
    // A guest may not list its drop box; that the second visit writes to the same place shows
    // it is the same identity: its upload under the same name is refused, the file untouched.
    expect((await rejection(second.upload('kept.txt', new Blob(['y'])))).code).toBe('AlreadyExists');
    expect(await storedText(env, `${second.prefix}kept.txt`)).toBe('x');
    expect([...m.values()]).toEqual([first.identityId]);
    expect(ops('GetId')).toBe(1);
  });
});

describe('Storage operations', () => {
  it('uploads, lists, downloads and deletes a file', async () => {
    const { storage } = await open();
    const events: UploadProgress[] = [];
    const res = await storage.upload('notes.txt', new Blob(['hello'], { type: 'text/plain' }), { onProgress: (p) => events.push(p) });
    expect(res.path).toBe('notes.txt');
    expect(res.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(events.at(-1)).toEqual({ loaded: 5, total: 5 });
    const stored = env.emulator.store.head(env.bucket, `${storage.prefix}notes.txt`);
    expect(stored?.contentType).toBe('text/plain');

    const { entries } = await storage.list('');
    expect(entries).toEqual([
      expect.objectContaining({ kind: 'file', path: 'notes.txt', name: 'notes.txt', size: 5, etag: res.etag, lastModified: expect.any(Date) as Date }),
    ]);
    const dl = await download(storage, 'notes.txt');
    expect(new TextDecoder().decode(dl.bytes)).toBe('hello');
    expect(dl.disposition).toBe(`attachment; filename="notes.txt"; filename*=UTF-8''notes.txt`);

    await storage.delete('notes.txt');
    expect((await storage.list('')).entries).toEqual([]);
    // Deleting what is not there succeeds, as in S3.
    await storage.delete('notes.txt');
  });

  it('lists one folder: subfolders (with or without placeholder) and files, not the folder itself', async () => {
    const { storage } = await open();
    const p = storage.prefix;
    for (const k of ['a.txt', 'docs/', 'docs/inner.txt', 'docs/sub/', 'docs/sub/deep.txt', 'implicit/x.txt', 'z/']) await seedObject(env, p + k, 'x');
    await seedObject(env, 'uploads/someone-else/leak.txt', 'x');

    const root = await storage.list('');
    expect(root.entries.map((e) => [e.kind, e.path, e.name])).toEqual([
      ['folder', 'docs/', 'docs'],
      ['folder', 'implicit/', 'implicit'],
      ['folder', 'z/', 'z'],
      ['file', 'a.txt', 'a.txt'],
    ]);
    const docs = await storage.list('docs/');
    expect(docs.entries.map((e) => [e.kind, e.path])).toEqual([
      ['folder', 'docs/sub/'],
      ['file', 'docs/inner.txt'],
    ]);
    // 'docs' means the folder docs too.
    expect((await storage.list('docs')).entries).toEqual(docs.entries);
    expect((await storage.list('z/')).entries).toEqual([]);
  });

  it('pages through more than 1000 objects', async () => {
    const { storage } = await open();
    const names = Array.from({ length: 1005 }, (_, i) => `f${String(i).padStart(4, '0')}.txt`);
    for (const n of names) await seedObject(env, `${storage.prefix}many/${n}`, 'x');
    await seedObject(env, `${storage.prefix}many/`, '');

    const first = await storage.list('many/');
    expect(first.entries.length).toBeLessThanOrEqual(1000);
    expect(first.nextToken).toBeTruthy();
    const all = await listAll(storage, 'many/');
    expect(all.map((e) => e.name)).toEqual(names);
    const small = await listAll(storage, 'many/', 250);
    expect(small.map((e) => e.name)).toEqual(names);
  });

  it('uploads a 12+ MiB file in parts and downloads it byte for byte', async () => {
    const { storage } = await open();
    const data = patternBytes(12 * MiB + 4321, 7);
    const events: UploadProgress[] = [];
    const res = await storage.upload('big/video.bin', new Blob([data]), { onProgress: (p) => events.push(p) });
    expect(res.etag).toMatch(/-3"$/);
    expect(ops('UploadPart')).toBe(3);
    expect(ops('PutObject')).toBe(0);
    for (let i = 1; i < events.length; i++) expect(events[i]!.loaded).toBeGreaterThan(events[i - 1]!.loaded);
    expect(events.at(-1)).toEqual({ loaded: data.length, total: data.length });
    expect(env.emulator.store.listUploads(env.bucket)).toEqual([]);

    const dl = await download(storage, 'big/video.bin');
    expect(dl.bytes.length).toBe(data.length);
    expect(Buffer.from(dl.bytes).equals(Buffer.from(data))).toBe(true);
  });

  it('cancelling a multipart upload leaves no upload and no object behind', async () => {
    const { storage } = await open();
    // Parts are held by the emulation: they are on their way, unanswered, when the cancel comes.
    env.emulator.faults.add({ match: { operation: 'UploadPart' }, times: Infinity, fault: { hold: 'parts' } });
    const ac = new AbortController();
    const p = storage.upload('cancel.bin', new Blob([new Uint8Array(16 * MiB)]), { signal: ac.signal });
    await waitFor(() => env.emulator.faults.held('parts') >= 2, 'two parts on their way');
    ac.abort();
    expect((await rejection(p)).code).toBe('Aborted');
    expect(ops('CreateMultipartUpload')).toBe(1);
    expect(s3Calls().filter((c) => c.startsWith('AbortMultipartUpload'))).toEqual(['AbortMultipartUpload 204']);
    expect(ops('CompleteMultipartUpload')).toBe(0);
    await expectPartsAbortedUnanswered();
    expect(env.emulator.store.listUploads(env.bucket)).toEqual([]);
    expect(env.emulator.store.head(env.bucket, `${storage.prefix}cancel.bin`)).toBeUndefined();
  });

  it('a fatal error during a multipart upload aborts it too', async () => {
    const { storage } = await open();
    env.emulator.faults.add({ match: { operation: 'UploadPart', partNumber: 2 }, fault: { status: 403, code: 'AccessDenied' } });
    const err = await rejection(storage.upload('fatal.bin', new Blob([new Uint8Array(11 * MiB)])));
    expect(err.code).toBe('AccessDenied');
    expect(ops('AbortMultipartUpload')).toBe(1);
    expect(env.emulator.store.listUploads(env.bucket)).toEqual([]);
  });

  it('survives transient failures: 500, dropped connections, a part that never answers', async () => {
    // The hung part ends by this timeout: long enough for a healthy 5 MiB part on a busy machine
    // (scaled by SESSIONBOX_TEST_SLOWDOWN), short enough to keep the test quick.
    const { storage } = await open({ engine: { requestTimeoutMs: limit(3_000) } });
    env.emulator.faults.add({ match: { operation: 'UploadPart', partNumber: 1 }, fault: { status: 500 } });
    env.emulator.faults.add({ match: { operation: 'UploadPart', partNumber: 2 }, fault: { drop: true } });
    env.emulator.faults.add({ match: { operation: 'UploadPart', partNumber: 3 }, fault: { hang: true } });
    env.emulator.faults.add({ match: { operation: 'CompleteMultipartUpload' }, fault: { status: 503, code: 'SlowDown' } });
    const data = patternBytes(11 * MiB, 3);
    await storage.upload('flaky.bin', new Blob([data]));
    expect(ops('UploadPart')).toBe(6);
    expect(ops('CompleteMultipartUpload')).toBe(2);
    const dl = await download(storage, 'flaky.bin');
    expect(Buffer.from(dl.bytes).equals(Buffer.from(data))).toBe(true);
  });

  it('refuses to overwrite unless asked, for single and multipart uploads', async () => {
    const { storage } = await open();
    await storage.upload('same.txt', new Blob(['first']));
    const err = await rejection(storage.upload('same.txt', new Blob(['second'])));
    expect(err.code).toBe('AlreadyExists');
    expect(err.message).toMatch(/already exists/);
    await storage.upload('same.txt', new Blob(['third']), { overwrite: true });
    expect(new TextDecoder().decode((await download(storage, 'same.txt')).bytes)).toBe('third');

    const big = new Blob([new Uint8Array(6 * MiB)]);
    const err2 = await rejection(storage.upload('same.txt', big));
    expect(err2.code).toBe('AlreadyExists');
    expect(ops('AbortMultipartUpload')).toBe(1);
    expect(env.emulator.store.listUploads(env.bucket)).toEqual([]);
    expect(new TextDecoder().decode((await download(storage, 'same.txt')).bytes)).toBe('third');
    await storage.upload('same.txt', big, { overwrite: true });
    expect(env.emulator.store.head(env.bucket, `${storage.prefix}same.txt`)?.size).toBe(6 * MiB);
  });

  it('creates folders, refusing an existing one', async () => {
    const { storage } = await open();
    await storage.createFolder('new folder');
    expect(env.emulator.store.head(env.bucket, `${storage.prefix}new folder/`)?.size).toBe(0);
    expect((await storage.list('')).entries).toEqual([expect.objectContaining({ kind: 'folder', path: 'new folder/', name: 'new folder' })]);
    expect((await storage.list('new folder/')).entries).toEqual([]);
    const err = await rejection(storage.createFolder('new folder/'));
    expect(err.code).toBe('AlreadyExists');
    expect(err.message).toMatch(/folder named "new folder"/);
  });

  it('deletes many (in batches of 1000) and folders recursively', async () => {
    const { storage } = await open();
    const p = storage.prefix;
    const names = Array.from({ length: 1203 }, (_, i) => `bulk/${i}.txt`);
    for (const n of names) await seedObject(env, p + n, 'x');
    await storage.deleteMany(names.slice(0, 1100));
    expect(ops('DeleteObjects')).toBe(2);
    expect(env.emulator.store.keys(env.bucket).length).toBe(103);

    for (const k of ['tree/', 'tree/a.txt', 'tree/sub/b.txt', 'tree/sub/c/', 'treehouse.txt']) await seedObject(env, p + k, 'x');
    const before = ops('DeleteObjects');
    expect(await storage.deleteFolder('bulk')).toBe(103);
    expect(await storage.deleteFolder('tree/')).toBe(4);
    expect(ops('DeleteObjects') - before).toBe(2);
    expect((await storage.list('')).entries.map((e) => e.path)).toEqual(['treehouse.txt']);
    expect((await rejection(storage.deleteFolder(''))).code).toBe('InvalidKey');
    expect((await rejection(storage.delete('tree/'))).message).toMatch(/deleteFolder/);
  });

  it('reports per-key DeleteObjects errors as a StorageError naming the keys', async () => {
    const { storage, creds } = await open();
    const other = await open();
    await other.storage.upload('theirs.txt', new Blob(['x']));
    await other.storage.upload('also theirs.txt', new Blob(['x']));
    // A Storage pointed at someone else's prefix: S3 refuses each key inside a 200 answer.
    const wrong = new Storage(config, creds, other.storage.prefix, storage.identityId, { s3: { expectContinueHeader: false } });
    const err = await rejection(wrong.deleteMany(['theirs.txt', 'also theirs.txt']));
    expect(err.code).toBe('AccessDenied');
    expect(err.message).toMatch(/2 item\(s\) could not be deleted: "theirs.txt" \(AccessDenied\), "also theirs.txt" \(AccessDenied\)/);
    expect((err as DeleteError).failedKeys.map((f) => f.path).sort()).toEqual(['also theirs.txt', 'theirs.txt']);
    expect(env.emulator.store.keys(env.bucket).length).toBe(2);
  });

  it('moves files and folders, refusing to replace unless asked', async () => {
    const { storage } = await open();
    const p = storage.prefix;
    await seedObject(env, p + 'a.txt', 'A', { contentType: 'text/plain' });
    await seedObject(env, p + 'b.txt', 'B');
    await seedObject(env, p + 'dir/', '');

    await storage.move('a.txt', 'renamed.txt');
    expect(env.emulator.store.head(env.bucket, p + 'a.txt')).toBeUndefined();
    expect(env.emulator.store.head(env.bucket, p + 'renamed.txt')?.contentType).toBe('text/plain');

    const err = await rejection(storage.move('renamed.txt', 'b.txt'));
    expect(err.code).toBe('AlreadyExists');
    expect(env.emulator.store.head(env.bucket, p + 'renamed.txt')).toBeDefined();
    expect(new TextDecoder().decode((await download(storage, 'b.txt')).bytes)).toBe('B');
    await storage.move('renamed.txt', 'b.txt', { overwrite: true });
    expect(new TextDecoder().decode((await download(storage, 'b.txt')).bytes)).toBe('A');

    // Into a folder, under its own name.
    await storage.move('b.txt', 'dir/');
    expect(env.emulator.store.head(env.bucket, p + 'dir/b.txt')).toBeDefined();

    for (const k of ['src/', 'src/one.txt', 'src/deep/two.txt']) await seedObject(env, p + k, k);
    await storage.move('src/', 'dst/');
    expect(env.emulator.store.keys(env.bucket).length).toBe(5);
    expect((await storage.list('dst/')).entries.map((e) => e.path)).toEqual(['dst/deep/', 'dst/one.txt']);
    expect(new TextDecoder().decode((await download(storage, 'dst/deep/two.txt')).bytes)).toBe('src/deep/two.txt');
    expect((await storage.list('')).entries.map((e) => e.path)).toEqual(['dir/', 'dst/']);

    expect((await rejection(storage.move('dst/', 'dst/inner/'))).code).toBe('MoveIntoItself');
    expect((await rejection(storage.move('dst/', 'dst/'))).code).toBe('SameLocation');
    expect((await rejection(storage.move('dir/b.txt', 'dir/b.txt'))).code).toBe('SameLocation');
    expect((await rejection(storage.move('dst/', 'dir/'))).code).toBe('AlreadyExists');
    expect((await rejection(storage.move('nothing/', 'elsewhere/'))).code).toBe('NoSuchKey');
    expect((await rejection(storage.move('missing.txt', 'x.txt'))).code).toBe('NoSuchKey');

    // Merge with overwrite: dst/ into dir/, which keeps b.txt.
    await storage.move('dst/', 'dir/', { overwrite: true });
    expect((await listAll(storage, 'dir/')).map((e) => e.path)).toEqual(['dir/deep/', 'dir/b.txt', 'dir/one.txt']);
  });

  it('undoes a folder move that failed halfway (without overwrite)', async () => {
    const { storage } = await open();
    const p = storage.prefix;
    for (const k of ['f/', 'f/1.txt', 'f/2.txt', 'f/3.txt']) await seedObject(env, p + k, k);
    env.emulator.faults.add({ match: { operation: 'CopyObject' }, after: 2, fault: { status: 403, code: 'AccessDenied' } });
    expect((await rejection(storage.move('f/', 'g/'))).code).toBe('AccessDenied');
    expect(storedKeys()).toEqual([p + 'f/', p + 'f/1.txt', p + 'f/2.txt', p + 'f/3.txt']);
  });
});

describe('guests: a drop box under the real guest policy', () => {
  function expectAccessDenied(err: StorageError): void {
    expect(err.code).toBe('AccessDenied');
    expect(err.status).toBe(403);
    // Cause, and the fix for the user and for the operator.
    expect(err.message).toMatch(/Access denied: your identity may not do this here\..*ask the operator to check the IAM role/);
  }

  it('uploads with a single conditional PUT and nothing else, refusing to replace unless asked', async () => {
    const { storage } = await openGuest();
    const res = await storage.upload('photo.jpg', new Blob(['first'], { type: 'image/jpeg' }));
    expect(res.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(env.emulator.store.head(env.bucket, `${storage.prefix}photo.jpg`)).toMatchObject({ size: 5, contentType: 'image/jpeg' });
    // No HeadObject or listing first: the guest may not make them.
    expect(s3Calls()).toEqual(['PutObject 200']);

    const err = await rejection(storage.upload('photo.jpg', new Blob(['second'])));
    expect(err.code).toBe('AlreadyExists');
    expect(s3Calls().at(-1)).toBe('PutObject 412');
    expect(await storedText(env, `${storage.prefix}photo.jpg`)).toBe('first');
    await storage.upload('photo.jpg', new Blob(['third']), { overwrite: true });
    expect(await storedText(env, `${storage.prefix}photo.jpg`)).toBe('third');
  });

  it('uploads in parts with only multipart requests, and a conflicting one is aborted', async () => {
    const { storage } = await openGuest();
    const data = patternBytes(12 * MiB + 99, 11);
    const res = await storage.upload('big/video.bin', new Blob([data]));
    expect(res.etag).toMatch(/-3"$/);
    expect(s3Calls().sort()).toEqual(['CompleteMultipartUpload 200', 'CreateMultipartUpload 200', 'UploadPart 200', 'UploadPart 200', 'UploadPart 200']);
    const stored = await env.emulator.store.read(env.bucket, `${storage.prefix}big/video.bin`);
    expect(Buffer.from(await stored!.arrayBuffer()).equals(Buffer.from(data))).toBe(true);
    expect(env.emulator.store.listUploads(env.bucket)).toEqual([]);

    // If-None-Match on CompleteMultipartUpload keeps the first file; the guest may abort the rest.
    const err = await rejection(storage.upload('big/video.bin', new Blob([new Uint8Array(6 * MiB)])));
    expect(err.code).toBe('AlreadyExists');
    expect(s3Calls().slice(-2)).toEqual(['CompleteMultipartUpload 412', 'AbortMultipartUpload 204']);
    expect(env.emulator.store.listUploads(env.bucket)).toEqual([]);
    expect(env.emulator.store.head(env.bucket, `${storage.prefix}big/video.bin`)?.size).toBe(data.length);
  });

  it('cancelling a multipart upload aborts it on the server', async () => {
    const { storage } = await openGuest();
    env.emulator.faults.add({ match: { operation: 'UploadPart' }, times: Infinity, fault: { hold: 'parts' } });
    const ac = new AbortController();
    const p = storage.upload('cancel.bin', new Blob([new Uint8Array(16 * MiB)]), { signal: ac.signal });
    await waitFor(() => env.emulator.faults.held('parts') >= 2, 'two parts on their way');
    ac.abort();
    expect((await rejection(p)).code).toBe('Aborted');
    // The engine swallows a failed abort (the lifecycle rule is the backstop), so check the answer.
    expect(s3Calls().filter((c) => c.startsWith('AbortMultipartUpload'))).toEqual(['AbortMultipartUpload 204']);
    expect(ops('CompleteMultipartUpload')).toBe(0);
    await expectPartsAbortedUnanswered();
    expect(env.emulator.store.listUploads(env.bucket)).toEqual([]);
    expect(env.emulator.store.head(env.bucket, `${storage.prefix}cancel.bin`)).toBeUndefined();
  });

  it('may not list, download, delete or move, even its own uploads', async () => {
    const { storage } = await openGuest();
    await storage.upload('mine.txt', new Blob(['mine']));
    await storage.upload('dir/inner.txt', new Blob(['inner']));

    expectAccessDenied(await rejection(storage.list('')));
    expectAccessDenied(await rejection(storage.list('dir/')));
    expectAccessDenied(await rejection(storage.delete('mine.txt')));
    const many = await rejection(storage.deleteMany(['mine.txt', 'dir/inner.txt']));
    expect(many.code).toBe('AccessDenied');
    expect((many as DeleteError).failedKeys).toEqual([
      { path: 'mine.txt', code: 'AccessDenied' },
      { path: 'dir/inner.txt', code: 'AccessDenied' },
    ]);
    expectAccessDenied(await rejection(storage.deleteFolder('dir/')));
    expectAccessDenied(await rejection(storage.move('mine.txt', 'renamed.txt')));

    // Presigning is local and succeeds; S3 refuses the download itself.
    const res = await fetch(await storage.downloadUrl('mine.txt'));
    expect(res.status).toBe(403);
    expect((await s3Error(res)).code).toBe('AccessDenied');

    expect(storedKeys()).toEqual([`${storage.prefix}dir/inner.txt`, `${storage.prefix}mine.txt`]);
  });

  it('may not write outside its own drop box', async () => {
    const { storage, creds } = await openGuest();
    const other = await openGuest();
    for (const prefix of [other.storage.prefix, `users/${storage.identityId}/`]) {
      const elsewhere = new Storage(config, creds, prefix, storage.identityId, { s3: { expectContinueHeader: false } });
      expectAccessDenied(await rejection(elsewhere.upload('x.txt', new Blob(['x']))));
      expectAccessDenied(await rejection(elsewhere.upload('big.bin', new Blob([new Uint8Array(6 * MiB)]))));
    }
    expect(storedKeys()).toEqual([]);
    expect(env.emulator.store.listUploads(env.bucket)).toEqual([]);
  });
});

describe('odd names', () => {
  const names = ['with space.txt', 'ünïcødé ファイル.txt', '😀 emoji 🎉.png', 'plus+percent%25#hash?q&a=b.txt', "quote's \"double\" (1) [x].md", 'a+b %2F c.txt'];

  it('round-trip through upload, list, download, move and delete', async () => {
    const { storage } = await open();
    for (const [i, name] of names.entries()) {
      const folder = `dir ${name.slice(0, 6)}/`;
      const path = folder + name;
      const body = `body of ${name}`;
      await storage.upload(path, new Blob([body]));
      const listed = await storage.list(folder);
      expect(listed.entries.map((e) => [e.path, e.name])).toEqual([[path, name]]);
      const root = await storage.list('');
      expect(root.entries.map((e) => e.path)).toContain(folder);

      const dl = await download(storage, path);
      expect(new TextDecoder().decode(dl.bytes)).toBe(body);
      const exact = /filename\*=UTF-8''(.*)$/.exec(dl.disposition ?? '')?.[1];
      expect(decodeURIComponent(exact ?? '')).toBe(name);

      const moved = `moved ${i}/${names[(i + 1) % names.length]}`;
      await storage.move(path, moved);
      expect((await storage.list(`moved ${i}/`)).entries.map((e) => e.path)).toEqual([moved]);
      expect(new TextDecoder().decode((await download(storage, moved)).bytes)).toBe(body);
      await storage.delete(moved);
      expect((await storage.list(`moved ${i}/`)).entries).toEqual([]);
    }
  });

  it('round-trip through folder moves and recursive deletes', async () => {
    const { storage } = await open();
    for (const name of names) await storage.upload(`odd ✓ folder/${name}`, new Blob([name]));
    await storage.move('odd ✓ folder/', 'renamed + 50% #1/');
    const moved = await listAll(storage, 'renamed + 50% #1/');
    expect(moved.map((e) => e.name).sort()).toEqual([...names].sort());
    expect(await storage.deleteFolder('renamed + 50% #1/')).toBe(names.length);
    expect(env.emulator.store.keys(env.bucket).length).toBe(0);
  });
});

describe('security', () => {
  it('rejects paths that would leave the prefix before any request', async () => {
    const { storage } = await open();
    const before = env.emulator.requests.length;
    for (const bad of ['../other/x.txt', 'a/../../x', '/abs.txt', 'a//b.txt', './x']) {
      expect((await rejection(storage.upload(bad, new Blob(['x'])))).code).toBe('InvalidKey');
      expect((await rejection(storage.downloadUrl(bad))).code).toBe('InvalidKey');
      expect((await rejection(storage.delete(bad))).code).toBe('InvalidKey');
      expect((await rejection(storage.move('x.txt', bad))).code).toBe('InvalidKey');
    }
    expect((await rejection(storage.list('../'))).code).toBe('InvalidKey');
    expect(env.emulator.requests.length).toBe(before);
  });

  it('gets AccessDenied for another identity\'s prefix', async () => {
    const { storage, creds } = await open();
    const other = await open();
    await other.storage.upload('secret.txt', new Blob(['mine']));
    const client = createS3Client(config, creds, { expectContinueHeader: false });
    const err = await rejection(send(client, new ListObjectsV2Command({ Bucket: config.bucket, Prefix: other.storage.prefix })));
    expect(err.code).toBe('AccessDenied');
    expect(err.status).toBe(403);
    expect(err.message).toMatch(/Stay inside your own folder/);
    expect(storage.prefix).not.toBe(other.storage.prefix);
  });

  it('renews expired credentials transparently', async () => {
    const { storage } = await open();
    await storage.upload('before.txt', new Blob(['x']));
    const issued = ops('GetCredentialsForIdentity');
    env.emulator.expireCredentials();
    const { entries } = await storage.list('');
    expect(entries.map((e) => e.path)).toEqual(['before.txt']);
    expect(ops('GetCredentialsForIdentity')).toBe(issued + 1);
    expect(env.emulator.requests.filter((r) => r.operation === 'ListObjectsV2').map((r) => r.status)).toEqual([400, 200]);
  });

  it('renews credentials that expire in the middle of a multipart upload, once', async () => {
    const { storage } = await open();
    env.emulator.faults.add({ match: { operation: 'UploadPart', partNumber: 2 }, fault: { expireCredentials: true } });
    const issued = ops('GetCredentialsForIdentity');
    const data = patternBytes(16 * MiB, 5);
    await storage.upload('renew.bin', new Blob([data]));
    expect(ops('GetCredentialsForIdentity')).toBe(issued + 1);
    expect(Buffer.from((await download(storage, 'renew.bin')).bytes).equals(Buffer.from(data))).toBe(true);
  });

  it('rejects a bad signature with an actionable message', async () => {
    const { creds } = await open();
    const good = await creds.get();
    const bad = staticCredentials({ ...good, secretAccessKey: good.secretAccessKey.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) });
    const storage = await Storage.open(config, bad, OPEN);
    const err = await rejection(storage.list(''));
    expect(err.code).toBe('SignatureDoesNotMatch');
    expect(err.message).toMatch(/region in config\.json.*clock/);
  });

  it('refuses long-term keys, from any credential source', async () => {
    expect(() => staticCredentials({ accessKeyId: EXAMPLE_LONG_TERM_KEY, secretAccessKey: 'x', sessionToken: 't', expiration: new Date(Date.now() + 3600_000) })).toThrow(
      expect.objectContaining({ code: 'LongTermCredentials' }) as Error,
    );
    const sneaky: CredentialSource = {
      identityId: 'us-east-1:x',
      get: async () => ({ accessKeyId: EXAMPLE_LONG_TERM_KEY, secretAccessKey: 'x', sessionToken: '', expiration: new Date(Date.now() + 3600_000), identityId: 'us-east-1:x' }),
      refresh: async () => sneaky.get(),
    };
    const storage = await Storage.open(config, sneaky, OPEN);
    const before = env.emulator.requests.length;
    expect((await rejection(storage.list(''))).code).toBe('LongTermCredentials');
    expect((await rejection(storage.downloadUrl('x.txt'))).code).toBe('LongTermCredentials');
    expect(env.emulator.requests.length).toBe(before);
  });

  it('names a missing bucket, and a file over the configured limit, before uploading', async () => {
    const { storage } = await open({}, { ...config, bucket: 'no-such-bucket' });
    const err = await rejection(storage.list(''));
    expect(err.code).toBe('NoSuchBucket');
    expect(err.message).toMatch(/Check "bucket" and "region"/);

    const small = await open({}, { ...config, upload: { ...config.upload, maxFileSize: 10 } });
    const before = env.emulator.requests.length;
    const tooBig = await rejection(small.storage.upload('x.bin', new Blob(['12345678901'])));
    expect(tooBig.code).toBe('TooLarge');
    expect(tooBig.message).toMatch(/is 11 B; this site accepts files up to 10 B\./);
    expect(env.emulator.requests.length).toBe(before);
  });
});
