// The production build on a static host, against the local AWS emulation over real HTTP on another
// origin (so CORS is exercised), plus the pages shown when the configuration is wrong.

import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prefixAuthorizer } from '../../src/mocks/authorize';
import { createEmulator, type Emulator } from '../../src/mocks/emulator';
import { serveEmulator } from '../../src/mocks/http';
import {
  builtApp,
  bytes,
  downloadedBytes,
  freePort,
  launchBrowser,
  newPage,
  recordRequests,
  startPreview,
  strictCsp,
  watchCsp,
  removeTempFiles,
  tempFile,
  type BuiltChunk,
  type Served,
} from '../support/browser';
import type { SharedBuild } from '../support/shared-services';
import { iamAuthorizer } from '../support/iam-authorizer';

const SHOTS = '/tmp/shots';
const BUCKET = 'sessionbox-e2e';
/** A second bucket of the same emulation, deployed with the shipped IAM policies (guests: a drop box). */
const POLICY_BUCKET = 'sessionbox-e2e-policies';
const POOL = 'us-east-1:2b5c0b0e-1111-4222-8333-444455556666';
const ODD_NAME = 'häll o+%#&=😀.txt';

let browser: Browser;
let outDir: string;
let chunks: BuiltChunk[];
let emulator: Emulator;
let s3: { url: string; close(): Promise<void> };
let site: Served;
let subSite: Served;

beforeAll(async () => {
  const [port, subPort] = await Promise.all([freePort(), freePort()]);
  const origin = `http://127.0.0.1:${port}`;
  const realPolicies = iamAuthorizer({ bucket: POLICY_BUCKET });
  emulator = createEmulator({
    region: 'us-east-1',
    buckets: [BUCKET, POLICY_BUCKET],
    // The bucket policy denies any request without TLS (aws:SecureTransport); the app always reaches
    // real S3 over https, and only this loopback emulator is plain http, so claim what production has.
    authorize: (req) => (req.bucket === POLICY_BUCKET ? realPolicies({ ...req, secureTransport: true }) : prefixAuthorizer(req)),
    identityPoolId: POOL,
    corsOrigins: [origin, `http://127.0.0.1:${subPort}`],
  });
  const launching = launchBrowser();
  let build: SharedBuild;
  [build, s3] = await Promise.all([builtApp(), serveEmulator(emulator, { port: 0, host: '127.0.0.1' })]);
  ({ outDir, chunks } = build);
  const endpoint = s3.url.replace(/\/$/, '');
  const config = {
    mode: 'aws',
    region: 'us-east-1',
    bucket: BUCKET,
    identityPoolId: POOL,
    endpoints: { s3: endpoint, cognitoIdentity: endpoint, forcePathStyle: true },
  };
  const headers = { 'Content-Security-Policy': strictCsp([endpoint, 'https://*.amazonaws.com']) };
  [site, subSite] = await Promise.all([
    startPreview(outDir, port, { headers, config }),
    // The same build mounted under a sub-path, as on a shared host.
    startPreview(outDir, subPort, { headers, base: '/team/files/', config }),
  ]);
  expect(site.url.replace(/\/$/, '')).toBe(origin);
  browser = await launching;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await removeTempFiles();
  await site?.close();
  await subSite?.close();
  await s3?.close();
});

function row(page: Page, name: string) {
  return page.getByRole('row').filter({ has: page.getByText(name, { exact: true }) });
}

/** Chunks that hold emulation code: the demo path is the only one allowed to load them. */
function emulationChunks(): string[] {
  return chunks
    .filter((c) => c.moduleIds.some((id) => /[/\\]src[/\\]mocks[/\\]|[/\\]node_modules[/\\](msw|@mswjs)[/\\]/.test(id)))
    .map((c) => c.fileName);
}

describe('built app against the local AWS over HTTP', () => {
  it('splits the emulation into chunks the entry does not import', () => {
    const emu = emulationChunks();
    expect(emu.length).toBeGreaterThan(0);
    const entry = chunks.find((c) => c.isEntry);
    expect(entry).toBeDefined();
    expect(emu).not.toContain(entry!.fileName);
  });

  it('uploads, lists, downloads (byte-exact) and deletes under a strict CSP, and never loads emulation code', async () => {
    const { context, page } = await newPage(browser);
    const urls = recordRequests(context);
    const cspViolations = await watchCsp(context);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));

    await page.goto(site.url);
    await page.getByText('This folder is empty').waitFor();
    expect(await page.getByRole('note').count()).toBe(0); // no demo banner

    const plain = bytes(256 * 1024, 5);
    const odd = bytes(70_001, 9);
    await page.locator('input[type=file]').setInputFiles([
      { name: 'notes.bin', mimeType: 'application/octet-stream', buffer: plain },
      { name: ODD_NAME, mimeType: 'text/plain', buffer: odd },
    ]);
    await expect.poll(() => page.locator('li[data-status=done]').count(), { timeout: 15_000 }).toBe(2);
    await row(page, ODD_NAME).waitFor();
    await row(page, 'notes.bin').waitFor();

    // The objects landed under this guest's own prefix with the exact bytes.
    const puts = emulator.requests.filter((r) => r.service === 's3' && r.operation === 'PutObject' && r.status < 300);
    expect(puts.map((r) => r.key)).toEqual(expect.arrayContaining([expect.stringMatching(/^uploads\/us-east-1:[^/]+\/notes\.bin$/)]));

    for (const [name, data] of [[ODD_NAME, odd], ['notes.bin', plain]] as const) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: `Download ${name}` }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(name);
      expect((await downloadedBytes(download)).equals(data)).toBe(true);
    }
    // A download must not navigate away from the app.
    expect(new URL(page.url()).origin).toBe(new URL(site.url).origin);

    await page.getByRole('button', { name: `Delete ${ODD_NAME}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete file?' });
    expect(await dialog.textContent()).toContain(ODD_NAME);
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await row(page, ODD_NAME).waitFor({ state: 'detached' });
    expect(emulator.requests.some((r) => r.operation === 'DeleteObject' && r.key?.endsWith(ODD_NAME))).toBe(true);

    // An upload held mid-way, for the screenshot of the progress bar.
    const release = emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2 }, fault: { delayMs: 2500 } });
    const big = bytes(18 * 1024 * 1024, 21);
    await page.locator('input[type=file]').setInputFiles(await tempFile('video.mp4', big));
    const item = page.locator('li', { hasText: 'video.mp4' });
    // Part 1 is confirmed while part 2 is held: the bar stands part-way.
    await expect.poll(() => item.locator('progress').getAttribute('value'), { timeout: 10_000 }).toMatch(/^[1-9]/);
    await page.screenshot({ path: `${SHOTS}/aws-uploading.png`, animations: 'disabled' });
    await expect.poll(() => item.getAttribute('data-status'), { timeout: 20_000 }).toBe('done');
    release();
    await row(page, 'video.mp4').waitFor();

    // Nothing from the emulation reached this page.
    const emu = emulationChunks();
    expect(urls.filter((u) => emu.some((f) => u.endsWith(f)))).toEqual([]);
    expect(urls.filter((u) => /mockServiceWorker|msw/i.test(u))).toEqual([]);
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)).toBe(0);
    // It did talk to S3 and Cognito on their own origin (cross-origin, so CORS held).
    expect(urls.some((u) => u.startsWith(s3.url))).toBe(true);
    expect(errors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    await context.close();
  }, 60_000);

  it('lists a long folder page by page in the background, rendering only the rows in view', async () => {
    const { context, page } = await newPage(browser);
    await page.goto(site.url);
    await page.getByText('This folder is empty').waitFor();
    const identityId = await page.evaluate(() => Object.values(localStorage).find((v) => /^us-east-1:/.test(v)));
    expect(identityId).toMatch(/^us-east-1:/);
    const now = Date.now();
    for (let i = 0; i < 2300; i++) {
      const key = `uploads/${identityId}/file-${String(i).padStart(4, '0')}.txt`;
      await emulator.store.put(
        BUCKET,
        { key, size: 1, etag: '"9dd4e461268c8034f5c8564e155c67a6"', lastModified: now, contentType: 'text/plain', headers: {}, metadata: {} },
        new Blob(['x']),
      );
    }
    const lists = () => emulator.requests.filter((r) => r.operation === 'ListObjectsV2').length;
    const before = lists();
    await page.getByRole('button', { name: 'Refresh' }).click();
    // Pages of 1000: three requests, no "Load more" to press.
    await page.getByText('2,300 items', { exact: true }).waitFor();
    expect(lists() - before).toBe(3);
    const rows = page.locator('[role=grid] [role=row][aria-rowindex]:not([aria-rowindex="1"])');
    expect(await rows.count()).toBeGreaterThan(5);
    expect(await rows.count()).toBeLessThan(100);
    await page.locator('[role=grid] > [role=rowgroup]').nth(1).evaluate((el) => (el.scrollTop = el.scrollHeight));
    await row(page, 'file-2299.txt').waitFor();
    await context.close();
  });

  it('works from a sub-path (relative asset and config URLs)', async () => {
    const { context, page } = await newPage(browser);
    const urls = recordRequests(context);
    const cspViolations = await watchCsp(context);
    const base = `${subSite.url.replace(/\/$/, '')}/`;
    expect(new URL(base).pathname).toBe('/team/files/');
    await page.goto(base);
    await page.getByText('This folder is empty').waitFor();
    const own = urls.filter((u) => new URL(u).origin === new URL(base).origin);
    expect(own.length).toBeGreaterThan(2);
    expect(own.filter((u) => !u.startsWith(base))).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    await context.close();
  });

  it('shows a listing failure with its fix, and recovers with Try again', async () => {
    const { context, page } = await newPage(browser);
    await page.goto(site.url);
    await page.getByText('This folder is empty').waitFor();
    // Not AccessDenied: for a guest that means a drop box (tested below), not a failure.
    const release = emulator.faults.add({ match: { service: 's3', operation: 'ListObjectsV2' }, fault: { status: 404, code: 'NoSuchBucket' } });
    await page.getByRole('button', { name: 'Refresh' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Could not list this folder' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Check "bucket" and "region" in config.json');
    await page.screenshot({ path: `${SHOTS}/aws-list-error.png`, animations: 'disabled' });
    release();
    await alert.getByRole('button', { name: 'Try again' }).click();
    await alert.waitFor({ state: 'detached' });
    await page.getByText('This folder is empty').waitFor();
    await context.close();
  });

  it('gives a guest under the shipped policies a drop box: uploads land, a taken name asks via the 412, nothing listed', async () => {
    const { context, page } = await newPage(browser);
    const cspViolations = await watchCsp(context);
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    const endpoint = s3.url.replace(/\/$/, '');
    await page.route('**/config.json', (route) =>
      route.fulfill({
        json: {
          mode: 'aws',
          region: 'us-east-1',
          bucket: POLICY_BUCKET,
          identityPoolId: POOL,
          endpoints: { s3: endpoint, cognitoIdentity: endpoint, forcePathStyle: true },
          // Sign-in configured (never used here): the drop box offers it.
          oidc: {
            authority: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC',
            clientId: 'abc',
            redirectUri: 'https://files.example.com/',
            loginsProvider: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC',
          },
        },
      }),
    );
    const listed = () => emulator.requests.filter((r) => r.operation === 'ListObjectsV2' && r.url.includes(POLICY_BUCKET));
    await page.goto(site.url);
    const box = page.getByTestId('drop-box');
    await box.waitFor();
    expect(await box.textContent()).toMatch(/cannot see, download or delete them.*not even the ones you uploaded/);
    expect(await box.getByRole('button', { name: 'Sign in' }).count()).toBe(1);
    // The policy's refusal is how a drop box works: no error box, and nothing that needs a listing.
    expect(listed().map((r) => r.status)).toEqual([403]);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByText(/Access denied|Could not list/).count()).toBe(0);
    for (const name of ['Refresh', 'New folder', 'Search subfolders']) expect(await page.getByRole('button', { name }).count()).toBe(0);
    expect(await page.getByRole('searchbox').count()).toBe(0);
    expect(await page.getByRole('grid').count()).toBe(0);

    const identityId = await page.evaluate(() => Object.values(localStorage).find((v) => /^us-east-1:/.test(v)));
    expect(identityId).toMatch(/^us-east-1:/);
    const key = (name: string) => `uploads/${identityId}/${name}`;
    const stored = async (name: string) => {
      const blob = await emulator.store.read(POLICY_BUCKET, key(name));
      return blob && Buffer.from(await blob.arrayBuffer());
    };

    const first = bytes(90_000, 31);
    await page.locator('input[type=file]').setInputFiles([{ name: 'report.pdf', mimeType: 'application/pdf', buffer: first }]);
    await expect.poll(() => page.locator('li[data-status=done]').count()).toBe(1);
    expect((await stored('report.pdf'))?.equals(first)).toBe(true);
    await page.screenshot({ path: `${SHOTS}/dropbox.png`, animations: 'disabled' });

    // The same name again: no listing to know it is taken, so S3's 412 to If-None-Match asks.
    const second = bytes(60_000, 32);
    await page.locator('input[type=file]').setInputFiles([{ name: 'report.pdf', mimeType: 'application/pdf', buffer: second }]);
    const dialog = page.getByRole('dialog', { name: 'A file with this name already exists' });
    await dialog.waitFor();
    const puts = emulator.requests.filter((r) => r.operation === 'PutObject' && r.key === key('report.pdf'));
    expect(puts.map((r) => r.status)).toEqual([200, 412]);
    await dialog.getByRole('button', { name: /Keep both/ }).click();
    await expect.poll(() => page.locator('li[data-status=done]').count()).toBe(2);
    expect((await stored('report.pdf'))?.equals(first)).toBe(true);
    expect((await stored('report (1).pdf'))?.equals(second)).toBe(true);

    // Finished uploads do not send the page back to a listing it may not make.
    expect(listed()).toHaveLength(1);
    await box.waitFor();
    expect(errors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    await context.close();
  });

  it('cancels an upload in progress', async () => {
    const { context, page } = await newPage(browser);
    await page.goto(site.url);
    await page.getByText('This folder is empty').waitFor();
    const release = emulator.faults.add({ match: { service: 's3', operation: 'PutObject', key: /stuck\.bin$/ }, fault: { hang: true }, times: Infinity });
    await page.locator('input[type=file]').setInputFiles([{ name: 'stuck.bin', mimeType: 'application/octet-stream', buffer: bytes(40_000) }]);
    const item = page.locator('li', { hasText: 'stuck.bin' });
    await expect.poll(() => item.getAttribute('data-status')).toBe('uploading');
    await page.getByRole('button', { name: 'Cancel upload of stuck.bin' }).click();
    await expect.poll(() => item.getAttribute('data-status')).toBe('cancelled');
    release();
    await page.getByRole('button', { name: 'Refresh' }).click();
    expect(await row(page, 'stuck.bin').count()).toBe(0);
    await context.close();
  });
});

describe('built app in demo mode', () => {
  it('runs the emulation from the build (relative worker URL) under the strict CSP', async () => {
    const { context, page } = await newPage(browser);
    const cspViolations = await watchCsp(context);
    await page.route('**/config.json', (route) => route.fulfill({ json: { mode: 'demo' } }));
    await page.goto(site.url);
    await page.getByRole('note').waitFor();
    await page.getByText('This folder is empty').waitFor();
    const data = bytes(50_000, 77);
    await page.locator('input[type=file]').setInputFiles([{ name: 'offline.bin', mimeType: 'application/octet-stream', buffer: data }]);
    await row(page, 'offline.bin').waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download offline.bin' }).click(),
    ]);
    expect((await downloadedBytes(download)).equals(data)).toBe(true);
    expect(await cspViolations(page)).toEqual([]);
    // The demo never touched the emulator behind the real-HTTP endpoint.
    expect(emulator.requests.some((r) => r.key?.endsWith('offline.bin'))).toBe(false);
    await context.close();
  });
});

describe('configuration problems', () => {
  it('lists every config.json problem by field', async () => {
    const { context, page } = await newPage(browser);
    const cspViolations = await watchCsp(context);
    await page.route('**/config.json', (route) => route.fulfill({ json: { region: 'nowhere', bucket: 'Bad_Bucket' } }));
    await page.goto(site.url);
    await page.getByRole('heading', { name: 'config.json needs fixing' }).waitFor();
    const items = await page.getByRole('listitem').allTextContents();
    const fields = items.map((t) => t.split(':')[0]!.trim());
    expect(fields).toEqual(expect.arrayContaining(['region', 'bucket', 'identityPoolId']));
    expect(items.find((t) => t.startsWith('region'))).toContain('"nowhere" is not an AWS region');
    expect(items.find((t) => t.startsWith('bucket'))).toContain('not a valid S3 bucket name');
    await page.screenshot({ path: `${SHOTS}/config-error.png`, fullPage: true, animations: 'disabled' });
    expect(await cspViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 360, height: 740 });
    await page.screenshot({ path: `${SHOTS}/config-error-narrow.png`, fullPage: true, animations: 'disabled' });
    await context.close();
  });

  it('asks to sign in, with no guest way in, when guests are not allowed', async () => {
    const { context, page } = await newPage(browser);
    await page.route('**/config.json', (route) =>
      route.fulfill({
        json: {
          region: 'us-east-1',
          bucket: BUCKET,
          identityPoolId: POOL,
          allowGuests: false,
          oidc: {
            authority: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC',
            clientId: 'abc',
            redirectUri: 'https://files.example.com/',
            loginsProvider: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC',
          },
        },
      }),
    );
    const urls = recordRequests(context);
    await page.goto(site.url);
    await page.getByRole('heading', { name: 'Sign in to sessionbox' }).waitFor();
    expect(await page.getByRole('button', { name: 'Sign in' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Continue as guest' }).count()).toBe(0);
    // Nobody got credentials before signing in.
    expect(urls.some((u) => u.startsWith(s3.url))).toBe(false);
    await context.close();
  });

  it('explains a Cognito endpoint that does not answer', async () => {
    const { context, page } = await newPage(browser);
    const dead = `http://127.0.0.1:${await freePort()}`;
    await page.route('**/config.json', (route) =>
      route.fulfill({
        json: { region: 'us-east-1', bucket: BUCKET, identityPoolId: POOL, endpoints: { s3: dead, cognitoIdentity: dead, forcePathStyle: true } },
      }),
    );
    await page.goto(site.url);
    await page.getByRole('heading', { name: 'sessionbox could not start' }).waitFor({ timeout: 20_000 });
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toMatch(/Cognito|network|reach/i);
    await page.screenshot({ path: `${SHOTS}/start-error.png`, animations: 'disabled' });
    await context.close();
  });
});
