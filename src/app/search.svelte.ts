import { isAbort } from '../lib/errors';
import { errorMessage } from './format';
import { matcher } from './listing';
import type { Entry, FileStore } from './types';

/**
 * Search by name across a folder and all its subfolders: S3 has no search, so every key below the
 * folder is listed (pages of 1000, no delimiter) and matched here. Cancellable at any point;
 * results appear as pages arrive.
 */
export class SearchView {
  query = $state('');
  /** The folder searched. */
  folder = $state('');
  results = $state.raw<Entry[]>([]);
  scanned = $state(0);
  running = $state(false);
  /** The search ran to the end (not cancelled, no error). */
  complete = $state(false);
  cancelled = $state(false);
  error = $state<string | undefined>();
  /** A search is shown (running or finished), instead of the folder. */
  active = $state(false);

  readonly #store: FileStore;
  readonly #limit: number;
  #controller: AbortController | undefined;

  constructor(store: FileStore, opts: { limit?: number } = {}) {
    this.#store = store;
    this.#limit = opts.limit ?? 10_000;
  }

  /** Whether the result list stopped at the limit. */
  get capped(): boolean {
    return this.results.length >= this.#limit;
  }

  async start(folder: string, query: string): Promise<void> {
    this.#controller?.abort();
    const controller = new AbortController();
    this.#controller = controller;
    const matches = matcher(query);
    Object.assign(this, { folder, query: query.trim(), results: [], scanned: 0, running: true, complete: false, cancelled: false, error: undefined, active: true });
    let token: string | undefined;
    try {
      do {
        const page = await this.#store.listTree(folder, { ...(token ? { token } : {}), maxKeys: 1000, signal: controller.signal });
        if (controller.signal.aborted) return;
        this.scanned += page.entries.length;
        const found = page.entries.filter(matches);
        if (found.length) this.results = this.results.concat(found).slice(0, this.#limit);
        token = page.nextToken;
      } while (token && !this.capped);
      this.complete = !token;
    } catch (err) {
      if (!controller.signal.aborted && !isAbort(err)) this.error = errorMessage(err);
    } finally {
      if (this.#controller === controller) this.running = false;
    }
  }

  /** Stops listing; results so far stay. */
  cancel(): void {
    if (!this.running) return;
    this.#controller?.abort();
    this.running = false;
    this.cancelled = true;
  }

  /** Back to the folder. */
  clear(): void {
    this.#controller?.abort();
    Object.assign(this, { results: [], scanned: 0, running: false, complete: false, cancelled: false, error: undefined, active: false, query: '' });
  }

  /** Removes entries that were deleted or moved away. */
  drop(paths: ReadonlySet<string>): void {
    this.results = this.results.filter((e) => !paths.has(e.path) && ![...paths].some((p) => p.endsWith('/') && e.path.startsWith(p)));
  }
}
