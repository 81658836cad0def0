import { acceptsFile } from '../lib/config';
import { isAbort } from '../lib/errors';
import { freeName, nameOf, parentOf } from '../lib/keys';
import { errorCode, errorMessage, formatSize } from './format';
import type { FileStore } from './types';

export type UploadStatus = 'queued' | 'uploading' | 'paused' | 'conflict' | 'done' | 'error' | 'cancelled' | 'skipped';

/** What to do when the name is taken. */
export type ConflictChoice = 'keep' | 'replace' | 'skip';

const TEXT = {
  tooLarge: (name: string, size: number, max: number) =>
    `“${name}” is ${formatSize(size)}; this site accepts files up to ${formatSize(max)}. Choose a smaller file, or ask the site's operator to raise the limit.`,
  wrongType: (name: string, accept: string[]) =>
    `“${name}” is not a type this site accepts (${accept.join(', ')}). Choose a file of one of those types.`,
};

/** Speed is measured over this window, so a stall shows as falling speed rather than a frozen one. */
const SPEED_WINDOW_MS = 8_000;

let nextId = 1;
let nextBatch = 1;

export class UploadItem {
  readonly id = nextId++;
  readonly file: File;
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
  /** The multipart upload a pause left on the server. */
  resumeFrom: { uploadId: string; partSize: number } | undefined;
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
}

export interface UploadQueueOptions {
  concurrency?: number;
  onUploaded?: (item: UploadItem) => void;
  /** Whether a file is known to exist at `path` (from a listing), to ask before uploading. */
  exists?: (path: string) => boolean;
  limits?: { maxFileSize: number; accept?: string[] | undefined };
  now?: () => number;
}

/**
 * Uploads files a few at a time (the engine already runs parts in parallel), with per-file and
 * whole-queue pause, resume, cancel and retry, and a question when a name is already taken.
 */
export class UploadQueue {
  items = $state<UploadItem[]>([]);
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
      // A multipart upload a pause left behind is removed by the bucket's lifecycle rule for
      // incomplete uploads; no object ever appears from it.
      item.status = 'cancelled';
      item.error = undefined;
      item.speed = 0;
      item.resumeFrom = undefined;
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
    let first = true;
    try {
      await this.#store.upload(item.path, item.file, {
        overwrite: item.overwrite,
        contentType: item.file.type || undefined,
        signal: controller.signal,
        pauseSignal: pauser.signal,
        ...(item.resumeFrom ? { resume: item.resumeFrom } : {}),
        onMultipartStarted: (info) => (item.resumeFrom = info),
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
      this.#onUploaded(item);
    } catch (err) {
      if (controller.signal.aborted) {
        item.status = 'cancelled';
        item.resumeFrom = undefined;
      } else if (pauser.signal.aborted) {
        item.status = 'paused';
      } else if (isAbort(err)) {
        item.status = 'cancelled';
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

  #onUploaded(item: UploadItem): void {
    this.#opts.onUploaded?.(item);
  }
}
