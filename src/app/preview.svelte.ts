import { SvelteMap } from 'svelte/reactivity';
import { StorageError } from '../lib/errors';
import { errorMessage } from './format';
import { previewOf, type PreviewKind } from './listing';
import type { Entry, FileStore } from './types';

/** Text previews show at most this much; the rest is one download away. */
export const TEXT_PREVIEW_BYTES = 512 * 1024;
/** Images larger than this get an icon in the list, not a thumbnail (it would download whole). */
export const THUMBNAIL_MAX_BYTES = 8 * 1024 * 1024;

/**
 * The file shown in the preview dialog. Everything is fetched through presigned URLs whose
 * Content-Type S3 is told to answer with, and shown by elements that cannot run it: <img>, <audio>,
 * <video>, text set as textContent, PDF in an <object>. No uploaded byte becomes HTML in this origin.
 */
export class Preview {
  entry = $state<Entry | undefined>();
  kind = $state<PreviewKind>('none');
  url = $state<string | undefined>();
  text = $state<string | undefined>();
  truncated = $state(false);
  loading = $state(false);
  error = $state<string | undefined>();

  readonly #store: FileStore;
  readonly #mode: 'aws' | 'demo';
  #controller: AbortController | undefined;
  #objectUrl: string | undefined;

  constructor(store: FileStore, mode: 'aws' | 'demo') {
    this.#store = store;
    this.#mode = mode;
  }

  async open(entry: Entry): Promise<void> {
    this.close();
    const controller = new AbortController();
    this.#controller = controller;
    const { kind, contentType } = previewOf(entry);
    Object.assign(this, { entry, kind, url: undefined, text: undefined, truncated: false, error: undefined, loading: true });
    try {
      if (kind === 'none') return;
      const url = await this.#store.viewUrl(entry.path, { contentType });
      if (controller.signal.aborted) return;
      if (kind === 'text') {
        const { text, truncated } = await readText(url, controller.signal);
        if (controller.signal.aborted) return;
        this.text = text;
        this.truncated = truncated;
      } else if (kind === 'pdf' && this.#mode === 'demo') {
        // The demo's S3 lives in a service worker, which never sees the navigation an <object>
        // makes; the bytes are fetched instead and shown from a Blob typed as PDF.
        const blob = await fetchBlob(url, controller.signal);
        const head = new Uint8Array(await blob.slice(0, 5).arrayBuffer());
        if (String.fromCharCode(...head) !== '%PDF-') throw new StorageError('NotPdf', `"${entry.name}" does not start like a PDF file, so it is not shown. Download it to open it.`);
        if (controller.signal.aborted) return;
        this.#objectUrl = URL.createObjectURL(new Blob([blob], { type: 'application/pdf' }));
        this.url = this.#objectUrl;
      } else {
        this.url = url;
      }
    } catch (err) {
      if (!controller.signal.aborted) this.error = errorMessage(err);
    } finally {
      if (this.#controller === controller) this.loading = false;
    }
  }

  /** For media elements that fail to load the URL (unsupported codec, expired session). */
  failed(message: string): void {
    this.error = message;
  }

  close(): void {
    this.#controller?.abort();
    this.#controller = undefined;
    if (this.#objectUrl) URL.revokeObjectURL(this.#objectUrl);
    this.#objectUrl = undefined;
    this.entry = undefined;
    this.url = undefined;
    this.text = undefined;
  }
}

async function fetchBlob(url: string, signal: AbortSignal): Promise<Blob> {
  const res = await get(url, signal);
  return res.blob();
}

async function get(url: string, signal: AbortSignal, headers?: Record<string, string>): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { signal, ...(headers ? { headers } : {}) });
  } catch (cause) {
    throw new StorageError('NetworkError', 'Could not load the preview: the network failed. Check the connection and try again.', { cause });
  }
  if (!res.ok) {
    throw new StorageError(`HTTP${res.status}`, `Could not load the preview (HTTP ${res.status}). The file may have been deleted or your session may have ended: refresh the folder and try again.`, { status: res.status });
  }
  return res;
}

async function readText(url: string, signal: AbortSignal): Promise<{ text: string; truncated: boolean }> {
  // A Range request fetches only what is shown, whatever the file's size.
  const res = await get(url, signal, { Range: `bytes=0-${TEXT_PREVIEW_BYTES}` });
  const buf = new Uint8Array(await res.arrayBuffer());
  const truncated = buf.byteLength > TEXT_PREVIEW_BYTES;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(truncated ? buf.subarray(0, TEXT_PREVIEW_BYTES) : buf, { stream: truncated });
  return { text, truncated };
}

/** Presigned thumbnail URLs for image rows, made when a row first renders (lazy with virtualization). */
export class Thumbnails {
  readonly #urls = new SvelteMap<string, string>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- requests in flight, never rendered
  readonly #pending = new Set<string>();
  readonly #store: FileStore;

  constructor(store: FileStore) {
    this.#store = store;
  }

  /** The URL if ready; otherwise starts making it and returns undefined. */
  url(entry: Entry): string | undefined {
    const key = `${entry.path}\n${entry.etag ?? ''}`;
    const ready = this.#urls.get(key);
    if (ready !== undefined || this.#pending.has(key)) return ready;
    const { kind, contentType } = previewOf(entry);
    if (kind !== 'image' || entry.size > THUMBNAIL_MAX_BYTES || entry.size === 0) return undefined;
    this.#pending.add(key);
    // An hour: the same URL across re-renders lets the browser cache the image.
    this.#store.viewUrl(entry.path, { contentType, expiresIn: 3600 }).then(
      (url) => this.#urls.set(key, url),
      () => {}, // the icon stays; the preview will say what is wrong
    );
    return undefined;
  }
}
