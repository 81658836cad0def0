import { storageError, StorageError } from '../lib/errors';
import type { Entry, FileStore } from './types';

function clickLink(href: string, filename?: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = filename ?? '';
  a.rel = 'noopener';
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
}

/**
 * Saves a file. Against AWS the presigned URL answers with Content-Disposition: attachment, so the
 * browser streams it straight to disk whatever its size. In the demo the service worker cannot answer
 * navigations, so the bytes are fetched (through the worker) and saved from a Blob URL instead.
 */
export async function downloadEntry(store: FileStore, entry: Entry, mode: 'aws' | 'demo'): Promise<void> {
  const url = await store.downloadUrl(entry.path, { filename: entry.name });
  if (mode === 'aws') {
    clickLink(url);
    return;
  }
  let res: Response;
  try {
    res = await fetch(url);
  } catch (cause) {
    throw storageError('NetworkError', { cause });
  }
  if (!res.ok) throw await errorFromResponse(res);
  const blob = await res.blob();
  const objectUrl = URL.createObjectURL(blob);
  clickLink(objectUrl, entry.name);
  // The download reads the Blob after the click returns; revoking at once can cancel it.
  setTimeout(() => URL.revokeObjectURL(objectUrl), 60_000);
}

async function errorFromResponse(res: Response): Promise<StorageError> {
  const text = await res.text().catch(() => '');
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `HTTP${res.status}`;
  return storageError(code, { status: res.status });
}
