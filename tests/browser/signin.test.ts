// Sign-in in the demo through its stand-in OIDC provider (authorization code + PKCE): the signed-in
// person's own folder, sign-out back to the guest, tokens kept out of storage and the address bar,
// and a session that ends in the middle of an upload (renewed silently, or by a prompt).

import { mkdir } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoHooks } from '../../src/demo/start';
import { bytes, downloadedBytes, launchBrowser, newPage, removeTempFiles, startDevServer, tempFile, type Served } from '../support/browser';

const SHOTS = '/tmp/shots';

let browser: Browser;
let server: Served;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  [browser, server] = await Promise.all([launchBrowser(), startDevServer()]);
  ({ context, page } = await newPage(browser));
  page.on('pageerror', (err) => console.error('page error:', err));
});

afterAll(async () => {
  await browser?.close();
  await removeTempFiles();
  await server?.close();
});

function row(name: string, p: Page = page) {
  return p.getByRole('row').filter({ has: p.getByText(name, { exact: true }) });
}

function account(p: Page = page) {
  return p.getByTestId('account-name');
}

/** Runs `fn` with the demo's test hooks (emulator, stand-in provider, session clock). */
function hooks<T>(fn: (h: DemoHooks) => T): Promise<T> {
  return page.evaluate(`(${fn.toString()})(window.sessionboxDemo)`) as Promise<T>;
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
    await page.screenshot({ path: `${SHOTS}/4b-sign-in-cancelled.png`, animations: 'disabled' });
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
    await page.screenshot({ path: `${SHOTS}/4b-sign-in-page.png`, animations: 'disabled' });

    // An empty name is refused with the reason, on the page.
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.locator('#user-error').textContent()).toContain('Type a user name');

    await signInAs('Alice');
    await expect.poll(() => account().textContent(), { timeout: 15_000 }).toContain('Alice');
    // The code and state are gone from the address bar (and so from history).
    expect(new URL(page.url()).search).toBe('');
    await page.getByText('This folder is empty').waitFor();
    expect(await row('guest-note.txt').count()).toBe(0);

    await page.locator('input[type=file]').setInputFiles([{ name: 'alice.txt', mimeType: 'text/plain', buffer: Buffer.from('alice') }]);
    await row('alice.txt').waitFor();
    const keys = await hooks((h) => {
      const index = h.emulator.store.keys('sessionbox-demo');
      return Array.from({ length: index.length }, (_, i) => index.at(i));
    });
    expect(keys).toEqual(expect.arrayContaining([expect.stringMatching(/^users\/us-east-1:[^/]+\/alice\.txt$/)]));
    expect(keys).toEqual(expect.arrayContaining([expect.stringMatching(/^uploads\/us-east-1:[^/]+\/guest-note\.txt$/)]));
    await expectNoTokensStored();
    await page.screenshot({ path: `${SHOTS}/4b-signed-in.png`, animations: 'disabled' });
  });

  it('signs out back to the guest folder, and the same name signs in to the same files', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => account().textContent(), { timeout: 10_000 }).toContain('Guest');
    await row('guest-note.txt').waitFor();
    expect(await row('alice.txt').count()).toBe(0);

    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await signInAs('alice');
    await expect.poll(() => account().textContent(), { timeout: 10_000 }).toContain('alice');
    await row('alice.txt').waitFor();
    expect(await row('guest-note.txt').count()).toBe(0);
  });

  it('renews an ended session silently without losing the running upload', async () => {
    const data = bytes(20 * 1024 * 1024, 41);
    const refreshesBefore = await hooks((h) => h.oidc.tokenRequests.filter((g) => g === 'refresh_token').length);
    // The ID token looks two hours old, and when part 2 arrives every credential issued so far is
    // refused: the session ends in the middle of the upload.
    await hooks((h) => {
      h.clockSkewMs = 2 * 3600_000;
      h.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2 }, fault: { expireCredentials: true } });
    });
    await page.locator('input[type=file]').setInputFiles(await tempFile('renewed.bin', data));
    const item = page.locator('li', { hasText: 'renewed.bin' });
    await expect.poll(() => item.getAttribute('data-status'), { timeout: 30_000 }).toBe('done');
    const log = await hooks((h) => h.emulator.requests.filter((r) => r.key?.endsWith('renewed.bin')).map((r) => `${r.operation}:${r.status}`));
    // Parts refused for the expired credentials, then sent again with renewed ones.
    expect(log.filter((o) => /^UploadPart:4\d\d$/.test(o)).length).toBeGreaterThanOrEqual(1);
    expect(log.filter((o) => o === 'UploadPart:200')).toHaveLength(2);
    expect(log.filter((o) => o === 'CreateMultipartUpload:200')).toHaveLength(1);
    // Renewed through the provider's refresh token, without a prompt.
    expect(await hooks((h) => h.oidc.tokenRequests.filter((g) => g === 'refresh_token').length)).toBeGreaterThan(refreshesBefore);
    expect(await page.getByRole('dialog').count()).toBe(0);
    await row('renewed.bin').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download renewed.bin' }).click()]);
    expect((await downloadedBytes(download)).equals(data)).toBe(true);
    await hooks((h) => {
      h.emulator.faults.clear();
      h.clockSkewMs = 0;
    });
  });

  it('asks to sign in again when the provider will not renew, and the paused upload carries on', async () => {
    await page.getByRole('button', { name: 'Clear finished uploads' }).click();
    const data = bytes(20 * 1024 * 1024, 43);
    // As above, but the provider has ended the session too: no silent renewal.
    await hooks((h) => {
      h.oidc.settings.refuseRefresh = true;
      h.clockSkewMs = 2 * 3600_000;
      h.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2 }, fault: { expireCredentials: true } });
    });
    await page.locator('input[type=file]').setInputFiles(await tempFile('prompted.bin', data));
    const item = page.locator('li', { hasText: 'prompted.bin' });
    const dialog = page.getByRole('dialog', { name: 'Your session has ended' });
    await dialog.waitFor({ timeout: 20_000 });
    await expect.poll(() => item.getAttribute('data-status'), { timeout: 10_000 }).toBe('paused');
    expect(await dialog.textContent()).toContain('1 upload is paused');
    await page.screenshot({ path: `${SHOTS}/4b-session-ended.png`, animations: 'disabled' });
    await hooks((h) => {
      h.oidc.settings.refuseRefresh = false;
      h.clockSkewMs = 0;
      h.emulator.faults.clear();
    });

    const [popup] = await Promise.all([context.waitForEvent('page'), dialog.getByRole('button', { name: 'Sign in again' }).click()]);
    await signInAs('alice', popup);
    await popup.waitForEvent('close', { timeout: 15_000 });
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => item.getAttribute('data-status'), { timeout: 30_000 }).toBe('done');
    // Resumed, not restarted: one multipart upload for the file.
    expect(await hooks((h) => h.emulator.requests.filter((r) => r.operation === 'CreateMultipartUpload' && r.status === 200 && r.key?.endsWith('prompted.bin')).length)).toBe(1);
    await row('prompted.bin').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download prompted.bin' }).click()]);
    expect((await downloadedBytes(download)).equals(data)).toBe(true);
    await expectNoTokensStored();
  });
});
