import { checkName } from '../lib/keys';
import { errorMessage } from './format';
import type { Entry, FileStore } from './types';

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function byKindThenName(a: Entry, b: Entry): number {
  if (a.kind !== b.kind) return a.kind === 'folder' ? -1 : 1;
  return collator.compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** One folder's listing: pages of entries, loading and error state. */
export class FolderView {
  folder = $state('');
  entries = $state.raw<Entry[]>([]);
  loading = $state(false);
  loadingMore = $state(false);
  error = $state<string | undefined>();
  nextToken = $state<string | undefined>();
  /** Whether the first page of `folder` has been loaded at least once. */
  loaded = $state(false);

  readonly #store: FileStore;
  readonly #pageSize: number;
  #controller: AbortController | undefined;
  #failed: (() => Promise<void>) | undefined;

  constructor(store: FileStore, opts: { pageSize?: number } = {}) {
    this.#store = store;
    this.#pageSize = opts.pageSize ?? 200;
  }

  get hasMore(): boolean {
    return this.nextToken !== undefined;
  }

  /** Shows `folder`, dropping any listing still in flight for the previous one. */
  open(folder: string): Promise<void> {
    if (folder !== this.folder) {
      this.folder = folder;
      this.entries = [];
      this.nextToken = undefined;
      this.loaded = false;
    }
    return this.#loadFirst();
  }

  refresh(): Promise<void> {
    return this.#loadFirst();
  }

  /** Repeats whatever failed last: the first page or the next one. */
  retry(): Promise<void> {
    return (this.#failed ?? (() => this.#loadFirst()))();
  }

  async loadMore(): Promise<void> {
    if (!this.nextToken || this.loadingMore || this.loading) return;
    const controller = this.#restart();
    this.loadingMore = true;
    this.error = undefined;
    try {
      const page = await this.#store.list(this.folder, {
        token: this.nextToken,
        maxKeys: this.#pageSize,
        signal: controller.signal,
      });
      if (controller.signal.aborted) return;
      this.entries = this.#merge(this.entries, page.entries);
      this.nextToken = page.nextToken;
    } catch (err) {
      if (!controller.signal.aborted) {
        this.error = errorMessage(err);
        this.#failed = () => this.loadMore();
      }
    } finally {
      if (this.#controller === controller) this.loadingMore = false;
    }
  }

  /** Deletes a file, or a folder with everything in it; returns how many objects went. */
  async remove(entry: Entry): Promise<number> {
    let count = 1;
    if (entry.kind === 'folder') count = await this.#store.deleteFolder(entry.path);
    else await this.#store.delete(entry.path);
    this.entries = this.entries.filter((e) => e.path !== entry.path);
    return count;
  }

  /** Creates `name/` in the open folder. Errors (e.g. an invalid name) are thrown for the caller to show. */
  async createFolder(rawName: string): Promise<string> {
    // Spaces at either end are almost always typos, and invisible in the listing afterwards.
    const name = checkName(rawName.trim());
    const path = `${this.folder}${name}/`;
    await this.#store.createFolder(path);
    if (!this.entries.some((e) => e.path === path)) {
      const entry: Entry = { kind: 'folder', path, name, size: 0 };
      this.entries = [...this.entries, entry].sort(byKindThenName);
    }
    return path;
  }

  async #loadFirst(): Promise<void> {
    const controller = this.#restart();
    const folder = this.folder;
    this.loading = true;
    this.error = undefined;
    try {
      const page = await this.#store.list(folder, { maxKeys: this.#pageSize, signal: controller.signal });
      if (controller.signal.aborted) return;
      this.entries = this.#merge([], page.entries);
      this.nextToken = page.nextToken;
      this.loaded = true;
    } catch (err) {
      if (!controller.signal.aborted) {
        this.error = errorMessage(err);
        this.#failed = () => this.#loadFirst();
      }
    } finally {
      if (this.#controller === controller) {
        this.loading = false;
        this.loadingMore = false;
      }
    }
  }

  #restart(): AbortController {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    return controller;
  }

  #merge(current: Entry[], page: Entry[]): Entry[] {
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local lookup, never rendered
    const seen = new Set(current.map((e) => e.path));
    // The folder's own marker object (zero-byte "name/") is not a child of itself.
    const fresh = page.filter((e) => e.path !== this.folder && !seen.has(e.path));
    return [...current, ...fresh].sort(byKindThenName);
  }
}
