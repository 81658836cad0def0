// The File System Access glue without a browser: the picker's types for config.json's
// upload.accept, the picker used where it exists (closing it is no error) and the <input> left to
// the caller where it does not, and drops keeping the handles of the files dropped themselves.

import { afterEach, describe, expect, it } from 'vitest';
import { filesFromDrop } from '../../src/app/dropped.ts';
import { pickWithHandles, pickerTypes } from '../../src/app/file-access.ts';

const g = globalThis as { showOpenFilePicker?: unknown };

afterEach(() => {
  delete g.showOpenFilePicker;
});

function handle(file: File) {
  return { kind: 'file', name: file.name, getFile: async () => file } as unknown as FileSystemFileHandle;
}

describe('pickerTypes', () => {
  it('maps MIME types to themselves and extensions to the wildcard type, like <input accept>', () => {
    expect(pickerTypes(undefined)).toEqual([]);
    expect(pickerTypes(['image/*', '.pdf', 'application/zip', '.tar.gz'])).toEqual([{ accept: { 'image/*': [], '*/*': ['.pdf', '.tar.gz'], 'application/zip': [] } }]);
  });

  it('gives up (the <input> is used) on an entry Chromium would refuse', () => {
    expect(pickerTypes(['.pdf', '.averyveryverylongextension'])).toBeUndefined();
    expect(pickerTypes(['.my_ext'])).toBeUndefined();
  });
});

describe('pickWithHandles', () => {
  it('is undefined at once where there is no picker, so the caller clicks its <input> within the click', () => {
    expect(pickWithHandles(['.pdf'])).toBeUndefined();
  });

  it('returns the files picked with their handles, asking for several and the accepted types', async () => {
    const a = new File(['a'], 'a.pdf');
    const b = new File(['bb'], 'b.pdf');
    const calls: unknown[] = [];
    g.showOpenFilePicker = async (options: unknown) => {
      calls.push(options);
      return [handle(a), handle(b)];
    };
    const picked = await pickWithHandles(['.pdf']);
    expect(calls).toEqual([{ multiple: true, types: [{ accept: { '*/*': ['.pdf'] } }] }]);
    expect(picked?.map((s) => [s.file, s.handle?.name])).toEqual([
      [a, 'a.pdf'],
      [b, 'b.pdf'],
    ]);
  });

  it('treats closing the picker as no choice, and passes other failures on', async () => {
    g.showOpenFilePicker = () => Promise.reject(new DOMException('The user aborted a request.', 'AbortError'));
    await expect(pickWithHandles(undefined)).resolves.toEqual([]);
    g.showOpenFilePicker = () => Promise.reject(new DOMException('Must be handling a user gesture', 'SecurityError'));
    await expect(pickWithHandles(undefined)).rejects.toMatchObject({ name: 'SecurityError' });
  });
});

describe('filesFromDrop', () => {
  it('keeps the handle of each file dropped itself; files in dropped folders and old browsers go without', async () => {
    const top = new File(['top'], 'top.bin');
    const inner = new File(['inner'], 'inner.txt');
    const plain = new File(['plain'], 'plain.txt');
    const fileEntry = (f: File) => ({ isFile: true, isDirectory: false, name: f.name, file: (ok: (f: File) => void) => ok(f) });
    const dir = {
      isFile: false,
      isDirectory: true,
      name: 'photos',
      createReader: () => {
        let done = false;
        return { readEntries: (ok: (e: unknown[]) => void) => ok(done ? [] : ((done = true), [fileEntry(inner)])) };
      },
    };
    const items = [
      { kind: 'file', webkitGetAsEntry: () => fileEntry(top), getAsFileSystemHandle: async () => handle(top) },
      { kind: 'file', webkitGetAsEntry: () => dir, getAsFileSystemHandle: async () => ({ kind: 'directory', name: 'photos' }) },
      // A browser without either API.
      { kind: 'file', getAsFile: () => plain },
      { kind: 'string' },
    ];
    const sources = await filesFromDrop({ items } as unknown as DataTransfer);
    expect(sources.map((s) => [s.relativePath ?? s.file.name, s.handle?.name])).toEqual([
      ['plain.txt', undefined],
      ['top.bin', 'top.bin'],
      ['photos/inner.txt', undefined],
    ]);
  });
});
