// Uploads in the demo: a folder with nested paths through the folder picker, paste, the queue panel
// (progress, speed, time left), pause and resume of a multipart upload (its finished parts kept),
// and the question when a name is taken (keep both, replace, skip, apply to all).

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoHooks } from '../../src/app/main';
import { bytes, downloadedBytes, launchBrowser, newPage, removeTempFiles, startDevServer, tempFile, type Served } from '../support/browser';

const SHOTS = '/tmp/shots';
const BUCKET = 'sessionbox-demo';

let browser: Browser;
let server: Served;
let page: Page;
let folderDir: string;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
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

function row(name: string) {
  return page.getByRole('row').filter({ has: page.getByText(name, { exact: true }) });
}

function hooks<T>(fn: (h: DemoHooks) => T): Promise<T> {
  return page.evaluate(`(${fn.toString()})(window.sessionboxDemo)`) as Promise<T>;
}

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
}

async function upload(files: { name: string; text: string }[]) {
  await page.locator('input[type=file]').setInputFiles(files.map((f) => ({ name: f.name, mimeType: 'text/plain', buffer: Buffer.from(f.text) })));
}

describe('uploads (demo)', () => {
  it('uploads a whole folder from the folder picker, keeping the nested paths', async () => {
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Upload folder' }).click()]);
    await chooser.setFiles(join(folderDir, 'album'));
    await expect.poll(() => page.locator('li[data-status=done]').count(), { timeout: 15_000 }).toBe(3);
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
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('Keep both');
    await page.screenshot({ path: `${SHOTS}/4b-conflict-dialog.png`, animations: 'disabled' });
    await dialog.getByRole('button', { name: /Keep both/ }).click();
    await row('notes (1).txt').waitFor();
    expect(await storedText('notes.txt')).toBe('first');
    expect(await storedText('notes (1).txt')).toBe('second');

    await upload([{ name: 'notes.txt', text: 'third' }]);
    await dialog.getByRole('button', { name: /Replace/ }).click();
    await expect.poll(() => storedText('notes.txt')).toBe('third');

    await upload([{ name: 'notes.txt', text: 'fourth' }]);
    await dialog.getByRole('button', { name: /Skip/ }).click();
    await page.locator('li[data-status=skipped]').waitFor();
    expect(await storedText('notes.txt')).toBe('third');
    expect(await row('notes (2).txt').count()).toBe(0);
  });

  it('applies one answer to every conflict of a batch', async () => {
    await clearQueue();
    await upload([
      { name: 'x.txt', text: 'x1' },
      { name: 'y.txt', text: 'y1' },
    ]);
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
    await expect.poll(() => page.locator('li[data-status=done]').count(), { timeout: 10_000 }).toBe(3);
    await row('x (1).txt').waitFor();
    await row('y (1).txt').waitFor();
    expect(await storedText('x.txt')).toBe('x1');
    expect(await storedText('x (1).txt')).toBe('x2');
    expect(await storedText('z.txt')).toBe('z2');
    expect(await page.getByRole('dialog').count()).toBe(0);

    // The same with Replace: no question for the second file.
    await clearQueue();
    await upload([
      { name: 'x.txt', text: 'x3' },
      { name: 'y.txt', text: 'y3' },
    ]);
    await dialog.getByLabel('Do this for all 2 conflicts').check();
    await dialog.getByRole('button', { name: /Replace/ }).click();
    await expect.poll(() => storedText('y.txt'), { timeout: 10_000 }).toBe('y3');
    expect(await storedText('x.txt')).toBe('x3');
  });

  it('pauses a multipart upload (no progress while paused), resumes it keeping the finished part, and shows speed and time left', async () => {
    await clearQueue();
    const data = bytes(40 * 1024 * 1024 + 777, 17);
    // Part 3 never answers until the pause aborts it; parts 1 and 2 are slowed for the screenshot.
    await hooks((h) => {
      h.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 3 }, fault: { hang: true }, times: Infinity });
      h.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2 }, fault: { delayMs: 1200 } });
    });
    await page.locator('input[type=file]').setInputFiles(await tempFile('movie.bin', data));
    const item = page.locator('li', { hasText: 'movie.bin' });
    const bar = item.locator('progress');
    // Part 1 confirmed: speed and time left appear.
    await expect.poll(() => bar.getAttribute('value'), { timeout: 15_000 }).toMatch(/^[1-9]/);
    await expect.poll(() => item.textContent(), { timeout: 5_000 }).toMatch(/\/s · .* left/);
    expect(await page.getByTestId('upload-summary').textContent()).toMatch(/of 42 MB · .*\/s · .* left/);
    await page.screenshot({ path: `${SHOTS}/4b-queue-progress.png`, animations: 'disabled' });
    // Both parts not held are on the server before pausing.
    await expect.poll(() => bar.getAttribute('value'), { timeout: 10_000 }).toBe(String(32 * 1024 * 1024));

    await page.getByRole('button', { name: 'Pause upload of movie.bin' }).click();
    await expect.poll(() => item.getAttribute('data-status')).toBe('paused');
    const pausedAt = await bar.getAttribute('value');
    expect(await item.textContent()).toContain('Paused');
    await page.screenshot({ path: `${SHOTS}/4b-queue-paused.png`, animations: 'disabled' });
    const requestsBefore = await hooks((h) => h.emulator.requests.length);
    await page.waitForTimeout(800);
    expect(await bar.getAttribute('value')).toBe(pausedAt);
    expect(await hooks((h) => h.emulator.requests.filter((r) => r.service === 's3').length)).toBeLessThanOrEqual(requestsBefore);
    // Paused, not cancelled: the multipart upload and its parts wait on the server.
    expect(await hooks((h) => h.emulator.store.listUploads('sessionbox-demo').filter((u) => u.key.endsWith('movie.bin')).length)).toBe(1);
    expect(await hooks((h) => h.emulator.requests.some((r) => r.operation === 'AbortMultipartUpload'))).toBe(false);

    await hooks((h) => h.emulator.faults.clear());
    await page.getByRole('button', { name: 'Resume upload of movie.bin' }).click();
    await expect.poll(() => item.getAttribute('data-status'), { timeout: 20_000 }).toBe('done');
    const ops = await hooks((h) => h.emulator.requests.filter((r) => r.key?.endsWith('movie.bin')).map((r) => `${r.operation}${r.partNumber ?? ''}:${r.status}`));
    expect(ops.filter((o) => o === 'CreateMultipartUpload:200')).toHaveLength(1);
    expect(ops).toContain('ListParts:200');
    // Parts 1 and 2 went once; only part 3 went again.
    expect(ops.filter((o) => o === 'UploadPart1:200')).toHaveLength(1);
    expect(ops.filter((o) => o === 'UploadPart2:200')).toHaveLength(1);
    await row('movie.bin').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download movie.bin' }).click()]);
    expect((await downloadedBytes(download)).equals(data)).toBe(true);
  });

  it('pauses and resumes everything at once, and cancels', async () => {
    await clearQueue();
    await hooks((h) => {
      h.emulator.faults.add({ match: { service: 's3', operation: 'PutObject' }, fault: { delayMs: 1500 }, times: 2 });
    });
    await upload([
      { name: 'p1.txt', text: 'one' },
      { name: 'p2.txt', text: 'two' },
      { name: 'p3.txt', text: 'three' },
    ]);
    await page.getByRole('button', { name: 'Pause all' }).click();
    await expect.poll(() => page.locator('li[data-status=paused]').count()).toBe(3);
    await page.getByRole('button', { name: 'Cancel upload of p3.txt' }).click();
    await page.getByRole('button', { name: 'Resume all' }).click();
    await expect.poll(() => page.locator('li[data-status=done]').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.locator('li[data-status=cancelled]').count()).toBe(1);
    await row('p2.txt').waitFor();
    expect(await row('p3.txt').count()).toBe(0);
    await hooks((h) => h.emulator.faults.clear());
  });
});
