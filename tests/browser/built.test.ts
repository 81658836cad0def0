// The production build on a static host, against the local AWS emulation over real HTTP on another
// origin (so CORS is exercised), plus the pages shown when the configuration is wrong.

import type { Browser } from 'playwright-core';
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
  row,
  startPreview,
  strictCsp,
  watchCsp,
  removeTempFiles,
  tempFile,
  type Served,
} from '../support/browser';
import type { SharedBuild } from '../support/shared-services';
import { iamAuthorizer } from '../support/iam-authorizer';
import { limit, waitFor } from '../support/wait';

/** expect.poll gives up after 1 s by default: far too soon on a loaded machine. A limit, not evidence. */
const POLL = { timeout: limit(30_000) };
const BUCKET = 'sessionbox-e2e';
/** A second bucket of the same emulation, deployed with the shipped IAM policies (guests: a drop box). */
const POLICY_BUCKET = 'sessionbox-e2e-policies';
const POOL = 'us-east-1:2b5c0b0e-1111-4222-8333-444455556666';
const ODD_NAME = 'häll o+%#&=😀.txt';

let browser: Browser;
let outDir: string;
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
  ({ outDir } = build);
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
});

afterAll(async () => {
  await browser?.close();
  await removeTempFiles();
  await site?.close();
  await subSite?.close();
  await s3?.close();
});

describe('built app against the local AWS over HTTP', () => {
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
    await expect.poll(() => page.locator('li[data-status=done]').count(), POLL).toBe(2);
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

    // A multipart upload (16 MiB parts) with part 2 held at the server: once part 1 is confirmed,
    // the bar stands part-way; released, the upload finishes with the exact bytes.
    const removeHold = emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', key: /\/video\.mp4$/, partNumber: 2 }, fault: { hold: 'video-part-2' } });
    const big = bytes(18 * 1024 * 1024, 21);
    await page.locator('input[type=file]').setInputFiles(await tempFile('video.mp4', big));
    const item = page.locator('li', { hasText: 'video.mp4' });
    const videoParts = () => emulator.requests.filter((r) => r.operation === 'UploadPart' && r.key?.endsWith('/video.mp4'));
    await waitFor(() => emulator.faults.held('video-part-2') === 1 && videoParts().some((r) => r.partNumber === 1 && r.status === 200), 'part 1 stored, part 2 held');
    await expect.poll(async () => Number(await item.locator('progress').getAttribute('value')), POLL).toBe(16 * 1024 * 1024);
    expect(Number(await item.locator('progress').getAttribute('max'))).toBe(big.length);
    expect(await item.getAttribute('data-status')).toBe('uploading');
    emulator.faults.release('video-part-2');
    removeHold();
    await expect.poll(() => item.getAttribute('data-status'), POLL).toBe('done');
    await row(page, 'video.mp4').waitFor();
    const video = await emulator.store.read(BUCKET, videoParts()[0]!.key!);
    expect(video && Buffer.from(await video.arrayBuffer()).equals(big)).toBe(true);

    // Nothing from the emulation reached this page (that no chunk holds any: production-build.test.ts).
    // Paths only: a presigned URL's token is random base64 and can spell "msw" (seen once in ~40 runs).
    expect(urls.filter((u) => /mockServiceWorker|(^|\/)msw/i.test(new URL(u).pathname))).toEqual([]);
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)).toBe(0);
    // It did talk to S3 and Cognito on their own origin (cross-origin, so CORS held).
    expect(urls.some((u) => u.startsWith(s3.url))).toBe(true);
    expect(errors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    await context.close();
  }, limit(180_000)); // 18 MiB up and several files down: a heavy test gets a larger limit

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
    await expect.poll(() => page.locator('li[data-status=done]').count(), POLL).toBe(1);
    expect((await stored('report.pdf'))?.equals(first)).toBe(true);

    // The same name again: no listing to know it is taken, so S3's 412 to If-None-Match asks.
    const second = bytes(60_000, 32);
    await page.locator('input[type=file]').setInputFiles([{ name: 'report.pdf', mimeType: 'application/pdf', buffer: second }]);
    const dialog = page.getByRole('dialog', { name: 'A file with this name already exists' });
    await dialog.waitFor();
    const puts = emulator.requests.filter((r) => r.operation === 'PutObject' && r.key === key('report.pdf'));
    expect(puts.map((r) => r.status)).toEqual([200, 412]);
    await dialog.getByRole('button', { name: /Keep both/ }).click();
    await expect.poll(() => page.locator('li[data-status=done]').count(), POLL).toBe(2);
    expect((await stored('report.pdf'))?.equals(first)).toBe(true);
    expect((await stored('report (1).pdf'))?.equals(second)).toBe(true);

    // Finished uploads do not send the page back to a listing it may not make.
    expect(listed()).toHaveLength(1);
    await box.waitFor();
    expect(errors).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
    await context.close();
  });

  it('cancels uploads in progress: nothing stored, the multipart upload aborted on the server', async () => {
    const { context, page } = await newPage(browser);
    await page.goto(site.url);
    await page.getByText('This folder is empty').waitFor();
    const identityId = await page.evaluate(() => Object.values(localStorage).find((v) => /^us-east-1:/.test(v)));
    expect(identityId).toMatch(/^us-east-1:/);
    const small = `uploads/${identityId}/stuck.bin`;
    const large = `uploads/${identityId}/stuck-big.bin`;
    const logOf = (key: string) => emulator.requests.filter((r) => r.key === key);
    // Held at the server: the single PUT, and both parts of the multipart upload (16 MiB + 1 MiB).
    const removeHolds = [
      emulator.faults.add({ match: { service: 's3', operation: 'PutObject', key: small }, fault: { hold: 'stuck' } }),
      emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', key: large }, fault: { hold: 'stuck-big' }, times: 2 }),
    ];
    await page.locator('input[type=file]').setInputFiles([
      await tempFile('stuck.bin', bytes(40_000)),
      await tempFile('stuck-big.bin', bytes(17 * 1024 * 1024, 41)),
    ]);
    await waitFor(() => emulator.faults.held('stuck') === 1 && emulator.faults.held('stuck-big') === 2, 'the PUT and both parts held at the emulator');
    expect(logOf(large).filter((r) => r.operation === 'CreateMultipartUpload').map((r) => r.status)).toEqual([200]);
    expect(emulator.store.listUploads(BUCKET).filter((u) => u.key === large)).toHaveLength(1);

    for (const name of ['stuck.bin', 'stuck-big.bin']) {
      await page.getByRole('button', { name: `Cancel upload of ${name}` }).click();
      await expect.poll(() => page.locator('li', { hasText: name }).getAttribute('data-status'), POLL).toBe('cancelled');
    }
    // The multipart upload is aborted on the server, after its part requests have gone.
    await waitFor(() => logOf(large).some((r) => r.operation === 'AbortMultipartUpload' && r.status === 204), 'AbortMultipartUpload answered');
    // The browser dropped the held requests: the server saw each one end unanswered.
    await waitFor(() => emulator.faults.held('stuck') === 0 && emulator.faults.held('stuck-big') === 0, 'the held requests ended by the cancel');
    for (const remove of removeHolds) remove();
    emulator.faults.release('stuck');
    emulator.faults.release('stuck-big');

    expect(logOf(small).map((r) => `${r.operation}:${r.status}:${r.fault ?? ''}`)).toEqual(['PutObject:0:hold']);
    expect(logOf(large).map((r) => `${r.operation}${r.partNumber ?? ''}:${r.status}`).sort()).toEqual(
      ['AbortMultipartUpload:204', 'CreateMultipartUpload:200', 'UploadPart1:0', 'UploadPart2:0'],
    );
    expect(emulator.store.head(BUCKET, small)).toBeUndefined();
    expect(emulator.store.head(BUCKET, large)).toBeUndefined();
    expect(emulator.store.listUploads(BUCKET).filter((u) => u.key === large || u.key === small)).toEqual([]);
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
    expect(await cspViolations(page)).toEqual([]);
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
    await page.getByRole('heading', { name: 'sessionbox could not start' }).waitFor();
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toMatch(/Cognito|network|reach/i);
    await context.close();
  });
});
