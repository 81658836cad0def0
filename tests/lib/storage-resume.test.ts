// Pause and resume through Storage.upload against the local AWS emulation: a paused multipart upload
// keeps its finished parts on the server, a resume sends only the rest, and a cancel still cleans up.

import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/lib/config.ts';
import { MiB } from '../../src/lib/config.ts';
import { cognitoCredentials } from '../../src/lib/credentials.ts';
import { StorageError } from '../../src/lib/errors.ts';
import { Storage, type OpenOptions } from '../../src/lib/storage.ts';
import { TEST_PROVIDER, fakeIdToken, useEmulation, testConfig } from '../support/emulation.ts';
import { patternBytes } from './fake-transport.ts';

const env = useEmulation();

const config: AppConfig = testConfig({ parallelParts: 1, maxFileSize: 100 * MiB });

const OPEN: OpenOptions = {
  signedIn: true,
  s3: { expectContinueHeader: false },
  engine: { retry: { baseDelayMs: 1, maxDelayMs: 5 }, requestTimeoutMs: 10_000 },
};

async function open(): Promise<Storage> {
  const creds = cognitoCredentials({
    identityPoolId: config.identityPoolId,
    region: config.region,
    logins: { [TEST_PROVIDER]: fakeIdToken({ sub: `user-${crypto.randomUUID()}` }) },
  });
  return Storage.open(config, creds, OPEN);
}

function uploadedParts(): number[] {
  return env.emulator.requests.filter((r) => r.operation === 'UploadPart' && r.status < 300).map((r) => r.partNumber ?? 0);
}

describe('Storage.upload pause and resume', () => {
  it('keeps the finished parts when paused and sends only the rest on resume', async () => {
    const storage = await open();
    const data = patternBytes(3 * 5 * MiB + 1234);
    const body = new Blob([data]);
    const pause = new AbortController();
    let started: { uploadId: string; partSize: number } | undefined;
    // Part 2 hangs until the pause aborts it.
    const release = env.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2 }, fault: { hang: true } });
    const first = storage.upload('big.bin', body, {
      pauseSignal: pause.signal,
      onMultipartStarted: (info) => (started = info),
      onProgress: (p) => {
        if (p.loaded >= 5 * MiB) pause.abort();
      },
    });
    const err = await first.then(
      () => undefined,
      (e: unknown) => e,
    );
    release();
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('Aborted');
    expect(started?.partSize).toBe(5 * MiB);
    // Paused, not cancelled: the upload and its first part are still on the server.
    expect(env.emulator.requests.some((r) => r.operation === 'AbortMultipartUpload')).toBe(false);
    const upload = env.emulator.store.getUpload(started!.uploadId);
    expect(upload).toBeDefined();
    expect(env.emulator.store.listParts(started!.uploadId).map((p) => p.partNumber)).toEqual([1]);

    env.emulator.requests.length = 0;
    const events: number[] = [];
    const res = await storage.upload('big.bin', body, { resume: started!, onProgress: (p) => events.push(p.loaded) });
    expect(res.path).toBe('big.bin');
    expect(env.emulator.requests.some((r) => r.operation === 'CreateMultipartUpload')).toBe(false);
    expect(uploadedParts().sort()).toEqual([2, 3, 4]);
    // Progress starts from the bytes already on the server.
    expect(events[0]).toBe(5 * MiB);
    const stored = await env.emulator.store.read(env.bucket, `${storage.prefix}big.bin`);
    expect(Buffer.from(await stored!.arrayBuffer()).equals(Buffer.from(data))).toBe(true);
  });

  it('aborts the multipart upload when cancelled, even with a pause signal given', async () => {
    const storage = await open();
    const body = new Blob([patternBytes(2 * 5 * MiB + 1)]);
    const pause = new AbortController();
    const cancel = new AbortController();
    let uploadId: string | undefined;
    const release = env.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2 }, fault: { hang: true } });
    const p = storage.upload('gone.bin', body, {
      signal: cancel.signal,
      pauseSignal: pause.signal,
      onMultipartStarted: (info) => (uploadId = info.uploadId),
      onProgress: (ev) => {
        if (ev.loaded >= 5 * MiB) cancel.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'Aborted' });
    release();
    expect(uploadId).toBeDefined();
    expect(env.emulator.store.getUpload(uploadId!)).toBeUndefined();
    expect(env.emulator.store.head(env.bucket, `${storage.prefix}gone.bin`)).toBeUndefined();
  });

  it('starts over when the paused upload has gone from the server', async () => {
    const storage = await open();
    const data = patternBytes(5 * MiB + 10);
    const res = await storage.upload('again.bin', new Blob([data]), { resume: { uploadId: 'vanished-upload-id' } });
    expect(res.path).toBe('again.bin');
    const stored = await env.emulator.store.read(env.bucket, `${storage.prefix}again.bin`);
    expect(stored?.size).toBe(data.length);
  });
});
