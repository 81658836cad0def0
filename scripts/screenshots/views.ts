// The views `npm run screenshots` takes. To add one, append to VIEWS: a name (the file name's stem),
// a colour scheme, the widths to take it at, and `prepare`, which brings a fresh page (a browser
// context of its own, so an empty demo) to the state to show. Each width is then one PNG,
// <out>/<name>-<width>.png, taken after resizing the same page.

import type { Page } from 'playwright-core';
import { demoHooks, row, tempFile } from '../../tests/support/browser.ts';
import { gradientPng, WIDGET_BUCKET, WIDGET_POOL, type Services } from './services.ts';

export interface View {
  name: string;
  /** One line for --list. */
  about: string;
  scheme?: 'light' | 'dark';
  /** Default [1280, 360]; the page is prepared at the first. */
  widths?: readonly number[];
  /** Viewport height; default heightFor(width). */
  height?: number;
  /** Also written here (relative to the repository), from the first width. */
  copyTo?: string;
  prepare(page: Page, services: Services): Promise<void>;
}

export const DEFAULT_WIDTHS = [1280, 360] as const;

/** A phone is taller than it is wide. */
export function heightFor(width: number): number {
  return width < 600 ? 740 : 800;
}

// ---- the demo, as a11y.test.ts's `seed` and `readmeShot` leave it ----------------------------

async function openDemo(page: Page, services: Services): Promise<void> {
  await page.goto(await services.demo());
  await page.getByRole('note').waitFor();
  await page.getByText('This folder is empty').waitFor();
}

/** A folder with a few files and a subfolder, and three finished uploads in the queue. */
async function seed(page: Page, services: Services): Promise<void> {
  await openDemo(page, services);
  await page.getByRole('button', { name: 'New folder' }).click();
  await page.getByRole('dialog', { name: 'New folder' }).getByLabel('Name').fill('Holiday photos');
  await page.keyboard.press('Enter');
  await row(page, 'Holiday photos').waitFor();
  await page.locator('input[type=file]').setInputFiles([
    { name: 'budget-2025.xlsx', mimeType: 'application/vnd.ms-excel', buffer: Buffer.alloc(48_213, 7) },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Meeting notes\n'.repeat(300)) },
    { name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(1_254_000, 1) },
  ]);
  await waitForCount(page.locator('li[data-status=done]'), 3);
  await row(page, 'report.pdf').waitFor();
}

async function waitForCount(locator: ReturnType<Page['locator']>, n: number): Promise<void> {
  await locator.nth(n - 1).waitFor();
  await locator.nth(n).waitFor({ state: 'detached' });
}

/** Empties the upload queue. */
async function clearUploads(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Clear finished uploads' }).click();
  await page.getByRole('heading', { name: /^Uploads/ }).waitFor({ state: 'detached' });
}

/** No toasts, no focus ring, no hover. */
async function calm(page: Page): Promise<void> {
  const dismiss = page.getByRole('button', { name: 'Dismiss message' });
  while (await dismiss.count()) await dismiss.first().click();
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.mouse.move(0, 0);
}

async function openDialog(page: Page, open: () => Promise<void>, name: string | RegExp): Promise<void> {
  await open();
  await page.getByRole('dialog', { name }).waitFor();
}

// ---- the views ---------------------------------------------------------------------------------

export const VIEWS: View[] = [
  {
    name: 'readme',
    about: 'the README picture: one finished upload in the queue, no toasts, no focus ring (also docs/screenshot.png)',
    widths: [1100],
    height: 700,
    copyTo: 'docs/screenshot.png',
    async prepare(page, services) {
      await seed(page, services);
      await clearUploads(page);
      await page.locator('input[type=file]').setInputFiles([
        { name: 'site-photos.zip', mimeType: 'application/zip', buffer: Buffer.alloc(3_480_000, 3) },
        { name: 'contract-signed.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(214_000, 5) },
      ]);
      await waitForCount(page.locator('li[data-status=done]'), 2);
      await page.getByRole('button', { name: 'Dismiss contract-signed.pdf' }).click();
      await row(page, 'site-photos.zip').waitFor();
      await calm(page);
    },
  },
  {
    name: 'files-light',
    about: 'the file list, light',
    scheme: 'light',
    async prepare(page, services) {
      await seed(page, services);
      await clearUploads(page);
      await calm(page);
    },
  },
  {
    name: 'files-dark',
    about: 'the file list, dark, with two files selected',
    scheme: 'dark',
    async prepare(page, services) {
      await seed(page, services);
      await clearUploads(page);
      await row(page, 'notes.txt').getByRole('checkbox').check();
      await row(page, 'report.pdf').getByRole('checkbox').check();
      await page.getByText('2 selected', { exact: true }).waitFor();
      await calm(page);
    },
  },
  {
    name: 'uploads-progress',
    about: 'the upload queue in progress: two multipart uploads with part 1 in, parts 2 and 3 held; one waiting',
    async prepare(page, services) {
      await seed(page, services);
      await clearUploads(page);
      // Parts 2 and 3 wait at the emulator until the page closes: the queue stays mid-way.
      await demoHooks(page, (h) => {
        for (const partNumber of [2, 3]) h.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber }, fault: { hold: 'shots' }, times: Infinity });
      });
      const MiB = 1024 * 1024;
      await page.locator('input[type=file]').setInputFiles([
        await tempFile('drone-footage.mov', Buffer.alloc(34 * MiB, 11)),
        await tempFile('site-survey.zip', Buffer.alloc(40 * MiB, 12)),
        await tempFile('handover.pdf', Buffer.alloc(640_000, 13)),
      ]);
      // Both big files have part 1 in and parts 2 and 3 held; the small one waits for a free slot.
      await waitForHeld(page, 4);
      await waitForCount(page.locator('li[data-status=uploading]').filter({ hasText: / [1-9]\d?%/ }), 2);
      await page.locator('li[data-status=queued]').waitFor();
      await calm(page);
    },
  },
  {
    name: 'dialog-delete',
    about: 'the delete dialog for one file',
    async prepare(page, services) {
      await seed(page, services);
      await clearUploads(page);
      await calm(page);
      await openDialog(page, () => page.getByRole('button', { name: 'Delete notes.txt' }).click(), 'Delete file?');
    },
  },
  {
    name: 'dialog-rename',
    about: 'the rename/move dialog',
    async prepare(page, services) {
      await seed(page, services);
      await clearUploads(page);
      await calm(page);
      await openDialog(page, () => page.getByRole('button', { name: 'Rename or move report.pdf' }).click(), 'Rename or move');
    },
  },
  {
    name: 'dialog-conflict',
    about: 'the conflict dialog: a file of the same name uploaded again',
    async prepare(page, services) {
      await seed(page, services);
      await clearUploads(page);
      await calm(page);
      await openDialog(
        page,
        () => page.locator('input[type=file]').setInputFiles([{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('again') }]),
        'A file with this name already exists',
      );
    },
  },
  {
    name: 'preview-text',
    about: 'the preview of a text file',
    async prepare(page, services) {
      await seed(page, services);
      await clearUploads(page);
      await calm(page);
      await row(page, 'notes.txt').getByRole('button', { name: 'notes.txt', exact: true }).click();
      await page.getByRole('dialog', { name: 'notes.txt' }).getByText('Meeting notes').first().waitFor();
    },
  },
  {
    name: 'preview-image',
    about: 'the preview of an image (a thumbnail in the list behind it)',
    async prepare(page, services) {
      await seed(page, services);
      await page.locator('input[type=file]').setInputFiles([{ name: 'sunset.png', mimeType: 'image/png', buffer: gradientPng(640, 400) }]);
      await row(page, 'sunset.png').locator('img').waitFor();
      await clearUploads(page);
      await calm(page);
      await row(page, 'sunset.png').getByRole('button', { name: 'sunset.png', exact: true }).click();
      const image = page.getByRole('dialog', { name: 'sunset.png' }).locator('img');
      await image.waitFor();
      await page.waitForFunction((img) => img instanceof HTMLImageElement && img.complete && img.naturalWidth === 640, await image.elementHandle());
    },
  },
  {
    name: 'widget',
    about: 'the upload widget on a plain host page, after two uploads',
    async prepare(page, services) {
      const site = await services.widget();
      const url = site.page(
        'apply.html',
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Job application</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1d2430}label{display:block;margin:0 0 1rem}input{display:block;width:100%;font:inherit;padding:.4rem}</style>
<script type="module" src="/widget/sessionbox-upload.js"></script></head>
<body><h1>Job application</h1><form><label>Name <input name="name" value="Ada Lovelace"></label></form>
<p>Your CV and a photo, please:</p>
<sessionbox-upload region="us-east-1" identity-pool-id="${WIDGET_POOL}" bucket="${WIDGET_BUCKET}" s3-endpoint="${site.aws}" cognito-endpoint="${site.aws}" force-path-style accept="image/*,.pdf" max-size="25 MB" multiple></sessionbox-upload>
</body></html>`,
      );
      await page.goto(url);
      await page.getByRole('button', { name: 'Choose files' }).waitFor();
      await page.locator('sessionbox-upload input[type=file]').setInputFiles([
        { name: 'cv.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(182_000, 2) },
        { name: 'portrait.png', mimeType: 'image/png', buffer: gradientPng(320, 320) },
      ]);
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      await waitForCount(page.locator('sessionbox-upload li[data-status=done]'), 2);
      await calm(page);
    },
  },
];

async function waitForHeld(page: Page, n: number): Promise<void> {
  await page.waitForFunction((n) => (window as unknown as { sessionboxDemo: { emulator: { faults: { held(name: string): number } } } }).sessionboxDemo.emulator.faults.held('shots') === n, n);
}
