// The browsing logic without a browser: sort order, filtering, preview kinds, the selection model
// (click, Ctrl/Cmd, Shift, keyboard ranges) and FolderView's background paging.

import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/lib/errors.ts';
import { FolderView } from '../../src/app/folder.svelte.ts';
import { matcher, previewOf, sortEntries } from '../../src/app/listing.ts';
import { Selection } from '../../src/app/selection.svelte.ts';
import type { Entry, FileStore, ListPage } from '../../src/app/types.ts';

function file(name: string, size = 0, day = 1): Entry {
  return { kind: 'file', path: name, name, size, lastModified: new Date(Date.UTC(2024, 0, day)) };
}
function folder(name: string): Entry {
  return { kind: 'folder', path: `${name}/`, name, size: 0 };
}
const names = (entries: Entry[]) => entries.map((e) => e.name);

describe('sortEntries', () => {
  const entries = [file('file 10.txt', 5, 3), file('File 2.txt', 50, 1), folder('zeta'), file('Äpfel.txt', 1, 2), folder('alpha')];

  it('puts folders first, then names in natural, case- and accent-insensitive order', () => {
    expect(names(sortEntries(entries, 'name', 'asc'))).toEqual(['alpha', 'zeta', 'Äpfel.txt', 'File 2.txt', 'file 10.txt']);
    expect(names(sortEntries(entries, 'name', 'desc'))).toEqual(['zeta', 'alpha', 'file 10.txt', 'File 2.txt', 'Äpfel.txt']);
  });

  it('sorts by size and by date, keeping folders first in both directions', () => {
    expect(names(sortEntries(entries, 'size', 'asc'))).toEqual(['alpha', 'zeta', 'Äpfel.txt', 'file 10.txt', 'File 2.txt']);
    expect(names(sortEntries(entries, 'size', 'desc'))).toEqual(['alpha', 'zeta', 'File 2.txt', 'file 10.txt', 'Äpfel.txt']);
    expect(names(sortEntries(entries, 'modified', 'desc'))).toEqual(['alpha', 'zeta', 'file 10.txt', 'Äpfel.txt', 'File 2.txt']);
  });

  it('does not change its input, and sorts 100,000 names in natural order', () => {
    const copy = entries.slice();
    sortEntries(entries, 'size', 'asc');
    expect(entries).toEqual(copy);
    // Speed is the benchmark's business (npm run bench lists a 100,000-object folder), not a unit test's.
    const many = Array.from({ length: 100_000 }, (_, i) => file(`item ${(i * 7919) % 100_000}.txt`));
    const sorted = sortEntries(many, 'name', 'asc');
    expect(sorted[0]!.name).toBe('item 0.txt');
    expect(sorted[2]!.name).toBe('item 2.txt');
    expect(sorted.at(-1)!.name).toBe('item 99999.txt');
  });
});

describe('matcher and previewOf', () => {
  it('matches names ignoring case and accents; an empty query matches all', () => {
    const m = matcher('  apfel ');
    expect(m(file('Äpfel.txt'))).toBe(true);
    expect(m(file('pear.txt'))).toBe(false);
    expect(matcher('')(file('x'))).toBe(true);
  });

  it('previews markup as plain text, never as HTML, and knows media and PDF', () => {
    expect(previewOf(file('index.HTML'))).toEqual({ kind: 'text', contentType: 'text/plain; charset=utf-8' });
    expect(previewOf(file('drawing.svg'))).toEqual({ kind: 'image', contentType: 'image/svg+xml' });
    expect(previewOf(file('a.pdf')).contentType).toBe('application/pdf');
    expect(previewOf(file('a.mp4')).kind).toBe('video');
    expect(previewOf(file('a.mp3')).kind).toBe('audio');
    expect(previewOf(file('Makefile')).kind).toBe('text');
    expect(previewOf(file('.gitignore')).kind).toBe('text');
    expect(previewOf(file('setup.exe')).kind).toBe('none');
    expect(previewOf(folder('x.txt')).kind).toBe('none');
  });
});

describe('Selection', () => {
  const rows = ['a', 'b', 'c', 'd', 'e'].map((n) => file(n));
  const picked = (s: Selection) => names(s.pick(rows));

  it('selects one on click, toggles with Ctrl/Cmd, extends from the anchor with Shift', () => {
    const s = new Selection();
    s.click(rows, 0);
    s.click(rows, 2, { toggle: true });
    expect(picked(s)).toEqual(['a', 'c']);
    s.click(rows, 4, { range: true });
    expect(picked(s)).toEqual(['c', 'd', 'e']);
    s.click(rows, 2, { toggle: true });
    expect(picked(s)).toEqual(['d', 'e']);
    s.click(rows, 1);
    expect(picked(s)).toEqual(['b']);
  });

  it('moves the cursor by keyboard, with Shift selecting the range, and acts on the cursor when nothing is selected', () => {
    const s = new Selection();
    s.moveTo(rows, 1);
    expect(names(s.targets(rows))).toEqual(['b']);
    expect(s.size).toBe(0);
    s.moveTo(rows, 3, true);
    expect(picked(s)).toEqual(['b', 'c', 'd']);
    s.moveTo(rows, 99);
    expect(s.active).toBe('e');
    s.selectAll(rows);
    expect(s.size).toBe(5);
  });

  it('keeps the selection across a re-sort and drops rows that went away', () => {
    const s = new Selection();
    s.click(rows, 1);
    s.click(rows, 3, { toggle: true });
    const reversed = rows.slice().reverse();
    expect(names(s.pick(reversed))).toEqual(['d', 'b']);
    s.prune(rows.filter((e) => e.name !== 'd'));
    expect(picked(s)).toEqual(['b']);
    expect(s.active).toBeUndefined();
  });
});

describe('FolderView', () => {
  function fakeStore(total: number, pageSize: number): FileStore & { calls: number } {
    const all = Array.from({ length: total }, (_, i) => file(`f${String(i).padStart(5, '0')}`, i));
    const store = {
      calls: 0,
      async list(_folder: string, opts: { token?: string } = {}): Promise<ListPage> {
        store.calls++;
        const start = Number(opts.token ?? 0);
        const page: ListPage = { entries: all.slice(start, start + pageSize) };
        if (start + pageSize < total) page.nextToken = String(start + pageSize);
        return page;
      },
    };
    return store as unknown as FileStore & { calls: number };
  }

  it('fetches every page in the background and sorts, filters and reverses the whole folder', async () => {
    const store = fakeStore(2500, 1000);
    const view = new FolderView(store, { publishMs: 0 });
    await view.open('');
    expect(store.calls).toBe(3);
    expect(view.entries).toHaveLength(2500);
    expect(view.loadingMore).toBe(false);
    view.sortBy('size');
    view.sortBy('size');
    expect(view.sortDir).toBe('desc');
    expect(view.rows[0]!.name).toBe('f02499');
    view.filter = 'f0000';
    expect(names(view.rows)).toEqual(['f00009', 'f00008', 'f00007', 'f00006', 'f00005', 'f00004', 'f00003', 'f00002', 'f00001', 'f00000']);
  });

  it('reports a refused listing by code and stays "denied" through a reload until a listing succeeds', async () => {
    let answer: () => Promise<ListPage> = () => Promise.reject(new StorageError('AccessDenied', 'Access denied: …', { status: 403 }));
    let seenWhileLoading: boolean | undefined;
    const store = {
      list: () => answer(),
    } as unknown as FileStore;
    const view = new FolderView(store);
    await view.open('');
    expect(view.errorCode).toBe('AccessDenied');
    expect(view.denied).toBe(true);
    expect(view.error).toMatch(/^Access denied/);

    // Another failure is an error like any other: a code, but no drop box.
    answer = () => Promise.reject(new StorageError('NoSuchBucket', 'The bucket does not exist.', { status: 404 }));
    const other = new FolderView(store);
    await other.open('');
    expect(other.errorCode).toBe('NoSuchBucket');
    expect(other.denied).toBe(false);

    answer = () => {
      seenWhileLoading = view.denied;
      return Promise.resolve({ entries: [file('a.txt')] });
    };
    await view.refresh();
    expect(seenWhileLoading).toBe(true);
    expect(view.denied).toBe(false);
    expect(view.errorCode).toBeUndefined();
    expect(view.error).toBeUndefined();
    expect(names(view.entries)).toEqual(['a.txt']);
  });
});
