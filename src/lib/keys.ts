// Paths and S3 keys. The UI works with paths relative to the identity's prefix ('' is the root,
// folders end with '/'); S3 sees prefix + path. Validation happens here, before any request, so a
// bad name fails with a message that says what to change instead of an opaque S3 or IAM error.

import { StorageError } from './errors.ts';

/** S3 limits a key to 1024 bytes of UTF-8, prefix included. */
export const MAX_KEY_BYTES = 1024;

const encoder = new TextEncoder();

export function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

function invalid(message: string): StorageError {
  return new StorageError('InvalidKey', message);
}

function show(path: string): string {
  return JSON.stringify(path);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// A lone surrogate has no UTF-8 form: TextEncoder would turn it into U+FFFD and the name would
// not round-trip.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export type PathKind = 'file' | 'folder';

/**
 * Checks a relative path and throws StorageError('InvalidKey') naming the problem and the fix.
 * `kind: 'folder'` accepts '' (the root) and requires a trailing '/'; `kind: 'file'` forbids it.
 * `prefix` only counts towards the 1024-byte limit.
 */
export function checkPath(path: string, kind: PathKind, prefix = ''): string {
  if (typeof path !== 'string') throw invalid(`A path must be a string, got ${typeof path}.`);
  if (kind === 'file') {
    if (path === '') throw invalid('The file name is empty. Give the file a name.');
    if (path.endsWith('/')) {
      throw invalid(`${show(path)} ends with "/", which makes it a folder, not a file. Remove the trailing "/" or add a file name after it.`);
    }
  } else if (path !== '' && !path.endsWith('/')) {
    throw invalid(`${show(path)} is not a folder path: folder paths end with "/". Use ${show(path + '/')}.`);
  }
  const m = CONTROL.exec(path);
  if (m) {
    const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw invalid(`${show(path)} contains the control character U+${code}, which S3 listings cannot return intact. Remove it from the name.`);
  }
  if (LONE_SURROGATE.test(path)) {
    throw invalid(`${show(path)} contains a broken Unicode character (an unpaired surrogate) that has no UTF-8 form. Retype the name.`);
  }
  if (path.startsWith('/')) {
    throw invalid(`${show(path)} starts with "/". Paths are relative to your folder; remove the leading "/".`);
  }
  const segments = (kind === 'folder' ? path.slice(0, -1) : path).split('/');
  if (path !== '') {
    for (const seg of segments) {
      if (seg === '') throw invalid(`${show(path)} has an empty folder name ("//"). Remove the extra "/".`);
      if (seg === '.' || seg === '..') {
        throw invalid(`${show(path)} contains a "${seg}" segment. Relative segments are not allowed in names: name the folder directly, without "." or "..".`);
      }
    }
  }
  const bytes = utf8Length(prefix) + utf8Length(path);
  if (bytes > MAX_KEY_BYTES) {
    const room = MAX_KEY_BYTES - utf8Length(prefix);
    throw invalid(`${show(path.length > 80 ? path.slice(0, 77) + '...' : path)} is too long: S3 keys are at most ${MAX_KEY_BYTES} bytes of UTF-8 and with your folder prefix this one is ${bytes}. Shorten the name or the folders to at most ${room} bytes.`);
  }
  return path;
}

/** A single file or folder name: no '/', not '.' or '..', not empty. */
export function checkName(name: string): string {
  if (name === '') throw invalid('The name is empty. Type a name.');
  if (name.includes('/')) throw invalid(`${show(name)} contains "/". A name cannot contain "/"; to put it in a folder, open that folder first.`);
  checkPath(name, 'file');
  return name;
}

/** Normalises a folder argument: 'docs' and 'docs/' both mean the folder docs; '' is the root. */
export function asFolder(path: string): string {
  return path === '' || path.endsWith('/') ? path : path + '/';
}

/** prefix + path after validating the path (and the total length) for the given kind. */
export function toKey(prefix: string, path: string, kind: PathKind): string {
  return prefix + checkPath(path, kind, prefix);
}

/** The path of a key below `prefix`; throws if S3 returned a key outside it (never expected). */
export function fromKey(prefix: string, key: string): string {
  if (!key.startsWith(prefix)) throw new StorageError('UnexpectedKey', `S3 returned the key ${show(key)} outside your folder ${show(prefix)}. Report this to the operator.`);
  return key.slice(prefix.length);
}

/** Last segment: 'a/b/c.txt' -> 'c.txt', 'a/b/' -> 'b', '' -> ''. */
export function nameOf(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Containing folder: 'a/b/c.txt' -> 'a/b/', 'a/b/' -> 'a/', 'c.txt' -> '', '' -> ''. */
export function parentOf(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.slice(0, trimmed.lastIndexOf('/') + 1);
}

/** folder + name (a file) or folder + name + '/' (a folder); validates the name. */
export function joinPath(folder: string, name: string, kind: PathKind = 'file'): string {
  checkPath(asFolder(folder), 'folder');
  checkName(name);
  return asFolder(folder) + name + (kind === 'folder' ? '/' : '');
}

// Extensions that read as one: "backup (1).tar.gz", not "backup.tar (1).gz".
const DOUBLE_EXTENSIONS = /\.tar\.(gz|bz2|xz|zst|lz|lzma|br|z)$/i;

function splitExtension(name: string): [base: string, ext: string] {
  const dbl = DOUBLE_EXTENSIONS.exec(name);
  if (dbl && dbl.index > 0) return [name.slice(0, dbl.index), name.slice(dbl.index)];
  const dot = name.lastIndexOf('.');
  // A leading dot is a hidden file's name, not an extension: ".env" -> ".env (1)".
  if (dot <= 0) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

/**
 * The n-th alternative for a name, as file managers do: 'report.pdf' -> 'report (1).pdf',
 * 'report (1).pdf' with n=2 -> 'report (2).pdf', 'docs/' -> 'docs (1)/'.
 */
export function alternativeName(name: string, n: number): string {
  const folder = name.endsWith('/');
  const bare = folder ? name.slice(0, -1) : name;
  const [base, ext] = folder ? [bare, ''] : splitExtension(bare);
  const stem = base.replace(/ \(\d+\)$/, '');
  return `${stem} (${n})${ext}${folder ? '/' : ''}`;
}

/** The first of name, 'name (1)', 'name (2)', ... that `taken` does not contain. */
export function freeName(name: string, taken: Iterable<string> | ((candidate: string) => boolean)): string {
  const isTaken = typeof taken === 'function' ? taken : ((set) => (c: string) => set.has(c))(new Set(taken));
  if (!isTaken(name)) return name;
  for (let n = 1; ; n++) {
    const candidate = alternativeName(name, n);
    if (!isTaken(candidate)) return candidate;
  }
}

/**
 * Decodes a key from a ListObjectsV2 answer requested with encoding-type=url. S3 encodes like an
 * HTML form (a space becomes '+', a '+' becomes '%2B'), so '+' must be turned back first.
 */
export function decodeListedKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/** The x-amz-copy-source value: bucket/key, URL-encoded per segment ('/' kept). */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * Content-Disposition for a download: an ASCII fallback for old clients, and the exact name in
 * RFC 5987 form, which every current browser prefers.
 */
export function attachmentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/gu, '_') || 'download';
  const exact = encodeURIComponent(filename).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}
