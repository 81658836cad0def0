// The widget's configuration: attributes, config-url JSON, and problems named by what to fix.

import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigProblem } from '../../src/lib/config.ts';
import { flag, parseSize, resolveConfig, type WidgetAttributes } from '../../src/widget/config.ts';

const GOOD: WidgetAttributes = {
  region: 'eu-west-1',
  identityPoolId: 'eu-west-1:0de00000-0000-4000-8000-000000000000',
  bucket: 'my-drop-box',
};

function serving(body: unknown, status = 200): typeof fetch {
  return (async () => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status })) as typeof fetch;
}

async function problems(attrs: WidgetAttributes, fetchImpl?: typeof fetch): Promise<ConfigProblem[]> {
  try {
    await resolveConfig(attrs, { baseUrl: 'https://host.example/page', ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected ConfigError');
}

describe('resolveConfig', () => {
  it('reads attributes, with defaults for everything optional', async () => {
    expect(await resolveConfig(GOOD)).toEqual({
      region: 'eu-west-1',
      bucket: 'my-drop-box',
      identityPoolId: GOOD.identityPoolId,
      prefix: 'uploads/{identityId}/',
      endpoints: { forcePathStyle: false },
      partSize: 16 * 1024 * 1024,
      parallelParts: 6,
      accept: [],
      maxSize: 5 * 1024 ** 4,
      maxFiles: 1,
      multiple: false,
      autoUpload: false,
      locale: 'en',
    });
    const c = await resolveConfig(
      { ...GOOD, prefix: 'uploads/{identityId}/jobs/', accept: ' .PDF, image/* ', maxSize: '25 MB', multiple: '', maxFiles: '3', autoUpload: 'true', locale: 'de-ch', s3Endpoint: 'http://127.0.0.1:4566/', cognitoEndpoint: 'http://127.0.0.1:4566', forcePathStyle: '' },
      { fallbackLocale: 'fr' },
    );
    expect(c).toMatchObject({
      prefix: 'uploads/{identityId}/jobs/',
      accept: ['.pdf', 'image/*'],
      maxSize: 25_000_000,
      maxFiles: 3,
      multiple: true,
      autoUpload: true,
      locale: 'de-CH',
      endpoints: { s3: 'http://127.0.0.1:4566', cognitoIdentity: 'http://127.0.0.1:4566', forcePathStyle: true },
    });
    expect((await resolveConfig({ ...GOOD, multiple: 'false', autoUpload: 'false' }, { fallbackLocale: 'fr-FR' })).locale).toBe('fr-FR');
    expect((await resolveConfig({ ...GOOD, multiple: '' })).maxFiles).toBe(Infinity);
  });

  it('names every problem by the attribute to fix, with the fix', async () => {
    expect(await problems({})).toEqual([
      { field: 'region', message: expect.stringMatching(/is missing\. Set it to the bucket's AWS region/) },
      { field: 'bucket', message: expect.stringMatching(/is missing/) },
      { field: 'identity-pool-id', message: expect.stringMatching(/is missing/) },
    ]);
    const found = await problems({
      region: 'Frankfurt',
      bucket: 'arn:aws:s3:::x',
      identityPoolId: 'abc',
      prefix: '/uploads/',
      accept: 'pdf, .doc',
      maxSize: 'big',
      maxFiles: '0',
      locale: 'not a locale!',
      s3Endpoint: 'localhost:4566',
    });
    expect(found.map((p) => p.field)).toEqual(['region', 'bucket', 'identity-pool-id', 'prefix', 's3-endpoint', 'accept', 'max-size', 'max-files', 'locale']);
    expect(found.find((p) => p.field === 'identity-pool-id')?.message).toMatch(/^"abc" is not an identity pool id\. It looks like "us-east-1:" followed by a UUID/);
    expect(found.find((p) => p.field === 'accept')?.message).toMatch(/^"pdf" is not a file type/);
    expect(found.find((p) => p.field === 'prefix')?.message).toMatch(/must contain \{identityId\}/);
  });

  it('takes the storage settings from config-url (the app config.json format), attributes overriding it', async () => {
    const file = {
      region: 'us-east-1',
      bucket: 'app-bucket',
      identityPoolId: 'us-east-1:11111111-2222-3333-4444-555555555555',
      prefixes: { signedIn: 'users/{identityId}/', guest: 'uploads/{identityId}/inbox/' },
      endpoints: { s3: 'https://s3.example.test', forcePathStyle: true },
      upload: { partSizeMiB: 8, parallelParts: 4, maxFileSizeMiB: 100, accept: ['.PDF', 'image/*'] },
      oidc: { authority: 'https://id.example.test' },
    };
    const c = await resolveConfig({ configUrl: 'config.json', bucket: 'override-bucket' }, { baseUrl: 'https://host.example/', fetch: serving(file) });
    expect(c).toMatchObject({
      region: 'us-east-1',
      bucket: 'override-bucket',
      prefix: 'uploads/{identityId}/inbox/',
      endpoints: { s3: 'https://s3.example.test', forcePathStyle: true },
      partSize: 8 * 1024 * 1024,
      parallelParts: 4,
      maxSize: 100 * 1024 * 1024,
      accept: ['.pdf', 'image/*'],
    });
    expect((await resolveConfig({ configUrl: 'config.json', accept: '.txt' }, { baseUrl: 'https://host.example/', fetch: serving(file) })).accept).toEqual(['.txt']);
    // Problems in the file name the file's field; the limit from the file bounds max-size.
    const found = await problems({ configUrl: 'https://app.example/config.json', maxSize: '1 GB' }, serving({ ...file, identityPoolId: 'nope', upload: { partSizeMiB: 1, accept: ['pdf'] } }));
    expect(found).toEqual([
      { field: 'identityPoolId in https://app.example/config.json', message: expect.stringMatching(/^"nope" is not an identity pool id/) },
      { field: 'upload.partSizeMiB in https://app.example/config.json', message: expect.stringMatching(/from 5 to 5120/) },
      { field: 'upload.accept in https://app.example/config.json', message: expect.stringMatching(/^"pdf" is not a file type/) },
    ]);
    expect(await problems({ configUrl: 'c.json', maxSize: '1 GB' }, serving(file))).toEqual([{ field: 'max-size', message: expect.stringMatching(/more than the largest file the configuration allows/) }]);
  });

  it('explains a config-url that cannot be used', async () => {
    expect(await problems({ configUrl: 'config.json' }, serving({ mode: 'demo' }))).toEqual([{ field: 'config-url', message: expect.stringMatching(/offline demo.*only the app can run/) }]);
    expect(await problems({ configUrl: 'missing.json' }, serving('', 404))).toEqual([{ field: 'config-url', message: 'missing.json answered HTTP 404. Check the URL.' }]);
    expect(await problems({ configUrl: 'x.json' }, serving('<html>'))).toEqual([{ field: 'config-url', message: expect.stringMatching(/is not a JSON object/) }]);
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    expect((await problems({ configUrl: 'https://cdn.example/c.json' }, offline))[0]?.message).toMatch(/could not be fetched.*CORS.*connect-src/);
    expect(await problems({ ...GOOD, configUrl: 'c.json' }, serving({ ...GOOD, allowGuests: false }))).toEqual([{ field: 'allowGuests in c.json', message: expect.stringMatching(/uploads as a guest/) }]);
  });
});

describe('attribute helpers', () => {
  it('parses sizes with decimal and binary units', () => {
    expect(parseSize('1000')).toBe(1000);
    expect(parseSize('25 MB')).toBe(25_000_000);
    expect(parseSize('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('2 kib')).toBe(2048);
    for (const bad of ['', 'MB', '-1', '0', '1 PB', '10 megs']) expect(parseSize(bad)).toBeUndefined();
  });

  it('reads boolean attributes as HTML does, plus an explicit "false"', () => {
    expect([flag(''), flag('true'), flag('multiple'), flag('false'), flag(' FALSE '), flag(null), flag(undefined)]).toEqual([true, true, true, false, false, false, false]);
  });
});
