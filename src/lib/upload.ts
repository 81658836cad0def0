// The upload engine: one PutObject for small bodies, a multipart upload otherwise. It knows no SDK
// types and drives an UploadTransport, so the app and the widget share it. Guarantees: bounded
// retries of transient failures; a fatal error, a cancel or a refused completion aborts the
// multipart upload so nothing is left behind; progress never goes backwards and ends exact.

import { MiB, GiB, TiB } from './config.ts';
import { StorageError, describe, isAbort, storageError } from './errors.ts';
import { formatSize } from './format.ts';
import type { ListedPart, PartRef, RequestOptions, UploadTransport } from './transport.ts';

export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PART_SIZE = 5 * GiB;
export const MAX_PARTS = 10_000;
export const MAX_OBJECT_SIZE = 5 * TiB;
/** The largest body S3 accepts in one PutObject. */
export const MAX_SINGLE_PUT = 5 * GiB;
export const DEFAULT_PART_SIZE = 16 * MiB;

export interface UploadProgress {
  loaded: number;
  total: number;
}

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Waits ms, rejecting when signal aborts. Injectable for tests. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** [0, 1), for the jitter. */
  random: () => number;
}

export interface UploadRequest {
  key: string;
  body: Blob;
  /** false (default) refuses to replace an existing object (If-None-Match: *). */
  overwrite?: boolean;
  contentType?: string;
  /** Preferred part size; grown so the body fits in 10,000 parts. Default 16 MiB. */
  partSize?: number;
  /** Bodies up to this size go in one PutObject. Default: the part size. */
  multipartThreshold?: number;
  /** Parts in flight at once. Default 4. */
  parallelParts?: number;
  signal?: AbortSignal;
  /** Must not throw. */
  onProgress?: (p: UploadProgress) => void;
  retry?: Partial<RetryPolicy>;
  /**
   * Time a request may take before it is aborted and retried, by body size. Transports that
   * report progress restart the clock on each report (for the bytes still to send).
   */
  requestTimeoutMs?: number | ((bytes: number) => number);
  /** Continue an earlier multipart upload of the same body; parts S3 still holds are kept. */
  resume?: { uploadId: string; partSize?: number; parts?: PartRef[] };
  /**
   * Called once the multipart upload exists, so a caller can persist what resume needs. `kept` are
   * the parts a resume found on the server (verified), out of `partCount`.
   */
  onMultipartStarted?: (info: MultipartStarted) => void;
  /** Called as each part is confirmed by S3, so a caller can persist it for a resume. Must not throw. */
  onPartUploaded?: (part: PartRef) => void;
  /**
   * Opt-in local checksum of a part's bytes (e.g. blobCrc32 from checksum.ts), for callers that
   * persist parts for a resume. It runs while the part is sent and is reported as `crc32` with
   * the part in onPartUploaded; it is never sent to S3. On a resume, every part `resume.parts`
   * records with a `crc32` and S3 still lists (same size and ETag) is read again and compared: a
   * part whose bytes changed since is sent again. Kept out of the engine itself so the widget,
   * which has no resume, does not carry the code.
   */
  partChecksum?: (part: Blob, signal: AbortSignal) => Promise<string>;
  /**
   * With partChecksum: parts are checksummed only while the upload runs slower than this (bytes
   * per second, measured over the parts finished so far; the first parts are always checksummed).
   * Default CHECKSUM_BELOW_BYTES_PER_SECOND; Infinity checksums every part.
   */
  checksumBelowBytesPerSecond?: number;
}

/**
 * Above 64 MiB/s, checksumming is the wrong trade: the CPU it needs slows a CPU-bound upload by
 * a third (BENCHMARKS.md), while sending a 16 MiB part again at that speed takes a quarter of a
 * second. So a fast upload skips the checksum and a resume sends its unchecked parts again (see
 * `resume`); on any slower link (every internet uplink below ~540 Mbit/s) the checksum runs on
 * otherwise idle CPU.
 */
export const CHECKSUM_BELOW_BYTES_PER_SECOND = 64 * 1024 * 1024;

export interface MultipartStarted {
  uploadId: string;
  partSize: number;
  partCount: number;
  kept: PartRef[];
}

export interface UploadResult {
  key: string;
  etag: string;
  /** Set for multipart uploads. */
  uploadId?: string;
  parts?: number;
}

/**
 * The part size for a body: the preferred size (at least 5 MiB), grown so the body fits in 10,000
 * parts, rounded up to a whole MiB, at most 5 GiB.
 */
export function partSizeFor(size: number, preferred: number = DEFAULT_PART_SIZE): number {
  if (!Number.isFinite(size) || size < 0) throw new RangeError(`size must be a non-negative number, got ${size}`);
  if (size > MAX_OBJECT_SIZE) throw tooLarge(size);
  const roundUp = (n: number) => Math.ceil(n / MiB) * MiB;
  const wanted = Math.max(MIN_PART_SIZE, Number.isFinite(preferred) ? preferred : DEFAULT_PART_SIZE);
  const needed = Math.ceil(size / MAX_PARTS);
  return Math.min(MAX_PART_SIZE, roundUp(Math.max(wanted, needed)));
}

function tooLarge(size: number): StorageError {
  return new StorageError('TooLarge', `The file is ${formatSize(size)}; S3 stores objects of at most ${formatSize(MAX_OBJECT_SIZE)} (5 TiB). Split the file or compress it.`);
}

/** Full-jitter exponential backoff: uniform in [0, min(max, base * 2^(attempt-1))). */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(policy.random() * cap);
}

function abortedError(cause?: unknown): StorageError {
  return new StorageError('Aborted', describe('Aborted'), { cause });
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortedError(signal.reason));
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  sleep,
  random: Math.random,
};

/**
 * 30 s plus the body at 32 KiB/s: generous enough for six parallel 16 MiB parts on a slow uplink
 * (a fetch-based transport reports no progress, so the clock cannot restart), yet a request that
 * never answers is retried instead of blocking the upload forever.
 */
export function defaultRequestTimeout(bytes: number): number {
  return 30_000 + Math.ceil((bytes / (32 * 1024)) * 1000);
}

function toStorage(err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  if (isAbort(err)) return abortedError(err);
  const message = err instanceof Error ? err.message : String(err);
  return new StorageError('UploadFailed', `The upload failed: ${message}. Try again; if it persists, report this message.`, { cause: err });
}

/** Monotonic byte progress over parts; a retried part's partial bytes are dropped silently. */
class Progress {
  #done = 0;
  #partial = new Map<number, number>();
  #last = -1;
  constructor(
    readonly total: number,
    private readonly cb: ((p: UploadProgress) => void) | undefined,
  ) {}

  emit(): void {
    if (!this.cb) return;
    let loaded = this.#done;
    for (const v of this.#partial.values()) loaded += v;
    loaded = Math.min(this.total, loaded);
    if (loaded > this.#last) {
      this.#last = loaded;
      this.cb({ loaded, total: this.total });
    }
  }

  partial(part: number, loaded: number, size: number): void {
    this.#partial.set(part, Math.max(0, Math.min(size, loaded)));
    this.emit();
  }

  /** Bytes already on the server from an earlier run; reported with the next emit. */
  restore(size: number): void {
    this.#done += size;
  }

  reset(part: number): void {
    this.#partial.delete(part);
  }

  complete(part: number, size: number): void {
    this.#partial.delete(part);
    this.#done += size;
    this.emit();
  }
}

interface Attempt<T> {
  /** Body bytes of the request, for the timeout. */
  bytes: number;
  /** Cancels the request and further attempts. */
  signal: AbortSignal;
  run: (opts: RequestOptions) => Promise<T>;
  onAttempt?: () => void;
  onProgress?: (loaded: number) => void;
}

class Engine {
  readonly retry: RetryPolicy;
  readonly timeoutFor: (bytes: number) => number;

  constructor(req: UploadRequest) {
    this.retry = { ...DEFAULT_RETRY, ...req.retry };
    const t = req.requestTimeoutMs;
    this.timeoutFor = typeof t === 'function' ? t : typeof t === 'number' ? () => t : defaultRequestTimeout;
  }

  /** Runs a request with a timeout and bounded retries; the error thrown is always a StorageError. */
  async call<T>(a: Attempt<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (a.signal.aborted) throw abortedError(a.signal.reason);
      a.onAttempt?.();
      try {
        return await this.once(a);
      } catch (err) {
        const e = toStorage(err);
        if (e.code === 'Aborted' || !e.retryable || attempt >= this.retry.maxAttempts) throw e;
        await this.retry.sleep(backoffDelay(attempt, this.retry), a.signal);
      }
    }
  }

  private once<T>(a: Attempt<T>): Promise<T> {
    const ac = new AbortController();
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settle: ((err: unknown) => void) | undefined;
    const stop = new Promise<never>((_, reject) => (settle = reject));
    const arm = (bytesLeft: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        ac.abort(new DOMException('The request timed out', 'TimeoutError'));
        settle?.(storageError('TimeoutError'));
      }, this.timeoutFor(bytesLeft));
    };
    const onAbort = () => {
      ac.abort(a.signal.reason);
      settle?.(abortedError(a.signal.reason));
    };
    // NEVER is shared by every upload: listeners on it would only pile up.
    if (a.signal !== NEVER) a.signal.addEventListener('abort', onAbort, { once: true });
    arm(a.bytes);
    const request = a
      .run({
        signal: ac.signal,
        onProgress: (loaded) => {
          if (timedOut || ac.signal.aborted) return;
          arm(Math.max(0, a.bytes - loaded));
          a.onProgress?.(loaded);
        },
      })
      .catch((err: unknown) => {
        if (a.signal.aborted) throw abortedError(a.signal.reason);
        if (timedOut) throw storageError('TimeoutError', { cause: err });
        throw err;
      });
    // Racing keeps a transport that ignores its signal from holding the upload hostage.
    request.catch(() => {});
    return Promise.race([request, stop]).finally(() => {
      clearTimeout(timer);
      a.signal.removeEventListener('abort', onAbort);
    });
  }
}

/** A signal that never aborts: for requests that must run to the end once sent. */
const NEVER = new AbortController().signal;

/** Uploads a Blob to `key`, multipart when it is larger than the threshold. */
export async function uploadBlob(transport: UploadTransport, req: UploadRequest): Promise<UploadResult> {
  const { key, body } = req;
  const size = body.size;
  const overwrite = req.overwrite ?? false;
  const signal = req.signal ?? NEVER;
  if (signal.aborted) throw abortedError(signal.reason);
  const partSize = req.resume?.partSize ?? partSizeFor(size, req.partSize ?? DEFAULT_PART_SIZE);
  const threshold = Math.min(req.multipartThreshold ?? partSize, MAX_SINGLE_PUT);
  const parallel = Math.max(1, Math.floor(req.parallelParts ?? 4));
  const engine = new Engine(req);
  const progress = new Progress(size, req.onProgress);

  if (size <= threshold && !req.resume) {
    progress.emit();
    const { etag } = await engine.call({
      bytes: size,
      signal,
      run: (o) => transport.putObject({ key, body, contentType: req.contentType, overwrite }, o),
      onAttempt: () => progress.reset(1),
      onProgress: (loaded) => progress.partial(1, loaded, size),
    });
    progress.complete(1, size);
    return { key, etag };
  }

  const partCount = Math.max(1, Math.ceil(size / partSize));
  if (partCount > MAX_PARTS) {
    throw new StorageError('TooLarge', `A part size of ${formatSize(partSize)} needs ${partCount} parts; S3 allows ${MAX_PARTS}. Use a larger part size.`);
  }
  const partBytes = (n: number) => Math.min(partSize, size - (n - 1) * partSize);
  const partBody = (n: number) => body.slice((n - 1) * partSize, (n - 1) * partSize + partBytes(n));
  const etags = new Map<number, string>();
  /** Local CRC32s of the parts in `etags`, where known. */
  const crcs = new Map<number, string>();
  const checksum = req.partChecksum;
  const checksumBelow = req.checksumBelowBytesPerSecond ?? CHECKSUM_BELOW_BYTES_PER_SECOND;
  // The link's speed in bytes per second, 0 until a part is in: the parts in flight share it, so
  // one finished part's own rate times the parts in flight, or what all finished parts averaged
  // since the start, whichever is more (the average lags while the first wave is still out).
  let sentBytes = 0;
  let sendingSince = 0;
  let lastPartRate = 0;
  let inFlight = 0;
  const throughput = () => Math.max(sentBytes && sendingSince ? sentBytes / Math.max(0.001, (Date.now() - sendingSince) / 1000) : 0, lastPartRate * Math.max(1, inFlight));

  let uploadId: string | undefined;
  if (req.resume) {
    uploadId = req.resume.uploadId;
    let listed: ListedPart[] | undefined;
    try {
      const id = uploadId;
      listed = await engine.call({ bytes: 0, signal, run: (o) => transport.listParts({ key, uploadId: id }, o) });
    } catch (err) {
      // Gone (aborted or expired on the server): start a new upload rather than fail.
      if ((err as StorageError).code !== 'NoSuchUpload') throw err;
      uploadId = undefined;
    }
    const claimed = req.resume.parts && new Map(req.resume.parts.map((p) => [p.partNumber, p]));
    try {
      for (const p of listed ?? []) {
        if (p.partNumber < 1 || p.partNumber > partCount || p.size !== partBytes(p.partNumber)) continue;
        const record = claimed?.get(p.partNumber);
        if (claimed && record?.etag !== p.etag) continue;
        // Size and ETag only prove what was sent back then; the file may have changed inside this
        // part since (same size, time and first/last MiB). With checksums on, a recorded part is
        // kept only if its bytes still give the recorded CRC32: changed or never checksummed, it
        // is sent again. (Without a record, as after a pause in the same page, ListParts decides.)
        const verify = checksum && record?.crc32;
        if (claimed && checksum && !verify) continue;
        if (verify && (await checksum(partBody(p.partNumber), signal)) !== verify) continue;
        etags.set(p.partNumber, p.etag);
        if (record?.crc32) crcs.set(p.partNumber, record.crc32);
        progress.restore(p.size);
        // Re-reading a large file takes a while: the bar shows it going.
        if (verify) progress.emit();
      }
    } catch (err) {
      // A cancel while re-reading the kept parts, or an unreadable file: as for any failure, the
      // upload is aborted (a transport that pauses keeps it).
      const failed = signal.aborted ? abortedError(signal.reason) : toStorage(err);
      const id = uploadId;
      if (id) await engine.call({ bytes: 0, signal: NEVER, run: (o) => transport.abortMultipartUpload({ key, uploadId: id }, o) }).catch(() => {});
      throw failed;
    }
  }
  progress.emit();

  if (!uploadId) {
    // Not cancellable once sent: a cancelled CreateMultipartUpload may still create an upload on
    // the server whose id we would never learn, and so could never abort.
    const created = await engine.call({
      bytes: 0,
      signal: NEVER,
      run: (o) => transport.createMultipartUpload({ key, contentType: req.contentType }, o),
    });
    uploadId = created.uploadId;
  }
  const id: string = uploadId;
  const ref = (partNumber: number, etag: string): PartRef => {
    const crc32 = crcs.get(partNumber);
    return crc32 ? { partNumber, etag, crc32 } : { partNumber, etag };
  };
  const kept = [...etags].map(([partNumber, etag]) => ref(partNumber, etag)).sort((a, b) => a.partNumber - b.partNumber);
  req.onMultipartStarted?.({ uploadId: id, partSize, partCount, kept });

  const abortUpload = async () => {
    try {
      await engine.call({ bytes: 0, signal: NEVER, run: (o) => transport.abortMultipartUpload({ key, uploadId: id }, o) });
    } catch {
      // Nothing more to do from here: the bucket's lifecycle rule for incomplete multipart
      // uploads is the backstop. The caller learns about the error that made us abort.
    }
  };

  const internal = new AbortController();
  const onUserAbort = () => internal.abort(signal.reason);
  signal.addEventListener('abort', onUserAbort, { once: true });
  let failure: StorageError | undefined;
  const todo: number[] = [];
  for (let n = 1; n <= partCount; n++) if (!etags.has(n)) todo.push(n);
  let next = 0;

  const worker = async () => {
    while (!internal.signal.aborted) {
      const n = todo[next++];
      if (n === undefined) return;
      const bytes = partBytes(n);
      const part = partBody(n);
      // Alongside the PUT, not before it: the read costs no upload time. A checksum that fails
      // (but the PUT did not), or one skipped on a fast link, leaves the part without one: a
      // resume then sends it again.
      const crc = checksum && throughput() < checksumBelow ? checksum(part, internal.signal).catch(() => undefined) : undefined;
      const partStart = Date.now();
      inFlight++;
      try {
        const { etag } = await engine.call({
          bytes,
          signal: internal.signal,
          run: (o) => transport.uploadPart({ key, uploadId: id, partNumber: n, body: part }, o),
          onAttempt: () => progress.reset(n),
          onProgress: (loaded) => progress.partial(n, loaded, bytes),
        }).finally(() => inFlight--);
        progress.complete(n, bytes);
        sentBytes += bytes;
        lastPartRate = bytes / Math.max(0.001, (Date.now() - partStart) / 1000);
        const crc32 = await crc;
        etags.set(n, etag);
        if (crc32) crcs.set(n, crc32);
        req.onPartUploaded?.(ref(n, etag));
      } catch (err) {
        failure ??= toStorage(err);
        internal.abort(failure);
        return;
      }
    }
  };

  sendingSince = Date.now();
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, todo.length) }, worker));
  } finally {
    signal.removeEventListener('abort', onUserAbort);
  }
  if (failure || signal.aborted) {
    // Every part request has settled by now, so none can land after the abort.
    await abortUpload();
    throw signal.aborted ? abortedError(signal.reason) : failure;
  }

  const parts: PartRef[] = [];
  for (let n = 1; n <= partCount; n++) parts.push({ partNumber: n, etag: etags.get(n) as string });
  let etag: string;
  try {
    // The commit point: a cancel from here on would leave the outcome unknown, so completion
    // runs to the end (its timeout and retries still apply).
    ({ etag } = await engine.call({
      bytes: 0,
      signal: NEVER,
      run: (o) => transport.completeMultipartUpload({ key, uploadId: id, parts, overwrite }, o),
    }));
  } catch (err) {
    // 412 (the name was taken meanwhile) or any other refusal: the parts must not linger.
    await abortUpload();
    throw err;
  }
  progress.emit();
  return { key, etag, uploadId: id, parts: partCount };
}
