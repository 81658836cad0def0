// Sign-in in the demo through its stand-in OIDC provider (authorization code + PKCE): the signed-in
// person's own folder, sign-out back to the guest, tokens kept out of storage and the address bar,
// and a session that ends in the middle of an upload (renewed silently, or by a prompt).

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytes, demoHooks, downloadedBytes, launchBrowser, newPage, removeTempFiles, row as rowIn, startDevServer, tempFile, type Served } from '../support/browser';
import { limit } from '../support/wait';

/** expect.poll's own limit is one second: too short for a loaded machine. */
const POLL = { timeout: limit(30_000) };
/** For what takes a 20 MiB upload in a dev-mode page. */
const UPLOAD = { timeout: limit(90_000) };

let browser: Browser;
let server: Served;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startDevServer()]);
  ({ context, page } = await newPage(browser));
  page.on('pageerror', (err) => console.error('page error:', err));
  // The first file to start may wait for the shared dev server's warm-up on a loaded machine.
}, limit(300_000));

afterAll(async () => {
  await browser?.close();
  await removeTempFiles();
  await server?.close();
});

const row = (name: string) => rowIn(page, name);

function account(p: Page = page) {
  return p.getByTestId('account-name');
}

/**
 * Records the title of every modal dialog the page opens from now on (until it navigates): evidence
 * that a prompt was or was not shown over a stretch of the test, where a count at the end would only
 * say none is open now.
 */
async function recordDialogs(): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { __dialogs?: string[] };
    if (!w.__dialogs) {
      const showModal = HTMLDialogElement.prototype.showModal;
      HTMLDialogElement.prototype.showModal = function (this: HTMLDialogElement) {
        showModal.call(this);
        w.__dialogs!.push(this.querySelector('h2')?.textContent ?? '');
      };
    }
    w.__dialogs = [];
  });
  return () => page.evaluate(() => (window as unknown as { __dialogs: string[] }).__dialogs);
}

async function signInAs(user: string, p: Page = page) {
  await p.getByRole('heading', { name: 'Sign in' }).waitFor();
  await p.getByLabel('User name').fill(user);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

async function expectNoTokensStored() {
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  expect(stored).not.toMatch(/id_token|refresh_token|access_token|eyJ/);
}

describe('sign-in (demo provider)', () => {
  it('starts as a guest with a sign-in button', async () => {
    await page.goto(server.url);
    await page.getByRole('note').waitFor();
    await page.getByText('This folder is empty').waitFor();
    expect(await account().textContent()).toContain('Guest');
    await page.locator('input[type=file]').setInputFiles([{ name: 'guest-note.txt', mimeType: 'text/plain', buffer: Buffer.from('guest') }]);
    await row('guest-note.txt').waitFor();
  });

  it('says so when the sign-in is cancelled at the provider, and lets the guest carry on', async () => {
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'Sign in to sessionbox' }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Sign-in was cancelled');
    expect(new URL(page.url()).search).toBe('');
    await page.getByRole('button', { name: 'Continue as guest' }).click();
    await row('guest-note.txt').waitFor();
    expect(await account().textContent()).toContain('Guest');
  });

  it('signs in through the provider page and shows the person\'s own files, not the guest\'s', async () => {
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/demo-sign-in\.html\?/);
    const authorize = new URL(page.url());
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('response_type')).toBe('code');
    await page.getByLabel('User name').waitFor();

    // An empty name is refused with the reason, on the page.
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.locator('#user-error').textContent()).toContain('Type a user name');

    await signInAs('Alice');
    await expect.poll(() => account().textContent(), POLL).toContain('Alice');
    // The code and state are gone from the address bar (and so from history).
    expect(new URL(page.url()).search).toBe('');
    await page.getByText('This folder is empty').waitFor();
    expect(await row('guest-note.txt').count()).toBe(0);

    await page.locator('input[type=file]').setInputFiles([{ name: 'alice.txt', mimeType: 'text/plain', buffer: Buffer.from('alice') }]);
    await row('alice.txt').waitFor();
    const keys = await demoHooks(page, (h) => {
      const index = h.emulator.store.keys('sessionbox-demo');
      return Array.from({ length: index.length }, (_, i) => index.at(i));
    });
    expect(keys).toEqual(expect.arrayContaining([expect.stringMatching(/^users\/us-east-1:[^/]+\/alice\.txt$/)]));
    expect(keys).toEqual(expect.arrayContaining([expect.stringMatching(/^uploads\/us-east-1:[^/]+\/guest-note\.txt$/)]));
    await expectNoTokensStored();
  });

  it('signs out back to the guest folder, and the same name signs in to the same files', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => account().textContent(), POLL).toContain('Guest');
    await row('guest-note.txt').waitFor();
    expect(await row('alice.txt').count()).toBe(0);

    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await signInAs('alice');
    await expect.poll(() => account().textContent(), POLL).toContain('alice');
    await row('alice.txt').waitFor();
    expect(await row('guest-note.txt').count()).toBe(0);
  });

  it('renews an ended session silently without losing the running upload', async () => {
    const data = bytes(20 * 1024 * 1024, 41);
    const dialogs = await recordDialogs();
    const refreshesBefore = await demoHooks(page, (h) => h.oidc.tokenRequests.filter((g) => g === 'refresh_token').length);
    // The ID token looks two hours old, and when part 2 arrives every credential issued so far is
    // refused: the session ends in the middle of the upload.
    await demoHooks(page, (h) => {
      h.clockSkewMs = 2 * 3600_000;
      h.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2 }, fault: { expireCredentials: true } });
    });
    await page.locator('input[type=file]').setInputFiles(await tempFile('renewed.bin', data));
    const item = page.locator('li', { hasText: 'renewed.bin' });
    await expect.poll(() => item.getAttribute('data-status'), UPLOAD).toBe('done');
    const log = await demoHooks(page, (h) => h.emulator.requests.filter((r) => r.key?.endsWith('renewed.bin')).map((r) => `${r.operation}:${r.status}`));
    // Parts refused for the expired credentials, then sent again with renewed ones.
    expect(log.filter((o) => /^UploadPart:4\d\d$/.test(o)).length).toBeGreaterThanOrEqual(1);
    expect(log.filter((o) => o === 'UploadPart:200')).toHaveLength(2);
    expect(log.filter((o) => o === 'CreateMultipartUpload:200')).toHaveLength(1);
    // Renewed through the provider's refresh token, without a prompt.
    expect(await demoHooks(page, (h) => h.oidc.tokenRequests.filter((g) => g === 'refresh_token').length)).toBeGreaterThan(refreshesBefore);
    expect(await dialogs()).toEqual([]);
    await row('renewed.bin').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download renewed.bin' }).click()]);
    expect((await downloadedBytes(download)).equals(data)).toBe(true);
    await demoHooks(page, (h) => {
      h.emulator.faults.clear();
      h.clockSkewMs = 0;
    });
  }, limit(180_000));

  it('asks to sign in again when the provider will not renew, and the paused upload carries on', async () => {
    await page.getByRole('button', { name: 'Clear finished uploads' }).click();
    const data = bytes(20 * 1024 * 1024, 43);
    const dialogs = await recordDialogs();
    // As above, but the provider has ended the session too: no silent renewal.
    await demoHooks(page, (h) => {
      h.oidc.settings.refuseRefresh = true;
      h.clockSkewMs = 2 * 3600_000;
      h.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2 }, fault: { expireCredentials: true } });
    });
    await page.locator('input[type=file]').setInputFiles(await tempFile('prompted.bin', data));
    const item = page.locator('li', { hasText: 'prompted.bin' });
    const dialog = page.getByRole('dialog', { name: 'Your session has ended' });
    await dialog.waitFor({ timeout: UPLOAD.timeout });
    // The recorder sees the prompt (so the empty record of the silent renewal above is evidence).
    expect(await dialogs()).toEqual(['Your session has ended']);
    await expect.poll(() => item.getAttribute('data-status'), POLL).toBe('paused');
    expect(await dialog.textContent()).toContain('1 upload is paused');
    await demoHooks(page, (h) => {
      h.oidc.settings.refuseRefresh = false;
      h.clockSkewMs = 0;
      h.emulator.faults.clear();
    });

    const [popup] = await Promise.all([context.waitForEvent('page'), dialog.getByRole('button', { name: 'Sign in again' }).click()]);
    await signInAs('alice', popup);
    await popup.waitForEvent('close');
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => item.getAttribute('data-status'), UPLOAD).toBe('done');
    // Resumed, not restarted: one multipart upload for the file.
    expect(await demoHooks(page, (h) => h.emulator.requests.filter((r) => r.operation === 'CreateMultipartUpload' && r.status === 200 && r.key?.endsWith('prompted.bin')).length)).toBe(1);
    await row('prompted.bin').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download prompted.bin' }).click()]);
    expect((await downloadedBytes(download)).equals(data)).toBe(true);
    await expectNoTokensStored();
  }, limit(180_000));
});
