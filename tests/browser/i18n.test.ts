// The language follows the browser (German here, English for a language without a catalog), and the
// colour theme follows the system until the header's switch picks one, which survives a reload.

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newPage, startDevServer, type Served } from '../support/browser';
import { limit } from '../support/wait';

/** expect.poll's own limit is one second: too short for a loaded machine. */
const POLL = { timeout: limit(30_000) };

let browser: Browser;
let server: Served;

beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startDevServer()]);
  // The first file to start may wait for the shared dev server's warm-up on a loaded machine.
}, limit(300_000));

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const lang = (page: Page) => page.evaluate(() => document.documentElement.lang);

describe('language', () => {
  it('speaks German to a German browser, numbers and plurals included', async () => {
    const { context, page } = await newPage(browser, { locale: 'de-DE' });
    try {
      await page.goto(server.url);
      await page.getByText('Dieser Ordner ist leer').waitFor();
      expect(await lang(page)).toBe('de');
      expect(await page.locator('html[lang=de]').count()).toBe(1);
      expect(await page.getByRole('note').textContent()).toContain('Lokale Demo — nichts verlässt diesen Browser');
      expect(await page.getByRole('navigation', { name: 'Ordnerpfad' }).textContent()).toContain('Meine Dateien');
      expect(await page.title()).toBe('Meine Dateien — sessionbox');
      expect(await page.getByRole('radiogroup', { name: 'Farbschema' }).or(page.getByRole('group', { name: 'Farbschema' })).count()).toBe(1);

      await page.locator('input[type=file]').setInputFiles([
        { name: 'bericht.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(1_254_000, 1) },
        { name: 'notiz.txt', mimeType: 'text/plain', buffer: Buffer.from('Hallo') },
      ]);
      await expect.poll(() => page.locator('li[data-status=done]').count(), POLL).toBe(2);
      // German decimal comma from Intl, and the catalog's plural forms.
      expect(await page.locator('li[data-status=done]').first().textContent()).toContain('Hochgeladen · 1,3 MB');
      await page.getByText('2 von 2 fertig').waitFor();
      await page.getByText('2 Elemente', { exact: true }).waitFor();

      await page.getByRole('button', { name: 'notiz.txt löschen' }).click();
      const dialog = page.getByRole('dialog', { name: 'Datei löschen?' });
      await dialog.waitFor();
      expect(await dialog.textContent()).toContain('wird endgültig gelöscht');
      // Waiting from before the click: the toast leaves again after five seconds.
      await Promise.all([page.getByText('„notiz.txt“ gelöscht').waitFor(), dialog.getByRole('button', { name: 'Löschen' }).click()]);
      await page.getByText('1 Element', { exact: true }).waitFor();
    } finally {
      await context.close();
    }
  });

  it('falls back to English for a language it has no catalog for', async () => {
    const { context, page } = await newPage(browser, { locale: 'fr-FR' });
    try {
      await page.goto(server.url);
      await page.getByText('This folder is empty').waitFor();
      expect(await lang(page)).toBe('en');
      expect(await page.getByRole('button', { name: 'Upload files' }).count()).toBe(1);
    } finally {
      await context.close();
    }
  });
});

describe('colour theme', () => {
  const background = (page: Page) => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  const LIGHT = 'rgb(246, 247, 249)';
  const DARK = 'rgb(15, 18, 22)';

  it('follows the system, switches from the header, and keeps the choice across a reload', async () => {
    const { context, page } = await newPage(browser, { colorScheme: 'light' });
    try {
      await page.goto(server.url);
      await page.getByText('This folder is empty').waitFor();
      expect(await background(page)).toBe(LIGHT);
      expect(await page.getByRole('radio', { name: 'System' }).isChecked()).toBe(true);
      await page.emulateMedia({ colorScheme: 'dark' });
      await expect.poll(() => background(page), POLL).toBe(DARK);
      await page.emulateMedia({ colorScheme: 'light' });
      await expect.poll(() => background(page), POLL).toBe(LIGHT);

      await page.locator('label', { has: page.getByRole('radio', { name: 'Dark' }) }).click();
      await expect.poll(() => background(page), POLL).toBe(DARK);
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      await page.reload();
      await page.getByText('This folder is empty').waitFor();
      expect(await background(page)).toBe(DARK);
      expect(await page.getByRole('radio', { name: 'Dark' }).isChecked()).toBe(true);

      // An explicit light choice wins over a dark system; the keyboard moves through the group.
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.getByRole('radio', { name: 'Dark' }).focus();
      await page.keyboard.press('ArrowLeft');
      await expect.poll(() => background(page), POLL).toBe(LIGHT);
      expect(await page.getByRole('radio', { name: 'Light' }).isChecked()).toBe(true);
      await page.reload();
      await page.getByText('This folder is empty').waitFor();
      expect(await background(page)).toBe(LIGHT);

      // Back to the system's choice: nothing remembered, dark again.
      await page.locator('label', { has: page.getByRole('radio', { name: 'System' }) }).click();
      await expect.poll(() => background(page), POLL).toBe(DARK);
      expect(await page.evaluate(() => localStorage.getItem('sessionbox.theme'))).toBeNull();
    } finally {
      await context.close();
    }
  });
});
