/* eslint-disable svelte/prefer-svelte-reactivity -- the Sets here are bookkeeping (paths seen, paths gone), never rendered */
import { checkName, parentOf } from '../lib/keys';
import { errorCode, errorMessage } from './format';
import { matcher, sortEntries, type SortDir, type SortKey } from './listing';
import type { Entry, FileStore } from './types';
import { FIRST_LISTING_MARK } from './marks';

/**
 * One folder's listing. Every page is fetched in the background after the first (a folder of
 * 100,000 objects is 100 requests), so sorting and filtering see the whole folder; the rows are
 * published in batches because re-sorting on each page would cost more than the listing itself.
 */
export class FolderView {
  folder = $state('');
  /** In arrival order; `rows` is what is shown. */
  entries = $state.raw<Entry[]>([]);
  loading = $state(false);
  /** Later pages are still arriving. */
  loadingMore = $state(false);
  error = $state<string | undefined>();
  /** StorageError code of `error` (e.g. 'AccessDenied'), for decisions; `error` is for people. */
  errorCode = $state<string | undefined>();
  /**
   * The last listing was refused outright (AccessDenied), as for a guest role that may only upload
   * (the shipped guest policy is such a drop box). Unlike `errorCode` it holds while the next
   * listing runs and clears only when one succeeds, so reopening a folder does not flicker.
   */
  denied = $state(false);
  nextToken = $state<string | undefined>();
  /** Whether the first page of `folder` has been loaded at least once. */
  loaded = $state(false);

  sortKey = $state<SortKey>('name');
  sortDir = $state<SortDir>('asc');
  filter = $state('');

  readonly sorted = $derived(sortEntries(this.entries, this.sortKey, this.sortDir));
  readonly rows = $derived(this.filter.trim() ? this.sorted.filter(matcher(this.filter)) : this.sorted);

  readonly #store: FileStore;
  readonly #pageSize: number;
  readonly #publishMs: number;
  #controller: AbortController | undefined;
  #failed: (() => Promise<void>) | undefined;
  #seen = new Set<string>();

  constructor(store: FileStore, opts: { pageSize?: number; publishMs?: number } = {}) {
    this.#store = store;
    this.#pageSize = opts.pageSize ?? 1000;
    this.#publishMs = opts.publishMs ?? 400;
  }

  get hasMore(): boolean {
    return this.nextToken !== undefined;
  }

  /** Shows `folder`, dropping any listing still in flight for the previous one. */
  open(folder: string): Promise<void> {
    if (folder !== this.folder) {
      this.folder = folder;
      this.entries = [];
      this.#seen = new Set();
      this.nextToken = undefined;
      this.loaded = false;
      this.filter = '';
    }
    return this.#loadFirst();
  }

  refresh(): Promise<void> {
    return this.#loadFirst();
  }

  /** Repeats whatever failed last: the first page or a later one. */
  retry(): Promise<void> {
    return (this.#failed ?? (() => this.#loadFirst()))();
  }

  /** Clicking a column again reverses it; a new column starts ascending. */
  sortBy(key: SortKey): void {
    if (this.sortKey === key) this.sortDir = this.sortDir === 'asc' ? 'desc' : 'asc';
    else {
      this.sortKey = key;
      this.sortDir = 'asc';
    }
  }

  /** Fetches the remaining pages (after a failure, from where it stopped). */
  async loadMore(): Promise<void> {
    if (!this.nextToken || this.loading) return;
    await this.#loadRest(this.#restart());
  }

  /**
   * Deletes files (one DeleteObjects per 1000) and folders with everything in them; returns how
   * many objects went.
   */
  async remove(targets: Entry[]): Promise<number> {
    const files = targets.filter((e) => e.kind === 'file').map((e) => e.path);
    const folders = targets.filter((e) => e.kind === 'folder');
    const gone = new Set<string>();
    let count = 0;
    try {
      if (files.length === 1) {
        await this.#store.delete(files[0]!);
        gone.add(files[0]!);
        count += 1;
      } else if (files.length) {
        await this.#store.deleteMany(files);
        files.forEach((p) => gone.add(p));
        count += files.length;
      }
      for (const folder of folders) {
        count += await this.#store.deleteFolder(folder.path);
        gone.add(folder.path);
      }
    } finally {
      if (gone.size) this.#drop(gone);
    }
    return count;
  }

  /** Renames or moves `entry` to `to` (a full relative path; folders end with '/'). */
  async move(entry: Entry, to: string): Promise<void> {
    await this.#store.move(entry.path, to);
    this.#drop(new Set([entry.path]));
    if (parentOf(to) === this.folder && !this.#seen.has(to)) {
      const name = to.slice(this.folder.length).replace(/\/$/, '');
      this.#seen.add(to);
      this.entries = [...this.entries, { ...entry, path: to, name }];
    }
  }

  /** Creates `name/` in the open folder. Errors (e.g. an invalid name) are thrown for the caller to show. */
  async createFolder(rawName: string): Promise<string> {
    // Spaces at either end are almost always typos, and invisible in the listing afterwards.
    const name = checkName(rawName.trim());
    const path = `${this.folder}${name}/`;
    await this.#store.createFolder(path);
    if (!this.#seen.has(path)) {
      this.#seen.add(path);
      this.entries = [...this.entries, { kind: 'folder', path, name, size: 0 }];
    }
    return path;
  }

  #drop(paths: Set<string>): void {
    for (const p of paths) this.#seen.delete(p);
    this.entries = this.entries.filter((e) => !paths.has(e.path));
  }

  async #loadFirst(): Promise<void> {
    const controller = this.#restart();
    const folder = this.folder;
    this.loading = true;
    this.loadingMore = false;
    this.#clearError();
    try {
      const page = await this.#store.list(folder, { maxKeys: this.#pageSize, signal: controller.signal });
      if (controller.signal.aborted) return;
      this.#seen = new Set();
      this.entries = this.#fresh(page.entries);
      this.nextToken = page.nextToken;
      this.loaded = true;
      this.denied = false;
      // For real-user monitoring (and the benchmark): when the page first had a listing to show.
      if (!performance.getEntriesByName(FIRST_LISTING_MARK).length) performance.mark(FIRST_LISTING_MARK);
      // Once the rows are in the DOM: they never wait for the AWS SDK, and the first upload or
      // download then need not wait for it either.
      setTimeout(() => void this.#store.preload?.().catch(() => {}), 0);
    } catch (err) {
      if (!controller.signal.aborted) {
        this.#fail(err);
        this.#failed = () => this.#loadFirst();
      }
      return;
    } finally {
      if (this.#controller === controller) this.loading = false;
    }
    if (this.nextToken) await this.#loadRest(controller);
  }

  async #loadRest(controller: AbortController): Promise<void> {
    this.loadingMore = true;
    this.#clearError();
    let pending: Entry[] = [];
    let lastPublish = performance.now();
    const publish = () => {
      if (pending.length) this.entries = this.entries.concat(pending);
      pending = [];
      lastPublish = performance.now();
    };
    try {
      while (this.nextToken && !controller.signal.aborted) {
        const page = await this.#store.list(this.folder, {
          token: this.nextToken,
          maxKeys: this.#pageSize,
          signal: controller.signal,
        });
        if (controller.signal.aborted) return;
        pending.push(...this.#fresh(page.entries));
        this.nextToken = page.nextToken;
        if (performance.now() - lastPublish >= this.#publishMs) publish();
      }
      publish();
    } catch (err) {
      if (!controller.signal.aborted) {
        publish();
        this.#fail(err);
        this.#failed = () => this.loadMore();
      }
    } finally {
      if (this.#controller === controller) this.loadingMore = false;
    }
  }

  #fail(err: unknown): void {
    this.error = errorMessage(err);
    this.errorCode = errorCode(err);
    if (this.errorCode === 'AccessDenied') this.denied = true;
  }

  #clearError(): void {
    this.error = undefined;
    this.errorCode = undefined;
  }

  #restart(): AbortController {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    return controller;
  }

  #fresh(page: Entry[]): Entry[] {
    // The folder's own marker object (zero-byte "name/") is not a child of itself.
    const fresh = page.filter((e) => e.path !== this.folder && !this.#seen.has(e.path));
    for (const e of fresh) this.#seen.add(e.path);
    return fresh;
  }
}
