// Uploads in the demo: a folder with nested paths through the folder picker, paste, the queue panel
// (progress, speed, time left), pause and resume of a multipart upload (its finished parts kept),
// and the question when a name is taken (keep both, replace, skip, apply to all).

import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytes, demoHooks, launchBrowser, newPage, removeTempFiles, row as rowIn, startDevServer, tempFile, type Served } from '../support/browser';
import { limit, waitFor } from '../support/wait';

const BUCKET = 'sessionbox-demo';
/** expect.poll gives up after 1 s by default: far too soon on a loaded machine. A limit, not evidence. */
const POLL = { timeout: limit(30_000) };
/** Probes that ask the page go every 100 ms, not 10: on two busy cores each one costs. */
const PROBE = { every: 100 };

let browser: Browser;
let server: Served;
let page: Page;
let folderDir: string;

beforeAll(async () => {
  folderDir = await mkdtemp(join(tmpdir(), 'sessionbox-folder-'));
  const album = join(folderDir, 'album');
  await mkdir(join(album, 'sub', 'deeper'), { recursive: true });
  await writeFile(join(album, 'a.txt'), 'top');
  await writeFile(join(album, 'sub', 'b.bin'), bytes(70_000, 5));
  await writeFile(join(album, 'sub', 'deeper', 'c d+é.txt'), 'deep');
  [browser, server] = await Promise.all([launchBrowser(), startDevServer()]);
  ({ page } = await newPage(browser));
  page.on('filechooser', () => {});
  page.on('pageerror', (err) => console.error('page error:', err));
  await page.goto(server.url);
  await page.getByText('This folder is empty').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await removeTempFiles();
  await server?.close();
  if (folderDir) await rm(folderDir, { recursive: true, force: true });
});

const row = (name: string) => rowIn(page, name);
type Hooks = Parameters<Parameters<typeof demoHooks>[1]>[0];
const hooks = <T>(fn: (h: Hooks) => T): Promise<T> => demoHooks(page, fn);

async function storedKeys(): Promise<string[]> {
  return hooks((h) => {
    const index = h.emulator.store.keys('sessionbox-demo');
    return Array.from({ length: index.length }, (_, i) => index.at(i) as string);
  });
}

async function storedText(path: string): Promise<string | undefined> {
  const keys = await storedKeys();
  const key = keys.find((k) => k.endsWith(`/${path}`) && k.split('/').length === 2 + path.split('/').length);
  if (!key) return undefined;
  return page.evaluate(
    `(async () => { const b = await window.sessionboxDemo.emulator.store.read(${JSON.stringify(BUCKET)}, ${JSON.stringify(key)}); return b && b.text(); })()`,
  ) as Promise<string | undefined>;
}

async function clearQueue() {
  const clear = page.getByRole('button', { name: 'Clear finished uploads' });
  if (await clear.count()) await clear.click();
  await expect.poll(() => page.locator('li[data-status]').count(), POLL).toBe(0);
}

async function upload(files: { name: string; text: string }[]) {
  await page.locator('input[type=file]').setInputFiles(files.map((f) => ({ name: f.name, mimeType: 'text/plain', buffer: Buffer.from(f.text) })));
}

/** One line per logged request for keys ending in `name`: operation, part number and status. */
function ops(name: string, from = 0): Promise<string[]> {
  return page.evaluate(
    ([name, from]) =>
      (window as unknown as { sessionboxDemo: Hooks }).sessionboxDemo.emulator.requests
        .slice(from)
        .filter((r) => r.key?.endsWith(`/${name}`))
        .map((r) => `${r.operation}${r.partNumber ?? ''}:${r.status}${r.fault ? `:${r.fault}` : ''}`),
    [name, from] as const,
  );
}

describe('uploads (demo)', () => {
  it('uploads a whole folder from the folder picker, keeping the nested paths', async () => {
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Upload folder' }).click()]);
    await chooser.setFiles(join(folderDir, 'album'));
    await expect.poll(() => page.locator('li[data-status=done]').count(), POLL).toBe(3);
    const keys = await storedKeys();
    for (const path of ['album/a.txt', 'album/sub/b.bin', 'album/sub/deeper/c d+é.txt']) {
      expect(keys).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^uploads/us-east-1:[^/]+/${path.replace(/[+.]/g, '\\$&')}$`))]));
    }
    await page.getByRole('link', { name: 'album' }).click();
    await row('a.txt').waitFor();
    await page.getByRole('link', { name: 'sub' }).click();
    await page.getByRole('link', { name: 'deeper' }).click();
    await row('c d+é.txt').waitFor();
    await page.getByRole('link', { name: 'My files' }).click();
    await page.getByRole('link', { name: 'album' }).waitFor();
  });

  it('uploads files pasted into the page', async () => {
    await clearQueue();
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['pasted bytes'], 'pasted.txt', { type: 'text/plain' }));
      document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    await row('pasted.txt').waitFor();
    expect(await storedText('pasted.txt')).toBe('pasted bytes');
  });

  it('asks when a name is taken: keep both, replace, skip', async () => {
    await clearQueue();
    await upload([{ name: 'notes.txt', text: 'first' }]);
    await row('notes.txt').waitFor();

    await upload([{ name: 'notes.txt', text: 'second' }]);
    const dialog = page.getByRole('dialog', { name: 'A file with this name already exists' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('“notes.txt” already exists in My files');
    expect(await dialog.textContent()).toContain('Upload as “notes (1).txt”');
    // The harmless choice has the focus.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent), POLL).toContain('Keep both');
    await dialog.getByRole('button', { name: /Keep both/ }).click();
    await row('notes (1).txt').waitFor();
    expect(await storedText('notes.txt')).toBe('first');
    expect(await storedText('notes (1).txt')).toBe('second');

    await upload([{ name: 'notes.txt', text: 'third' }]);
    await dialog.getByRole('button', { name: /Replace/ }).click();
    await expect.poll(() => storedText('notes.txt'), POLL).toBe('third');

    await upload([{ name: 'notes.txt', text: 'fourth' }]);
    await dialog.getByRole('button', { name: /Skip/ }).click();
    await page.locator('li[data-status=skipped]').waitFor();
    // Skipped: nothing sent, nothing stored under the old name or a new one.
    expect(await storedText('notes.txt')).toBe('third');
    expect((await storedKeys()).filter((k) => /\/notes \(2\)\.txt$/.test(k))).toEqual([]);
  });

  it('applies one answer to every conflict of a batch', async () => {
    await clearQueue();
    await upload([
      { name: 'x.txt', text: 'x1' },
      { name: 'y.txt', text: 'y1' },
    ]);
    await expect.poll(() => page.locator('li[data-status=done]').count(), POLL).toBe(2);
    await row('y.txt').waitFor();
    await clearQueue();
    await upload([
      { name: 'x.txt', text: 'x2' },
      { name: 'y.txt', text: 'y2' },
      { name: 'z.txt', text: 'z2' },
    ]);
    const dialog = page.getByRole('dialog', { name: 'A file with this name already exists' });
    await dialog.waitFor();
    await dialog.getByLabel('Do this for all 2 conflicts').check();
    await dialog.getByRole('button', { name: /Keep both/ }).click();
    await dialog.waitFor({ state: 'hidden' });
    // All three done means the second conflict was answered without a question (it would wait in one).
    await expect.poll(() => page.locator('li[data-status=done]').count(), POLL).toBe(3);
    expect(await page.getByRole('dialog').count()).toBe(0);
    await row('x (1).txt').waitFor();
    await row('y (1).txt').waitFor();
    expect(await storedText('x.txt')).toBe('x1');
    expect(await storedText('x (1).txt')).toBe('x2');
    expect(await storedText('y.txt')).toBe('y1');
    expect(await storedText('y (1).txt')).toBe('y2');
    expect(await storedText('z.txt')).toBe('z2');

    // The same with Replace: no question for the second file.
    await clearQueue();
    await upload([
      { name: 'x.txt', text: 'x3' },
      { name: 'y.txt', text: 'y3' },
    ]);
    await dialog.getByLabel('Do this for all 2 conflicts').check();
    await dialog.getByRole('button', { name: /Replace/ }).click();
    await expect.poll(() => page.locator('li[data-status=done]').count(), POLL).toBe(2);
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await storedText('x.txt')).toBe('x3');
    expect(await storedText('y.txt')).toBe('y3');
  });

  // A heavy test (32 MiB through the service worker into IndexedDB): its own, larger limit.
  it('pauses a multipart upload (no request and no progress while paused), resumes it keeping the finished parts, and shows speed and time left', async () => {
    await clearQueue();
    // 16 MiB parts: 1 and 2 full, 3 just 777 bytes (the one sent twice). Part 1 goes through; part 2
    // is held until the test lets it go; part 3 never answers (only faults.clear() ends it).
    const data = bytes(32 * 1024 * 1024 + 777, 17);
    await hooks((h) => {
      h.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', key: /\/movie\.bin$/, partNumber: 2 }, fault: { hold: 'movie-part-2' } });
      h.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', key: /\/movie\.bin$/, partNumber: 3 }, fault: { hang: true } });
    });
    await page.locator('input[type=file]').setInputFiles(await tempFile('movie.bin', data));
    const item = page.locator('li', { hasText: 'movie.bin' });
    const bar = item.locator('progress');
    // Part 1 confirmed, parts 2 and 3 at the server and waiting there.
    await waitFor(async () => {
      const log = await ops('movie.bin');
      return log.includes('UploadPart1:200') && log.includes('UploadPart2:0:hold') && log.includes('UploadPart3:0:hang');
    }, 'part 1 stored and parts 2 and 3 held at the emulator', PROBE);
    // Speed and time left appear while the upload runs.
    await expect.poll(() => bar.getAttribute('value'), POLL).toMatch(/^[1-9]/);
    await expect.poll(() => item.textContent(), POLL).toMatch(/\/s · .* left/);
    await expect.poll(() => page.getByTestId('upload-summary').textContent(), POLL).toMatch(/of 34 MB · .*\/s · .* left/);

    await page.getByRole('button', { name: 'Pause upload of movie.bin' }).click();
    await expect.poll(() => item.getAttribute('data-status'), POLL).toBe('paused');
    expect(await item.textContent()).toContain('Paused');
    const pausedAt = await bar.getAttribute('value');
    const mark = await hooks((h) => h.emulator.requests.length);
    // The page has let go of part 2; the server answers it only now. Once it has, the paused upload
    // has had every chance to react: it must not have sent, completed or aborted anything since the
    // pause, nor moved its bar.
    await hooks((h) => h.emulator.faults.release('movie-part-2'));
    await waitFor(async () => (await ops('movie.bin')).includes('UploadPart2:200:hold'), 'the held part 2 answered after the pause', PROBE);
    expect(await ops('movie.bin', mark)).toEqual([]);
    expect(await bar.getAttribute('value')).toBe(pausedAt);
    expect(await item.getAttribute('data-status')).toBe('paused');
    // Paused, not cancelled: the multipart upload and its finished parts wait on the server.
    const onServer = await hooks((h) =>
      h.emulator.store
        .listUploads('sessionbox-demo')
        .filter((u) => u.key.endsWith('/movie.bin'))
        .map((u) => h.emulator.store.listParts(u.uploadId).map((p) => p.partNumber)),
    );
    expect(onServer).toEqual([[1, 2]]);
    expect((await ops('movie.bin')).filter((o) => /^(Complete|Abort)MultipartUpload/.test(o))).toEqual([]);

    // Ends the hung part 3 (as a network error, never stored).
    await hooks((h) => h.emulator.faults.clear());
    await page.getByRole('button', { name: 'Resume upload of movie.bin' }).click();
    await expect.poll(() => item.getAttribute('data-status'), POLL).toBe('done');
    const log = await ops('movie.bin');
    expect(log.filter((o) => o.startsWith('CreateMultipartUpload'))).toEqual(['CreateMultipartUpload:200']);
    expect(log.slice(log.indexOf('ListParts:200'))).toEqual(['ListParts:200', 'UploadPart3:200', 'CompleteMultipartUpload:200']);
    // Parts 1 and 2 went once; only part 3 went again.
    expect(log.filter((o) => o.startsWith('UploadPart'))).toEqual(
      expect.arrayContaining(['UploadPart1:200', 'UploadPart2:200:hold', 'UploadPart3:0:hang', 'UploadPart3:200']),
    );
    expect(log.filter((o) => o.startsWith('UploadPart'))).toHaveLength(4);
    await row('movie.bin').waitFor();
    // The stored object is the file, byte for byte (compared by digest: downloads are tested with
    // smaller files, and moving 32 MiB more through the service worker only costs time).
    const stored = await page.evaluate(async () => {
      const { store } = (window as unknown as { sessionboxDemo: Hooks }).sessionboxDemo.emulator;
      const index = store.keys('sessionbox-demo');
      const keys = Array.from({ length: index.length }, (_, i) => index.at(i) as string);
      const blob = await store.read('sessionbox-demo', keys.find((k) => k.endsWith('/movie.bin'))!);
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob!.arrayBuffer()));
      return { size: blob!.size, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
    });
    expect(stored).toEqual({ size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
  }, limit(180_000));

  it('pauses and resumes everything at once, and cancels', async () => {
    await clearQueue();
    // Two at a time: p1 and p2 go first and are held at the emulator, so neither can finish
    // before the pause; p3 waits in the queue.
    await hooks((h) => {
      h.emulator.faults.add({ match: { service: 's3', operation: 'PutObject', key: /\/p[123]\.txt$/ }, fault: { hold: 'p-puts' }, times: 2 });
    });
    await upload([
      { name: 'p1.txt', text: 'one' },
      { name: 'p2.txt', text: 'two' },
      { name: 'p3.txt', text: 'three' },
    ]);
    await waitFor(() => hooks((h) => h.emulator.faults.held('p-puts') === 2), 'the PUTs of p1 and p2 held at the emulator', PROBE);
    expect([...(await ops('p1.txt')), ...(await ops('p2.txt')), ...(await ops('p3.txt'))]).toEqual(['PutObject:0:hold', 'PutObject:0:hold']);
    expect(await ops('p3.txt')).toEqual([]);

    await page.getByRole('button', { name: 'Pause all' }).click();
    await expect.poll(() => page.locator('li[data-status=paused]').count(), POLL).toBe(3);
    await page.getByRole('button', { name: 'Cancel upload of p3.txt' }).click();
    await expect.poll(() => page.locator('li', { hasText: 'p3.txt' }).getAttribute('data-status'), POLL).toBe('cancelled');
    await page.getByRole('button', { name: 'Resume all' }).click();
    await expect.poll(() => page.locator('li[data-status=done]').count(), POLL).toBe(2);
    expect(await page.locator('li[data-status=cancelled]').count()).toBe(1);
    await row('p2.txt').waitFor();

    // Stored: p1 and p2 (sent again on resume); p3 never sent at all.
    expect(await storedText('p1.txt')).toBe('one');
    expect(await storedText('p2.txt')).toBe('two');
    expect(await storedText('p3.txt')).toBeUndefined();
    expect(await ops('p3.txt')).toEqual([]);
    // The PUTs the pause let go of, answered only now, find the name taken (If-None-Match) and
    // change nothing.
    await hooks((h) => h.emulator.faults.release('p-puts'));
    await waitFor(async () => !(await ops('p1.txt')).includes('PutObject:0:hold') && !(await ops('p2.txt')).includes('PutObject:0:hold'), 'the released PUTs answered', PROBE);
    expect(await ops('p1.txt')).toEqual(['PutObject:412:hold', 'PutObject:200']);
    expect(await ops('p2.txt')).toEqual(['PutObject:412:hold', 'PutObject:200']);
    expect(await storedText('p1.txt')).toBe('one');
    expect(await storedText('p3.txt')).toBeUndefined();
    expect(await ops('p3.txt')).toEqual([]);
    await hooks((h) => h.emulator.faults.clear());
  });
});
