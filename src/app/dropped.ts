import type { UploadSource } from './uploads.svelte';

/**
 * Files from a drop, including the contents of dropped directories (with their relative paths).
 * Must be called synchronously inside the drop handler: DataTransfer items expire once it returns.
 */
export function filesFromDrop(dt: DataTransfer): Promise<UploadSource[]> {
  const entries: FileSystemEntry[] = [];
  const plain: File[] = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.();
    if (entry) entries.push(entry);
    else {
      const file = item.getAsFile();
      if (file) plain.push(file);
    }
  }
  if (!entries.length) return Promise.resolve(plain.map((file) => ({ file })));
  return (async () => {
    const out: UploadSource[] = plain.map((file) => ({ file }));
    for (const entry of entries) await walk(entry, '', out);
    return out;
  })();
}

async function walk(entry: FileSystemEntry, parent: string, out: UploadSource[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, relativePath: `${parent}${entry.name}` });
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries returns at most ~100 entries per call; an empty batch means done.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    for (const child of batch) await walk(child, `${parent}${entry.name}/`, out);
  }
}
