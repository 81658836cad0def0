import { handleOfDropped } from './file-access';
import type { UploadSource } from './uploads.svelte';

/**
 * Files from a drop, including the contents of dropped directories (with their relative paths).
 * Files dropped themselves (not inside a dropped directory) carry their File System Access handle
 * where the browser gives one, so their upload can continue after a reload.
 * Must be called synchronously inside the drop handler: DataTransfer items expire once it returns.
 */
export function filesFromDrop(dt: DataTransfer): Promise<UploadSource[]> {
  const entries: { entry: FileSystemEntry; handle: Promise<FileSystemFileHandle | undefined> }[] = [];
  const plain: { file: File; handle: Promise<FileSystemFileHandle | undefined> }[] = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue;
    const handle = handleOfDropped(item);
    const entry = item.webkitGetAsEntry?.();
    if (entry) entries.push({ entry, handle });
    else {
      const file = item.getAsFile();
      if (file) plain.push({ file, handle });
    }
  }
  return (async () => {
    const out: UploadSource[] = [];
    for (const { file, handle } of plain) out.push(withHandle({ file }, await handle));
    for (const { entry, handle } of entries) {
      if (entry.isFile) out.push(withHandle({ file: await fileOf(entry as FileSystemFileEntry), relativePath: entry.name }, await handle));
      else await walk(entry, '', out);
    }
    return out;
  })();
}

function withHandle(source: UploadSource, handle: FileSystemFileHandle | undefined): UploadSource {
  return handle ? { ...source, handle } : source;
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise<File>((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, parent: string, out: UploadSource[]): Promise<void> {
  if (entry.isFile) {
    out.push({ file: await fileOf(entry as FileSystemFileEntry), relativePath: `${parent}${entry.name}` });
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
