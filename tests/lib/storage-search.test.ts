// Storage.listTree (listing without delimiter, for search and zips) and Storage.viewUrl (inline
// previews with an overridden Content-Type) against the local AWS emulation.

import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/lib/config.ts';
import { cognitoCredentials } from '../../src/lib/credentials.ts';
import { Storage, type Entry } from '../../src/lib/storage.ts';
import { DEFAULTS, TEST_PROVIDER, fakeIdToken, seedObject, useEmulation, testConfig } from '../support/emulation.ts';
import { iamAuthorizer } from '../support/iam-authorizer.ts';
import { rejection } from '../support/wait.ts';

const env = useEmulation({ authorize: iamAuthorizer({ bucket: DEFAULTS.bucket }) });

const config: AppConfig = testConfig();

async function open(): Promise<Storage> {
  const creds = cognitoCredentials({
    identityPoolId: config.identityPoolId,
    region: config.region,
    logins: { [TEST_PROVIDER]: fakeIdToken({ sub: `user-${crypto.randomUUID()}` }) },
  });
  return Storage.open(config, creds, { signedIn: true, s3: { expectContinueHeader: false } });
}

async function seed(storage: Storage, paths: string[]): Promise<void> {
  for (const p of paths) await seedObject(env, storage.prefix + p, p.endsWith('/') ? '' : `body of ${p}`);
}

describe('Storage.listTree', () => {
  it('lists everything below a folder at any depth, in key order, with folder placeholders as folders', async () => {
    const storage = await open();
    await seed(storage, ['top.txt', 'docs/', 'docs/a.txt', 'docs/deep/b c+d.txt', 'docs/deep/', 'other/x.txt']);
    const page = await storage.listTree('docs/');
    expect(page.nextToken).toBeUndefined();
    expect(page.entries.map((e) => [e.kind, e.path, e.name])).toEqual([
      ['file', 'docs/a.txt', 'a.txt'],
      ['folder', 'docs/deep/', 'deep'],
      ['file', 'docs/deep/b c+d.txt', 'b c+d.txt'],
    ]);
    const file = page.entries[0] as Entry;
    expect(file.size).toBe('body of docs/a.txt'.length);
    expect(file.lastModified).toBeInstanceOf(Date);
    const root = await storage.listTree('');
    expect(root.entries.map((e) => e.path)).toEqual(['docs/', 'docs/a.txt', 'docs/deep/', 'docs/deep/b c+d.txt', 'other/x.txt', 'top.txt']);
  });

  it('pages with continuation tokens and stops when aborted', async () => {
    const storage = await open();
    await seed(storage, Array.from({ length: 7 }, (_, i) => `f/${i}/n${i}.txt`));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await storage.listTree('f/', { maxKeys: 3, ...(token ? { token } : {}) });
      seen.push(...page.entries.map((e) => e.path));
      token = page.nextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    const controller = new AbortController();
    controller.abort();
    await expect(storage.listTree('f/', { signal: controller.signal })).rejects.toMatchObject({ code: 'Aborted' });
    await expect(storage.listTree('f/', { maxKeys: 0 })).rejects.toMatchObject({ name: 'RangeError', message: 'maxKeys must be an integer from 1 to 1000, got 0' });
  });

  it('rejects a path that is not a folder path before any request', async () => {
    const storage = await open();
    const before = env.emulator.requests.length;
    expect(await rejection(storage.listTree('../x/'))).toMatchObject({ code: 'InvalidKey' });
    expect(env.emulator.requests.length).toBe(before);
  });
});

describe('Storage.viewUrl', () => {
  it('serves the object inline with the requested Content-Type, whatever was stored', async () => {
    const storage = await open();
    await seedObject(env, `${storage.prefix}page.html`, '<script>alert(1)</script>', { contentType: 'text/html' });
    const res = await fetch(await storage.viewUrl('page.html', { contentType: 'text/plain; charset=utf-8' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('inline');
    expect(await res.text()).toBe('<script>alert(1)</script>');
    const url = new URL(await storage.viewUrl('page.html', { contentType: 'image/png', expiresIn: 60 }));
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
  });

  it('refuses HTML and XML types and malformed ones', async () => {
    const storage = await open();
    for (const contentType of ['text/html', 'TEXT/HTML; charset=utf-8', 'application/xhtml+xml', 'text/xml', 'nonsense']) {
      await expect(storage.viewUrl('a.txt', { contentType })).rejects.toMatchObject({ name: 'RangeError', message: expect.stringContaining('not an allowed preview type') });
    }
    await expect(storage.viewUrl('folder/', { contentType: 'text/plain' })).rejects.toMatchObject({ code: 'InvalidKey' });
  });
});
