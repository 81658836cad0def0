import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/lib/errors.ts';
import {
  alternativeName,
  asFolder,
  attachmentDisposition,
  checkName,
  checkPath,
  copySource,
  decodeListedKey,
  freeName,
  joinPath,
  nameOf,
  parentOf,
  toKey,
} from '../../src/lib/keys.ts';

function invalid(fn: () => unknown): StorageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).code).toBe('InvalidKey');
    return err as StorageError;
  }
  throw new Error('expected InvalidKey');
}

describe('checkPath', () => {
  it('accepts odd but valid names', () => {
    for (const p of ['a b.txt', 'ünïcødé/ファイル.txt', '😀 emoji.png', 'a+b%20c#d?e&f=g.txt', 'x/y/z', "it's (1) [x] {y} ~!@$^*.md", '\\back\\slash']) {
      expect(checkPath(p, 'file')).toBe(p);
    }
    expect(checkPath('', 'folder')).toBe('');
    expect(checkPath('a b/ü/', 'folder')).toBe('a b/ü/');
  });

  it('rejects empty segments, dot segments, control characters and leading slashes with a fix', () => {
    expect(invalid(() => checkPath('a//b', 'file')).message).toMatch(/empty folder name.*Remove the extra "\/"/);
    expect(invalid(() => checkPath('/a', 'file')).message).toMatch(/starts with "\/".*remove the leading/);
    expect(invalid(() => checkPath('../other/x', 'file')).message).toMatch(/"\.\." segment/);
    expect(invalid(() => checkPath('a/./b', 'file')).message).toMatch(/"\." segment/);
    expect(invalid(() => checkPath('a/../', 'folder')).message).toMatch(/"\.\." segment/);
    expect(invalid(() => checkPath('tab\there', 'file')).message).toMatch(/U\+0009.*Remove it/);
    expect(invalid(() => checkPath('nul\u0000', 'file')).message).toMatch(/U\+0000/);
    expect(invalid(() => checkPath('del\u007f', 'file')).message).toMatch(/U\+007F/);
    expect(invalid(() => checkPath('bad\uD800x', 'file')).message).toMatch(/unpaired surrogate/);
  });

  it('distinguishes files and folders', () => {
    expect(invalid(() => checkPath('', 'file')).message).toMatch(/empty/);
    expect(invalid(() => checkPath('a/', 'file')).message).toMatch(/ends with "\/"/);
    expect(invalid(() => checkPath('a', 'folder')).message).toMatch(/Use "a\/"/);
  });

  it('counts UTF-8 bytes including the prefix against the 1024-byte limit', () => {
    const prefix = 'uploads/us-east-1:00000000-0000-4000-8000-000000000000/'; // 55 bytes
    expect(prefix.length).toBe(55);
    const fits = 'a'.repeat(1024 - 55);
    expect(toKey(prefix, fits, 'file')).toBe(prefix + fits);
    const tooLong = invalid(() => toKey(prefix, fits + 'a', 'file'));
    expect(tooLong.message).toMatch(/1024 bytes.*1025.*at most 969 bytes/);
    // 'é' is 2 bytes, '😀' 4: the limit is in bytes, not characters.
    const emoji = '😀'.repeat(242); // 968 bytes, 484 UTF-16 units
    expect(toKey(prefix, emoji, 'file')).toBe(prefix + emoji);
    invalid(() => toKey(prefix, emoji + 'é', 'file'));
  });
});

describe('path helpers', () => {
  it('names and parents', () => {
    expect(nameOf('a/b/c.txt')).toBe('c.txt');
    expect(nameOf('a/b/')).toBe('b');
    expect(nameOf('c.txt')).toBe('c.txt');
    expect(nameOf('')).toBe('');
    expect(parentOf('a/b/c.txt')).toBe('a/b/');
    expect(parentOf('a/b/')).toBe('a/');
    expect(parentOf('c.txt')).toBe('');
    expect(parentOf('a/')).toBe('');
    expect(parentOf('')).toBe('');
    expect(asFolder('docs')).toBe('docs/');
    expect(asFolder('docs/')).toBe('docs/');
    expect(asFolder('')).toBe('');
  });

  it('joins a folder and a validated name', () => {
    expect(joinPath('', 'x.txt')).toBe('x.txt');
    expect(joinPath('a/', 'x.txt')).toBe('a/x.txt');
    expect(joinPath('a', 'sub', 'folder')).toBe('a/sub/');
    expect(invalid(() => joinPath('a/', 'b/c')).message).toMatch(/contains "\/"/);
    invalid(() => joinPath('a/', '..'));
    invalid(() => checkName(''));
  });

  it('makes "name (n).ext" alternatives', () => {
    expect(alternativeName('report.pdf', 1)).toBe('report (1).pdf');
    expect(alternativeName('report (1).pdf', 2)).toBe('report (2).pdf');
    expect(alternativeName('backup.tar.gz', 1)).toBe('backup (1).tar.gz');
    expect(alternativeName('.env', 1)).toBe('.env (1)');
    expect(alternativeName('Makefile', 3)).toBe('Makefile (3)');
    expect(alternativeName('docs/', 1)).toBe('docs (1)/');
    expect(alternativeName('v1.2 notes.txt', 1)).toBe('v1.2 notes (1).txt');
    expect(freeName('a.txt', ['b.txt'])).toBe('a.txt');
    expect(freeName('a.txt', ['a.txt', 'a (1).txt'])).toBe('a (2).txt');
    expect(freeName('a.txt', (c) => c !== 'a (3).txt')).toBe('a (3).txt');
  });
});

describe('encodings', () => {
  it('decodes S3 url-encoded listing keys, where "+" means a space', () => {
    // What S3 returns for the key 'a b+c%d/ü.txt' with encoding-type=url.
    expect(decodeListedKey('a+b%2Bc%25d/%C3%BC.txt')).toBe('a b+c%d/ü.txt');
    // Emulators that use encodeURIComponent decode the same way.
    const odd = 'x y+z%#?&=😀.txt';
    expect(decodeListedKey(encodeURIComponent(odd))).toBe(odd);
  });

  it('encodes copy sources per segment', () => {
    expect(copySource('bkt', 'u/id/a b+c%#?.txt')).toBe('bkt/u/id/a%20b%2Bc%25%23%3F.txt');
  });

  it('builds an attachment disposition with an ASCII fallback and the exact RFC 5987 name', () => {
    expect(attachmentDisposition('plain.txt')).toBe(`attachment; filename="plain.txt"; filename*=UTF-8''plain.txt`);
    const d = attachmentDisposition('Grüße "x" (1)%😀.txt');
    expect(d).toBe(`attachment; filename="Gr__e _x_ (1)__.txt"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%22x%22%20%281%29%25%F0%9F%98%80.txt`);
    const exact = /filename\*=UTF-8''(.*)$/.exec(d)?.[1] ?? '';
    expect(decodeURIComponent(exact)).toBe('Grüße "x" (1)%😀.txt');
  });
});
