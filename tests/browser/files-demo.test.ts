// Downloads and previews in the offline demo (`npm start`), where S3 lives in the MSW service
// worker: zips and thumbnails go through the worker, and a PDF (which an <object> would fetch as a
// navigation, unseen by the worker) is fetched and shown from a Blob typed as PDF.

import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytes, downloadedBytes, launchBrowser, newPage, row as rowIn, startDevServer, type Served } from '../support/browser';
import { limit } from '../support/wait';

/** expect.poll gives up after 1 s by default: far too soon on a loaded machine. A limit, not evidence. */
const POLL = { timeout: limit(30_000) };
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

let browser: Browser;
let server: Served;
let page: Page;

beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startDevServer()]);
  ({ page } = await newPage(browser));
  page.on('filechooser', () => {});
  page.on('pageerror', (err) => console.error('page error:', err));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const row = (name: string) => rowIn(page, name);

describe('demo: downloads and previews', () => {
  const files = { 'notes.txt': Buffer.from('plain <b>text</b>\n'), 'pixel.png': PNG, 'paper.pdf': PDF, 'blob.bin': bytes(200_000, 8) };

  it('zips the selection through the service worker, unzipped and compared', async () => {
    await page.goto(server.url);
    await page.getByText('This folder is empty').waitFor();
    await page
      .locator('input[type=file]:not([webkitdirectory])')
      .first()
      .setInputFiles(Object.entries(files).map(([name, buffer]) => ({ name, mimeType: 'application/octet-stream', buffer })));
    for (const name of Object.keys(files)) await row(name).waitFor();
    await page.evaluate(() => delete (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker);
    await page.getByRole('grid').focus();
    await page.keyboard.press('Control+a');
    await page.getByText('4 selected', { exact: true }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as zip' }).click()]);
    expect(download.suggestedFilename()).toBe('My files.zip');
    const entries = unzipSync(new Uint8Array(await downloadedBytes(download)));
    expect(Object.keys(entries).sort()).toEqual(Object.keys(files).sort());
    for (const [name, data] of Object.entries(files)) expect(Buffer.from(entries[name]!).equals(data), name).toBe(true);
    await page.getByRole('button', { name: 'Clear selection' }).click();
    await page.getByText('4 selected', { exact: true }).waitFor({ state: 'detached' });
  });

  it('shows thumbnails and previews a PDF from a Blob and text as text', async () => {
    const thumb = row('pixel.png').locator('img');
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), POLL).toBe(1);

    await row('paper.pdf').getByRole('button', { name: 'paper.pdf', exact: true }).click();
    const pdf = page.getByRole('dialog', { name: 'paper.pdf' }).locator('object');
    await pdf.waitFor();
    expect(await pdf.getAttribute('data')).toMatch(/^blob:/);
    expect(await pdf.getAttribute('type')).toBe('application/pdf');
    // The Close button, not Escape: once loaded, Chromium's PDF viewer may hold the keyboard focus
    // (one CI run timed out behind a dialog that never saw the key).
    await page.getByRole('dialog', { name: 'paper.pdf' }).getByRole('button', { name: 'Close' }).click();
    await page.getByRole('dialog', { name: 'paper.pdf' }).waitFor({ state: 'detached' });

    // Not a PDF inside: refused, with the reason.
    await row('blob.bin').getByRole('checkbox').check();
    await page.getByRole('toolbar').getByRole('button', { name: 'Rename or move' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename or move' });
    await rename.getByLabel('Name').fill('fake.pdf');
    await rename.getByRole('button', { name: 'Save' }).click();
    await row('fake.pdf').waitFor();
    await row('fake.pdf').getByRole('button', { name: 'fake.pdf', exact: true }).click();
    const fake = page.getByRole('dialog', { name: 'fake.pdf' });
    expect(await fake.getByRole('alert').textContent()).toContain('does not start like a PDF file');
    await page.keyboard.press('Escape');
    await fake.waitFor({ state: 'hidden' });

    await row('notes.txt').getByRole('button', { name: 'notes.txt', exact: true }).click();
    const pre = page.getByRole('dialog', { name: 'notes.txt' }).locator('pre');
    await pre.waitFor();
    expect(await pre.textContent()).toBe('plain <b>text</b>\n');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'notes.txt' }).waitFor({ state: 'hidden' });
  });
});
