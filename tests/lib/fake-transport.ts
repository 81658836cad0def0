// An in-memory UploadTransport with S3's semantics where the engine depends on them (conditional
// writes, parts assembled in order, aborted uploads gone) and hooks to inject failures and delays.

import { storageError } from '../../src/lib/errors.ts';
import type { ListedPart, PartRef, RequestOptions, UploadTransport } from '../../src/lib/transport.ts';

export type Op = 'putObject' | 'createMultipartUpload' | 'uploadPart' | 'completeMultipartUpload' | 'abortMultipartUpload' | 'listParts';

export interface Call {
  op: Op;
  key: string;
  partNumber?: number;
  /** 1-based attempt for this op+part. */
  attempt: number;
  signal?: AbortSignal;
  body?: Blob;
  overwrite?: boolean;
}

/** Runs before the operation; may throw, wait, or return 'hang' (never answer unless aborted). */
export type Fault = (call: Call) => void | 'hang' | 'ignore-signal-hang' | Promise<void | 'hang'>;

function abortError(): Error {
  return new DOMException('This operation was aborted', 'AbortError');
}

function waitOrAbort(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

let etagSeq = 0;

export class FakeTransport implements UploadTransport {
  objects = new Map<string, { body: Blob; etag: string }>();
  uploads = new Map<string, { key: string; parts: Map<number, { body: Blob; etag: string }> }>();
  calls: Call[] = [];
  inFlightParts = 0;
  maxInFlightParts = 0;
  /** Delay per uploadPart/putObject, ms (the other operations answer at once). */
  latencyMs = 0;
  /** Report progress halfway through each part/put (needs latencyMs > 0). */
  reportProgress = false;
  fault: Fault | undefined;
  #attempts = new Map<string, number>();
  #uploadSeq = 0;

  #begin(call: Omit<Call, 'attempt'>): Call {
    const id = `${call.op}:${call.partNumber ?? ''}`;
    const attempt = (this.#attempts.get(id) ?? 0) + 1;
    this.#attempts.set(id, attempt);
    const c = { ...call, attempt };
    this.calls.push(c);
    return c;
  }

  async #run(call: Call, opts: RequestOptions | undefined, bytes: number): Promise<void> {
    if (opts?.signal?.aborted) throw abortError();
    const f = await this.fault?.(call);
    if (f === 'hang') {
      await new Promise((_, reject) => opts?.signal?.addEventListener('abort', () => reject(abortError()), { once: true }));
    }
    if (f === 'ignore-signal-hang') await new Promise(() => {});
    if (this.latencyMs > 0 && (call.op === 'uploadPart' || call.op === 'putObject')) {
      if (this.reportProgress && bytes > 0) {
        await waitOrAbort(this.latencyMs / 2, opts?.signal);
        opts?.onProgress?.(Math.floor(bytes / 2));
        await waitOrAbort(this.latencyMs / 2, opts?.signal);
        opts?.onProgress?.(bytes);
      } else {
        await waitOrAbort(this.latencyMs, opts?.signal);
      }
    }
    if (opts?.signal?.aborted) throw abortError();
  }

  count(op: Op): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  async putObject(req: { key: string; body: Blob; contentType?: string; overwrite: boolean }, opts?: RequestOptions) {
    const call = this.#begin({ op: 'putObject', key: req.key, body: req.body, overwrite: req.overwrite, signal: opts?.signal });
    await this.#run(call, opts, req.body.size);
    if (!req.overwrite && this.objects.has(req.key)) throw storageError('AlreadyExists', { status: 412 });
    const etag = `"e${++etagSeq}"`;
    this.objects.set(req.key, { body: req.body, etag });
    return { etag };
  }

  async createMultipartUpload(req: { key: string }, opts?: RequestOptions) {
    const call = this.#begin({ op: 'createMultipartUpload', key: req.key, signal: opts?.signal });
    await this.#run(call, opts, 0);
    const uploadId = `up${++this.#uploadSeq}`;
    this.uploads.set(uploadId, { key: req.key, parts: new Map() });
    return { uploadId };
  }

  async uploadPart(req: { key: string; uploadId: string; partNumber: number; body: Blob }, opts?: RequestOptions) {
    const call = this.#begin({ op: 'uploadPart', key: req.key, partNumber: req.partNumber, body: req.body, signal: opts?.signal });
    this.inFlightParts++;
    this.maxInFlightParts = Math.max(this.maxInFlightParts, this.inFlightParts);
    try {
      await this.#run(call, opts, req.body.size);
      const up = this.uploads.get(req.uploadId);
      if (!up) throw storageError('NoSuchUpload', { status: 404 });
      const etag = `"p${++etagSeq}"`;
      up.parts.set(req.partNumber, { body: req.body, etag });
      return { etag };
    } finally {
      this.inFlightParts--;
    }
  }

  async completeMultipartUpload(req: { key: string; uploadId: string; parts: PartRef[]; overwrite: boolean }, opts?: RequestOptions) {
    const call = this.#begin({ op: 'completeMultipartUpload', key: req.key, overwrite: req.overwrite, signal: opts?.signal });
    await this.#run(call, opts, 0);
    const up = this.uploads.get(req.uploadId);
    if (!up) throw storageError('NoSuchUpload', { status: 404 });
    if (!req.overwrite && this.objects.has(req.key)) throw storageError('AlreadyExists', { status: 412 });
    const blobs: Blob[] = [];
    let prev = 0;
    for (const p of req.parts) {
      const part = up.parts.get(p.partNumber);
      if (p.partNumber <= prev || !part || part.etag !== p.etag) throw storageError('InvalidPart', { status: 400 });
      prev = p.partNumber;
      blobs.push(part.body);
    }
    this.uploads.delete(req.uploadId);
    const etag = `"m${++etagSeq}-${req.parts.length}"`;
    this.objects.set(req.key, { body: new Blob(blobs), etag });
    return { etag };
  }

  async abortMultipartUpload(req: { key: string; uploadId: string }, opts?: RequestOptions) {
    const call = this.#begin({ op: 'abortMultipartUpload', key: req.key, signal: opts?.signal });
    await this.#run(call, opts, 0);
    this.uploads.delete(req.uploadId);
  }

  async listParts(req: { key: string; uploadId: string }, opts?: RequestOptions): Promise<ListedPart[]> {
    const call = this.#begin({ op: 'listParts', key: req.key, signal: opts?.signal });
    await this.#run(call, opts, 0);
    const up = this.uploads.get(req.uploadId);
    if (!up) throw storageError('NoSuchUpload', { status: 404 });
    return [...up.parts.entries()].sort(([a], [b]) => a - b).map(([partNumber, p]) => ({ partNumber, etag: p.etag, size: p.body.size }));
  }
}

/** Deterministic pseudo-random bytes, so misplaced parts are detected. */
export function patternBytes(size: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
    out[i + 1] = (x >>> 8) & 0xff;
    out[i + 2] = (x >>> 16) & 0xff;
    out[i + 3] = (x >>> 24) & 0xff;
  }
  return out;
}

export async function sameBytes(a: Blob, b: Uint8Array): Promise<boolean> {
  if (a.size !== b.length) return false;
  const got = new Uint8Array(await a.arrayBuffer());
  return Buffer.from(got).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
