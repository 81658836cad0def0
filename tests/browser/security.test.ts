// Browser-side security checks in Chromium, in the demo (its emulated S3 and sign-in provider):
// file names and files carrying HTML/JS never run in the app (listing, thumbnails, preview,
// download); downloads are attachments; and after a whole session (sign in, upload, download, sign
// out) no credential is left in any browser storage or in any URL but a presigned S3 one.
// The production build under a strict CSP (no unsafe-inline, no unsafe-eval) is covered end to end,
// with a securitypolicyviolation listener, by tests/browser/built.test.ts.

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadedBytes, launchBrowser, newPage, row as rowIn, startDevServer, type Served } from '../support/browser';
import { limit } from '../support/wait';

/** expect.poll gives up after 1 s by default: far too soon on a loaded machine. A limit, not evidence. */
const POLL = { timeout: limit(30_000) };

let browser: Browser;
let server: Served;
let context: BrowserContext;
let page: Page;

const requests: { url: string; method: string }[] = [];
const dialogs: string[] = [];
const consoleText: string[] = [];
/** Every credential the emulated Cognito handed out to this page. */
const issued: { accessKeyId: string; secretKey: string; sessionToken: string }[] = [];

const PAYLOADS = {
  txtName: '<img src=x onerror=window.__pwned=1;alert(1)>.txt',
  htmlName: '"><svg onload=window.__pwned=1;alert(1)>.html',
  svgName: "'><img src=x onerror=alert(1)>evil.svg",
  html: '<script>window.__pwned=1;alert(1)</script><img src=x onerror="window.__pwned=1"><b>bold?</b>',
  svg: '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8" onload="window.__pwned=1;alert(1)"><script>window.__pwned=1;alert(1)</script><rect width="8" height="8" fill="red"/></svg>',
};

beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startDevServer()]);
  ({ context, page } = await newPage(browser));
  context.on('request', (req) => requests.push({ url: req.url(), method: req.method() }));
  context.on('response', (res) => {
    if (!/GetCredentialsForIdentity$/.test(res.request().headers()['x-amz-target'] ?? '')) return;
    void res
      .json()
      .then((body: { Credentials?: { AccessKeyId: string; SecretKey: string; SessionToken: string } }) => {
        const c = body.Credentials;
        if (c) issued.push({ accessKeyId: c.AccessKeyId, secretKey: c.SecretKey, sessionToken: c.SessionToken });
      })
      .catch(() => {});
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => consoleText.push(m.text()));
  page.on('pageerror', (err) => console.error('page error:', err));
  await page.goto(server.url);
  await page.getByText('This folder is empty').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const row = (name: string) => rowIn(page, name);

const pwned = () => page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);

describe('security (demo, Chromium)', () => {
  it('never runs HTML or script from file names or uploaded .html/.svg files: listing, thumbnails, preview, download', async () => {
    const files = [
      { name: PAYLOADS.txtName, mimeType: 'text/plain', buffer: Buffer.from('plain') },
      { name: PAYLOADS.htmlName, mimeType: 'text/html', buffer: Buffer.from(PAYLOADS.html) },
      { name: 'page.html', mimeType: 'text/html', buffer: Buffer.from(PAYLOADS.html) },
      { name: PAYLOADS.svgName, mimeType: 'image/svg+xml', buffer: Buffer.from(PAYLOADS.svg) },
    ];
    await page.locator('input[type=file]').setInputFiles(files);
    await expect.poll(() => page.locator('li[data-status=done]').count(), POLL).toBe(files.length);
    // The names are shown as text, exactly.
    for (const f of files) await row(f.name).waitFor();

    // The SVG's thumbnail is an <img> (scripts never run in one) served as image/svg+xml, and it
    // has loaded (and so had its chance to run anything) before the checks below.
    const thumb = row(PAYLOADS.svgName).locator('img');
    await thumb.waitFor();
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), POLL).toBe(8);
    expect(new URL((await thumb.getAttribute('src'))!).searchParams.get('response-content-type')).toBe('image/svg+xml');

    // Previews: markup as source text, the SVG as an image.
    for (const name of [PAYLOADS.htmlName, 'page.html']) {
      await row(name).getByRole('button', { name, exact: true }).click();
      const dialog = page.getByRole('dialog', { name });
      await dialog.locator('pre').waitFor();
      expect(await dialog.locator('pre').textContent()).toBe(PAYLOADS.html);
      expect(await dialog.locator('pre *').count()).toBe(0);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
    }
    await row(PAYLOADS.svgName).getByRole('button', { name: PAYLOADS.svgName, exact: true }).click();
    const image = page.getByRole('dialog', { name: PAYLOADS.svgName }).locator('img');
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), POLL).toBe(8);
    expect(new URL((await image.getAttribute('src'))!).searchParams.get('response-content-type')).toBe('image/svg+xml');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: PAYLOADS.svgName }).waitFor({ state: 'hidden' });

    // Downloads: saved as files (a download event, no navigation), from attachment URLs.
    const before = requests.length;
    for (const f of files) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Download ${f.name}` }).click()]);
      expect((await downloadedBytes(download)).equals(f.buffer)).toBe(true);
    }
    expect(new URL(page.url()).origin).toBe(new URL(server.url).origin);
    const gets = requests.slice(before).filter((r) => r.method === 'GET' && /[?&]x-id=GetObject/.test(r.url));
    expect(gets.length).toBe(files.length);
    for (const r of gets) expect(new URL(r.url).searchParams.get('response-content-disposition')).toMatch(/^attachment;/);
    // And S3 answers such a URL with Content-Disposition: attachment.
    const disposition = await page.evaluate((url) => fetch(url).then((res) => res.headers.get('content-disposition')), gets[1]!.url);
    expect(disposition).toMatch(/^attachment;/);

    // Nothing ran: no flag, no dialog, no element made from a name or a file.
    expect(await pwned()).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(await page.locator('img[src="x"], svg[onload], body script:not([src])').count()).toBe(0);
  });

  it('leaves no access key, secret or session token in storage, cookies, logs or URLs after a session', async () => {
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/demo-sign-in\.html\?/);
    await page.getByLabel('User name').fill('mallory');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('account-name').textContent(), POLL).toContain('mallory');
    await page.getByText('This folder is empty').waitFor();
    await page.locator('input[type=file]').setInputFiles([{ name: 'secret-plans.txt', mimeType: 'text/plain', buffer: Buffer.from('plans') }]);
    await row('secret-plans.txt').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download secret-plans.txt' }).click()]);
    expect((await downloadedBytes(download)).toString()).toBe('plans');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByTestId('account-name').textContent(), POLL).toContain('Guest');

    // Guest and signed-in credentials were both issued (else this test would check nothing).
    await expect.poll(() => issued.length, POLL).toBeGreaterThanOrEqual(2);
    const secrets = issued.flatMap((c) => [c.accessKeyId, c.secretKey, c.sessionToken]);
    expect(issued.every((c) => /^ASIA/.test(c.accessKeyId))).toBe(true);

    const dump = await page.evaluate(async () => {
      const out: Record<string, unknown> = { localStorage: { ...localStorage }, sessionStorage: { ...sessionStorage }, cookie: document.cookie };
      for (const info of await indexedDB.databases()) {
        if (!info.name) continue;
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const req = indexedDB.open(info.name!);
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
        for (const store of Array.from(db.objectStoreNames)) {
          const values = await new Promise<unknown[]>((resolve, reject) => {
            const req = db.transaction(store).objectStore(store).getAll();
            req.onsuccess = () => resolve(req.result);
            req.onerror = () => reject(req.error);
          });
          // Blobs (file bodies) as text too: a credential must not hide in one either.
          out[`idb:${info.name}/${store}`] = await Promise.all(values.map((v) => (v instanceof Blob ? v.text() : v)));
        }
        db.close();
      }
      return JSON.stringify(out);
    });
    expect(dump).toContain('idb:sessionbox-demo/identities'); // the dump did reach IndexedDB
    const cookies = JSON.stringify(await context.cookies());
    const logs = consoleText.join('\n');
    for (const s of secrets) {
      expect(dump).not.toContain(s);
      expect(cookies).not.toContain(s);
      expect(logs).not.toContain(s);
    }
    expect(dump).not.toMatch(/ASIA[A-Z0-9]{16}/);

    // A URL may carry a credential only as a presigned S3 GET or PUT (signature, algorithm, token).
    const carrying = requests.filter((r) => /X-Amz-Security-Token|X-Amz-Credential/i.test(r.url) || secrets.some((s) => r.url.includes(s) || r.url.includes(encodeURIComponent(s))));
    expect(carrying.length).toBeGreaterThan(0);
    for (const r of carrying) {
      const u = new URL(r.url);
      expect(['GET', 'PUT']).toContain(r.method);
      expect(u.hostname).toMatch(/(^|\.)s3\.us-east-1\.amazonaws\.com$/);
      expect(u.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
      expect(u.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      expect(u.searchParams.get('X-Amz-Security-Token')).toBeTruthy();
      // Never the secret key itself, only its signature.
      for (const c of issued) expect(r.url).not.toContain(c.secretKey);
    }
  });
});
