// Resume after a reload, without a browser: the IndexedDB store (fake-indexeddb) keeps only the
// listed fields, per bucket and identity; Storage.abortUpload ends a multipart upload; and the
// upload queue, rebuilt as after a reload, finds the same file's upload again and sends only the
// missing parts, forgets finished or cancelled ones, and gives up stale ones at start-up.

import 'fake-indexeddb/auto';
import { CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { UploadQueue, type UploadItem } from '../../src/app/uploads.svelte.ts';
import type { AppConfig } from '../../src/lib/config.ts';
import { MiB } from '../../src/lib/config.ts';
import { cognitoCredentials } from '../../src/lib/credentials.ts';
import { RESUME_PART_FIELDS, RESUME_RECORD_FIELDS, ResumeStore, STALE_AFTER_MS, fileFingerprint, type ResumeRecord } from '../../src/lib/resume-store.ts';
import { Storage, type OpenOptions } from '../../src/lib/storage.ts';
import { referenceCrc32 } from '../support/crc32.ts';
import { TEST_PROVIDER, fakeIdToken, useEmulation, testConfig } from '../support/emulation.ts';
import { limit } from '../support/limits.ts';
import { waitFor } from '../support/wait.ts';
import { patternBytes } from './fake-transport.ts';

const env = useEmulation();

const config: AppConfig = testConfig({ parallelParts: 1, maxFileSize: 100 * MiB });

const OPEN: OpenOptions = {
  signedIn: true,
  s3: { expectContinueHeader: false },
  // Every part checksummed: the in-process emulation is faster than the app's threshold.
  engine: { retry: { baseDelayMs: 1, maxDelayMs: 5 }, requestTimeoutMs: limit(10_000), checksumBelowBytesPerSecond: Infinity },
};

let dbCount = 0;
const freshDb = () => `resume-test-${++dbCount}`;

async function open(sub = `user-${crypto.randomUUID()}`): Promise<Storage> {
  const creds = cognitoCredentials({
    identityPoolId: config.identityPoolId,
    region: config.region,
    logins: { [TEST_PROVIDER]: fakeIdToken({ sub }) },
  });
  return Storage.open(config, creds, OPEN);
}

function file(data: Uint8Array<ArrayBuffer>, name = 'big.bin', lastModified = 1_700_000_000_000): File {
  return new File([data], name, { lastModified, type: 'application/octet-stream' });
}

const sentParts = (uploadId?: string) =>
  env.emulator.requests
    .filter((r) => r.operation === 'UploadPart' && r.status === 200 && (!uploadId || r.url.includes(uploadId)))
    .map((r) => r.partNumber);

/** The queue writes the resume store without waiting: the (only) record once it holds `parts` parts. */
function recordWithParts(resume: ResumeStore, parts: number): Promise<ResumeRecord> {
  return waitFor(async () => {
    const [rec] = await resume.list();
    return rec && rec.parts.length >= parts ? rec : undefined;
  }, `${parts} parts in the resume record`);
}

/** Waits until the queue has forgotten every upload (it removes records without waiting), then checks the store is empty. */
async function forgotten(resume: ResumeStore): Promise<void> {
  await waitFor(async () => (await resume.list()).length === 0, 'the resume record to be removed');
  expect(await resume.list()).toEqual([]);
}

/** Every record in the database, of every scope, straight from IndexedDB. */
async function rawRecords(dbName: string): Promise<Record<string, unknown>[]> {
  const { openDB } = await import('idb');
  const db = await openDB(dbName);
  const all = (await db.getAll('uploads')) as Record<string, unknown>[];
  db.close();
  return all;
}

describe('fileFingerprint', () => {
  it('depends on name, size, lastModified and the first and last MiB, not on the middle', async () => {
    const data = patternBytes(5 * MiB);
    const base = await fileFingerprint(file(data));
    expect(await fileFingerprint(file(data.slice()))).toBe(base);
    expect(await fileFingerprint(file(data, 'other.bin'))).not.toBe(base);
    expect(await fileFingerprint(file(data, 'big.bin', 1_700_000_000_001))).not.toBe(base);
    expect(await fileFingerprint(file(data.subarray(0, data.length - 1)))).not.toBe(base);
    const head = data.slice();
    head[10] = (head[10]! + 1) & 0xff;
    expect(await fileFingerprint(file(head))).not.toBe(base);
    const tail = data.slice();
    tail[tail.length - 10] = (tail[tail.length - 10]! + 1) & 0xff;
    expect(await fileFingerprint(file(tail))).not.toBe(base);
    // Only 2 MiB are read: a change in the middle is left to ListParts' size checks and the ETags.
    const middle = data.slice();
    middle[2.5 * MiB] = (middle[2.5 * MiB]! + 1) & 0xff;
    expect(await fileFingerprint(file(middle))).toBe(base);
  });

  it('covers small files whole', async () => {
    const a = patternBytes(1000);
    const b = a.slice();
    b[999] = (b[999]! + 1) & 0xff;
    expect(await fileFingerprint(file(a))).not.toBe(await fileFingerprint(file(b)));
  });
});

describe('ResumeStore', () => {
  const info = (over: Partial<Parameters<ResumeStore['start']>[0]> = {}) => ({
    fingerprint: 'fp-1',
    path: 'docs/big.bin',
    key: 'users/us-east-1:a/docs/big.bin',
    file: { name: 'big.bin', size: 12 * MiB, lastModified: 1 },
    uploadId: 'upload-1',
    partSize: 5 * MiB,
    ...over,
  });

  it('stores only the listed fields, never credentials, and records parts as S3 confirms them', async () => {
    const dbName = freshDb();
    const store = new ResumeStore({ bucket: 'b', prefix: 'users/us-east-1:a/', dbName, now: () => 1000 });
    // Whatever else the caller's objects carry (here a credentials-looking field) is not stored.
    const fileWithExtras = Object.assign({ name: 'big.bin', size: 12 * MiB, lastModified: 1 }, { secretAccessKey: 'SECRETSECRET', sessionToken: 'TOKEN' });
    await store.start(info({ file: fileWithExtras }));
    await store.addPart('fp-1', 'docs/big.bin', 'upload-1', Object.assign({ partNumber: 2, etag: '"e2"', crc32: 'AAAAAQ==' }, { accessKeyId: 'ASIAXXXXXXXXXXXXXXXX' }));
    await store.addPart('fp-1', 'docs/big.bin', 'upload-1', { partNumber: 1, etag: '"e1"' });
    // A part of another (older) upload id is ignored.
    await store.addPart('fp-1', 'docs/big.bin', 'upload-0', { partNumber: 3, etag: '"old"' });
    const rec = await store.get('fp-1', 'docs/big.bin');
    expect(rec).toEqual<ResumeRecord>({
      scope: 'b/users/us-east-1:a/',
      fingerprint: 'fp-1',
      path: 'docs/big.bin',
      key: 'users/us-east-1:a/docs/big.bin',
      name: 'big.bin',
      size: 12 * MiB,
      lastModified: 1,
      uploadId: 'upload-1',
      partSize: 5 * MiB,
      parts: [
        { partNumber: 1, etag: '"e1"' },
        { partNumber: 2, etag: '"e2"', crc32: 'AAAAAQ==' },
      ],
      createdAt: 1000,
      updatedAt: 1000,
    });
    const raw = await rawRecords(dbName);
    expect(raw).toHaveLength(1);
    // No handle was given (a file from <input type=file>): every other field, and nothing else.
    expect(Object.keys(raw[0]!).sort()).toEqual(RESUME_RECORD_FIELDS.filter((f) => f !== 'handle').sort());
    for (const p of raw[0]!.parts as object[]) expect(RESUME_PART_FIELDS).toEqual(expect.arrayContaining(Object.keys(p)));
    expect(JSON.stringify(raw)).not.toMatch(/ASIA|SECRET|TOKEN/);
    await store.remove('fp-1', 'docs/big.bin');
    expect(await store.get('fp-1', 'docs/big.bin')).toBeUndefined();
  });

  it('keeps identities and buckets apart', async () => {
    const dbName = freshDb();
    const a = new ResumeStore({ bucket: 'b', prefix: 'users/us-east-1:a/', dbName });
    const b = new ResumeStore({ bucket: 'b', prefix: 'users/us-east-1:b/', dbName });
    const otherBucket = new ResumeStore({ bucket: 'c', prefix: 'users/us-east-1:a/', dbName });
    await a.start(info());
    expect((await a.list()).map((r) => r.uploadId)).toEqual(['upload-1']);
    expect(await b.get('fp-1', 'docs/big.bin')).toBeUndefined();
    expect(await b.list()).toEqual([]);
    expect(await otherBucket.list()).toEqual([]);
    expect(() => new ResumeStore({ bucket: 'b', prefix: '', dbName })).toThrow(/identity prefix/);
  });

  it('sweeps entries older than six days: aborted through the callback and removed, fresh ones kept', async () => {
    const dbName = freshDb();
    let now = 0;
    const store = new ResumeStore({ bucket: 'b', prefix: 'p/', dbName, now: () => now });
    await store.start(info({ fingerprint: 'old', uploadId: 'u-old' }));
    now = 2 * 24 * 3600 * 1000;
    await store.start(info({ fingerprint: 'fresh', uploadId: 'u-fresh' }));
    now = STALE_AFTER_MS + 1;
    const aborted: string[] = [];
    const gone = await store.sweep(async (r) => {
      aborted.push(r.uploadId);
      throw new Error('network down'); // the lifecycle rule is the backstop; the entry still goes
    });
    expect(gone.map((r) => r.uploadId)).toEqual(['u-old']);
    expect(aborted).toEqual(['u-old']);
    expect((await store.list()).map((r) => r.uploadId)).toEqual(['u-fresh']);
  });
});

describe('Storage.abortUpload', () => {
  it('aborts a multipart upload inside the prefix; one already gone is not an error', async () => {
    const storage = await open();
    const pause = new AbortController();
    let uploadId = '';
    const release = env.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2 }, fault: { hang: true } });
    const run = storage.upload('left.bin', new Blob([patternBytes(2 * 5 * MiB + 1)]), {
      pauseSignal: pause.signal,
      onMultipartStarted: (i) => (uploadId = i.uploadId),
      onPartUploaded: () => pause.abort(),
    });
    await expect(run).rejects.toMatchObject({ code: 'Aborted' });
    release();
    expect(env.emulator.store.getUpload(uploadId)).toBeDefined();
    await storage.abortUpload('left.bin', uploadId);
    expect(env.emulator.store.getUpload(uploadId)).toBeUndefined();
    expect(env.emulator.requests.filter((r) => r.operation === 'AbortMultipartUpload').map((r) => r.key)).toEqual([`${storage.prefix}left.bin`]);
    await expect(storage.abortUpload('left.bin', uploadId)).resolves.toBeUndefined();
    await expect(storage.abortUpload('../x.bin', uploadId)).rejects.toMatchObject({ code: 'InvalidKey' });
  });
});

describe('UploadQueue with a resume store (a reload in the middle)', () => {
  it('continues the same file after a "reload", sending only the missing parts, then forgets it', async () => {
    const sub = `user-${crypto.randomUUID()}`;
    const dbName = freshDb();
    const data = patternBytes(4 * 5 * MiB + 333);
    const storage1 = await open(sub);
    const resume1 = new ResumeStore({ bucket: config.bucket, prefix: storage1.prefix, dbName });
    const q1 = new UploadQueue(storage1, { resume: resume1 });
    await q1.ready;
    // Part 3 never answers: the first page "dies" with parts 1 and 2 on the server.
    const release = env.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 3 }, fault: { hang: true }, times: Infinity });
    const [item1] = q1.add([file(data)], 'docs/') as [UploadItem];
    await waitFor(() => item1.loaded >= 2 * 5 * MiB, 'parts 1 and 2 to be sent');
    const rec = await recordWithParts(resume1, 2);
    expect(rec.parts.map((p) => p.partNumber)).toEqual([1, 2]);
    // Each with the CRC32 of its bytes, for the resume to check the file against.
    expect(rec.parts.map((p) => p.crc32)).toEqual([1, 2].map((n) => referenceCrc32(data.subarray((n - 1) * 5 * MiB, n * 5 * MiB))));
    // The page goes away: requests stop without a cancel (a pause is the closest in one process).
    q1.pause(item1);
    await waitFor(() => item1.status === 'paused', 'the upload to pause');
    release();
    resume1.close();
    storage1.destroy();

    env.emulator.requests.length = 0;
    const storage2 = await open(sub);
    const resume2 = new ResumeStore({ bucket: config.bucket, prefix: storage2.prefix, dbName });
    const q2 = new UploadQueue(storage2, { resume: resume2 });
    await q2.ready;
    expect(q2.unfinished.map((r) => [r.path, r.size])).toEqual([['docs/big.bin', data.length]]);
    const [item2] = q2.add([file(data.slice())], 'docs/') as [UploadItem];
    await waitFor(() => item2.resumed !== undefined, 'the upload to resume');
    expect(item2.resumed).toEqual({ kept: 2, of: 5 });
    expect(q2.unfinished).toEqual([]);
    await waitFor(() => item2.status === 'done', 'the resumed upload to finish');
    expect(env.emulator.requests.some((r) => r.operation === 'CreateMultipartUpload')).toBe(false);
    expect(sentParts().sort()).toEqual([3, 4, 5]);
    const stored = await env.emulator.store.read(env.bucket, `${storage2.prefix}docs/big.bin`);
    expect(Buffer.from(await stored!.arrayBuffer()).equals(Buffer.from(data))).toBe(true);
    await forgotten(resume2);
    // Another identity never saw it.
    const stranger = new ResumeStore({ bucket: config.bucket, prefix: 'users/us-east-1:someone-else/', dbName });
    expect(await stranger.list()).toEqual([]);
  });

  it('aborts a paused multipart upload on the server when it is cancelled, and forgets it', async () => {
    const dbName = freshDb();
    const storage = await open();
    const resume = new ResumeStore({ bucket: config.bucket, prefix: storage.prefix, dbName });
    const q = new UploadQueue(storage, { resume });
    const release = env.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2 }, fault: { hang: true }, times: Infinity });
    const [item] = q.add([file(patternBytes(2 * 5 * MiB + 7), 'drop.bin')], '') as [UploadItem];
    await waitFor(() => item.loaded >= 5 * MiB, 'part 1 to be sent');
    q.pause(item);
    await waitFor(() => item.status === 'paused', 'the upload to pause');
    release();
    const uploadId = item.resumeFrom!.uploadId;
    expect(env.emulator.store.getUpload(uploadId)).toBeDefined();
    q.cancel(item);
    expect(item.status).toBe('cancelled');
    await waitFor(() => env.emulator.store.getUpload(uploadId) === undefined, 'the multipart upload to be aborted');
    await forgotten(resume);
  });

  it('at start-up aborts and drops remembered uploads older than six days, and lists the rest', async () => {
    const dbName = freshDb();
    const storage = await open();
    // A real multipart upload left on the server a week ago (by the clock of the store).
    const { UploadId: uploadId } = await (await storage.s3Client()).send(new CreateMultipartUploadCommand({ Bucket: config.bucket, Key: `${storage.prefix}old.bin` }));
    let now = 0;
    const seed = new ResumeStore({ bucket: config.bucket, prefix: storage.prefix, dbName, now: () => now });
    const common = { key: '', file: { name: 'x', size: 6 * MiB, lastModified: 1 }, partSize: 5 * MiB };
    await seed.start({ ...common, fingerprint: 'a', path: 'old.bin', key: `${storage.prefix}old.bin`, uploadId: uploadId! });
    now = STALE_AFTER_MS;
    await seed.start({ ...common, fingerprint: 'b', path: 'recent.bin', uploadId: 'recent-upload' });
    now = STALE_AFTER_MS + 10;
    const resume = new ResumeStore({ bucket: config.bucket, prefix: storage.prefix, dbName, now: () => now });
    const q = new UploadQueue(storage, { resume });
    await q.ready;
    expect(env.emulator.store.getUpload(uploadId!)).toBeUndefined();
    expect(q.unfinished.map((r) => r.path)).toEqual(['recent.bin']);
    await q.discardUnfinished();
    expect(q.unfinished).toEqual([]);
    expect(await resume.list()).toEqual([]);
  });
});

/**
 * A resume store that keeps File System Access handles aside: a browser's IndexedDB clones a real
 * handle, fake-indexeddb cannot clone a fake one's methods. Shared across "reloads" like the database.
 */
class HandleKeepingStore extends ResumeStore {
  constructor(
    opts: ConstructorParameters<typeof ResumeStore>[0],
    readonly handles: Map<string, FileSystemFileHandle>,
  ) {
    super(opts);
  }
  #with(r: ResumeRecord): ResumeRecord {
    const handle = this.handles.get(`${r.fingerprint}\n${r.path}`);
    return handle ? { ...r, handle } : r;
  }
  override start(info: Parameters<ResumeStore['start']>[0]): Promise<void> {
    if (info.handle) this.handles.set(`${info.fingerprint}\n${info.path}`, info.handle);
    return super.start({ ...info, handle: undefined });
  }
  override async get(fingerprint: string, path: string): Promise<ResumeRecord | undefined> {
    const r = await super.get(fingerprint, path);
    return r && this.#with(r);
  }
  override async list(): Promise<ResumeRecord[]> {
    return (await super.list()).map((r) => this.#with(r));
  }
}

/** A FileSystemFileHandle as Chromium gives one: the file, and read permission to query or request. */
function fakeHandle(getFile: () => Promise<File>, permission: PermissionState, afterRequest: PermissionState = 'granted') {
  const h = {
    kind: 'file' as const,
    name: 'big.bin',
    permission,
    requests: 0,
    getFile,
    queryPermission: async () => h.permission,
    requestPermission: async () => {
      h.requests++;
      h.permission = afterRequest;
      return h.permission;
    },
  };
  return h;
}

describe('UploadQueue with kept file handles (File System Access)', () => {
  /** The first page: the file is picked with its handle, parts 1 and 2 arrive, then the page goes away. */
  async function interrupted(sub: string, dbName: string, handles: Map<string, FileSystemFileHandle>, data: Uint8Array<ArrayBuffer>, handle: object) {
    const storage = await open(sub);
    const resume = new HandleKeepingStore({ bucket: config.bucket, prefix: storage.prefix, dbName }, handles);
    const q = new UploadQueue(storage, { resume });
    await q.ready;
    const release = env.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 3 }, fault: { hang: true }, times: Infinity });
    const [item] = q.add([{ file: file(data), handle: handle as FileSystemFileHandle }], 'docs/') as [UploadItem];
    await waitFor(() => item.loaded >= 2 * 5 * MiB, 'parts 1 and 2 to be sent');
    await waitFor(() => item.sent.size === 2, 'parts 1 and 2 to be confirmed');
    expect((await recordWithParts(resume, 2)).handle).toBe(handle);
    q.pause(item);
    await waitFor(() => item.status === 'paused', 'the upload to pause');
    release();
    resume.close();
    storage.destroy();
  }

  async function reloaded(sub: string, dbName: string, handles: Map<string, FileSystemFileHandle>) {
    env.emulator.requests.length = 0;
    const storage = await open(sub);
    const resume = new HandleKeepingStore({ bucket: config.bucket, prefix: storage.prefix, dbName }, handles);
    const q = new UploadQueue(storage, { resume });
    await q.ready;
    return { storage, resume, q };
  }

  it('continues by itself after a reload when the handle may still be read and the file is the same', async () => {
    const sub = `user-${crypto.randomUUID()}`;
    const dbName = freshDb();
    const handles = new Map<string, FileSystemFileHandle>();
    const data = patternBytes(4 * 5 * MiB + 333, 5);
    const handle = fakeHandle(async () => file(data.slice()), 'granted');
    await interrupted(sub, dbName, handles, data, handle);

    const { storage, resume, q } = await reloaded(sub, dbName, handles);
    // Nothing to ask: the upload is already back in the queue, not in the notice.
    expect(q.unfinished).toEqual([]);
    const [item] = q.items as [UploadItem];
    expect(item.path).toBe('docs/big.bin');
    expect(item.handle).toBe(handle);
    await waitFor(() => item.status === 'done', 'the resumed upload to finish');
    expect(item.resumed).toEqual({ kept: 2, of: 5 });
    expect(handle.requests).toBe(0);
    expect(env.emulator.requests.some((r) => r.operation === 'CreateMultipartUpload')).toBe(false);
    expect(sentParts().sort()).toEqual([3, 4, 5]);
    const stored = await env.emulator.store.read(env.bucket, `${storage.prefix}docs/big.bin`);
    expect(Buffer.from(await stored!.arrayBuffer()).equals(Buffer.from(data))).toBe(true);
    await forgotten(resume);
  });

  it('asks for permission with one click where the browser wants it, then continues', async () => {
    const sub = `user-${crypto.randomUUID()}`;
    const dbName = freshDb();
    const handles = new Map<string, FileSystemFileHandle>();
    const data = patternBytes(4 * 5 * MiB + 333, 6);
    const handle = fakeHandle(async () => file(data.slice()), 'granted');
    await interrupted(sub, dbName, handles, data, handle);
    // After a browser restart Chromium asks again.
    handle.permission = 'prompt';

    const { storage, q } = await reloaded(sub, dbName, handles);
    expect(q.items).toEqual([]);
    expect(q.unfinished.map((r) => [r.path, r.reopen])).toEqual([['docs/big.bin', 'ask']]);
    await q.reopen(q.unfinished[0]!);
    expect(handle.requests).toBe(1);
    expect(q.unfinished).toEqual([]);
    const [item] = q.items as [UploadItem];
    await waitFor(() => item.status === 'done', 'the resumed upload to finish');
    expect(sentParts().sort()).toEqual([3, 4, 5]);
    const stored = await env.emulator.store.read(env.bucket, `${storage.prefix}docs/big.bin`);
    expect(Buffer.from(await stored!.arrayBuffer()).equals(Buffer.from(data))).toBe(true);
  });

  it('says when the kept file is gone, has changed or may not be read, and leaves those to be added again', async () => {
    const dbName = freshDb();
    const storage = await open();
    const handles = new Map<string, FileSystemFileHandle>();
    const seed = new HandleKeepingStore({ bucket: config.bucket, prefix: storage.prefix, dbName }, handles);
    const data = patternBytes(6 * MiB, 9);
    const same = file(data);
    const fingerprint = await fileFingerprint(same);
    const common = { key: '', file: same, uploadId: 'u', partSize: 5 * MiB };
    const gone = fakeHandle(() => Promise.reject(new DOMException('A requested file could not be found', 'NotFoundError')), 'granted');
    const changed = fakeHandle(async () => file(data, 'big.bin', 1_700_000_999_000), 'granted');
    const denied = fakeHandle(async () => same, 'denied');
    const asks = fakeHandle(async () => same, 'prompt', 'denied');
    await seed.start({ ...common, fingerprint, path: 'gone.bin', handle: gone as unknown as FileSystemFileHandle });
    await seed.start({ ...common, fingerprint, path: 'changed.bin', handle: changed as unknown as FileSystemFileHandle });
    await seed.start({ ...common, fingerprint, path: 'denied.bin', handle: denied as unknown as FileSystemFileHandle });
    await seed.start({ ...common, fingerprint, path: 'asks.bin', handle: asks as unknown as FileSystemFileHandle });
    await seed.start({ ...common, fingerprint, path: 'picked.bin' });

    const q = new UploadQueue(storage, { resume: new HandleKeepingStore({ bucket: config.bucket, prefix: storage.prefix, dbName }, handles) });
    await q.ready;
    expect(q.items).toEqual([]);
    const states = () => Object.fromEntries(q.unfinished.map((r) => [r.path, r.reopen]));
    expect(states()).toEqual({ 'gone.bin': 'gone', 'changed.bin': 'changed', 'denied.bin': 'add', 'asks.bin': 'ask', 'picked.bin': 'add' });
    // Refused at the prompt: back to adding the file again.
    await q.reopen(q.unfinished.find((r) => r.path === 'asks.bin')!);
    expect(asks.requests).toBe(1);
    expect(states()['asks.bin']).toBe('add');
    expect(q.items).toEqual([]);
  });
});
