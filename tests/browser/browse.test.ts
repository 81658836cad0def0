// Browsing and file operations in the built app, served under a strict CSP and talking to the local
// AWS over real HTTP (cross-origin, so CORS and the CSP both hold): a 100,000-object folder,
// sorting, filtering, search, keyboard and mouse selection, rename/move, delete, zips, previews and
// links. Objects are seeded straight into the emulator's store, as S3 would hold them.

import { createHash } from 'node:crypto';
import { unzipSync } from 'fflate';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/mocks/emulator';
import { serveEmulator } from '../../src/mocks/http';
import { builtApp, bytes, downloadedBytes, freePort, launchBrowser, newPage, row as rowIn, startPreview, strictCsp, watchCsp, type Served } from '../support/browser';
import type { SharedBuild } from '../support/shared-services';
import { limit } from '../support/wait';

const BUCKET = 'sessionbox-browse';
const POOL = 'us-east-1:7d0c6f3e-1111-4222-8333-444455556666';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let browser: Browser;
let emulator: Emulator;
let s3: { url: string; close(): Promise<void> };
let site: Served;
let context: BrowserContext;
let page: Page;
let prefix: string;
let cspViolations: (page: Page) => Promise<string[]>;
const pageErrors: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  emulator = createEmulator({ region: 'us-east-1', buckets: [BUCKET], identityPoolId: POOL, corsOrigins: [`http://127.0.0.1:${port}`] });
  const launching = launchBrowser();
  let build: SharedBuild;
  [build, s3] = await Promise.all([builtApp(), serveEmulator(emulator, { port: 0, host: '127.0.0.1' })]);
  const endpoint = s3.url.replace(/\/$/, '');
  site = await startPreview(build.outDir, port, {
    headers: { 'Content-Security-Policy': strictCsp([endpoint], [endpoint]) },
    config: { mode: 'aws', region: 'us-east-1', bucket: BUCKET, identityPoolId: POOL, endpoints: { s3: endpoint, cognitoIdentity: endpoint, forcePathStyle: true } },
  });
  browser = await launching;
  ({ context, page } = await newPage(browser));
  cspViolations = await watchCsp(context);
  // Toasts leave after five seconds, maybe before a loaded machine gets to look: each is kept (a
  // removed element keeps its text).
  await context.addInitScript(() => {
    const seen: Element[] = [];
    (window as unknown as { __toasts: Element[] }).__toasts = seen;
    new MutationObserver((records) => {
      for (const r of records) for (const n of r.addedNodes) if (n instanceof HTMLElement && n.matches('.toast')) seen.push(n);
    }).observe(document, { childList: true, subtree: true });
  });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.goto(site.url);
  await page.getByText('This folder is empty').waitFor();
  const identityId = await page.evaluate(() => Object.values(localStorage).find((v) => /^us-east-1:/.test(v)));
  prefix = `uploads/${identityId}/`;
}, limit(300_000));

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await s3?.close();
});

async function seed(path: string, body: Buffer | string = '', opts: { contentType?: string; lastModified?: number } = {}): Promise<void> {
  const data = typeof body === 'string' ? Buffer.from(body) : body;
  await emulator.store.put(
    BUCKET,
    {
      key: prefix + path,
      size: data.length,
      etag: `"${createHash('md5').update(data).digest('hex')}"`,
      lastModified: Math.floor((opts.lastModified ?? Date.now()) / 1000) * 1000,
      contentType: opts.contentType ?? 'application/octet-stream',
      headers: {},
      metadata: {},
    },
    new Blob([new Uint8Array(data)]),
  );
}

function stored(path: string): boolean {
  return emulator.store.keys(BUCKET).has(prefix + path);
}

/** The emulator's request log from now on: what arrived after this call. */
function requestsFromNow(): () => Emulator['requests'] {
  const last = emulator.requests.at(-1);
  return () => emulator.requests.slice(last ? emulator.requests.indexOf(last) + 1 : 0);
}

/** The toasts shown from now on (in this document): call the returned function for them. */
async function toastsFromNow(): Promise<() => Promise<string[]>> {
  const read = () => page.evaluate(() => (window as unknown as { __toasts: Element[] }).__toasts.map((t) => t.querySelector('p')?.textContent ?? ''));
  const from = (await read()).length;
  return async () => (await read()).slice(from);
}

/** Every stored path under `folder` (relative to the guest's prefix), in key order. */
function storedUnder(folder: string): string[] {
  const keys = emulator.store.keys(BUCKET);
  const from = keys.lowerBound(prefix + folder);
  const to = keys.endOfPrefix(prefix + folder, from);
  return Array.from({ length: to - from }, (_, i) => keys.at(from + i)!.slice(prefix.length));
}

const grid = () => page.getByRole('grid');
/** The scrolling part of the grid (the header stays put above it). */
const scroller = () => page.locator('[role=grid] > [role=rowgroup]').nth(1);
const bodyRows = () => page.locator('[role=grid] [role=rowgroup] + [role=rowgroup] [role=row]');
const row = (name: string) => rowIn(page, name);
/** expect.poll's own limit is one second: too short for a loaded machine. */
const POLL = { timeout: limit(30_000) };
/** Names in display order (the rows rendered, by their offset). */
async function names(): Promise<string[]> {
  return bodyRows().evaluateAll((rows) =>
    rows
      .map((r) => ({ y: new DOMMatrixReadOnly(getComputedStyle(r).transform).m42, name: r.querySelector('.label')?.textContent ?? '' }))
      .sort((a, b) => a.y - b.y)
      .map((r) => r.name),
  );
}
async function go(folder: string) {
  await page.goto(`${site.url}#/${folder}`);
}
const activeName = () => page.locator('[role=grid] .row.active .label').textContent();

describe('browsing', () => {
  it('lists a folder of 100,000 objects with at most 200 row elements, and scrolls to the end', async () => {
    await Promise.all(Array.from({ length: 100_000 }, (_, i) => seed(`huge/item-${String(i).padStart(6, '0')}.txt`, 'x')));
    await go('huge/');
    // Every page is fetched in the background; the footer counts what has arrived.
    await page.getByText('100,000 items', { exact: true }).waitFor({ timeout: limit(120_000) });
    const rendered = await bodyRows().count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThanOrEqual(200);
    expect(await grid().getAttribute('aria-rowcount')).toBe('100001');

    // Scrolling: half-way, then to the bottom; the rows there are rendered and still few.
    await scroller().evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
    await row('item-050000.txt').or(row('item-049999.txt')).first().waitFor();
    await scroller().evaluate((el) => (el.scrollTop = el.scrollHeight));
    await row('item-099999.txt').waitFor();
    expect(await bodyRows().count()).toBeLessThanOrEqual(200);
    const box = await row('item-099999.txt').boundingBox();
    const frame = await scroller().boundingBox();
    expect(box && frame && box.y + box.height <= frame.y + frame.height + 1).toBe(true);

    // Keyboard: Home and End move the cursor across the whole folder.
    await grid().focus();
    await page.keyboard.press('Home');
    await expect.poll(activeName, POLL).toBe('item-000000.txt');
    await page.keyboard.press('End');
    await expect.poll(activeName, POLL).toBe('item-099999.txt');

    // Wheel scrolling back up renders the rows at each new offset, never more than 200.
    const box2 = await scroller().boundingBox();
    await page.mouse.move(box2!.x + box2!.width / 2, box2!.y + box2!.height / 2);
    // Under load Chromium may coalesce wheel events, so wheel until 400,000 px are scrolled back
    // (bounded), checking the row count at every step.
    const scrolledBack = () => scroller().evaluate((el) => el.scrollHeight - el.scrollTop);
    for (let i = 0; i < 30 && (await scrolledBack()) <= 400_000; i++) {
      await page.mouse.wheel(0, -40_000);
      expect(await bodyRows().count()).toBeLessThanOrEqual(200);
    }
    await expect.poll(scrolledBack, POLL).toBeGreaterThan(400_000);
    const shown = await names();
    expect(shown.length).toBeGreaterThan(5);
    expect(shown.every((n, i) => i === 0 || n > shown[i - 1]!)).toBe(true);

    // The whole folder sorts at once: descending by name puts the last item first.
    await page.getByRole('columnheader', { name: 'Name' }).getByRole('button').click();
    await scroller().evaluate((el) => (el.scrollTop = 0));
    await expect.poll(async () => (await names())[0], POLL).toBe('item-099999.txt');
    await page.getByRole('columnheader', { name: 'Name' }).getByRole('button').click();
    await expect.poll(() => page.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort'), POLL).toBe('ascending');
    // Seeding 100,000 objects (each hashed) and listing them in 100 signed pages: a heavy test.
  }, limit(240_000));

  it('sorts by name, size and modified, folders first; filters within the folder', async () => {
    const day = 86_400_000;
    const now = Date.now();
    await seed('sorting/file 10.txt', bytes(300), { lastModified: now - 3 * day });
    await seed('sorting/file 2.txt', bytes(5000), { lastModified: now - 1 * day });
    await seed('sorting/Alpha.md', bytes(10), { lastModified: now - 2 * day });
    await seed('sorting/sub/', '');
    await go('sorting/');
    await row('Alpha.md').waitFor();
    // Natural, case-insensitive order with folders first.
    await expect.poll(names, POLL).toEqual(['sub', 'Alpha.md', 'file 2.txt', 'file 10.txt']);
    const sizeHeader = page.getByRole('columnheader', { name: 'Size' });
    await sizeHeader.getByRole('button').click();
    await expect.poll(() => sizeHeader.getAttribute('aria-sort'), POLL).toBe('ascending');
    await expect.poll(names, POLL).toEqual(['sub', 'Alpha.md', 'file 10.txt', 'file 2.txt']);
    await sizeHeader.getByRole('button').click();
    await expect.poll(() => sizeHeader.getAttribute('aria-sort'), POLL).toBe('descending');
    await expect.poll(names, POLL).toEqual(['sub', 'file 2.txt', 'file 10.txt', 'Alpha.md']);
    const modifiedHeader = page.getByRole('columnheader', { name: 'Modified' });
    await modifiedHeader.getByRole('button').click();
    await expect.poll(() => modifiedHeader.getAttribute('aria-sort'), POLL).toBe('ascending');
    await expect.poll(names, POLL).toEqual(['sub', 'file 10.txt', 'Alpha.md', 'file 2.txt']);
    const nameHeader = page.getByRole('columnheader', { name: 'Name' });
    await nameHeader.getByRole('button').click();
    await expect.poll(() => nameHeader.getAttribute('aria-sort'), POLL).toBe('ascending');

    const filter = page.getByLabel('Filter this folder');
    await filter.fill('FILE');
    await page.getByText('2 of 4 items match').waitFor();
    await expect.poll(names, POLL).toEqual(['file 2.txt', 'file 10.txt']);
    await filter.fill('nothing like it');
    await page.getByText('Nothing matches').waitFor();
    await filter.fill('');
    await row('Alpha.md').waitFor();
  });

  it('searches across subfolders, shows where each hit lives, and can be stopped', async () => {
    await seed('search/needle one.txt', 'a');
    await seed('search/deep/er/Needle-two.log', 'b');
    await seed('search/deep/haystack.txt', 'c');
    await seed('search/other/needle/', '');
    await go('search/');
    await row('needle one.txt').waitFor();
    const filter = page.getByLabel('Filter this folder');
    await filter.fill('needle');
    await filter.press('Enter');
    await page.getByText(/3 results for “needle” in this folder and its subfolders/).waitFor();
    await expect.poll(async () => (await names()).sort(), POLL).toEqual(['Needle-two.log', 'needle', 'needle one.txt']);
    expect(await row('Needle-two.log').textContent()).toContain('in search/deep/er');
    // A hit opens where it lives.
    await row('needle').getByRole('link').click();
    await page.waitForURL(/#\/search\/other\/needle\/$/);
    await page.getByText('This folder is empty').waitFor();

    // A slow listing can be stopped; what was found so far stays.
    await go('search/');
    await row('needle one.txt').waitFor();
    const release = emulator.faults.add({ match: { service: 's3', operation: 'ListObjectsV2' }, fault: { hang: true }, times: Infinity });
    await filter.fill('needle');
    await page.getByRole('button', { name: 'Search subfolders' }).click();
    await page.getByText(/Searching for “needle”/).waitFor();
    await page.getByRole('button', { name: 'Stop search' }).click();
    await page.getByText(/Search stopped/).waitFor();
    release();
    await page.getByRole('button', { name: 'Back to folder' }).click();
    // The folder again, still filtered by what is in the field.
    await expect.poll(names, POLL).toEqual(['needle one.txt']);
    await filter.fill('');
    await row('deep').waitFor();
  });

  it('works by keyboard: arrows move, Enter opens, back returns, F2 renames, Delete deletes', async () => {
    await seed('keys/alpha.txt', 'alpha');
    await seed('keys/beta.txt', 'beta');
    await seed('keys/gamma.txt', 'gamma');
    await seed('keys/inner/', '');
    await seed('keys/inner/deep.txt', 'deep');
    await go('keys/');
    await row('alpha.txt').waitFor();
    await grid().focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(activeName, POLL).toBe('inner');
    expect(await grid().getAttribute('aria-activedescendant')).toBeTruthy();
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/keys\/inner\/$/);
    await row('deep.txt').waitFor();
    await page.goBack();
    await row('alpha.txt').waitFor();

    await grid().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(activeName, POLL).toBe('alpha.txt');
    await page.keyboard.press('F2');
    const rename = page.getByRole('dialog', { name: 'Rename or move' });
    await rename.waitFor();
    // The name without its extension is selected, ready to be typed over.
    const selected = () =>
      page.evaluate(() => {
        const input = document.activeElement as HTMLInputElement;
        return input.value.slice(input.selectionStart ?? 0, input.selectionEnd ?? 0);
      });
    await expect.poll(selected, POLL).toBe('alpha');
    await page.keyboard.type('omega');
    let toasts = await toastsFromNow();
    await page.keyboard.press('Enter');
    await rename.waitFor({ state: 'hidden' });
    await row('omega.txt').waitFor();
    expect(stored('keys/omega.txt')).toBe(true);
    expect(stored('keys/alpha.txt')).toBe(false);
    await expect.poll(toasts, POLL).toEqual(['Renamed “alpha.txt” to “omega.txt”']);

    // Shift+arrows select a range; Delete asks once, naming the count.
    await grid().focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await expect.poll(activeName, POLL).toBe('beta.txt');
    await page.keyboard.press('Shift+ArrowDown');
    await page.getByText('2 selected', { exact: true }).waitFor();
    await page.keyboard.press('Delete');
    const dialog = page.getByRole('dialog', { name: 'Delete 2 items?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('2 files will be deleted for good');
    expect(await dialog.textContent()).toContain('gamma.txt');
    await page.keyboard.press('Tab'); // from Cancel (the safe default) to Delete
    toasts = await toastsFromNow();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(toasts, POLL).toEqual(['Deleted 2 items (2 objects)']);
    await expect.poll(names, POLL).toEqual(['inner', 'omega.txt']);
    expect(stored('keys/beta.txt') || stored('keys/gamma.txt')).toBe(false);
    expect(stored('keys/omega.txt')).toBe(true);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('role')), POLL).toBe('grid');
  });
});

describe('file operations', () => {
  it('multi-selects with click, Ctrl+click and Shift+click, and deletes files and a folder together', async () => {
    for (const n of ['a', 'b', 'c', 'd', 'e']) await seed(`multi/${n}.bin`, bytes(100, n.charCodeAt(0)));
    await seed('multi/box/', '');
    await seed('multi/box/inside-1.txt', '1');
    await seed('multi/box/inside-2.txt', '2');
    await go('multi/');
    await row('a.bin').waitFor();
    await row('a.bin').locator('.size').click();
    await row('c.bin').locator('.size').click({ modifiers: ['Control'] });
    await page.getByText('2 selected', { exact: true }).waitFor();
    await row('e.bin').locator('.size').click({ modifiers: ['Shift'] });
    // Shift extends from the last clicked row (c) to e.
    await page.getByText('3 selected', { exact: true }).waitFor();
    expect(await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => row(`${n}.bin`).getAttribute('aria-selected')))).toEqual(['false', 'false', 'true', 'true', 'true']);
    await row('box').getByRole('checkbox').check();
    await page.getByText('4 selected', { exact: true }).waitFor();
    const requests = requestsFromNow();
    await page.getByRole('toolbar').getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete 4 items?' });
    expect(await dialog.textContent()).toContain('3 files and 1 folder with everything in them will be deleted for good');
    const toasts = await toastsFromNow();
    await dialog.getByRole('button', { name: 'Delete 4 items' }).click();
    await expect.poll(toasts, POLL).toEqual(['Deleted 4 items (6 objects)']);
    await expect.poll(names, POLL).toEqual(['a.bin', 'b.bin']);
    expect(storedUnder('multi/')).toEqual(['multi/a.bin', 'multi/b.bin']);
    // In batches (DeleteObjects), each of them accepted.
    const batches = requests().filter((r) => r.operation === 'DeleteObjects');
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.filter((r) => r.status !== 200)).toEqual([]);
  });

  it('moves a folder into another folder with the rename dialog, and explains a name that is taken', async () => {
    await seed('move/src/one.txt', 'one');
    await seed('move/src/two/three.txt', 'three');
    await seed('move/dest/', '');
    await seed('move/taken.txt', 'taken');
    await seed('move/file.txt', 'file');
    await go('move/');
    await row('src').waitFor();
    await page.getByRole('button', { name: 'Rename or move file.txt' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rename or move' });
    await dialog.getByLabel('Name').fill('taken.txt');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'already exists' }).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(stored('move/file.txt') && stored('move/taken.txt')).toBe(true);

    await page.getByRole('button', { name: 'Rename or move src' }).click();
    await dialog.getByLabel('Folder').fill('move/dest');
    const toasts = await toastsFromNow();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(toasts, POLL).toEqual(['Moved “src” to move/dest/']);
    await row('src').waitFor({ state: 'detached' });
    expect(stored('move/dest/src/one.txt') && stored('move/dest/src/two/three.txt')).toBe(true);
    expect(stored('move/src/one.txt')).toBe(false);
  });
});

describe('downloads, previews and links', () => {
  const files = { 'report.txt': bytes(70_000, 3), 'data/a.bin': bytes(123_457, 4), 'data/deeper/b.bin': bytes(5, 5) };

  async function seedZipFolder() {
    for (const [path, data] of Object.entries(files)) await seed(`zip/${path}`, data);
    await go('zip/');
    await row('report.txt').waitFor();
  }

  function checkZip(zip: Buffer) {
    const entries = unzipSync(new Uint8Array(zip));
    for (const [path, data] of Object.entries(files)) {
      expect(Buffer.from(entries[path] ?? []).equals(data), path).toBe(true);
    }
    expect(Object.keys(entries).filter((n) => !n.endsWith('/')).sort()).toEqual(Object.keys(files).sort());
  }

  it('zips a folder and a file into one download where the browser cannot stream to disk, unzipped and compared', async () => {
    await seedZipFolder();
    // Firefox and Safari have no showSaveFilePicker: the zip is built in memory, below a limit.
    await page.evaluate(() => delete (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker);
    await row('report.txt').getByRole('checkbox').check();
    await row('data').getByRole('checkbox').check();
    const toasts = await toastsFromNow();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as zip' }).click()]);
    expect(download.suggestedFilename()).toBe('zip.zip');
    checkZip(await downloadedBytes(download));
    await expect.poll(toasts, POLL).toEqual(['Saved zip.zip (3 files)']);
    await page.reload(); // brings showSaveFilePicker back
  });

  it('streams a zip straight into the file picked with showSaveFilePicker, unzipped and compared', async () => {
    await row('report.txt').waitFor();
    // The picker returns a real file handle (in the origin-private file system) whose writable
    // stream the zip is piped into, chunk by chunk.
    await page.evaluate(() => {
      const w = window as unknown as { showSaveFilePicker: unknown; __picked: string[] };
      w.__picked = [];
      w.showSaveFilePicker = async (opts: { suggestedName: string }) => {
        w.__picked.push(opts.suggestedName);
        const dir = await navigator.storage.getDirectory();
        return dir.getFileHandle('saved.zip', { create: true });
      };
    });
    await row('report.txt').getByRole('checkbox').check();
    await row('data').getByRole('checkbox').check();
    const toasts = await toastsFromNow();
    await page.getByRole('button', { name: 'Download as zip' }).click();
    await expect.poll(toasts, POLL).toEqual(['Saved zip.zip (3 files)']);
    expect(await page.evaluate(() => (window as unknown as { __picked: string[] }).__picked)).toEqual(['zip.zip']);
    const saved = await page.evaluate(async () => {
      const dir = await navigator.storage.getDirectory();
      const file = await (await dir.getFileHandle('saved.zip')).getFile();
      return Array.from(new Uint8Array(await file.arrayBuffer()));
    });
    checkZip(Buffer.from(saved));
  });

  it('previews text as text (never HTML), images, PDF and video through presigned URLs on S3’s origin', async () => {
    const html = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script><b>bold?</b>';
    await seed('show/page.html', html, { contentType: 'text/html' });
    await seed('show/pixel.png', PNG, { contentType: 'image/png' });
    await seed('show/doc.pdf', '%PDF-1.4\n%%EOF\n', { contentType: 'application/pdf' });
    await seed('show/clip.mp4', bytes(2000), { contentType: 'video/mp4' });
    await go('show/');
    await row('page.html').waitFor();

    // Lazy thumbnail in the list, from S3's origin.
    const thumb = row('pixel.png').locator('img');
    await thumb.waitFor();
    expect(new URL((await thumb.getAttribute('src'))!).origin).toBe(new URL(s3.url).origin);
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth), POLL).toBe(1);

    await row('page.html').getByRole('button', { name: 'page.html', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'page.html' });
    await dialog.locator('pre').waitFor();
    expect(await dialog.locator('pre').textContent()).toBe(html);
    expect(await dialog.locator('pre *').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await grid().focus();
    await page.keyboard.press('Home');
    await expect.poll(activeName, POLL).toBe('clip.mp4');
    // clip.mp4, doc.pdf, page.html, pixel.png
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    await expect.poll(activeName, POLL).toBe('pixel.png');
    await page.keyboard.press('Enter');
    const image = page.getByRole('dialog', { name: 'pixel.png' }).locator('img');
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), POLL).toBe(1);
    const imageUrl = new URL((await image.getAttribute('src'))!);
    expect(imageUrl.origin).toBe(new URL(s3.url).origin);
    expect(imageUrl.searchParams.get('response-content-type')).toBe('image/png');
    await page.keyboard.press('Escape');

    await row('doc.pdf').getByRole('button', { name: 'doc.pdf', exact: true }).click();
    const pdf = page.getByRole('dialog', { name: 'doc.pdf' }).locator('object');
    await pdf.waitFor();
    const pdfUrl = new URL((await pdf.getAttribute('data'))!);
    expect(pdfUrl.origin).toBe(new URL(s3.url).origin);
    expect(pdfUrl.searchParams.get('response-content-type')).toBe('application/pdf');
    expect(pdfUrl.searchParams.get('response-content-disposition')).toBe('inline');
    await page.keyboard.press('Escape');

    // Random bytes are no video: the player's request is checked, then the failure it explains.
    const [videoRequest] = await Promise.all([
      page.waitForRequest((req) => req.url().includes('clip.mp4')),
      row('clip.mp4').getByRole('button', { name: 'clip.mp4', exact: true }).click(),
    ]);
    expect(new URL(videoRequest.url()).searchParams.get('response-content-type')).toBe('video/mp4');
    await page.getByRole('dialog', { name: 'clip.mp4' }).getByRole('alert').filter({ hasText: 'could not play' }).waitFor();
    await page.keyboard.press('Escape');
    expect(await cspViolations(page)).toEqual([]);
  });

  it('copies a presigned link and shows when it expires', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: site.url });
    await row('page.html').getByRole('checkbox').check();
    // Whole seconds, as X-Amz-Date has them: the link is signed after this, for this dialog.
    const opened = Math.floor(Date.now() / 1000) * 1000;
    await page.getByRole('toolbar').getByRole('button', { name: 'Copy link' }).click();
    const dialog = page.getByRole('dialog', { name: 'Copy link' });
    const field = dialog.getByLabel('Link');
    await expect.poll(() => field.inputValue(), POLL).toMatch(/^http/);
    // The expiry shown is the link's own: its signing time plus its lifetime (an hour by default).
    const link = new URL(await field.inputValue());
    expect(link.searchParams.get('X-Amz-Expires')).toBe('3600');
    const signedAt = Date.parse(link.searchParams.get('X-Amz-Date')!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    expect(signedAt).toBeGreaterThanOrEqual(opened);
    const expiry = dialog.locator('[data-expires]');
    await expect.poll(() => expiry.getAttribute('data-expires'), POLL).toBe(new Date(signedAt + 3600_000).toISOString());
    expect(await expiry.textContent()).toMatch(/Expires .+\(in 60 minutes\)/);
    await dialog.getByLabel('Valid for').selectOption({ label: '15 minutes' });
    await expect.poll(async () => new URL(await field.inputValue()).searchParams.get('X-Amz-Expires'), POLL).toBe('900');
    await dialog.getByRole('button', { name: 'Copy link' }).click();
    await dialog.getByText('Copied to the clipboard.').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(await field.inputValue());
    // The link works from anywhere, as an attachment under the file's own name.
    const res = await fetch(copied);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('attachment');
    expect(await res.text()).toContain('<script>');
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(pageErrors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
  });

  it('fits 360 px wide in dark mode, with a selection', async () => {
    await seed('narrow/pixel.png', PNG, { contentType: 'image/png' });
    await seed('narrow/a rather long file name that must be cut short.txt', 'x');
    await seed('narrow/sub/', '');
    await go('narrow/');
    await row('pixel.png').waitFor();
    await page.setViewportSize({ width: 360, height: 740 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await row('pixel.png').getByRole('checkbox').check();
    await row('pixel.png').locator('img').waitFor();
    // The file list and its bars fit (the page's top toolbar is checked by demo.test.ts).
    const files = page.locator('section.files');
    const box = await files.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(360);
    expect(await files.evaluate((el) => [...el.querySelectorAll('*')].every((c) => c.getBoundingClientRect().right <= 361))).toBe(true);
    await page.setViewportSize({ width: 1100, height: 760 });
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
