// The offline demo exactly as `npm start` serves it: Vite's dev server, public/config.json in demo
// mode, the emulation in the MSW service worker and files in IndexedDB.

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bytes,
  demoHooks,
  downloadedBytes,
  launchBrowser,
  newPage,
  row as rowIn,
  startDevServer,
  removeTempFiles,
  tempFile,
  withoutFilePicker,
  type Served,
} from '../support/browser';
import { limit, waitFor } from '../support/wait';

/** expect.poll gives up after 1 s by default: far too soon on a loaded machine. A limit, not evidence. */
const POLL = { timeout: limit(30_000) };
/** Probes that ask the page go every 100 ms, not 10: on two busy cores each one costs. */
const PROBE = { every: 100 };
const ODD_NAME = 'häll o+%#&=😀.txt';

let browser: Browser;
let server: Served;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startDevServer()]);
  ({ context, page } = await newPage(browser));
  // The keyboard test below answers the <input>'s chooser (resume.test.ts covers the picker).
  await withoutFilePicker(context);
  // Keeps file-chooser interception on for the page's life: Playwright enables it per listener,
  // asynchronously, and a key press can win that race (the chooser then opens unseen).
  page.on('filechooser', () => {});
  page.on('pageerror', (err) => console.error('page error:', err));
  page.on('console', (m) => {
    // Expected noise: the HMR socket is off (see startDevServer), and 412 is the refused overwrite.
    if (m.type() === 'error' && !/WebSocket|\[vite\]|status of 412/.test(m.text())) console.error('console:', m.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await removeTempFiles();
  await server?.close();
});

const row = (name: string) => rowIn(page, name);

async function openApp() {
  await page.goto(server.url);
  await expect.poll(() => page.getByRole('note').textContent(), POLL).toContain(
    'Local demo — nothing leaves this browser; files are kept in this browser\'s storage.',
  );
}

describe('demo (npm start)', () => {
  it('shows the demo banner and an empty folder', async () => {
    await openApp();
    await page.getByText('This folder is empty').waitFor();
    expect(await page.getByRole('navigation', { name: 'Folder path' }).textContent()).toContain('My files');
  });

  it('uploads, lists, downloads (byte-exact) and deletes files, including an odd name', async () => {
    const plain = bytes(300 * 1024, 7);
    const odd = bytes(123_457, 11);
    await page.locator('input[type=file]').setInputFiles([
      { name: 'report.bin', mimeType: 'application/octet-stream', buffer: plain },
      { name: ODD_NAME, mimeType: 'text/plain', buffer: odd },
    ]);
    await expect.poll(() => page.locator('li[data-status=done]').count(), POLL).toBe(2);
    await row(ODD_NAME).waitFor();
    await row('report.bin').waitFor();
    expect(await row('report.bin').textContent()).toContain('307 kB');

    for (const [name, data] of [[ODD_NAME, odd], ['report.bin', plain]] as const) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: `Download ${name}` }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(name);
      const got = await downloadedBytes(download);
      expect(got.length).toBe(data.length);
      expect(got.equals(data)).toBe(true);
    }

    await page.getByRole('button', { name: `Delete ${ODD_NAME}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete file?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(ODD_NAME);
    // The safe choice has the focus, so Enter does not delete by accident.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent?.trim()), POLL).toBe('Cancel');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await row(ODD_NAME).waitFor({ state: 'detached' });
    expect(await row('report.bin').count()).toBe(1);
  });

  it('refuses to overwrite silently, and replaces on request', async () => {
    const again = bytes(2048, 99);
    await page.getByRole('button', { name: 'Clear finished uploads' }).click();
    await page.locator('input[type=file]').setInputFiles([{ name: 'report.bin', mimeType: 'application/octet-stream', buffer: again }]);
    const question = page.getByRole('dialog', { name: 'A file with this name already exists' });
    await question.waitFor();
    expect(await question.textContent()).toContain('“report.bin” already exists');
    await question.getByRole('button', { name: /Replace/ }).click();
    await page.locator('li[data-status=done]').waitFor();
    await expect.poll(() => row('report.bin').textContent(), POLL).toContain('2 kB');
  });

  it('creates a folder, rejects a bad name with the reason, and opens it', async () => {
    await page.getByRole('button', { name: 'New folder' }).click();
    const dialog = page.getByRole('dialog', { name: 'New folder' });
    const field = dialog.getByLabel('Name');
    await field.fill('a/b');
    await dialog.getByRole('button', { name: 'Create folder' }).click();
    expect(await dialog.getByRole('alert').textContent()).toContain('cannot contain "/"');
    await expect.poll(() => field.getAttribute('aria-invalid'), POLL).toBe('true');
    await field.fill('Reports 2024');
    await dialog.getByRole('button', { name: 'Create folder' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('link', { name: 'Reports 2024' }).click();
    await page.getByText('This folder is empty').waitFor();
    expect(await page.locator('[aria-current=page]').textContent()).toBe('Reports 2024');
    expect(new URL(page.url()).hash).toBe('#/Reports%202024/');

    await page.locator('input[type=file]').setInputFiles([{ name: 'inside.txt', mimeType: 'text/plain', buffer: Buffer.from('inside') }]);
    await row('inside.txt').waitFor();
    await page.goBack();
    await row('report.bin').waitFor();
  });

  it('keeps files across a reload (IndexedDB)', async () => {
    await page.reload();
    await row('report.bin').waitFor();
    await page.getByRole('link', { name: 'Reports 2024' }).waitFor();
    await page.getByRole('link', { name: 'Reports 2024' }).click();
    await row('inside.txt').waitFor();
    await page.getByRole('link', { name: 'My files' }).click();
    await row('report.bin').waitFor();
  });

  it('uploads a 20 MiB file in parts with a progress bar that reaches the end', async () => {
    const big = bytes(20 * 1024 * 1024, 3);
    const clear = page.getByRole('button', { name: 'Clear finished uploads' });
    if (await clear.count()) await clear.click();
    await expect.poll(() => page.locator('li[data-status]').count(), POLL).toBe(0);
    // 16 MiB parts: part 2 (the last 4 MiB) is held at the emulator, so the upload is seen running
    // with part 1 in and the bar part-way, until the test lets part 2 go.
    await demoHooks(page, (h) => {
      h.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', key: /\/big\.bin$/, partNumber: 2 }, fault: { hold: 'big-part-2' } });
    });
    await page.locator('input[type=file]').setInputFiles(await tempFile('big.bin', big));
    const item = page.locator('li', { hasText: 'big.bin' });
    const progress = item.locator('progress');
    await waitFor(
      () => demoHooks(page, (h) => h.emulator.faults.held('big-part-2') === 1 && h.emulator.requests.some((r) => r.operation === 'UploadPart' && r.partNumber === 1 && r.key?.endsWith('/big.bin') && r.status === 200)),
      'part 1 stored and part 2 held',
      PROBE,
    );
    await expect.poll(async () => Number(await progress.getAttribute('value')), POLL).toBe(16 * 1024 * 1024);
    expect(await item.getAttribute('data-status')).toBe('uploading');
    await demoHooks(page, (h) => h.emulator.faults.release('big-part-2'));
    await expect.poll(() => item.getAttribute('data-status'), POLL).toBe('done');
    expect(Number(await progress.getAttribute('value'))).toBe(big.length);
    expect(Number(await progress.getAttribute('max'))).toBe(big.length);
    expect(await item.textContent()).toContain('Uploaded');
    await expect.poll(() => row('big.bin').textContent(), POLL).toContain('21 MB');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download big.bin' }).click(),
    ]);
    expect((await downloadedBytes(download)).equals(big)).toBe(true);
  }, limit(180_000)); // 20 MiB up and down through the service worker: a heavy test gets a larger limit

  it('works from the keyboard: the picker opens with Enter, Escape closes a dialog and focus returns', async () => {
    const upload = page.getByRole('button', { name: 'Upload files' });
    await upload.focus();
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
    expect(chooser.isMultiple()).toBe(true);
    await chooser.setFiles([{ name: 'typed.txt', mimeType: 'text/plain', buffer: Buffer.from('from the keyboard') }]);
    await row('typed.txt').waitFor();

    const newFolder = page.getByRole('button', { name: 'New folder' });
    await newFolder.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New folder' });
    await dialog.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName), POLL).toBe('INPUT');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent?.trim()), POLL).toBe('New folder');
  });

  it('uploads files dropped on the page, with an overlay while dragging', async () => {
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped bytes'], 'dropped.txt', { type: 'text/plain' }));
      (window as unknown as { __dt: DataTransfer }).__dt = dt;
      document.body.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true, cancelable: true }));
      document.body.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.getByText('Drop to upload to').waitFor();
    await page.evaluate(() => {
      const dt = (window as unknown as { __dt: DataTransfer }).__dt;
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.getByText('Drop to upload to').waitFor({ state: 'detached' });
    await row('dropped.txt').waitFor();
  });

  it('deletes a folder with everything in it', async () => {
    await page.getByRole('button', { name: 'Delete Reports 2024' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete folder?' });
    expect(await dialog.textContent()).toContain('Reports 2024');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('link', { name: 'Reports 2024' }).waitFor({ state: 'detached' });
    await page.getByText('Deleted folder “Reports 2024” (2 items)').waitFor();
    // Focus lands on the file list (so arrows go on working), not on the removed row.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role')), POLL).toBe('grid');
  });

  it('is usable at 360 px wide and in dark mode', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.emulateMedia({ colorScheme: 'dark' });
    // The dark palette is in force (no theme was chosen, so the system's choice applies).
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bg').trim())).toBe('#0f1216');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(360);
    await page.setViewportSize({ width: 1100, height: 760 });
    await page.emulateMedia({ colorScheme: 'light' });
    await context.clearCookies();
  });
});
