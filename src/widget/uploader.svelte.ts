/* eslint-disable svelte/prefer-svelte-reactivity -- the Maps and Sets here are bookkeeping (runs, taken keys, part ETags), never rendered; `items` is the reactive state */
// The widget's file list and what happens to each file: a name that is free in the guest's drop
// box, the shared upload engine over the signed-fetch transport, events for the host page, cancel,
// and retry that continues a multipart upload with the parts S3 already holds.

import type { CredentialSource } from '../lib/credentials.ts';
import { StorageError } from '../lib/errors.ts';
import { alternativeName, freeName, utf8Length, MAX_KEY_BYTES } from '../lib/keys.ts';
import type { UploadTransport } from '../lib/transport.ts';
import { uploadBlob, type UploadRequest } from '../lib/upload.ts';
import type { WidgetConfig } from './config.ts';

export type Status = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled';

export interface Item {
  readonly id: number;
  readonly name: string;
  readonly size: number;
  status: Status;
  loaded: number;
  /** The object key, once chosen. */
  key?: string;
  etag?: string;
  /** Set when the key's name differs from the file's because the name was taken. */
  savedAs?: string;
  error?: { code: string; message: string };
}

export interface Outcome {
  name: string;
  size: number;
  status: Status;
  key?: string;
  etag?: string;
  error?: { code: string; message: string };
}

export type UploaderEvent =
  | { type: 'start'; detail: { name: string; key: string; size: number } }
  | { type: 'progress'; detail: { name: string; key: string; loaded: number; total: number } }
  | { type: 'complete'; detail: { name: string; key: string; size: number; etag: string } }
  | { type: 'error'; detail: { code: string; message: string; name?: string; key?: string } };

export interface Connection {
  transport: UploadTransport;
  credentials: CredentialSource;
}

export interface UploaderOptions {
  config: () => WidgetConfig;
  /** The transport and credentials for a configuration; called when the first upload starts. */
  connect: (config: WidgetConfig) => Connection;
  emit: (event: UploaderEvent) => void;
  /** Engine settings for tests (retry timing); production uses the engine's defaults. */
  engine?: Partial<UploadRequest>;
}

/** Files uploading at once; each sends several parts in parallel, and browsers open ~6 connections per host. */
const FILES_IN_FLIGHT = 2;
/** Names tried after a 412 before giving up: more means something else writes this drop box. */
const MAX_RENAMES = 20;

interface Run {
  file: File;
  controller?: AbortController;
  /** A multipart upload kept after a transient failure, for Retry to continue. */
  kept?: { key: string; uploadId: string; partSize: number; parts: Map<number, string> };
  /** The abort the engine asked for, decided once the failure is known. */
  pendingAbort?: { key: string; uploadId: string };
  settled?: Promise<void>;
  /** Between start() and the end of its run. */
  busy?: boolean;
}

export class Uploader {
  items: Item[] = $state([]);
  #runs = new Map<number, Run>();
  /** Keys this widget has written or is writing: names for new files avoid them without asking S3. */
  #taken = new Set<string>();
  #nextId = 1;
  #active = 0;
  #waiting: Array<() => void> = [];
  #connection: { signature: string; value: Connection } | undefined;

  constructor(private readonly opts: UploaderOptions) {}

  /** Adds files to the list, refusing those over the limits; returns the new ids and why each refused file was refused. */
  add(files: File[], check: (file: File) => string | undefined): { added: number[]; refused: { file: File; reason: string }[] } {
    const refused: { file: File; reason: string }[] = [];
    const added: Item[] = [];
    for (const file of files) {
      const reason = check(file) ?? (this.items.length + added.length >= this.opts.config().maxFiles ? 'TooManyFiles' : undefined);
      if (reason) {
        refused.push({ file, reason });
        continue;
      }
      const id = this.#nextId++;
      this.#runs.set(id, { file });
      added.push({ id, name: file.name, size: file.size, status: 'queued', loaded: 0 });
    }
    this.items.push(...added);
    return { added: added.map((i) => i.id), refused };
  }

  /** Uploads every queued or failed file, waits for all uploads, and reports each file in the list. */
  async upload(): Promise<Outcome[]> {
    const starting = this.items.filter((i) => i.status === 'queued' || i.status === 'failed');
    for (const item of starting) this.start(item.id);
    await Promise.all([...this.#runs.values()].map((r) => r.settled));
    return this.items.map(({ name, size, status, key, etag, error }) => ({ name, size, status, key, etag, error }));
  }

  retry(id: number): void {
    const item = this.#item(id);
    if (item && (item.status === 'failed' || item.status === 'cancelled')) this.start(id);
  }

  cancel(id?: number): void {
    for (const item of this.items) {
      if (id !== undefined && item.id !== id) continue;
      // Queued files that upload() has not started yet stay queued.
      if (item.status === 'uploading' || item.status === 'queued') this.#runs.get(item.id)?.controller?.abort();
    }
  }

  /** Removes a file from the list (cancelling its upload); an uploaded file stays in the bucket. */
  remove(id: number): void {
    const run = this.#runs.get(id);
    const item = this.#item(id);
    if (!run || !item) return;
    run.controller?.abort();
    this.#discard(run);
    if (item.key && item.status !== 'done') this.#taken.delete(item.key);
    this.#runs.delete(id);
    this.items = this.items.filter((i) => i.id !== id);
  }

  /** Cancels every upload and empties the list. */
  clear(): void {
    for (const item of [...this.items]) this.remove(item.id);
  }

  #item(id: number): Item | undefined {
    return this.items.find((i) => i.id === id);
  }

  /** Starts (or restarts) one file's upload; it waits for a free slot. */
  start(id: number): void {
    const run = this.#runs.get(id);
    const item = this.#item(id);
    if (!run || !item || run.busy || item.status === 'done') return;
    run.busy = true;
    item.status = 'queued';
    item.error = undefined;
    const controller = new AbortController();
    run.controller = controller;
    run.settled = this.#run(id, run, controller.signal).finally(() => {
      run.busy = false;
    });
  }

  /** Waits for one of the FILES_IN_FLIGHT slots; false when cancelled while waiting. */
  #acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.#active < FILES_IN_FLIGHT) {
      this.#active++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const grant = () => {
        signal.removeEventListener('abort', drop);
        resolve(true);
      };
      const drop = () => {
        this.#waiting = this.#waiting.filter((w) => w !== grant);
        resolve(false);
      };
      this.#waiting.push(grant);
      signal.addEventListener('abort', drop, { once: true });
    });
  }

  /** Hands the slot to the next waiting file. */
  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#active--;
  }

  #connect(config: WidgetConfig): Connection {
    const signature = JSON.stringify([config.region, config.bucket, config.identityPoolId, config.endpoints]);
    if (this.#connection?.signature !== signature) this.#connection = { signature, value: this.opts.connect(config) };
    return this.#connection.value;
  }

  async #run(id: number, run: Run, signal: AbortSignal): Promise<void> {
    // The item may be removed meanwhile; `items` holds the reactive copy.
    const set = (patch: Partial<Item>) => {
      const it = this.#item(id);
      if (it) Object.assign(it, patch);
    };
    if (!(await this.#acquire(signal))) {
      set({ status: 'cancelled' });
      this.opts.emit({ type: 'error', detail: { code: 'Aborted', message: 'Cancelled.', name: run.file.name } });
      return;
    }
    const name = run.file.name;
    let key = run.kept?.key;
    try {
      const config = this.opts.config();
      set({ status: 'uploading', loaded: 0 });
      const { transport, credentials } = this.#connect(config);
      const prefix = config.prefix.replaceAll('{identityId}', (await credentials.get()).identityId);
      key ??= prefix + freeName(name, (candidate) => this.#taken.has(prefix + candidate));
      if (utf8Length(key) > MAX_KEY_BYTES) {
        throw new StorageError('InvalidKey', `The name ${JSON.stringify(name)} is too long: S3 keys are at most ${MAX_KEY_BYTES} bytes with the folder prefix. Rename the file to something shorter and add it again.`);
      }
      let n = 0;
      for (let attempt = 0; ; attempt++) {
        this.#taken.add(key);
        set({ key, savedAs: key.slice(prefix.length) === name ? undefined : key.slice(prefix.length) });
        if (attempt === 0) this.opts.emit({ type: 'start', detail: { name, key, size: run.file.size } });
        try {
          const { etag } = await this.#upload(transport, run, key, config, signal, (loaded) => {
            set({ loaded });
            this.opts.emit({ type: 'progress', detail: { name, key: key!, loaded, total: run.file.size } });
          });
          set({ status: 'done', loaded: run.file.size, etag });
          this.opts.emit({ type: 'complete', detail: { name, key, size: run.file.size, etag } });
          return;
        } catch (err) {
          // Someone else's file has this name (an earlier visit with the same identity): the next free one.
          if (!(err instanceof StorageError && err.code === 'AlreadyExists') || attempt >= MAX_RENAMES || signal.aborted) throw err;
          do key = prefix + alternativeName(name, ++n);
          while (this.#taken.has(key));
        }
      }
    } catch (err) {
      const e = err instanceof StorageError ? err : new StorageError('UploadFailed', `The upload failed: ${String(err)}. Try again.`);
      const cancelled = signal.aborted || e.code === 'Aborted';
      if (key && !run.kept) this.#taken.delete(key);
      set({ status: cancelled ? 'cancelled' : 'failed', error: cancelled ? undefined : { code: e.code, message: e.message } });
      this.opts.emit({ type: 'error', detail: { code: cancelled ? 'Aborted' : e.code, message: e.message, name, ...(key ? { key } : {}) } });
    } finally {
      this.#release();
    }
  }

  async #upload(transport: UploadTransport, run: Run, key: string, config: WidgetConfig, signal: AbortSignal, progress: (loaded: number) => void) {
    const kept = run.kept?.key === key ? run.kept : undefined;
    run.kept = undefined;
    let parts = new Map<number, string>();
    let multipart: { uploadId: string; partSize: number } | undefined;
    run.pendingAbort = undefined;
    // The engine aborts a multipart upload that failed; the abort waits here until the failure is
    // known, so a transient one can keep its parts for Retry.
    const wrapped: UploadTransport = {
      ...transport,
      async uploadPart(req, o) {
        const out = await transport.uploadPart(req, o);
        parts.set(req.partNumber, out.etag);
        return out;
      },
      async abortMultipartUpload(req) {
        run.pendingAbort = req;
      },
    };
    try {
      return await uploadBlob(wrapped, {
        key,
        body: run.file,
        contentType: run.file.type || undefined,
        partSize: config.partSize,
        parallelParts: config.parallelParts,
        signal,
        onProgress: (p) => progress(p.loaded),
        ...(kept ? { resume: { uploadId: kept.uploadId, partSize: kept.partSize, parts: [...kept.parts].map(([partNumber, etag]) => ({ partNumber, etag })) } } : {}),
        onMultipartStarted: (info) => {
          if (info.uploadId === kept?.uploadId) parts = kept.parts;
          multipart = info;
        },
        ...this.opts.engine,
      });
    } catch (err) {
      const abort = run.pendingAbort;
      run.pendingAbort = undefined;
      if (abort && multipart && !signal.aborted && err instanceof StorageError && err.retryable) {
        run.kept = { key, uploadId: multipart.uploadId, partSize: multipart.partSize, parts };
      } else if (abort) {
        await transport.abortMultipartUpload(abort).catch(() => {
          // The bucket's lifecycle rule for incomplete multipart uploads is the backstop.
        });
      }
      throw err;
    }
  }

  /** Aborts a multipart upload kept for Retry: the file is leaving the list. */
  #discard(run: Run): void {
    const kept = run.kept;
    run.kept = undefined;
    if (kept && this.#connection) void this.#connection.value.transport.abortMultipartUpload({ key: kept.key, uploadId: kept.uploadId }).catch(() => {});
  }
}
