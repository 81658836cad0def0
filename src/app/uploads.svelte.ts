import { acceptsFile } from '../lib/config';
import { isAbort } from '../lib/errors';
import { freeName, nameOf, parentOf, toKey } from '../lib/keys';
import { fileFingerprint, type ResumeRecord, type ResumeStore } from '../lib/resume-store';
import { readPermission } from './file-access';
import { errorCode, errorMessage, formatSize } from './format';
import { t } from './i18n';
import type { FileStore, PartRef } from './types';

export type UploadStatus = 'queued' | 'uploading' | 'paused' | 'conflict' | 'done' | 'error' | 'cancelled' | 'skipped';

/**
 * How an upload left unfinished by an earlier visit can go on: 'add' the same file again (no
 * handle was kept, or reading was refused); 'ask' for permission to read the kept handle (one
 * click); the kept handle finds the file 'gone', or 'changed' so it is no longer the same file.
 */
export type Reopen = 'add' | 'ask' | 'gone' | 'changed';

/** A remembered upload shown in the start-up notice. */
export type UnfinishedUpload = ResumeRecord & { reopen: Reopen };

/** What to do when the name is taken. */
export type ConflictChoice = 'keep' | 'replace' | 'skip';

// The words live in the message catalogs (i18n/en.ts, de.ts).
const TEXT = {
  tooLarge: (name: string, size: number, max: number) => t().uploads.tooLarge(name, formatSize(size), formatSize(max)),
  wrongType: (name: string, accept: string[]) => t().uploads.wrongType(name, accept.join(', ')),
};

/** Files up to this size always go in one PutObject (S3's smallest part), so never need a resume. */
const MIN_MULTIPART = 5 * 1024 * 1024;

/** Speed is measured over this window, so a stall shows as falling speed rather than a frozen one. */
const SPEED_WINDOW_MS = 8_000;

let nextId = 1;
let nextBatch = 1;

export class UploadItem {
  readonly id = nextId++;
  readonly file: File;
  /** Where the file was picked or dropped with the File System Access API: read again after a reload. */
  handle: FileSystemFileHandle | undefined;
  /** Files added together (one pick or drop) share a batch, for "apply to all". */
  readonly batch: number;
  /** Destination path, relative to the identity's prefix; changes when kept beside an existing file. */
  path = $state('');
  /** The folder the upload was dropped into, so the listing knows what to refresh. */
  readonly folder: string;
  loaded = $state(0);
  total = $state(0);
  status = $state<UploadStatus>('queued');
  error = $state<string | undefined>();
  /** StorageError code of the failure, e.g. 'TooLarge'. */
  code = $state<string | undefined>();
  /** Bytes per second over the last few seconds, while uploading. */
  speed = $state(0);
  overwrite = false;
  /** The multipart upload a pause (or, remembered in IndexedDB, a reload) left on the server. */
  resumeFrom: { uploadId: string; partSize: number; parts?: PartRef[] } | undefined;
  /** Set when a run continued an earlier multipart upload: parts found on the server, of all. */
  resumed = $state<{ kept: number; of: number } | undefined>();
  /** fileFingerprint() of the file, once computed (for the resume store). */
  fingerprint: string | undefined;
  /** Parts this page saw confirmed, with their CRC32s, so a pause's resume keeps them in the store. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a lookup, never rendered
  sent = new Map<number, PartRef>();
  /** Paused because the session ended (resumed by the queue once it is back), not by the person. */
  heldForSession = false;
  controller: AbortController | undefined;
  pauseController: AbortController | undefined;
  samples: { t: number; loaded: number }[] = [];

  constructor(file: File, path: string, folder: string, batch: number) {
    this.file = file;
    this.path = path;
    this.folder = folder;
    this.batch = batch;
    this.total = file.size;
  }

  /** The path below the folder it was dropped into, e.g. "photos/a.jpg". */
  get name(): string {
    return this.path.startsWith(this.folder) ? this.path.slice(this.folder.length) : this.path;
  }

  get finished(): boolean {
    return this.status === 'done' || this.status === 'error' || this.status === 'cancelled' || this.status === 'skipped';
  }

  /** Whether a retry could help: not for files the site's limits refuse. */
  get retryable(): boolean {
    return (this.status === 'error' && this.code !== 'Rejected' && this.code !== 'TooLarge') || this.status === 'cancelled';
  }

  /** Seconds left at the current speed, when it can be told. */
  get secondsLeft(): number | undefined {
    if (this.status !== 'uploading' || this.speed <= 0) return undefined;
    return Math.max(0, (this.total - this.loaded) / this.speed);
  }
}

export interface UploadSource {
  file: File;
  /** Path below the target folder, e.g. "photos/a.jpg" for a dropped directory; defaults to the file name. */
  relativePath?: string;
  /** The file's File System Access handle, where the browser gave one (kept for a resume). */
  handle?: FileSystemFileHandle | undefined;
}

export interface UploadQueueOptions {
  concurrency?: number;
  onUploaded?: (item: UploadItem) => void;
  /** Whether a file is known to exist at `path` (from a listing), to ask before uploading. */
  exists?: (path: string) => boolean;
  limits?: { maxFileSize: number; accept?: string[] | undefined };
  now?: () => number;
  /**
   * Remembers multipart uploads across reloads (openResumeStore()); the same file added again to
   * the same place continues where it stopped. Without it, only a pause in this page resumes.
   */
  resume?: ResumeStore | undefined;
}

/**
 * Uploads files a few at a time (the engine already runs parts in parallel), with per-file and
 * whole-queue pause, resume, cancel and retry, and a question when a name is already taken.
 */
export class UploadQueue {
  items = $state<UploadItem[]>([]);
  /** Multipart uploads left unfinished by an earlier visit (this identity), until continued. */
  unfinished = $state<UnfinishedUpload[]>([]);
  /** Conflict choices made with "apply to all", by batch. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a lookup, never rendered
  #policies = new Map<number, ConflictChoice>();

  readonly #store: FileStore;
  readonly #opts: UploadQueueOptions;
  readonly #now: () => number;
  #held = false;
  #ticker: ReturnType<typeof setInterval> | undefined;

  constructor(store: FileStore, opts: UploadQueueOptions = {}) {
    this.#store = store;
    this.#opts = opts;
    this.#now = opts.now ?? (() => performance.now());
    if (opts.resume) this.ready = this.#startUp(opts.resume);
  }

  /** Settles once the start-up sweep of remembered uploads has run (tests wait for it). */
  readonly ready: Promise<void> = Promise.resolve();

  /**
   * Gives up remembered uploads too old to finish before the lifecycle rule; continues those whose
   * file a kept handle may still read, unchanged; lists the rest.
   */
  async #startUp(resume: ResumeStore): Promise<void> {
    try {
      await resume.sweep((r) => this.#abortOnServer(r.path, r.uploadId));
      const left = (await resume.list()).filter((r) => !this.#inQueue(r));
      const found = await Promise.all(left.map(async (r) => ({ record: r, ...(await this.#reopen(r, false)) })));
      const unfinished: UnfinishedUpload[] = [];
      for (const { record, file, reopen } of found) {
        if (file && !this.#inQueue(record)) this.#continue(record, file);
        else if (!file) unfinished.push({ ...record, reopen });
      }
      this.unfinished = unfinished.filter((r) => !this.#inQueue(r));
    } catch {
      // No IndexedDB (private mode, blocked storage): uploads work, only resuming after a reload does not.
    }
  }

  #inQueue(r: ResumeRecord): boolean {
    return this.items.some((i) => i.fingerprint === r.fingerprint && i.path === r.path && !i.finished);
  }

  /**
   * Continues an unfinished upload whose kept handle needs the person's permission: asks (call it
   * from the click, which the browser requires), then resumes. Otherwise says what stands in the way.
   */
  async reopen(entry: UnfinishedUpload): Promise<void> {
    const { file, reopen } = await this.#reopen(entry, true);
    const others = this.unfinished.filter((r) => !(r.fingerprint === entry.fingerprint && r.path === entry.path));
    if (file) {
      this.unfinished = others;
      if (!this.#inQueue(entry)) this.#continue(entry, file);
    } else if (others.length < this.unfinished.length) {
      this.unfinished = this.unfinished.map((r) => (r.fingerprint === entry.fingerprint && r.path === entry.path ? { ...r, reopen } : r));
    }
  }

  /** The file behind a record's kept handle, when it may be read and is still the same file. */
  async #reopen(record: ResumeRecord, request: boolean): Promise<{ file?: File; reopen: Reopen }> {
    const handle = record.handle;
    if (!handle) return { reopen: 'add' };
    let permission: PermissionState;
    try {
      permission = await readPermission(handle, request);
    } catch {
      return { reopen: 'add' };
    }
    if (permission === 'prompt') return { reopen: 'ask' };
    if (permission !== 'granted') return { reopen: 'add' };
    try {
      const file = await handle.getFile();
      if (file.size !== record.size || (await fileFingerprint(file)) !== record.fingerprint) return { reopen: 'changed' };
      return { file, reopen: 'add' };
    } catch {
      // Moved, deleted, or no longer readable.
      return { reopen: 'gone' };
    }
  }

  /** Queues the file of a remembered upload; the run finds the record and continues it. */
  #continue(record: ResumeRecord, file: File): void {
    const folder = parentOf(record.path);
    const [item] = this.add([{ file, relativePath: record.path.slice(folder.length), handle: record.handle }], folder);
    if (item) item.fingerprint ??= record.fingerprint;
  }

  /** Aborts the remembered uploads the person does not mean to continue. */
  async discardUnfinished(): Promise<void> {
    const resume = this.#opts.resume;
    const records = this.unfinished;
    this.unfinished = [];
    if (!resume) return;
    await Promise.all(
      records.map(async (r) => {
        await this.#abortOnServer(r.path, r.uploadId).catch(() => {});
        await resume.remove(r.fingerprint, r.path).catch(() => {});
      }),
    );
  }

  #abortOnServer(path: string, uploadId: string): Promise<void> {
    return this.#store.abortUpload ? this.#store.abortUpload(path, uploadId) : Promise.resolve();
  }

  /** Forgets the remembered state of an item's upload (finished, cancelled or aborted by the engine). */
  #forget(item: UploadItem): void {
    const fp = item.fingerprint;
    if (!fp) return;
    void this.#opts.resume?.remove(fp, item.path).catch(() => {});
  }

  get active(): boolean {
    return this.items.some((i) => !i.finished);
  }

  get hasFinished(): boolean {
    return this.items.some((i) => i.finished);
  }

  /** Items waiting for an answer to "the name exists", oldest first. */
  get conflicts(): UploadItem[] {
    return this.items.filter((i) => i.status === 'conflict');
  }

  get paused(): UploadItem[] {
    return this.items.filter((i) => i.status === 'paused');
  }

  /** Byte totals over what is still meant to be uploaded (not cancelled or skipped). */
  get totals(): { loaded: number; total: number; speed: number; secondsLeft: number | undefined; running: number } {
    let loaded = 0;
    let total = 0;
    let speed = 0;
    let running = 0;
    for (const i of this.items) {
      if (i.status === 'cancelled' || i.status === 'skipped' || (i.status === 'error' && !i.retryable)) continue;
      total += i.total;
      loaded += i.status === 'done' ? i.total : i.loaded;
      if (i.status === 'uploading') {
        speed += i.speed;
        running++;
      }
    }
    const left = total - loaded;
    return { loaded, total, speed, running, secondsLeft: speed > 0 ? left / speed : undefined };
  }

  add(files: Iterable<File | UploadSource>, folder: string): UploadItem[] {
    const batch = nextBatch++;
    const added: UploadItem[] = [];
    const limits = this.#opts.limits;
    for (const f of files) {
      const source: UploadSource = f instanceof File ? { file: f } : f;
      const relative = source.relativePath ?? source.file.name;
      const item = new UploadItem(source.file, `${folder}${relative}`, folder, batch);
      item.handle = source.handle;
      if (limits && source.file.size > limits.maxFileSize) {
        this.#fail(item, 'TooLarge', TEXT.tooLarge(relative, source.file.size, limits.maxFileSize));
      } else if (limits?.accept && !acceptsFile(limits.accept, source.file)) {
        this.#fail(item, 'Rejected', TEXT.wrongType(relative, limits.accept));
      } else if (this.#opts.exists?.(item.path) || added.some((a) => a.path === item.path && !a.finished)) {
        item.status = 'conflict';
      }
      added.push(item);
    }
    this.items.push(...added);
    this.#pump();
    return added;
  }

  /** Answers "the name exists" for one item, or (applyToAll) for every conflict of its batch, now and later. */
  resolve(item: UploadItem, choice: ConflictChoice, applyToAll = false): void {
    if (applyToAll) {
      this.#policies.set(item.batch, choice);
      for (const other of this.items) if (other.batch === item.batch && other.status === 'conflict') this.#apply(other, choice);
    } else if (item.status === 'conflict') this.#apply(item, choice);
    this.#pump();
  }

  #apply(item: UploadItem, choice: ConflictChoice): void {
    if (choice === 'skip') {
      item.status = 'skipped';
      return;
    }
    if (choice === 'replace') item.overwrite = true;
    else item.path = this.freePath(item.path);
    item.status = 'queued';
  }

  /** The first of "name", "name (1)", ... not known to exist and not taken by another upload. */
  freePath(path: string): string {
    const dir = parentOf(path);
    const taken = (candidate: string) => {
      const p = `${dir}${candidate}`;
      return this.#opts.exists?.(p) === true || this.items.some((i) => i.path === p && i.status !== 'skipped' && i.status !== 'cancelled');
    };
    // The name itself is taken (that is why we are here), even if no listing shows it.
    const name = nameOf(path);
    return `${dir}${freeName(name, (c) => c === name || taken(c))}`;
  }

  pause(item: UploadItem): void {
    if (item.status === 'queued' || item.status === 'conflict') {
      item.status = 'paused';
      item.speed = 0;
    } else if (item.status === 'uploading') {
      // The run ends as 'paused' once its requests have stopped.
      item.pauseController?.abort();
    }
  }

  resume(item: UploadItem): void {
    if (item.status !== 'paused') return;
    item.heldForSession = false;
    item.status = 'queued';
    this.#pump();
  }

  cancel(item: UploadItem): void {
    if (item.finished) return;
    if (item.status !== 'uploading') {
      // A multipart upload a pause left behind holds the parts (and their storage cost) until
      // aborted; the lifecycle rule would only catch it days later.
      const left = item.resumeFrom;
      if (left) void this.#abortOnServer(item.path, left.uploadId).catch(() => {});
      this.#forget(item);
      item.status = 'cancelled';
      item.error = undefined;
      item.speed = 0;
      item.resumeFrom = undefined;
      item.resumed = undefined;
      return;
    }
    item.controller?.abort();
  }

  pauseAll(): void {
    for (const item of this.items) if (item.status === 'queued' || item.status === 'uploading') this.pause(item);
  }

  resumeAll(): void {
    for (const item of this.items) if (item.status === 'paused') this.resume(item);
  }

  cancelAll(): void {
    for (const item of this.items) this.cancel(item);
  }

  retryAll(): void {
    for (const item of this.items) if (item.retryable) this.retry(item);
  }

  /** Starts a failed or cancelled upload again; `overwrite` replaces an existing file of that name. */
  retry(item: UploadItem, opts: { overwrite?: boolean } = {}): void {
    if (!item.retryable) return;
    item.overwrite = opts.overwrite ?? item.overwrite;
    item.status = 'queued';
    item.error = undefined;
    item.code = undefined;
    item.loaded = 0;
    this.#pump();
  }

  dismiss(item: UploadItem): void {
    if (!item.finished) return;
    this.items = this.items.filter((i) => i !== item);
  }

  clearFinished(): void {
    this.items = this.items.filter((i) => !i.finished);
  }

  /**
   * The session ended and needs the person: pause what runs (keeping multipart uploads for the
   * resume) and start nothing new until release().
   */
  hold(): void {
    if (this.#held) return;
    this.#held = true;
    for (const item of this.items) {
      if (item.status === 'uploading' || item.status === 'queued') {
        item.heldForSession = true;
        this.pause(item);
      }
    }
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    for (const item of this.items) {
      if (item.heldForSession && item.status === 'paused') this.resume(item);
      item.heldForSession = false;
    }
    this.#pump();
  }

  get held(): boolean {
    return this.#held;
  }

  #fail(item: UploadItem, code: string, message: string): void {
    item.status = 'error';
    item.code = code;
    item.error = message;
  }

  #pump(): void {
    if (this.#held) return;
    let running = this.items.filter((i) => i.status === 'uploading').length;
    for (const item of this.items) {
      if (running >= (this.#opts.concurrency ?? 2)) break;
      if (item.status !== 'queued') continue;
      running++;
      void this.#run(item);
    }
    this.#tick();
  }

  /** Recomputes speeds once a second while something uploads (progress arrives in bursts). */
  #tick(): void {
    const uploading = this.items.some((i) => i.status === 'uploading');
    if (uploading && !this.#ticker) {
      this.#ticker = setInterval(() => {
        const now = this.#now();
        for (const i of this.items) if (i.status === 'uploading') this.#measure(i, now);
        if (!this.items.some((i) => i.status === 'uploading')) {
          clearInterval(this.#ticker);
          this.#ticker = undefined;
        }
      }, 1000);
    }
  }

  #measure(item: UploadItem, now: number): void {
    const samples = item.samples;
    while (samples.length > 1 && now - (samples[1]?.t ?? now) > SPEED_WINDOW_MS) samples.shift();
    const first = samples[0];
    if (!first || now - first.t < 500) return;
    item.speed = Math.max(0, (item.loaded - first.loaded) / ((now - first.t) / 1000));
  }

  async #run(item: UploadItem): Promise<void> {
    const controller = new AbortController();
    const pauser = new AbortController();
    item.controller = controller;
    item.pauseController = pauser;
    item.status = 'uploading';
    item.error = undefined;
    item.code = undefined;
    item.samples = [];
    item.resumed = undefined;
    let first = true;
    try {
      // Only awaited when there is something to look up, so other uploads start synchronously.
      const remembered = this.#opts.resume && item.file.size > MIN_MULTIPART ? await this.#remembered(item) : undefined;
      const fp = item.fingerprint;
      const resume = this.#opts.resume;
      let uploadId: string | undefined;
      await this.#store.upload(item.path, item.file, {
        overwrite: item.overwrite,
        contentType: item.file.type || undefined,
        signal: controller.signal,
        pauseSignal: pauser.signal,
        ...(item.resumeFrom ? { resume: item.resumeFrom } : {}),
        // Only worth reading the parts twice where they are remembered across reloads.
        checksumParts: resume !== undefined,
        onMultipartStarted: (info) => {
          uploadId = info.uploadId;
          item.resumeFrom = { uploadId: info.uploadId, partSize: info.partSize };
          // After a pause the engine trusts ListParts alone; the CRC32s this page saw stay recorded.
          const kept = (info.kept ?? []).map((p) => {
            const seen = item.sent.get(p.partNumber);
            return !p.crc32 && seen?.etag === p.etag ? seen : p;
          });
          item.sent.clear();
          for (const p of kept) item.sent.set(p.partNumber, p);
          if (kept.length && info.partCount) item.resumed = { kept: kept.length, of: info.partCount };
          if (resume && fp) {
            void resume
              .start({
                fingerprint: fp,
                path: item.path,
                key: toKey(this.#store.prefix, item.path, 'file'),
                file: item.file,
                uploadId: info.uploadId,
                partSize: info.partSize,
                parts: kept,
                handle: item.handle ?? remembered?.handle,
                ...(remembered?.uploadId === info.uploadId ? { createdAt: remembered.createdAt } : {}),
              })
              .catch(() => {});
          }
        },
        onPartUploaded: (part) => {
          item.sent.set(part.partNumber, part);
          if (resume && fp && uploadId) void resume.addPart(fp, item.path, uploadId, part).catch(() => {});
        },
        onProgress: (p) => {
          const now = this.#now();
          // A resumed run starts from the parts kept on the server, below what the bar showed.
          if (first) item.samples = [];
          first = false;
          item.loaded = p.loaded;
          item.total = p.total;
          item.samples.push({ t: now, loaded: p.loaded });
          this.#measure(item, now);
        },
      });
      item.loaded = item.total;
      item.status = 'done';
      item.resumeFrom = undefined;
      this.#forget(item);
      this.#onUploaded(item);
    } catch (err) {
      // Anything but a pause ended the multipart upload (the engine aborts it), so it is forgotten.
      if (!pauser.signal.aborted || controller.signal.aborted) this.#forget(item);
      if (controller.signal.aborted) {
        item.status = 'cancelled';
        item.resumeFrom = undefined;
      } else if (pauser.signal.aborted) {
        item.status = 'paused';
      } else if (isAbort(err)) {
        item.status = 'cancelled';
        item.resumeFrom = undefined;
      } else if (errorCode(err) === 'AlreadyExists' && !item.overwrite) {
        item.resumeFrom = undefined;
        const policy = this.#policies.get(item.batch);
        if (policy) this.#apply(item, policy);
        else item.status = 'conflict';
      } else {
        item.status = 'error';
        item.error = errorMessage(err);
        item.code = errorCode(err);
        // The engine aborted the multipart upload on a failure: a retry starts afresh.
        item.resumeFrom = undefined;
      }
    } finally {
      item.speed = 0;
      item.controller = undefined;
      item.pauseController = undefined;
      this.#pump();
    }
  }

  /**
   * For a file large enough to go multipart: its fingerprint, and the upload an earlier visit left
   * for the same file and destination, which the run then continues.
   */
  async #remembered(item: UploadItem): Promise<ResumeRecord | undefined> {
    const resume = this.#opts.resume;
    if (!resume || item.file.size <= MIN_MULTIPART) return undefined;
    try {
      item.fingerprint ??= await fileFingerprint(item.file);
      if (item.resumeFrom) return undefined;
      const record = await resume.get(item.fingerprint, item.path);
      if (!record || record.size !== item.file.size) return undefined;
      item.resumeFrom = { uploadId: record.uploadId, partSize: record.partSize, parts: record.parts };
      this.unfinished = this.unfinished.filter((r) => !(r.fingerprint === record.fingerprint && r.path === record.path));
      return record;
    } catch {
      // An unreadable file fails in the upload itself; a refused IndexedDB only costs the resume.
      return undefined;
    }
  }

  #onUploaded(item: UploadItem): void {
    this.#opts.onUploaded?.(item);
  }
}
