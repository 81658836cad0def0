// File System Access (Chromium): a file picked or dropped with a FileSystemFileHandle can be read
// again after a reload, so an unfinished upload continues without the person adding the file
// again. Where the API is missing the app keeps using <input type=file> and plain drops.
// TypeScript's DOM types do not cover the picker and the permission calls yet, hence the types here.

import type { UploadSource } from './uploads.svelte';

interface ReadPermission {
  mode: 'read';
}

/** What a kept handle offers beyond the DOM types (Chromium). */
interface PermissionHandle {
  queryPermission?(descriptor: ReadPermission): Promise<PermissionState>;
  requestPermission?(descriptor: ReadPermission): Promise<PermissionState>;
}

export interface PickerType {
  description?: string;
  /** MIME type (or wildcard) to extensions. */
  accept: Record<string, string[]>;
}

interface PickerWindow {
  showOpenFilePicker?(options: { multiple?: boolean; types?: PickerType[] }): Promise<FileSystemFileHandle[]>;
}

interface HandleItem {
  getAsFileSystemHandle?(): Promise<FileSystemHandle | null>;
}

// What Chromium accepts in a picker type (it throws a TypeError otherwise).
const PICKER_EXTENSION = /^\.[a-z0-9+.]{1,15}$/i;
const PICKER_MIME = /^[a-z0-9][\w.+-]*\/(\*|[a-z0-9][\w.+-]*)$/i;

/**
 * The picker's `types` for the config's `upload.accept` (as an <input accept>: extensions and MIME
 * types), with the "all files" choice left in as the input's dialog does (the queue checks the
 * type anyway). Extensions go under the wildcard type, which adds no extensions of its own.
 * Undefined when an entry cannot be expressed: then the <input> is used instead.
 */
export function pickerTypes(accept: string[] | undefined): PickerType[] | undefined {
  if (!accept?.length) return [];
  const types: Record<string, string[]> = {};
  for (const a of accept) {
    if (a.startsWith('.')) {
      if (!PICKER_EXTENSION.test(a) || a.endsWith('.')) return undefined;
      (types['*/*'] ??= []).push(a);
    } else if (PICKER_MIME.test(a)) types[a] ??= [];
    else return undefined;
  }
  return [{ accept: types }];
}

/**
 * Opens the File System Access picker: the files chosen, each with its handle, or [] when the
 * person closes it. Undefined, at once, where the picker is missing or cannot express `accept`:
 * the caller then clicks its <input> while the click's user activation still holds.
 */
export function pickWithHandles(accept: string[] | undefined): Promise<UploadSource[]> | undefined {
  const picker = (globalThis as PickerWindow).showOpenFilePicker;
  const types = pickerTypes(accept);
  if (typeof picker !== 'function' || !types) return undefined;
  return picker.call(globalThis, { multiple: true, ...(types.length ? { types } : {}) }).then(
    (handles) => Promise.all(handles.map(async (handle) => ({ file: await handle.getFile(), handle }))),
    (err: unknown) => {
      // Closing the picker is not an error.
      if (err instanceof DOMException && err.name === 'AbortError') return [];
      throw err;
    },
  );
}

/**
 * Starts getting a dropped item's handle. Must be called synchronously inside the drop handler,
 * like webkitGetAsEntry; resolves to undefined for folders and where the API is missing.
 */
export function handleOfDropped(item: DataTransferItem): Promise<FileSystemFileHandle | undefined> {
  const get = (item as DataTransferItem & HandleItem).getAsFileSystemHandle;
  if (typeof get !== 'function') return Promise.resolve(undefined);
  try {
    return get.call(item).then(
      (h) => (h?.kind === 'file' ? (h as FileSystemFileHandle) : undefined),
      () => undefined,
    );
  } catch {
    return Promise.resolve(undefined);
  }
}

/**
 * Whether a kept handle may be read now: 'granted', 'prompt' (ask with requestPermission, which
 * needs a click) or 'denied'. `request` asks the person; call it from the click, before any await.
 */
export async function readPermission(handle: FileSystemFileHandle, request: boolean): Promise<PermissionState> {
  const h = handle as FileSystemFileHandle & PermissionHandle;
  const ask = request ? h.requestPermission : h.queryPermission;
  // A handle without the permission calls (not Chromium's) is read like a picked file.
  if (typeof ask !== 'function') return 'granted';
  return ask.call(h, { mode: 'read' });
}
