// Property tests (issue 6) with fast-check: generated names, odd in every way a user can make them
// (unicode with combining marks and RTL, emoji, spaces, + % # ? & = ;, "..", leading and trailing
// slashes, control characters, broken surrogates, right at the 1024-byte key limit), either round-trip
// exactly or are refused with InvalidKey naming the problem, and validity is decided exactly by the
// documented rules (keys.ts), checked against an independent oracle. Random trees list as a model
// of the folder view says they must.
//
// Budget: every name is validated and every valid one is uploaded, listed (the whole tree, plus a
// spread of folder listings) and deleted against the node emulation; download and rename (there
// and back) run for a fixed subset, because each costs several more signed requests per name. For a nightly run raise SESSIONBOX_PROPERTY_RUNS
// (default 10000), SESSIONBOX_PROPERTY_FULL (default 300), SESSIONBOX_PROPERTY_FOLDERS (default 300,
// folders listed one by one) and SESSIONBOX_PROPERTY_TREES (default 40); SESSIONBOX_PROPERTY_SEED
// picks another sample (the default seed keeps CI reproducible).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/lib/config.ts';
import { cognitoCredentials } from '../../src/lib/credentials.ts';
import { StorageError } from '../../src/lib/errors.ts';
import { checkPath, nameOf, parentOf } from '../../src/lib/keys.ts';
import { Storage, type Entry } from '../../src/lib/storage.ts';
import { TEST_PROVIDER, fakeIdToken, useEmulation, testConfig } from '../support/emulation.ts';

const env = useEmulation();

const int = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${process.env[name]}`);
  return v;
};
const RUNS = int('SESSIONBOX_PROPERTY_RUNS', 10_000);
const FULL = Math.min(RUNS, int('SESSIONBOX_PROPERTY_FULL', 300));
/** Folders listed one by one (the root always); the whole tree is listed regardless. */
const LISTED_FOLDERS = int('SESSIONBOX_PROPERTY_FOLDERS', 300);
const SEED = int('SESSIONBOX_PROPERTY_SEED', 20_260_606);
const TREES = int('SESSIONBOX_PROPERTY_TREES', 40);

const config: AppConfig = testConfig();

async function open(): Promise<Storage> {
  const creds = cognitoCredentials({ identityPoolId: config.identityPoolId, region: config.region, logins: { [TEST_PROVIDER]: fakeIdToken({ sub: `user-${crypto.randomUUID()}` }) } });
  return Storage.open(config, creds, { signedIn: true, engine: { retry: { baseDelayMs: 1, maxDelayMs: 5 }, requestTimeoutMs: 20_000 } });
}

// ---------------------------------------------------------------------------------------------
// The oracle: the documented rules for a file path, written independently of keys.ts (code unit
// by code unit, no regular expressions), returning every rule the path breaks.

type Rule = 'empty' | 'trailingSlash' | 'leadingSlash' | 'control' | 'loneSurrogate' | 'emptySegment' | 'dotSegment' | 'tooLong';

/** UTF-8 bytes of a string as S3 counts them (a lone surrogate would be sent as U+FFFD, 3 bytes). */
function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function brokenRules(path: string, prefixBytes: number): Set<Rule> {
  const broken = new Set<Rule>();
  if (path.length === 0) broken.add('empty');
  if (path.endsWith('/')) broken.add('trailingSlash');
  if (path.startsWith('/')) broken.add('leadingSlash');
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 0x1f || c === 0x7f) broken.add('control');
    const high = c >= 0xd800 && c <= 0xdbff;
    const low = c >= 0xdc00 && c <= 0xdfff;
    if (high) {
      const next = i + 1 < path.length ? path.charCodeAt(i + 1) : -1;
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else broken.add('loneSurrogate');
    } else if (low) broken.add('loneSurrogate');
  }
  if (path.length > 0) {
    for (const segment of path.split('/')) {
      if (segment === '') broken.add('emptySegment');
      if (segment === '.' || segment === '..') broken.add('dotSegment');
    }
  }
  if (prefixBytes + utf8Bytes(path) > 1024) broken.add('tooLong');
  return broken;
}

/** What the error message must say for each rule: the cause, in words. */
const MESSAGE: Record<Rule, RegExp> = {
  empty: /file name is empty/,
  trailingSlash: /ends with "\/", which makes it a folder/,
  leadingSlash: /starts with "\/"/,
  control: /contains the control character U\+[0-9A-F]{4}/,
  loneSurrogate: /unpaired surrogate/,
  emptySegment: /empty folder name \("\/\/"\)/,
  dotSegment: /contains a "\.{1,2}" segment/,
  tooLong: /is too long: S3 keys are at most 1024 bytes/,
};

/** Asserts `err` is the InvalidKey refusal the oracle expects for `path`. */
function expectRefusal(err: unknown, path: string, broken: Set<Rule>, prefixBytes: number): void {
  expect(err).toBeInstanceOf(StorageError);
  const e = err as StorageError;
  expect(e.code).toBe('InvalidKey');
  const named = [...broken].filter((r) => MESSAGE[r].test(e.message));
  expect(named, `${JSON.stringify(path)}: "${e.message}" names none of ${[...broken].join(', ')}`).not.toHaveLength(0);
  if (named.includes('tooLong')) expect(e.message).toContain(`this one is ${prefixBytes + utf8Bytes(path)}`);
  else if (!named.includes('empty')) expect(e.message).toContain(JSON.stringify(path));
}

// ---------------------------------------------------------------------------------------------
// Generators

const ODD = [
  ' ', '  ', '+', '%', '%20', '%2F', '%%', '#', '?', '&', '=', ';', '&amp;', '.', '..', '...', '~', '*', "'", '"', '<', '>', '\\', '|', ':', '@', '!', '$', '(', ')', '[', ']', '{', '}', ',', '`', '^',
  // combining marks, composed vs decomposed (distinct keys: nothing may normalise them)
  'e\u0301', 'é', 'n\u0303', 'a\u0308\u0301', '\u0301', 'Å', 'A\u030a',
  // right to left, and the bidi controls that reorder what is shown
  'שלום', 'مرحبا', 'abc\u202edef', '\u202e', '\u200f', '\u200e', '\u2067x\u2069',
  // emoji: modifiers, ZWJ sequences, flags, variation selectors
  '👍🏽', '👨‍👩‍👧', '🇫🇷', '😀', '🏳️‍🌈', '❤️',
  // other traps: NBSP, zero width, BOM, line separator, wide and special-cased letters
  '\u00a0', '\u200b', '\ufeff', '\u2028', 'Ω', '中文', 'ß', 'İ', 'ﬁ', '\uffff', '\u{10ffff}',
];
const INVALID = ['\u0000', '\t', '\n', '\r', '\u001f', '\u007f', '\ud800', '\udfff', 'x\udbffy'];

function pathArbitrary(prefixBytes: number): fc.Arbitrary<string> {
  const piece = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...ODD) },
    { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9._-]{1,8}$/) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 5 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom(...INVALID) },
  );
  const segment = fc.oneof({ weight: 12, arbitrary: fc.array(piece, { minLength: 1, maxLength: 4 }).map((p) => p.join('')) }, { weight: 1, arbitrary: fc.constant('') });
  const ordinary = fc
    .record({
      lead: fc.integer({ min: 0, max: 15 }),
      segments: fc.array(segment, { minLength: 1, maxLength: 4 }),
      trail: fc.integer({ min: 0, max: 15 }),
    })
    .map(({ lead, segments, trail }) => (lead === 0 ? '/' : '') + segments.join('/') + (trail === 0 ? '/' : ''));
  // Names right at the limit: byte lengths from 8 under to 8 over what fits after the prefix,
  // filled with 1- to 4-byte characters.
  const room = 1024 - prefixBytes;
  const long = fc
    .record({
      fill: fc.constantFrom('a', 'é', '中', '😀', 'e\u0301', '+', '%'),
      delta: fc.integer({ min: -8, max: 8 }),
      dirs: fc.integer({ min: 0, max: 3 }),
    })
    .map(({ fill, delta, dirs }) => {
      const head = 'long/'.repeat(dirs);
      const target = room + delta - utf8Bytes(head);
      let body = '';
      while (utf8Bytes(body + fill) <= target) body += fill;
      return head + body + 'x'.repeat(target - utf8Bytes(body));
    });
  return fc.oneof({ weight: 12, arbitrary: ordinary }, { weight: 1, arbitrary: long });
}

// ---------------------------------------------------------------------------------------------

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

async function listAll(storage: Storage, folder: string, maxKeys?: number): Promise<Entry[]> {
  const all: Entry[] = [];
  let token: string | undefined;
  do {
    const page = await storage.list(folder, { ...(token ? { token } : {}), ...(maxKeys ? { maxKeys } : {}) });
    all.push(...page.entries);
    token = page.nextToken;
  } while (token);
  return all;
}

const byUtf8 = (x: string, y: string) => Buffer.compare(Buffer.from(x), Buffer.from(y));
const s3Requests = () => env.emulator.requests.filter((r) => r.service === 's3').length;
const body = (path: string) => new TextEncoder().encode(`body of ${path}`);

describe('names (property)', () => {
  it(`validity is exactly the documented rules (${RUNS} generated paths, with shrinking)`, async () => {
    const storage = await open();
    const prefixBytes = utf8Bytes(storage.prefix);
    expect(prefixBytes).toBe(53);
    fc.assert(
      fc.property(pathArbitrary(prefixBytes), (path) => {
        const broken = brokenRules(path, prefixBytes);
        let err: unknown;
        try {
          checkPath(path, 'file', storage.prefix);
        } catch (e) {
          err = e;
        }
        if (broken.size === 0) expect(err).toBeUndefined();
        else expectRefusal(err, path, broken, prefixBytes);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it(`${RUNS} names: uploaded, listed and deleted exactly, or refused before any request; ${FULL} also downloaded and renamed there and back`, { timeout: 600_000 }, async () => {
    const storage = await open();
    const prefixBytes = utf8Bytes(storage.prefix);
    const started = performance.now();
    const names = [...new Set(fc.sample(pathArbitrary(prefixBytes), { numRuns: Math.ceil(RUNS * 1.3), seed: SEED + 1 }))].slice(0, RUNS);
    expect(names).toHaveLength(RUNS);
    const valid: string[] = [];
    const stats = new Map<Rule | 'valid', number>();
    const bump = (k: Rule | 'valid') => stats.set(k, (stats.get(k) ?? 0) + 1);
    let atLimit = 0;

    // Validation through the API: invalid names fail before any request is made.
    const before = s3Requests();
    for (const path of names) {
      const broken = brokenRules(path, prefixBytes);
      if (broken.size === 0) {
        valid.push(path);
        bump('valid');
        if (prefixBytes + utf8Bytes(path) >= 1016) atLimit++;
        continue;
      }
      for (const r of broken) bump(r);
      const err = await storage.upload(path, new Blob(['x'])).then(
        () => undefined,
        (e: unknown) => e,
      );
      expectRefusal(err, path, broken, prefixBytes);
    }
    expect(s3Requests()).toBe(before);
    // The sample really covers both sides and the limit.
    expect(valid.length).toBeGreaterThan(RUNS * 0.4);
    expect(RUNS - valid.length).toBeGreaterThan(RUNS * 0.2);
    expect(atLimit).toBeGreaterThan(RUNS / 100);
    for (const r of Object.keys(MESSAGE) as Rule[]) expect(stats.get(r) ?? 0, r).toBeGreaterThan(0);
    const validated = performance.now();

    await pool(valid, 8, async (path) => {
      const res = await storage.upload(path, new Blob([body(path)]));
      expect(res.path).toBe(path);
    });
    const uploaded = performance.now();

    // Listing: the whole tree page by page holds exactly the valid names; folder listings (the
    // root and a spread of the folders holding names) show each name in its folder.
    const tree: Entry[] = [];
    for (let token: string | undefined, first = true; first || token; first = false) {
      const page = await storage.listTree('', token ? { token } : {});
      tree.push(...page.entries);
      token = page.nextToken;
    }
    expect(tree.map((e) => e.path).sort(byUtf8)).toEqual([...valid].sort(byUtf8));
    for (const e of tree) {
      expect(e.kind).toBe('file');
      expect(e.size).toBe(body(e.path).length);
    }
    const byFolder = new Map<string, string[]>();
    for (const path of valid) {
      const folder = parentOf(path);
      byFolder.set(folder, [...(byFolder.get(folder) ?? []), path]);
    }
    const folders = [...byFolder].filter(([folder], i) => folder === '' || i % Math.max(1, Math.floor(byFolder.size / LISTED_FOLDERS)) === 0);
    await pool(folders, 8, async ([folder, paths]) => {
      const files = new Map((await listAll(storage, folder)).filter((e) => e.kind === 'file').map((e) => [e.path, e]));
      expect(files.size).toBe(paths.length);
      for (const path of paths) {
        const entry = files.get(path);
        expect(entry, JSON.stringify(path)).toBeDefined();
        expect(entry!.name).toBe(nameOf(path));
        expect(entry!.size).toBe(body(path).length);
      }
    });
    const listed = performance.now();

    // Download and rename (away and back onto the odd name) for a subset spread over the sample.
    const full = valid.filter((_, i) => i % Math.max(1, Math.floor(valid.length / FULL)) === 0).slice(0, FULL);
    const taken = new Set(valid);
    await pool(full, 8, async (path, i) => {
      const url = await storage.downloadUrl(path);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(body(path));
      const exact = /filename\*=UTF-8''([^;]+)/.exec(res.headers.get('content-disposition') ?? '')?.[1];
      expect(exact && decodeURIComponent(exact)).toBe(nameOf(path));
      const away = `renamed/${i}`;
      expect(taken.has(away)).toBe(false);
      await storage.move(path, away);
      expect(env.emulator.store.head(env.bucket, storage.prefix + path)).toBeUndefined();
      await storage.move(away, path);
      expect(await env.emulator.store.read(env.bucket, storage.prefix + path).then((b) => b?.text())).toBe(`body of ${path}`);
      await storage.delete(path);
      expect(env.emulator.store.head(env.bucket, storage.prefix + path)).toBeUndefined();
    });
    const renamed = performance.now();

    const done = new Set(full);
    await storage.deleteMany(valid.filter((p) => !done.has(p)));
    expect(await storage.listTree('')).toEqual({ entries: [] });
    expect(env.emulator.store.keys(env.bucket).length).toBe(0);
    const deleted = performance.now();

    const ms = (a: number, b: number) => `${Math.round(b - a)} ms`;
    console.log(
      [
        `names: seed ${SEED}, ${RUNS} names, ${valid.length} valid (${atLimit} within 8 bytes of the 1024-byte limit), ${RUNS - valid.length} refused`,
        `  refusals by rule broken: ${[...stats].filter(([k]) => k !== 'valid').map(([k, v]) => `${k} ${v}`).join(', ')}`,
        `  validate ${ms(started, validated)}, upload ${ms(validated, uploaded)}, list tree + ${folders.length} folders ${ms(uploaded, listed)}, download+rename+delete ${full.length} ${ms(listed, renamed)}, deleteMany ${ms(renamed, deleted)}`,
      ].join('\n'),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Random trees: a set of files and folder placeholders lists, folder by folder, exactly as the model
// of the folder view says: direct subfolders (from deeper keys or placeholders) and direct files,
// folders first, each in UTF-8 byte order; the same with small pages.

const SEGMENTS = ['a', 'b', 'a b', 'a+b', 'é', 'e\u0301', '%2F', '😀', 'Z', '-', '.hidden', 'a.b', 'שלום', '~'];

function modelList(keys: Set<string>, folder: string): { folders: string[]; files: string[] } {
  const folders = new Set<string>();
  const files: string[] = [];
  for (const k of keys) {
    if (!k.startsWith(folder) || k === folder) continue;
    const rest = k.slice(folder.length);
    const slash = rest.indexOf('/');
    if (slash >= 0) folders.add(folder + rest.slice(0, slash + 1));
    else files.push(k);
  }
  return { folders: [...folders].sort(byUtf8), files: files.sort(byUtf8) };
}

describe('random trees (property)', () => {
  it(`${TREES} random trees list exactly as the folder model`, { timeout: 300_000 }, async () => {
    const storage = await open();
    const path = fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 4 });
    const tree = fc.uniqueArray(fc.record({ segments: path, folder: fc.boolean() }).map(({ segments, folder }) => segments.join('/') + (folder ? '/' : '')), { minLength: 1, maxLength: 30 });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(tree, fc.integer({ min: 1, max: 4 }), async (paths, pageSize) => {
        const base = `tree-${run++}/`;
        const keys = new Set(paths.map((p) => base + p));
        await pool([...keys], 8, async (p) => {
          if (p.endsWith('/')) await storage.createFolder(p);
          else await storage.upload(p, new Blob([]));
        });
        // Every folder the model knows, the base included.
        const folders = new Set([base]);
        for (const k of keys) for (let i = k.indexOf('/'); i >= 0; i = k.indexOf('/', i + 1)) folders.add(k.slice(0, i + 1));
        for (const folder of folders) {
          const want = modelList(keys, folder);
          const got = await listAll(storage, folder);
          expect(got.map((e) => `${e.kind} ${e.path}`)).toEqual([...want.folders.map((f) => `folder ${f}`), ...want.files.map((f) => `file ${f}`)]);
          for (const e of got) expect(e.name).toBe(nameOf(e.path));
          // Small pages: each page is folders then files, so compare as sets, then the union's order by kind.
          const paged = await listAll(storage, folder, pageSize);
          expect(paged.map((e) => `${e.kind} ${e.path}`).sort()).toEqual(got.map((e) => `${e.kind} ${e.path}`).sort());
          expect(paged).toHaveLength(got.length);
        }
        expect(await storage.deleteFolder(base)).toBe(keys.size);
      }),
      { numRuns: TREES, seed: SEED + 2 },
    );
  });
});
