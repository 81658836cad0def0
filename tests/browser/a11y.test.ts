// Accessibility of the demo's main views, in light and in dark mode: axe-core finds no violations
// (WCAG 2.0/2.1 A and AA, and axe's best practices, at every impact level), and a keyboard-only
// session shows where focus is at every stop and puts focus back somewhere sensible after dialogs.
// Runs on the dev server: its pages carry no CSP, so axe can be injected with a script tag.

import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoHooks, launchBrowser, newPage, row, startDevServer, withoutFilePicker, type Served } from '../support/browser';
import { limit } from '../support/wait';

/** expect.poll gives up after 1 s by default: far too soon on a loaded machine. A limit, not evidence. */
const POLL = { timeout: limit(30_000) };
/** Each axe run checks the whole page against every rule: tests that run it many times get a larger limit. */
const AXE_LIMIT = limit(180_000);
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let browser: Browser;
let server: Served;

beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startDevServer()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** Every axe violation on the page, one readable line each (empty when there are none). */
async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  await animationsSettled(page);
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: unknown[] }> } }).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return result.violations;
  })) as Violation[];
  return violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact}): ${v.help} at ${n.target.join(' ')} — ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`),
  );
}

async function expectNoViolations(page: Page, view: string) {
  expect(await axeViolations(page), view).toEqual([]);
}

/**
 * Waits until every running transition and animation (a dialog opening, a toast sliding in, a hover
 * colour) has finished: axe reads computed colours. Endless ones (the busy spinner) are left running.
 */
async function animationsSettled(page: Page): Promise<void> {
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => a.effect?.getComputedTiming().endTime !== Infinity)
        .map((a) => a.finished.catch(() => undefined)),
    ),
  );
}

async function openDemo(page: Page) {
  await page.goto(server.url);
  await page.getByRole('note').waitFor();
  await page.getByRole('grid').or(page.getByText('This folder is empty')).first().waitFor();
}

/** A folder with a few files and a subfolder, and a finished upload in the queue. */
async function seed(page: Page) {
  await page.getByRole('button', { name: 'New folder' }).click();
  await page.getByRole('dialog', { name: 'New folder' }).getByLabel('Name').fill('Holiday photos');
  await page.keyboard.press('Enter');
  await row(page, 'Holiday photos').waitFor();
  await page.locator('input[type=file]').setInputFiles([
    { name: 'budget-2025.xlsx', mimeType: 'application/vnd.ms-excel', buffer: Buffer.alloc(48_213, 7) },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Meeting notes\n'.repeat(300)) },
    { name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(1_254_000, 1) },
  ]);
  await expect.poll(() => page.locator('li[data-status=done]').count(), POLL).toBe(3);
  await row(page, 'report.pdf').waitFor();
}

describe.each(['light', 'dark'] as const)('axe in %s mode', (scheme) => {
  it('finds no violations in the file list, upload queue, dialogs and the drop box', async () => {
    const { context, page } = await newPage(browser, { colorScheme: scheme });
    try {
      await openDemo(page);
      await expectNoViolations(page, 'empty folder');
      await seed(page);
      await page.mouse.move(0, 0);
      await expectNoViolations(page, 'file list with files, a folder and finished uploads');

      // A selection shows the selection toolbar.
      await row(page, 'notes.txt').locator('.size').click();
      await page.getByRole('toolbar').waitFor();
      await expectNoViolations(page, 'selection toolbar');

      // Each dialog: opened, checked, closed (and gone) before the next.
      const dialogs = [
        ['Delete notes.txt', 'Delete file?', 'delete dialog'],
        ['New folder', 'New folder', 'new folder dialog'],
        ['Rename or move report.pdf', 'Rename or move', 'rename dialog'],
      ] as const;
      for (const [button, name, view] of dialogs) {
        await page.getByRole('button', { name: button }).click();
        const dialog = page.getByRole('dialog', { name });
        await dialog.waitFor();
        await expectNoViolations(page, view);
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'hidden' });
      }

      await row(page, 'notes.txt').getByRole('button', { name: 'notes.txt', exact: true }).click();
      const preview = page.getByRole('dialog', { name: 'notes.txt' });
      await preview.getByText('Meeting notes').first().waitFor();
      await expectNoViolations(page, 'text preview');
      await page.keyboard.press('Escape');
      await preview.waitFor({ state: 'hidden' });

      // The same name again: the conflict dialog.
      await page.locator('input[type=file]').setInputFiles([{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('again') }]);
      const conflict = page.getByRole('dialog', { name: 'A file with this name already exists' });
      await conflict.waitFor();
      await expectNoViolations(page, 'conflict dialog');
      await conflict.getByRole('button', { name: /Skip/ }).click();
      await conflict.waitFor({ state: 'hidden' });

      // A guest whose listing is refused gets the drop box.
      await demoHooks(page, (h) => {
        h.emulator.faults.add({
          match: { service: 's3', operation: 'ListObjectsV2' },
          times: Infinity,
          fault: { status: 403, code: 'AccessDenied', message: 'Access Denied' },
        });
      });
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.getByTestId('drop-box').waitFor();
      await expectNoViolations(page, 'drop box');
    } finally {
      await context.close();
    }
  }, AXE_LIMIT);

  it('finds no violations on the sign-in pages and the config error page', async () => {
    const { context, page } = await newPage(browser, { colorScheme: scheme });
    try {
      await openDemo(page);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(/demo-sign-in\.html\?/);
      await page.getByLabel('User name').waitFor();
      await expectNoViolations(page, 'demo provider sign-in page');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('heading', { name: 'Sign in to sessionbox' }).waitFor();
      await expectNoViolations(page, 'sign-in page with a problem');
    } finally {
      await context.close();
    }
    // A context of its own: no demo service worker between the page and the routed config.json.
    const other = await newPage(browser, { colorScheme: scheme });
    try {
      await other.page.route('**/config.json', (route) => route.fulfill({ json: { mode: 'aws', region: 'mars-1', bucket: 'Bad_Bucket' } }));
      await other.page.goto(server.url);
      await other.page.getByRole('heading', { name: 'config.json needs fixing' }).waitFor();
      await expectNoViolations(other.page, 'config error page');
    } finally {
      await other.context.close();
    }
  }, AXE_LIMIT);
});

/** Where focus is, and whether it shows: the outline of the focused control (or of the label that draws it). */
function focusInfo(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { name: '', role: '', outline: 'none', width: 0 };
    const hidden = el.getBoundingClientRect().width <= 1;
    const shown = hidden ? (el.closest('label') ?? el) : el;
    const style = getComputedStyle(shown);
    return {
      name: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim(),
      role: el.getAttribute('role') ?? el.tagName.toLowerCase(),
      outline: style.outlineStyle,
      width: parseFloat(style.outlineWidth),
    };
  });
}

/** Waits until focus is where `matches` wants it (it may move in an effect after a render), then checks its ring. */
async function expectFocusOn(page: Page, matches: (f: { name: string; role: string }) => boolean, where: string) {
  await expect.poll(async () => matches(await focusInfo(page)), { ...POLL, message: `focus on ${where}` }).toBe(true);
  return expectVisibleFocus(page);
}

async function expectVisibleFocus(page: Page) {
  const info = await focusInfo(page);
  expect(info.outline, `focus ring on ${info.role} “${info.name}”`).not.toBe('none');
  expect(info.width, `focus ring on ${info.role} “${info.name}”`).toBeGreaterThanOrEqual(2);
  return info;
}

/** Presses Tab until focus reaches what `matches` wants, checking every stop on the way shows its focus. */
async function tabTo(page: Page, matches: (f: { name: string; role: string }) => boolean, backwards = false) {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
    const info = await expectVisibleFocus(page);
    if (matches(info)) return;
  }
  throw new Error('tabbed 40 times without reaching the control');
}

describe('keyboard only', () => {
  it('uploads, makes a folder, opens it, renames with F2 and deletes with Delete, with focus always visible', async () => {
    const { context, page } = await newPage(browser);
    // Answers the <input>'s chooser; Chromium's File System Access picker cannot show headless.
    await withoutFilePicker(context);
    page.on('filechooser', () => {});
    try {
      await openDemo(page);
      await page.getByText('This folder is empty').waitFor();
      // From the top of the page to the upload button; every stop shows its focus ring.
      await tabTo(page, (f) => f.name === 'Upload files');
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.keyboard.press('Enter')]);
      await chooser.setFiles([
        { name: 'alpha.txt', mimeType: 'text/plain', buffer: Buffer.from('alpha') },
        { name: 'beta.txt', mimeType: 'text/plain', buffer: Buffer.from('beta') },
      ]);
      await row(page, 'beta.txt').waitFor();

      await tabTo(page, (f) => f.name === 'New folder', true);
      await page.keyboard.press('Enter');
      const newFolder = page.getByRole('dialog', { name: 'New folder' });
      await newFolder.waitFor();
      await page.keyboard.type('Inbox');
      await page.keyboard.press('Enter');
      await newFolder.waitFor({ state: 'hidden' });
      await row(page, 'Inbox').waitFor();
      // Back where it was opened from.
      await expectFocusOn(page, (f) => f.name === 'New folder', 'the New folder button');

      // Into the list: folders come first, Enter opens one.
      await tabTo(page, (f) => f.role === 'grid');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await page.waitForURL(/#\/Inbox\/$/);
      await page.getByText('This folder is empty').waitFor();
      // The view's heading takes focus, like a page load; the breadcrumb leads back.
      await expect.poll(() => page.evaluate(() => document.activeElement?.tagName), POLL).toBe('H1');
      await tabTo(page, (f) => f.role === 'a' && f.name === 'My files');
      await page.keyboard.press('Enter');
      await row(page, 'alpha.txt').waitFor();

      await tabTo(page, (f) => f.role === 'grid');
      await page.keyboard.press('Home');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('F2');
      const rename = page.getByRole('dialog', { name: 'Rename or move' });
      await rename.waitFor();
      // Focus moves into the dialog, and shows there.
      await expect.poll(() => page.evaluate(() => document.activeElement?.closest('dialog, [role=dialog]') != null), POLL).toBe(true);
      await expectVisibleFocus(page);
      await page.keyboard.type('first');
      await page.keyboard.press('Enter');
      await rename.waitFor({ state: 'hidden' });
      await row(page, 'first.txt').waitFor();
      await expectFocusOn(page, (f) => f.role === 'grid', 'the file list');

      await page.keyboard.press('Delete');
      const del = page.getByRole('dialog', { name: 'Delete file?' });
      await del.waitFor();
      // The safe choice has focus; Tab reaches Delete.
      await expectFocusOn(page, (f) => f.name === 'Cancel', 'Cancel');
      await page.keyboard.press('Tab');
      await expectFocusOn(page, (f) => f.name === 'Delete', 'Delete');
      await page.keyboard.press('Enter');
      await del.waitFor({ state: 'hidden' });
      await row(page, 'first.txt').waitFor({ state: 'detached' });
      await expectFocusOn(page, (f) => f.role === 'grid', 'the file list');
    } finally {
      await context.close();
    }
  });
});
