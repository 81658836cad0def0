import { describe, expect, it } from 'vitest';
import { GiB, MiB, TiB } from '../../src/lib/config.ts';
import { StorageError, storageError } from '../../src/lib/errors.ts';
import { MAX_PARTS, backoffDelay, partSizeFor, sleep, uploadBlob } from '../../src/lib/upload.ts';
import type { UploadProgress, UploadRequest } from '../../src/lib/upload.ts';
import { rejection, waitFor } from '../support/wait.ts';
import { FakeTransport, patternBytes, sameBytes } from './fake-transport.ts';

const PART = 5 * MiB;

/** Backoff recorded instead of waited; abortable like the real sleep. */
function fastRetry(delays: number[] = []): UploadRequest['retry'] {
  return {
    sleep: async (ms, signal) => {
      delays.push(ms);
      if (signal.aborted) throw new StorageError('Aborted', 'Cancelled.');
    },
    random: () => 0.5,
  };
}

function req(body: Blob, extra: Partial<UploadRequest> = {}): UploadRequest {
  return { key: 'k', body, partSize: PART, parallelParts: 3, retry: fastRetry(), requestTimeoutMs: 5_000, ...extra };
}

describe('partSizeFor', () => {
  it('fits 5 TiB in 10,000 parts, rounded up to a MiB', () => {
    const size = partSizeFor(5 * TiB, 16 * MiB);
    expect(size).toBe(525 * MiB);
    expect(Math.ceil((5 * TiB) / size)).toBeLessThanOrEqual(MAX_PARTS);
    // One MiB less would not fit.
    expect(Math.ceil((5 * TiB) / (size - MiB))).toBeGreaterThan(MAX_PARTS);
  });

  it('keeps the preferred size when it fits, within 5 MiB .. 5 GiB', () => {
    expect(partSizeFor(100 * MiB, 16 * MiB)).toBe(16 * MiB);
    expect(partSizeFor(0, 16 * MiB)).toBe(16 * MiB);
    expect(partSizeFor(100 * MiB, 1 * MiB)).toBe(5 * MiB);
    expect(partSizeFor(100 * MiB, 5.5 * MiB)).toBe(6 * MiB);
    expect(partSizeFor(100 * MiB, 6 * GiB)).toBe(5 * GiB);
    expect(partSizeFor(200 * GiB, 16 * MiB)).toBe(21 * MiB); // 200 GiB / 10,000 = 20.48 MiB
  });

  it('refuses objects over 5 TiB', () => {
    expect(() => partSizeFor(5 * TiB + 1)).toThrow(expect.objectContaining({ code: 'TooLarge' }) as Error);
  });
});

describe('backoffDelay', () => {
  it('is full jitter under an exponentially growing, capped ceiling', () => {
    const p = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, { ...p, random: () => 0.999 }))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelay(3, { ...p, random: () => 0 })).toBe(0);
  });
});

describe('uploadBlob', () => {
  it('sends a small body in one conditional PutObject', async () => {
    const t = new FakeTransport();
    const data = patternBytes(1000);
    const events: UploadProgress[] = [];
    const res = await uploadBlob(t, req(new Blob([data]), { onProgress: (p) => events.push(p) }));
    expect(t.calls.map((c) => c.op)).toEqual(['putObject']);
    expect(t.calls[0]?.overwrite).toBe(false);
    expect(res.etag).toBe(t.objects.get('k')?.etag);
    expect(await sameBytes(t.objects.get('k')!.body, data)).toBe(true);
    expect(events).toEqual([
      { loaded: 0, total: 1000 },
      { loaded: 1000, total: 1000 },
    ]);
  });

  it('uploads an empty body with one PutObject', async () => {
    const t = new FakeTransport();
    await uploadBlob(t, req(new Blob([])));
    expect(t.calls.map((c) => c.op)).toEqual(['putObject']);
    expect(t.objects.get('k')?.body.size).toBe(0);
  });

  it('uploads a large body in Blob-slice parts and reassembles it exactly', async () => {
    const t = new FakeTransport();
    const data = patternBytes(4 * PART + 12345);
    const body = new Blob([data]);
    const res = await uploadBlob(t, req(body));
    const parts = t.calls.filter((c) => c.op === 'uploadPart');
    expect(parts.map((c) => c.partNumber).sort()).toEqual([1, 2, 3, 4, 5]);
    for (const p of parts) {
      expect(p.body).toBeInstanceOf(Blob);
      expect(p.body?.size).toBe(p.partNumber === 5 ? 12345 : PART);
    }
    expect(t.count('createMultipartUpload')).toBe(1);
    expect(t.count('completeMultipartUpload')).toBe(1);
    expect(t.calls.find((c) => c.op === 'completeMultipartUpload')?.overwrite).toBe(false);
    expect(res.parts).toBe(5);
    expect(await sameBytes(t.objects.get('k')!.body, data)).toBe(true);
    expect(t.uploads.size).toBe(0);
  });

  it('uses one PutObject up to the threshold (default: the part size)', async () => {
    const t = new FakeTransport();
    await uploadBlob(t, req(new Blob([new Uint8Array(PART)])));
    expect(t.calls.map((c) => c.op)).toEqual(['putObject']);
    const t2 = new FakeTransport();
    await uploadBlob(t2, req(new Blob([new Uint8Array(PART + 1)])));
    expect(t2.count('uploadPart')).toBe(2);
  });

  it('keeps exactly parallelParts parts in flight', async () => {
    for (const parallel of [1, 3]) {
      const t = new FakeTransport();
      // A part answers only once `parallel` parts are in flight (or every part has been sent): an
      // engine that started fewer would stall here, one that started more would show it in the maximum.
      t.fault = (c) =>
        c.op === 'uploadPart' ? waitFor(() => t.inFlightParts === parallel || t.count('uploadPart') === 8, `${parallel} parts in flight`).then(() => undefined) : undefined;
      await uploadBlob(t, req(new Blob([new Uint8Array(8 * PART)]), { parallelParts: parallel }));
      expect(t.count('uploadPart')).toBe(8);
      expect(t.maxInFlightParts).toBe(parallel);
    }
  });

  it('reports monotonic, exact byte progress including per-request progress and retries', async () => {
    const t = new FakeTransport();
    t.latencyMs = 6;
    t.reportProgress = true;
    // Part 2 reports half its bytes, then fails; its retry starts from zero again.
    t.fault = (c) => {
      if (c.op === 'uploadPart' && c.partNumber === 2 && c.attempt === 1) {
        return new Promise((_, reject) => setTimeout(() => reject(storageError('InternalError', { status: 500 })), 5));
      }
    };
    const size = 3 * PART + 777;
    const events: UploadProgress[] = [];
    await uploadBlob(t, req(new Blob([new Uint8Array(size)]), { onProgress: (p) => events.push(p), parallelParts: 2 }));
    expect(t.calls.filter((c) => c.op === 'uploadPart' && c.partNumber === 2).length).toBe(2);
    expect(events[0]).toEqual({ loaded: 0, total: size });
    expect(events.at(-1)).toEqual({ loaded: size, total: size });
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.loaded).toBeGreaterThan(events[i - 1]!.loaded);
      expect(events[i]!.loaded).toBeLessThanOrEqual(size);
      expect(events[i]!.total).toBe(size);
    }
    // Half-part reports made it through: more events than the 4 part completions + start.
    expect(events.length).toBeGreaterThan(5);
  });

  it('retries transient errors with backoff, then succeeds', async () => {
    const t = new FakeTransport();
    let n = 0;
    t.fault = (c) => {
      if (c.op === 'uploadPart' && c.partNumber === 1 && c.attempt <= 2) throw storageError('SlowDown', { status: 503 });
      if (c.op === 'completeMultipartUpload' && c.attempt === 1) throw storageError('NetworkError');
      if (c.op === 'createMultipartUpload' && n++ === 0) throw storageError('InternalError', { status: 500 });
    };
    const delays: number[] = [];
    const data = patternBytes(2 * PART);
    await uploadBlob(t, req(new Blob([data]), { retry: fastRetry(delays), multipartThreshold: PART }));
    expect(t.count('createMultipartUpload')).toBe(2);
    expect(t.calls.filter((c) => c.op === 'uploadPart' && c.partNumber === 1).length).toBe(3);
    expect(t.count('completeMultipartUpload')).toBe(2);
    // base 500 ms, random 0.5: 250 for a first retry, 500 for a second.
    expect(delays.sort((a, b) => a - b)).toEqual([250, 250, 250, 500]);
    expect(await sameBytes(t.objects.get('k')!.body, data)).toBe(true);
  });

  it('gives up after 5 attempts and aborts the multipart upload', async () => {
    const t = new FakeTransport();
    t.fault = (c) => {
      if (c.op === 'uploadPart' && c.partNumber === 2) throw storageError('ServiceUnavailable', { status: 503 });
    };
    const delays: number[] = [];
    const err = await rejection(uploadBlob(t, req(new Blob([new Uint8Array(3 * PART)]), { retry: fastRetry(delays), parallelParts: 1 })));
    expect(err.code).toBe('ServiceUnavailable');
    expect(t.calls.filter((c) => c.op === 'uploadPart' && c.partNumber === 2).length).toBe(5);
    expect(delays).toEqual([250, 500, 1000, 2000]);
    // Part 3 never started: the pool stops at the first fatal outcome.
    expect(t.calls.some((c) => c.op === 'uploadPart' && c.partNumber === 3)).toBe(false);
    expect(t.count('abortMultipartUpload')).toBe(1);
    expect(t.count('completeMultipartUpload')).toBe(0);
    expect(t.uploads.size).toBe(0);
  });

  it('stops at once on a fatal error, aborting parts in flight', async () => {
    const t = new FakeTransport();
    // The other parts never answer unless aborted: the upload can only end by aborting them.
    t.fault = (c) => {
      if (c.op === 'uploadPart' && c.partNumber === 2) throw storageError('AccessDenied', { status: 403 });
      if (c.op === 'uploadPart') return 'hang';
    };
    const err = await rejection(uploadBlob(t, req(new Blob([new Uint8Array(6 * PART)]), { parallelParts: 3 })));
    expect(err.code).toBe('AccessDenied');
    expect(t.calls.filter((c) => c.op === 'uploadPart' && c.partNumber === 2).length).toBe(1);
    const inFlight = t.calls.filter((c) => c.op === 'uploadPart' && c.partNumber !== 2);
    expect(inFlight.map((c) => c.partNumber).sort()).toEqual([1, 3]);
    expect(inFlight.every((c) => c.signal?.aborted)).toBe(true);
    expect(t.count('abortMultipartUpload')).toBe(1);
    expect(t.uploads.size).toBe(0);
  });

  for (const code of ['ExpiredToken', 'NoSuchBucket', 'InvalidKey', 'SignatureDoesNotMatch']) {
    it(`does not retry ${code}`, async () => {
      const t = new FakeTransport();
      t.fault = (c) => {
        if (c.op === 'putObject') throw storageError(code, { status: 400 });
      };
      const err = await rejection(uploadBlob(t, req(new Blob(['x']))));
      expect(err.code).toBe(code);
      expect(t.count('putObject')).toBe(1);
    });
  }

  it('treats unknown exceptions as fatal UploadFailed', async () => {
    const t = new FakeTransport();
    t.fault = () => {
      throw new Error('boom');
    };
    const err = await rejection(uploadBlob(t, req(new Blob(['x']))));
    expect(err.code).toBe('UploadFailed');
    expect(err.message).toMatch(/boom/);
    expect(t.count('putObject')).toBe(1);
  });

  it('retries a request that never answers after its timeout', async () => {
    const t = new FakeTransport();
    t.fault = (c) => (c.op === 'uploadPart' && c.partNumber === 1 && c.attempt === 1 ? 'hang' : undefined);
    const data = patternBytes(2 * PART);
    await uploadBlob(t, req(new Blob([data]), { requestTimeoutMs: 40 }));
    const p1 = t.calls.filter((c) => c.op === 'uploadPart' && c.partNumber === 1);
    expect(p1.length).toBe(2);
    expect(p1[0]?.signal?.aborted).toBe(true);
    expect(await sameBytes(t.objects.get('k')!.body, data)).toBe(true);
  });

  it('times out even a transport that ignores its abort signal', async () => {
    const t = new FakeTransport();
    t.fault = (c) => (c.op === 'putObject' && c.attempt === 1 ? 'ignore-signal-hang' : undefined);
    await uploadBlob(t, req(new Blob(['abc']), { requestTimeoutMs: 30 }));
    expect(t.count('putObject')).toBe(2);
  });

  it('fails with TimeoutError when every attempt times out', async () => {
    const t = new FakeTransport();
    t.fault = () => 'hang';
    const err = await rejection(uploadBlob(t, req(new Blob(['abc']), { requestTimeoutMs: 10 })));
    expect(err.code).toBe('TimeoutError');
    expect(t.count('putObject')).toBe(5);
  });

  it('cancels: aborts requests in flight and the multipart upload', async () => {
    const t = new FakeTransport();
    // Parts never answer unless aborted: exactly the first three are in flight when the cancel comes.
    t.fault = (c) => (c.op === 'uploadPart' ? 'hang' : undefined);
    const ac = new AbortController();
    const p = uploadBlob(t, req(new Blob([new Uint8Array(6 * PART)]), { signal: ac.signal }));
    await waitFor(() => t.inFlightParts === 3, 'three parts in flight');
    ac.abort();
    const err = await rejection(p);
    expect(err.code).toBe('Aborted');
    const parts = t.calls.filter((c) => c.op === 'uploadPart');
    expect(parts.length).toBe(3);
    expect(parts.every((c) => c.signal?.aborted)).toBe(true);
    expect(t.count('abortMultipartUpload')).toBe(1);
    expect(t.count('completeMultipartUpload')).toBe(0);
    expect(t.uploads.size).toBe(0);
    expect(t.objects.size).toBe(0);
  });

  it('cancels during a backoff wait', async () => {
    const t = new FakeTransport();
    t.fault = (c) => {
      if (c.op === 'uploadPart') throw storageError('SlowDown', { status: 503 });
    };
    const ac = new AbortController();
    // The real sleep with a long delay (an hour): the cancel must cut it short.
    const waits: number[] = [];
    const retry = { baseDelayMs: 3_600_000, maxDelayMs: 3_600_000, random: () => 1, sleep: (ms: number, signal: AbortSignal) => (waits.push(ms), sleep(ms, signal)) };
    const p = uploadBlob(t, req(new Blob([new Uint8Array(2 * PART)]), { signal: ac.signal, retry }));
    await waitFor(() => waits.length > 0, 'a backoff wait to start');
    ac.abort();
    const err = await rejection(p);
    expect(err.code).toBe('Aborted');
    // Cut short: no attempt after the one that failed, for either part.
    expect(t.calls.filter((c) => c.op === 'uploadPart').every((c) => c.attempt === 1)).toBe(true);
    expect(t.count('abortMultipartUpload')).toBe(1);
    expect(t.uploads.size).toBe(0);
  });

  it('cancels a single PutObject, and refuses to start when already cancelled', async () => {
    const t = new FakeTransport();
    t.fault = (c) => (c.op === 'putObject' ? 'hang' : undefined);
    const ac = new AbortController();
    const p = uploadBlob(t, req(new Blob(['abc']), { signal: ac.signal }));
    await waitFor(() => t.count('putObject') === 1, 'the PutObject to be sent');
    ac.abort();
    expect((await rejection(p)).code).toBe('Aborted');
    expect(t.calls.map((c) => [c.op, c.signal?.aborted])).toEqual([['putObject', true]]);
    expect(t.objects.size).toBe(0);
    const t2 = new FakeTransport();
    expect((await rejection(uploadBlob(t2, req(new Blob(['abc']), { signal: AbortSignal.abort() })))).code).toBe('Aborted');
    expect(t2.calls).toEqual([]);
  });

  it('refuses to replace an existing object, and replaces it with overwrite', async () => {
    const t = new FakeTransport();
    await uploadBlob(t, req(new Blob(['old'])));
    expect((await rejection(uploadBlob(t, req(new Blob(['new']))))).code).toBe('AlreadyExists');
    expect(t.count('putObject')).toBe(2); // not retried
    expect(await t.objects.get('k')!.body.text()).toBe('old');
    await uploadBlob(t, req(new Blob(['new']), { overwrite: true }));
    expect(t.calls.at(-1)?.overwrite).toBe(true);
    expect(await t.objects.get('k')!.body.text()).toBe('new');
  });

  it('aborts the multipart upload when completion answers 412', async () => {
    const t = new FakeTransport();
    t.objects.set('k', { body: new Blob(['theirs']), etag: '"x"' });
    const err = await rejection(uploadBlob(t, req(new Blob([new Uint8Array(2 * PART)]))));
    expect(err.code).toBe('AlreadyExists');
    expect(err.status).toBe(412);
    expect(t.count('completeMultipartUpload')).toBe(1);
    expect(t.count('abortMultipartUpload')).toBe(1);
    expect(t.uploads.size).toBe(0);
    expect(await t.objects.get('k')!.body.text()).toBe('theirs');

    const t2 = new FakeTransport();
    t2.objects.set('k', { body: new Blob(['theirs']), etag: '"x"' });
    const data = patternBytes(2 * PART);
    await uploadBlob(t2, req(new Blob([data]), { overwrite: true }));
    expect(await sameBytes(t2.objects.get('k')!.body, data)).toBe(true);
  });

  it('does not let a cancel interrupt completion once sent', async () => {
    const t = new FakeTransport();
    const ac = new AbortController();
    t.fault = async (c) => {
      if (c.op === 'completeMultipartUpload') {
        ac.abort();
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const res = await uploadBlob(t, req(new Blob([new Uint8Array(2 * PART)]), { signal: ac.signal }));
    expect(res.etag).toBe(t.objects.get('k')?.etag);
    expect(t.count('abortMultipartUpload')).toBe(0);
  });

  it('resumes an upload: keeps verified parts and uploads the rest', async () => {
    const t = new FakeTransport();
    const data = patternBytes(4 * PART + 10);
    const body = new Blob([data]);
    let started: { uploadId: string; partSize: number } | undefined;
    // First run: part 3 fails fatally after parts 1 and 2 landed; keep the upload around by
    // making AbortMultipartUpload fail.
    t.fault = (c) => {
      if (c.op === 'uploadPart' && c.partNumber === 3) throw storageError('AccessDenied', { status: 403 });
      if (c.op === 'abortMultipartUpload') throw storageError('AccessDenied', { status: 403 });
    };
    await rejection(uploadBlob(t, req(body, { parallelParts: 1, onMultipartStarted: (s) => (started = s) })));
    expect(started?.partSize).toBe(PART);
    const id = started!.uploadId;
    expect(t.uploads.get(id)?.parts.size).toBe(2);

    t.fault = undefined;
    t.calls = [];
    const events: UploadProgress[] = [];
    const res = await uploadBlob(t, req(body, { resume: { uploadId: id }, onProgress: (p) => events.push(p) }));
    expect(t.calls[0]?.op).toBe('listParts');
    expect(t.count('createMultipartUpload')).toBe(0);
    expect(t.calls.filter((c) => c.op === 'uploadPart').map((c) => c.partNumber).sort()).toEqual([3, 4, 5]);
    expect(res.uploadId).toBe(id);
    expect(events[0]).toEqual({ loaded: 2 * PART, total: data.length });
    expect(await sameBytes(t.objects.get('k')!.body, data)).toBe(true);
  });

  it('resumes only parts whose ETag the caller confirms, and restarts a vanished upload', async () => {
    const t = new FakeTransport();
    const body = new Blob([new Uint8Array(3 * PART)]);
    const { uploadId } = await t.createMultipartUpload({ key: 'k' });
    const p1 = await t.uploadPart({ key: 'k', uploadId, partNumber: 1, body: body.slice(0, PART) });
    await t.uploadPart({ key: 'k', uploadId, partNumber: 2, body: body.slice(PART, 2 * PART) });
    t.calls = [];
    await uploadBlob(t, req(body, { resume: { uploadId, parts: [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: '"stale"' }] } }));
    expect(t.calls.filter((c) => c.op === 'uploadPart').map((c) => c.partNumber).sort()).toEqual([2, 3]);

    t.calls = [];
    await uploadBlob(t, req(body, { key: 'k2', resume: { uploadId: 'gone' } }));
    expect(t.calls.map((c) => c.op).slice(0, 2)).toEqual(['listParts', 'createMultipartUpload']);
    expect(t.count('uploadPart')).toBe(3);
    expect(t.objects.get('k2')?.body.size).toBe(3 * PART);
  });
});
