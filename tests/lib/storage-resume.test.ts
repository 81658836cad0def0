// Pause and resume through Storage.upload against the local AWS emulation: a paused multipart upload
// keeps its finished parts on the server, a resume sends only the rest, and a cancel still cleans up.
// With checksumParts, each part's CRC32 is recorded (never sent to S3), and a resume re-sends the
// parts whose bytes changed since, even where size, ETag and the file's fingerprint all still match.

import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/lib/config.ts';
import { MiB } from '../../src/lib/config.ts';
import { cognitoCredentials } from '../../src/lib/credentials.ts';
import { fileFingerprint } from '../../src/lib/resume-store.ts';
import { Storage, type OpenOptions } from '../../src/lib/storage.ts';
import type { PartRef } from '../../src/lib/transport.ts';
import { referenceCrc32 } from '../support/crc32.ts';
import { TEST_PROVIDER, fakeIdToken, useEmulation, testConfig } from '../support/emulation.ts';
import { limit } from '../support/limits.ts';
import { sha256 } from '../support/s3.ts';
import { rejection } from '../support/wait.ts';
import { patternBytes } from './fake-transport.ts';

const env = useEmulation();

const config: AppConfig = testConfig({ parallelParts: 1, maxFileSize: 100 * MiB });

const OPEN: OpenOptions = {
  signedIn: true,
  s3: { expectContinueHeader: false },
  // Every part checksummed, whatever speed the emulation reaches (see the last test for the rule).
  engine: { retry: { baseDelayMs: 1, maxDelayMs: 5 }, requestTimeoutMs: limit(10_000), checksumBelowBytesPerSecond: Infinity },
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
    const err = await rejection(first);
    release();
    expect(err.code).toBe('Aborted');
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

const PART = 5 * MiB;
const FILE_TIME = 1_700_000_000_000;

describe('per-part CRC32 (checksumParts)', () => {
  /**
   * Uploads `data` with part `hangPart` never answering; pauses once every part before it is in,
   * leaving parts 1..hangPart-1 on the server. Returns what a resume record would hold.
   */
  async function pausedUpload(storage: Storage, path: string, data: Uint8Array<ArrayBuffer>, hangPart: number) {
    const pause = new AbortController();
    const parts: PartRef[] = [];
    let started: { uploadId: string; partSize: number } | undefined;
    const release = env.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: hangPart }, fault: { hang: true }, times: Infinity });
    const run = storage.upload(path, new Blob([data]), {
      pauseSignal: pause.signal,
      checksumParts: true,
      onMultipartStarted: (info) => (started = info),
      onPartUploaded: (p) => {
        parts.push(p);
        if (parts.length === hangPart - 1) pause.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'Aborted' });
    release();
    expect(started).toBeDefined();
    return { uploadId: started!.uploadId, partSize: started!.partSize, parts: parts.sort((a, b) => a.partNumber - b.partNumber) };
  }

  it('records each part with a CRC32 equal to an independent one, and sends none to S3', async () => {
    const storage = await open();
    const data = patternBytes(3 * PART + 777, 7);
    const { uploadId, parts } = await pausedUpload(storage, 'crc.bin', data, 3);
    expect(parts.map((p) => p.partNumber)).toEqual([1, 2]);
    for (const p of parts) {
      const slice = data.subarray((p.partNumber - 1) * PART, p.partNumber * PART);
      expect(p.crc32).toBe(referenceCrc32(slice));
    }
    // A local record only: S3 got no x-amz-checksum-crc32 (it would then insist on one at Complete).
    expect(env.emulator.store.listParts(uploadId).map((p) => [p.partNumber, p.checksumCrc32])).toEqual([
      [1, undefined],
      [2, undefined],
    ]);
  });

  it('on resume re-sends exactly the parts whose bytes changed in the middle of the file, ending byte-identical', async () => {
    const storage = await open();
    const before = patternBytes(4 * PART + 4321, 11);
    const record = await pausedUpload(storage, 'edited.bin', before, 4);
    expect(record.parts.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    // The file changes inside part 2, keeping its size, its time and its first and last MiB.
    const after = before.slice();
    for (let i = PART + 2 * MiB; i < PART + 2 * MiB + 100; i++) after[i] = after[i]! ^ 0xff;
    const name = 'edited.bin';
    expect(await fileFingerprint(new File([after], name, { lastModified: FILE_TIME }))).toBe(
      await fileFingerprint(new File([before], name, { lastModified: FILE_TIME })),
    );
    // S3 still lists part 2 with the size and ETag the record holds: only the CRC32 can tell.
    const listed = env.emulator.store.listParts(record.uploadId).find((p) => p.partNumber === 2);
    expect([listed?.size, listed?.etag]).toEqual([PART, record.parts[1]!.etag]);

    env.emulator.requests.length = 0;
    let kept: PartRef[] = [];
    const resent: PartRef[] = [];
    await storage.upload('edited.bin', new File([after], name, { lastModified: FILE_TIME }), {
      resume: record,
      checksumParts: true,
      onMultipartStarted: (info) => (kept = info.kept),
      onPartUploaded: (p) => resent.push(p),
    });
    expect(uploadedParts().sort()).toEqual([2, 4, 5]);
    expect(kept.map((p) => p.partNumber)).toEqual([1, 3]);
    // The new part 2 is recorded with the CRC32 of the new bytes.
    expect(resent.find((p) => p.partNumber === 2)?.crc32).toBe(referenceCrc32(after.subarray(PART, 2 * PART)));
    const stored = await env.emulator.store.read(env.bucket, `${storage.prefix}edited.bin`);
    expect(sha256(new Uint8Array(await stored!.arrayBuffer()))).toBe(sha256(after));
  });

  it('re-sends nothing that S3 holds when the file did not change', async () => {
    const storage = await open();
    const data = patternBytes(4 * PART + 99, 13);
    const record = await pausedUpload(storage, 'same.bin', data, 4);
    env.emulator.requests.length = 0;
    let kept: PartRef[] = [];
    await storage.upload('same.bin', new Blob([data.slice()]), { resume: record, checksumParts: true, onMultipartStarted: (info) => (kept = info.kept) });
    expect(uploadedParts().sort()).toEqual([4, 5]);
    // The kept parts keep their CRC32s, for the next record.
    expect(kept).toEqual(record.parts);
    const stored = await env.emulator.store.read(env.bucket, `${storage.prefix}same.bin`);
    expect(sha256(new Uint8Array(await stored!.arrayBuffer()))).toBe(sha256(data));
  });

  it('with checksums on, sends again the parts recorded without a CRC32; without, keeps them on size and ETag', async () => {
    const storage = await open();
    const data = patternBytes(3 * PART + 5, 17);
    const record = await pausedUpload(storage, 'old.bin', data, 3);
    const withoutCrc = record.parts.map(({ partNumber, etag }) => ({ partNumber, etag }));
    env.emulator.requests.length = 0;
    await storage.upload('old.bin', new Blob([data]), { resume: { ...record, parts: withoutCrc }, checksumParts: true });
    expect(uploadedParts().sort()).toEqual([1, 2, 3, 4]);
    let stored = await env.emulator.store.read(env.bucket, `${storage.prefix}old.bin`);
    expect(sha256(new Uint8Array(await stored!.arrayBuffer()))).toBe(sha256(data));

    const again = await pausedUpload(storage, 'older.bin', data, 3);
    env.emulator.requests.length = 0;
    await storage.upload('older.bin', new Blob([data]), { resume: { ...again, parts: again.parts.map(({ partNumber, etag }) => ({ partNumber, etag })) } });
    expect(uploadedParts().sort()).toEqual([3, 4]);
    stored = await env.emulator.store.read(env.bucket, `${storage.prefix}older.bin`);
    expect(sha256(new Uint8Array(await stored!.arrayBuffer()))).toBe(sha256(data));
  });

  it('skips the checksum once the upload runs faster than the threshold, and a resume sends those parts again', async () => {
    // 1 byte/s: every part after the first finished one counts as fast.
    const creds = cognitoCredentials({ identityPoolId: config.identityPoolId, region: config.region, logins: { [TEST_PROVIDER]: fakeIdToken({ sub: `user-${crypto.randomUUID()}` }) } });
    const storage = await Storage.open(config, creds, { ...OPEN, engine: { ...OPEN.engine, checksumBelowBytesPerSecond: 1 } });
    const data = patternBytes(4 * PART + 3, 19);
    const record = await pausedUpload(storage, 'fast.bin', data, 4);
    // parallelParts is 1 here: part 1 started before any throughput was known.
    expect(record.parts.map((p) => [p.partNumber, p.crc32 !== undefined])).toEqual([
      [1, true],
      [2, false],
      [3, false],
    ]);
    env.emulator.requests.length = 0;
    await storage.upload('fast.bin', new Blob([data]), { resume: record, checksumParts: true });
    expect(uploadedParts().sort()).toEqual([2, 3, 4, 5]);
    const stored = await env.emulator.store.read(env.bucket, `${storage.prefix}fast.bin`);
    expect(sha256(new Uint8Array(await stored!.arrayBuffer()))).toBe(sha256(data));
  });
});
