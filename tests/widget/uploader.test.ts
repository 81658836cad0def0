// The widget's file list against the local AWS emulation under the real guest IAM policy, over the
// widget's own stack (Cognito over fetch, signed-fetch transport): names, events, cancel, retry that
// continues a multipart upload, and nothing left behind when a file leaves the list.

import { describe, expect, it } from 'vitest';
import { MiB } from '../../src/lib/config.ts';
import { fetchCognitoCredentials } from '../../src/lib/cognito-fetch.ts';
import { fetchTransport } from '../../src/lib/fetch-transport.ts';
import type { WidgetConfig } from '../../src/widget/config.ts';
import { Uploader, type Connection, type UploaderEvent } from '../../src/widget/uploader.svelte.ts';
import { DEFAULTS, seedObject, storedText, useEmulation } from '../support/emulation.ts';
import { iamAuthorizer } from '../support/iam-authorizer.ts';
import { patternBytes } from '../lib/fake-transport.ts';
import { limit } from '../support/limits.ts';
import { probes } from '../support/s3.ts';
import { waitFor } from '../support/wait.ts';

const env = useEmulation({ authorize: iamAuthorizer({ bucket: DEFAULTS.bucket }) });

const config: WidgetConfig = {
  region: env.region,
  bucket: env.bucket,
  identityPoolId: env.identityPoolId,
  prefix: 'uploads/{identityId}/',
  endpoints: { forcePathStyle: false },
  partSize: 5 * MiB,
  parallelParts: 2,
  accept: [],
  maxSize: Infinity,
  maxFiles: Infinity,
  multiple: true,
  autoUpload: false,
  locale: 'en',
};

function setup(overrides: Partial<WidgetConfig> = {}) {
  const events: UploaderEvent[] = [];
  const credentials = fetchCognitoCredentials({ identityPoolId: env.identityPoolId });
  const connection: Connection = { credentials, transport: fetchTransport({ bucket: env.bucket, region: env.region, credentials }) };
  const uploader = new Uploader({
    config: () => ({ ...config, ...overrides }),
    connect: () => connection,
    emit: (e) => events.push(e),
    engine: { retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 }, requestTimeoutMs: limit(10_000) },
  });
  const prefix = async () => `uploads/${(await credentials.get()).identityId}/`;
  return { uploader, events, prefix, credentials };
}

const file = (name: string, data: string | Uint8Array<ArrayBuffer>, type = '') => new File([data], name, { type });
const ok = () => undefined;
const { abortedWhileHeld, count, s3Calls: calls, storedBytes } = probes(env);

describe('Uploader', () => {
  it('uploads into the guest drop box and reports start, progress and complete with key, size and etag', async () => {
    const { uploader, events, prefix } = setup();
    const { added } = uploader.add([file('cv.pdf', '%PDF-1.7 hello', 'application/pdf')], ok);
    expect(uploader.items).toMatchObject([{ id: added[0], name: 'cv.pdf', status: 'queued', size: 14 }]);
    const outcomes = await uploader.upload();
    const key = `${await prefix()}cv.pdf`;
    const stored = env.emulator.store.head(env.bucket, key);
    expect(stored).toMatchObject({ size: 14, contentType: 'application/pdf' });
    expect(outcomes).toEqual([{ name: 'cv.pdf', size: 14, status: 'done', key, etag: stored!.etag, error: undefined }]);
    expect(events.map((e) => e.type)).toEqual(['start', 'progress', 'progress', 'complete']);
    expect(events[0]!.detail).toEqual({ name: 'cv.pdf', key, size: 14 });
    expect(events.filter((e) => e.type === 'progress').map((e) => e.detail)).toEqual([0, 14].map((loaded) => ({ name: 'cv.pdf', key, loaded, total: 14 })));
    expect(events[3]!.detail).toEqual({ name: 'cv.pdf', key, size: 14, etag: stored!.etag });
    // Only what the guest policy allows: one conditional PUT.
    expect(calls()).toEqual(['PutObject 200']);
  });

  it('gives a second file of the same name a free name without asking S3, and a name taken earlier the next one', async () => {
    const { uploader, events, prefix, credentials } = setup();
    const p = `uploads/${(await credentials.get()).identityId}/`;
    // Taken before this page load (same identity on an earlier visit).
    await seedObject(env, `${p}photo (1).jpg`, 'older');
    uploader.add([file('photo.jpg', 'one'), file('photo.jpg', 'two')], ok);
    await uploader.upload();
    expect(await prefix()).toBe(p);
    expect(await storedText(env, `${p}photo.jpg`)).toBe('one');
    expect(await storedText(env, `${p}photo (1).jpg`)).toBe('older');
    expect(await storedText(env, `${p}photo (2).jpg`)).toBe('two');
    expect(uploader.items.map((i) => [i.status, i.savedAs])).toEqual([['done', undefined], ['done', 'photo (2).jpg']]);
    const completes = events.filter((e) => e.type === 'complete').map((e) => e.detail);
    expect(completes).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'photo.jpg', key: `${p}photo (2).jpg` })]));
    // The first file's name was known to be in use: only the earlier visit's file cost a 412.
    expect(calls().filter((c) => c === 'PutObject 412')).toHaveLength(1);
  });

  it('uploads two files at a time; the third waits its turn', async () => {
    const { uploader, prefix } = setup();
    // The first two PUTs are held until the test has seen the third file wait.
    env.emulator.faults.add({ match: { operation: 'PutObject' }, times: 2, fault: { hold: 'first two' } });
    uploader.add([file('a.txt', 'a'), file('b.txt', 'b'), file('c.txt', 'c')], ok);
    const done = uploader.upload();
    await waitFor(() => env.emulator.faults.held('first two') === 2, 'two uploads on their way');
    expect(uploader.items.map((i) => i.status)).toEqual(['uploading', 'uploading', 'queued']);
    expect(env.emulator.requests.filter((r) => r.operation === 'PutObject').map((r) => r.key!.slice(-5)).sort()).toEqual(['a.txt', 'b.txt']);
    env.emulator.faults.release('first two');
    expect((await done).map((o) => o.status)).toEqual(['done', 'done', 'done']);
    const p = await prefix();
    expect(await Promise.all(['a', 'b', 'c'].map((n) => storedText(env, `${p}${n}.txt`)))).toEqual(['a', 'b', 'c']);
  });

  it('keeps a multipart upload that failed on a transient error, and Retry sends only the missing parts', async () => {
    const { uploader, events, prefix } = setup();
    const data = patternBytes(12 * MiB + 5, 3);
    env.emulator.faults.add({ match: { operation: 'UploadPart', partNumber: 3 }, times: Infinity, fault: { status: 500, code: 'InternalError' } });
    const { added } = uploader.add([file('big.bin', data)], ok);
    await uploader.upload();
    expect(uploader.items[0]).toMatchObject({ status: 'failed', error: { code: 'InternalError' } });
    expect(events.at(-1)).toMatchObject({ type: 'error', detail: { code: 'InternalError', name: 'big.bin', key: `${await prefix()}big.bin` } });
    // The engine asked for an abort; the widget kept the parts for Retry instead.
    expect(count('AbortMultipartUpload')).toBe(0);
    expect(env.emulator.store.listUploads(env.bucket)).toHaveLength(1);
    const sentBefore = calls().filter((c) => c === 'UploadPart 200').length;
    expect(sentBefore).toBe(2);

    env.emulator.faults.clear();
    uploader.retry(added[0]!);
    await uploader.upload();
    expect(uploader.items[0]!.status).toBe('done');
    expect(count('ListParts')).toBe(1);
    expect(count('CreateMultipartUpload')).toBe(1);
    expect(calls().filter((c) => c === 'UploadPart 200').length - sentBefore).toBe(1);
    expect((await storedBytes(`${await prefix()}big.bin`))?.equals(Buffer.from(data))).toBe(true);
    expect(env.emulator.store.listUploads(env.bucket)).toEqual([]);
  });

  it('aborts a multipart upload that failed for good, and one kept for Retry when its file is removed', async () => {
    const { uploader } = setup();
    env.emulator.faults.add({ match: { operation: 'UploadPart', partNumber: 2 }, fault: { status: 403, code: 'AccessDenied' } });
    uploader.add([file('denied.bin', patternBytes(6 * MiB, 5))], ok);
    await uploader.upload();
    expect(uploader.items[0]).toMatchObject({ status: 'failed', error: { code: 'AccessDenied' } });
    expect(calls()).toContain('AbortMultipartUpload 204');
    expect(env.emulator.store.listUploads(env.bucket)).toEqual([]);

    uploader.clear();
    env.emulator.faults.add({ match: { operation: 'UploadPart', partNumber: 2 }, times: Infinity, fault: { status: 503, code: 'SlowDown' } });
    const { added } = uploader.add([file('kept.bin', patternBytes(6 * MiB, 6))], ok);
    await uploader.upload();
    expect(uploader.items[0]?.status).toBe('failed');
    expect(env.emulator.store.listUploads(env.bucket)).toHaveLength(1);
    uploader.remove(added[0]!);
    expect(uploader.items).toEqual([]);
    await waitFor(() => env.emulator.store.listUploads(env.bucket).length === 0, 'the kept upload to be aborted');
    expect(calls().filter((c) => c.startsWith('AbortMultipartUpload'))).toEqual(['AbortMultipartUpload 204', 'AbortMultipartUpload 204']);
  });

  it('cancel stops an upload and aborts its multipart upload; Retry starts it again', async () => {
    const { uploader, events, prefix } = setup();
    // The first parts are held, never released: the cancel comes while they are on their way.
    const unhold = env.emulator.faults.add({ match: { operation: 'UploadPart' }, times: 2, fault: { hold: 'parts' } });
    const data = patternBytes(11 * MiB, 8);
    const { added } = uploader.add([file('movie.mov', data)], ok);
    const done = uploader.upload();
    await waitFor(() => env.emulator.faults.held('parts') >= 1, 'a part on its way');
    uploader.cancel();
    const [outcome] = await done;
    unhold();
    expect(outcome).toMatchObject({ status: 'cancelled', error: undefined });
    expect(events.at(-1)).toMatchObject({ type: 'error', detail: { code: 'Aborted', name: 'movie.mov' } });
    expect(calls()).toContain('AbortMultipartUpload 204');
    await waitFor(() => env.emulator.store.listUploads(env.bucket).length === 0, 'the multipart upload to be aborted');
    expect(count('CompleteMultipartUpload')).toBe(0);
    // Every part sent was ended unanswered by the cancel; none was sent after it.
    expect((await abortedWhileHeld('parts')).length).toBe(count('UploadPart'));

    uploader.retry(added[0]!);
    await uploader.upload();
    expect(uploader.items[0]!.status).toBe('done');
    expect((await storedBytes(`${await prefix()}movie.mov`))?.equals(Buffer.from(data))).toBe(true);
  });

  it('refuses files the checks or max-files refuse, and reports an identity pool problem on the file', async () => {
    const { uploader } = setup({ maxFiles: 2 });
    const { added, refused } = uploader.add([file('a.exe', 'x'), file('b.txt', 'b'), file('c.txt', 'c'), file('d.txt', 'd')], (f) => (f.name.endsWith('.exe') ? 'FileTypeNotAccepted' : undefined));
    expect(added).toHaveLength(2);
    expect(refused.map((r) => [r.file.name, r.reason])).toEqual([['a.exe', 'FileTypeNotAccepted'], ['d.txt', 'TooManyFiles']]);

    const broken = new Uploader({
      config: () => config,
      connect: () => {
        const credentials = fetchCognitoCredentials({ identityPoolId: 'us-east-1:99999999-9999-4999-8999-999999999999' });
        return { credentials, transport: fetchTransport({ bucket: env.bucket, region: env.region, credentials }) };
      },
      emit: () => {},
    });
    broken.add([file('x.txt', 'x')], ok);
    const [outcome] = await broken.upload();
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'IdentityPoolNotFound' } });
    expect(outcome?.error?.message).toMatch(/identity pool id/);
  });
});
