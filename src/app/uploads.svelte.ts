import { isAbort } from '../lib/errors';
import { errorCode, errorMessage } from './format';
import type { FileStore } from './types';

export type UploadStatus = 'queued' | 'uploading' | 'done' | 'error' | 'cancelled';

let nextId = 1;

export class UploadItem {
  readonly id = nextId++;
  readonly file: File;
  /** Destination path, relative to the identity's prefix. */
  readonly path: string;
  /** The folder the upload lands in, so the listing knows what to refresh. */
  readonly folder: string;
  loaded = $state(0);
  total = $state(0);
  status = $state<UploadStatus>('queued');
  error = $state<string | undefined>();
  /** StorageError code of the failure, e.g. 'AlreadyExists' (offer to replace). */
  code = $state<string | undefined>();
  overwrite = false;
  controller: AbortController | undefined;

  constructor(file: File, path: string, folder: string) {
    this.file = file;
    this.path = path;
    this.folder = folder;
    this.total = file.size;
  }

  get name(): string {
    return this.path.slice(this.folder.length);
  }

  get finished(): boolean {
    return this.status === 'done' || this.status === 'error' || this.status === 'cancelled';
  }
}

export interface UploadSource {
  file: File;
  /** Path below the target folder, e.g. "photos/a.jpg" for a dropped directory; defaults to the file name. */
  relativePath?: string;
}

/** Uploads files a few at a time (the engine already runs parts in parallel), with per-file cancel. */
export class UploadQueue {
  items = $state<UploadItem[]>([]);

  readonly #store: FileStore;
  readonly #concurrency: number;
  readonly #onUploaded: ((item: UploadItem) => void) | undefined;

  constructor(store: FileStore, opts: { concurrency?: number; onUploaded?: (item: UploadItem) => void } = {}) {
    this.#store = store;
    this.#concurrency = opts.concurrency ?? 2;
    this.#onUploaded = opts.onUploaded;
  }

  get active(): boolean {
    return this.items.some((i) => !i.finished);
  }

  get hasFinished(): boolean {
    return this.items.some((i) => i.finished);
  }

  add(files: Iterable<File | UploadSource>, folder: string): UploadItem[] {
    const added: UploadItem[] = [];
    for (const f of files) {
      const source: UploadSource = f instanceof File ? { file: f } : f;
      const relative = source.relativePath ?? source.file.name;
      added.push(new UploadItem(source.file, `${folder}${relative}`, folder));
    }
    this.items.push(...added);
    this.#pump();
    return added;
  }

  cancel(item: UploadItem): void {
    if (item.finished) return;
    if (item.status === 'queued') {
      item.status = 'cancelled';
      item.error = undefined;
      return;
    }
    item.controller?.abort();
  }

  cancelAll(): void {
    for (const item of this.items) this.cancel(item);
  }

  /** Starts a failed or cancelled upload again; `overwrite` replaces an existing file of that name. */
  retry(item: UploadItem, opts: { overwrite?: boolean } = {}): void {
    if (!item.finished || item.status === 'done') return;
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

  #pump(): void {
    let running = this.items.filter((i) => i.status === 'uploading').length;
    for (const item of this.items) {
      if (running >= this.#concurrency) break;
      if (item.status !== 'queued') continue;
      running++;
      void this.#run(item);
    }
  }

  async #run(item: UploadItem): Promise<void> {
    const controller = new AbortController();
    item.controller = controller;
    item.status = 'uploading';
    try {
      await this.#store.upload(item.path, item.file, {
        overwrite: item.overwrite,
        contentType: item.file.type || undefined,
        signal: controller.signal,
        onProgress: (p) => {
          item.loaded = p.loaded;
          item.total = p.total;
        },
      });
      item.loaded = item.total;
      item.status = 'done';
      this.#onUploaded?.(item);
    } catch (err) {
      if (controller.signal.aborted || isAbort(err)) {
        item.status = 'cancelled';
      } else {
        item.status = 'error';
        item.error = errorMessage(err);
        item.code = errorCode(err);
      }
    } finally {
      item.controller = undefined;
      this.#pump();
    }
  }
}
