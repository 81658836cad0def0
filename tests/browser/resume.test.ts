// Resume after a reload in the demo: a multipart upload whose page is reloaded mid-way is remembered
// in IndexedDB; the page says so at start-up, and the same file added again sends only the parts the
// server does not have yet, ending byte-identical. No credentials are among what is remembered.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoHooks } from '../../src/app/main';
import { RESUME_RECORD_FIELDS } from '../../src/lib/resume-store';
import { bytes, downloadedBytes, launchBrowser, newPage, removeTempFiles, startDevServer, tempFile, type Served } from '../support/browser';

const MiB = 1024 * 1024;

let browser: Browser;
let server: Served;
let page: Page;

beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startDevServer()]);
  ({ page } = await newPage(browser));
  page.on('pageerror', (err) => console.error('page error:', err));
  await page.goto(server.url);
  await page.getByText('This folder is empty').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await removeTempFiles();
  await server?.close();
});

function hooks<T>(fn: (h: DemoHooks) => T): Promise<T> {
  return page.evaluate(`(${fn.toString()})(window.sessionboxDemo)`) as Promise<T>;
}

/** The resume store's records, read straight from IndexedDB. */
function remembered(): Promise<Array<Record<string, unknown> & { parts: { partNumber: number }[] }>> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const req = indexedDB.open('sessionbox-resume');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('uploads')) return resolve([]);
          const all = db.transaction('uploads').objectStore('uploads').getAll();
          all.onsuccess = () => {
            db.close();
            resolve(all.result);
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

describe('resume after reload (demo)', () => {
  it('remembers a multipart upload across a reload and sends only the missing parts when the same file is added again', async () => {
    // The demo's 16 MiB parts: three of them.
    const data = bytes(40 * MiB + 4321, 61);
    const path = await tempFile('holiday.mov', data);
    // Part 2 never answers: parts 1 and 3 reach the server, then the page is reloaded.
    await hooks((h) => h.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2 }, fault: { hang: true }, times: Infinity }));
    await page.locator('input[type=file]').setInputFiles(path);
    await expect.poll(async () => (await remembered())[0]?.parts.length ?? 0, { timeout: 20_000 }).toBe(2);
    const [record] = await remembered();
    expect(record!.parts.map((p) => p.partNumber).sort()).toEqual([1, 3]);
    expect(record!.path).toBe('holiday.mov');
    // Only what a resume needs; no credentials.
    expect(Object.keys(record!).sort()).toEqual([...RESUME_RECORD_FIELDS].sort());
    expect(JSON.stringify(record)).not.toMatch(/ASIA|SessionToken|SecretKey/i);
    const before = await hooks((h) => h.emulator.requests.filter((r) => r.operation === 'UploadPart' && r.status === 200).map((r) => r.partNumber));
    expect(before.sort()).toEqual([1, 3]);

    await page.reload();
    await page.getByText('This folder is empty').waitFor();
    const notice = page.getByTestId('unfinished-uploads');
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/An upload did not finish last time.*same file to the same folder.*holiday\.mov/s);

    // Slow part 2 a little, so the resumed item can be seen saying so.
    await hooks((h) => h.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2 }, fault: { delayMs: 1500 } }));
    await page.locator('input[type=file]').setInputFiles(path);
    const item = page.locator('li', { hasText: 'holiday.mov' });
    await expect.poll(() => item.textContent(), { timeout: 10_000 }).toContain('Resuming (2 of 3 parts already uploaded)');
    await notice.waitFor({ state: 'detached' });
    await expect.poll(() => item.getAttribute('data-status'), { timeout: 20_000 }).toBe('done');

    const ops = await hooks((h) => h.emulator.requests.filter((r) => r.key?.endsWith('holiday.mov')).map((r) => `${r.operation}${r.partNumber ?? ''}:${r.status}`));
    expect(ops).not.toContain('CreateMultipartUpload:200');
    expect(ops).toContain('ListParts:200');
    expect(ops.filter((o) => o.startsWith('UploadPart'))).toEqual(['UploadPart2:200']);
    expect(ops).toContain('CompleteMultipartUpload:200');
    await expect.poll(() => remembered()).toEqual([]);

    const row = page.getByRole('row').filter({ has: page.getByText('holiday.mov', { exact: true }) });
    await row.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download holiday.mov' }).click()]);
    expect((await downloadedBytes(download)).equals(data)).toBe(true);
    expect(await hooks((h) => h.emulator.store.listUploads('sessionbox-demo').length)).toBe(0);
  }, 90_000);
});
