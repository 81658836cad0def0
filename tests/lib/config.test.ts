// config.json validation for the upload type list, and the demo's stand-in OIDC provider settings.

import { describe, expect, it } from 'vitest';
import { ConfigError, acceptsFile, demoOidcConfig, parseConfig } from '../../src/lib/config.ts';

const BASE = { region: 'us-east-1', bucket: 'my-bucket', identityPoolId: 'us-east-1:0de00000-0000-4000-8000-000000000000' };

function problems(raw: unknown): { field: string; message: string }[] {
  try {
    parseConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('upload.accept', () => {
  it('is optional: any type is accepted when it is left out', () => {
    const config = parseConfig(BASE);
    expect(config.upload.accept).toBeUndefined();
    expect(acceptsFile(config.upload.accept, { name: 'x.exe', type: 'application/x-msdownload' })).toBe(true);
  });

  it('takes extensions and MIME types, normalised to lower case', () => {
    const config = parseConfig({ ...BASE, upload: { accept: ['.PDF', ' image/* ', 'text/plain', '.tar.gz'] } });
    expect(config.upload.accept).toEqual(['.pdf', 'image/*', 'text/plain', '.tar.gz']);
  });

  it('rejects anything else, naming the bad entries and the expected form', () => {
    for (const accept of ['pdf', [], ['pdf'], ['image/'], [42], ['.pdf', 'a b']]) {
      const found = problems({ ...BASE, upload: { accept } });
      expect(found).toHaveLength(1);
      expect(found[0]!.field).toBe('upload.accept');
      expect(found[0]!.message).toContain('e.g. [".pdf", "image/*"]');
    }
    expect(problems({ ...BASE, upload: { accept: ['.pdf', 'pdf'] } })[0]!.message).toContain('"pdf" is not.');
  });

  it('matches like an <input accept>', () => {
    const accept = ['.pdf', 'image/*', 'text/csv', '.tar.gz'];
    const ok = (name: string, type = '') => acceptsFile(accept, { name, type });
    expect(ok('Report.PDF')).toBe(true);
    expect(ok('photo.heic', 'image/heic')).toBe(true);
    expect(ok('photo', 'image/png')).toBe(true);
    expect(ok('data.csv', 'text/csv')).toBe(true);
    expect(ok('backup.tar.gz', 'application/gzip')).toBe(true);
    expect(ok('notes.txt', 'text/plain')).toBe(false);
    expect(ok('pdf')).toBe(false);
    expect(ok('.pdf')).toBe(false);
    expect(ok('imagination.txt', 'text/plain')).toBe(false);
  });

  it('keeps the other upload fields working beside it', () => {
    const config = parseConfig({ ...BASE, upload: { maxFileSizeMiB: 1, accept: ['.txt'] } });
    expect(config.upload.maxFileSize).toBe(1024 * 1024);
    expect(problems({ ...BASE, upload: { acept: ['.txt'] } })[0]!.message).toContain('"accept"');
  });
});

describe('demoOidcConfig', () => {
  it('puts the stand-in provider on the app\'s own origin and path', () => {
    const oidc = demoOidcConfig('http://127.0.0.1:5173/team/files/index.html?x=1#/docs/');
    expect(oidc.authority).toBe('http://127.0.0.1:5173/team/files/demo-oidc');
    expect(oidc.redirectUri).toBe('http://127.0.0.1:5173/team/files/');
    expect(oidc.scopes).toContain('openid');
    expect(oidc.loginsProvider).toBe('http://127.0.0.1:5173/team/files/demo-oidc');
    expect(demoOidcConfig('https://files.example.com/').loginsProvider).toBe('files.example.com/demo-oidc');
  });

  it('passes the same validation as a configured provider', () => {
    const oidc = demoOidcConfig('http://localhost:5173/');
    const config = parseConfig({ ...BASE, allowGuests: false, oidc });
    expect(config.oidc).toEqual(oidc);
  });
});
