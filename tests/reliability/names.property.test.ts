// Property tests (issue 6) with fast-check: generated names, odd in every way a user can make them
// (unicode with combining marks and RTL, emoji, spaces, + % # ? & = ;, "..", leading and trailing
// slashes, control characters, broken surrogates, right at the 1024-byte key limit), either round-trip
// exactly or are refused with InvalidKey naming the problem, and validity is decided exactly by the
// documented rules (keys.ts), checked against an independent oracle. Random trees list as a model
// of the folder view says they must.
//
// What CI (npm test) runs, against the node emulation with SigV4 verification and the shipped IAM
// policies (tests/support/iam-authorizer.ts) deciding every request:
// - 10,000 generated paths judged by keys.ts exactly as by the oracle, with shrinking;
// - 10,000 distinct generated names given to Storage: every invalid one is refused before any
//   request; every valid one (4,656 with the default seed, 370 of them within 8 bytes of the
//   limit) is uploaded, listed (in the whole tree, and in its folder: every folder holding a name
//   is listed), downloaded through a presigned URL (the bytes, and the name in Content-Disposition's
//   filename*), renamed once from one odd name onto another (as source and as destination, see the
//   rename step) and deleted (DeleteObject in its move, DeleteObjects at the end);
// - 200 generated names judged alike by the authorizer's fast path and iam-simulate's full simulation;
// - 40 random trees, listed folder by folder and in small pages, against the folder model.
// Measured on the shared 2-core dev machine: the file takes 36-40 s, the round trip about 32 s
// (upload 6.2 s, list 3.6 s, download 4.8 s, rename 15.7 s, deleteMany 0.9 s); the test prints
// wall and CPU time per phase. With SESSIONBOX_IAM_FULL_SIMULATION=1 (every decision through the
// full simulation) the round trip took 114 s.
//
// Nightly: raise SESSIONBOX_PROPERTY_RUNS (30,000 measured at 100 s for the file) and
// SESSIONBOX_PROPERTY_TREES; SESSIONBOX_PROPERTY_SEED picks another sample (the default keeps CI
// reproducible); SESSIONBOX_IAM_FULL_SIMULATION=1 as above.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/lib/config.ts';
import { cognitoCredentials } from '../../src/lib/credentials.ts';
import { StorageError } from '../../src/lib/errors.ts';
import { checkPath, nameOf, parentOf } from '../../src/lib/keys.ts';
import { Storage, type Entry } from '../../src/lib/storage.ts';
import { DEFAULTS, TEST_PROVIDER, fakeIdToken, useEmulation, testConfig } from '../support/emulation.ts';
import { iamAuthorizer } from '../support/iam-authorizer.ts';
import { limit } from '../support/limits.ts';
import type { AuthorizationRequest } from '../../src/mocks/authorize.ts';

const env = useEmulation({ authorize: iamAuthorizer({ bucket: DEFAULTS.bucket }) });

const int = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${process.env[name]}`);
  return v;
};
const RUNS = int('SESSIONBOX_PROPERTY_RUNS', 10_000);
const SEED = int('SESSIONBOX_PROPERTY_SEED', 20_260_606);
const TREES = int('SESSIONBOX_PROPERTY_TREES', 40);
/** Requests in flight. All of it runs on this one thread; measured, 2 left it idle part of the time, 4 to 16 made no difference. */
const CONCURRENCY = 8;

const config: AppConfig = testConfig();

async function open(): Promise<Storage> {
  const creds = cognitoCredentials({ identityPoolId: config.identityPoolId, region: config.region, logins: { [TEST_PROVIDER]: fakeIdToken({ sub: `user-${crypto.randomUUID()}` }) } });
  return Storage.open(config, creds, { signedIn: true, engine: { retry: { baseDelayMs: 1, maxDelayMs: 5 }, requestTimeoutMs: limit(20_000) } });
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
      // Odd characters up front: long names as varied as short ones, and distinct in large samples.
      lead: fc.array(fc.constantFrom(...ODD), { maxLength: 3 }).map((p) => p.join('')),
      delta: fc.integer({ min: -8, max: 8 }),
      dirs: fc.integer({ min: 0, max: 3 }),
    })
    .map(({ fill, lead, delta, dirs }) => {
      const head = 'long/'.repeat(dirs) + lead;
      const target = room + delta - utf8Bytes(head);
      // As many whole fills as fit (each is whole characters, so bytes add up), topped up with 'x'.
      const body = fill.repeat(Math.floor(target / utf8Bytes(fill)));
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

/** Every page of a folder (or, with `tree`, of everything below it). */
async function listAll(storage: Storage, folder: string, maxKeys?: number, tree = false): Promise<Entry[]> {
  const all: Entry[] = [];
  let token: string | undefined;
  do {
    const opts = { ...(token ? { token } : {}), ...(maxKeys ? { maxKeys } : {}) };
    const page = await (tree ? storage.listTree(folder, opts) : storage.list(folder, opts));
    all.push(...page.entries);
    token = page.nextToken;
  } while (token);
  return all;
}

/** Wall and CPU time (this process, all threads) of consecutive phases: the machine is shared, CPU time says what the work costs. */
function stopwatch() {
  let wall = performance.now();
  let cpu = process.cpuUsage();
  const laps: string[] = [];
  return {
    laps,
    lap(name: string) {
      const used = process.cpuUsage(cpu);
      laps.push(`${name} ${Math.round(performance.now() - wall)} ms (${Math.round((used.user + used.system) / 1000)} ms)`);
      wall = performance.now();
      cpu = process.cpuUsage();
    },
  };
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

  // A limit, not a speed claim: 10,000 names took 137 s alone on a loaded 2-core machine, and over
  // 260 s beside the fault matrix.
  it(`${RUNS} names: each valid one uploaded, listed, downloaded, renamed and deleted exactly; the others refused before any request`, { timeout: limit(120_000 + RUNS * 40) }, async () => {
    const clock = stopwatch();
    const storage = await open();
    const prefixBytes = utf8Bytes(storage.prefix);
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
    clock.lap('generate and validate');

    // Per name, mismatches are collected and asserted once per phase: all of them are reported, and
    // tens of thousands of expect() calls would cost seconds.
    const problems: string[] = [];
    const check = (ok: boolean, path: string, what: () => string) => {
      if (!ok) problems.push(`${JSON.stringify(path)}: ${what()}`);
    };
    const phaseDone = (name: string) => {
      expect(problems.length ? [`${problems.length} failed in ${name}, the first:`, ...problems.slice(0, 20)] : []).toEqual([]);
      clock.lap(name);
    };

    const etags = new Map<string, string>();
    await pool(valid, CONCURRENCY, async (path) => {
      const res = await storage.upload(path, new Blob([body(path)]));
      check(res.path === path, path, () => `upload answered the path ${JSON.stringify(res.path)}`);
      etags.set(path, res.etag);
    });
    phaseDone('upload');

    // Listing: the whole tree page by page holds exactly the valid names, and every folder that
    // holds one lists, as the folder view, exactly its files and its direct subfolders.
    expect((await listAll(storage, '', undefined, true)).map((e) => `${e.kind} ${e.path} ${e.size}`).sort()).toEqual(valid.map((p) => `file ${p} ${body(p).length}`).sort());
    const files = new Map<string, string[]>();
    const subfolders = new Map<string, Set<string>>();
    for (const path of valid) {
      const folder = parentOf(path);
      files.set(folder, [...(files.get(folder) ?? []), path]);
      for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
        const sub = path.slice(0, i + 1);
        const parent = parentOf(sub);
        subfolders.set(parent, (subfolders.get(parent) ?? new Set()).add(sub));
      }
    }
    await pool([...files], CONCURRENCY, async ([folder, paths]) => {
      const listed = await listAll(storage, folder);
      // Sorted: a listing of more than one page is folders-then-files page by page (the random trees check the order).
      const want = [...[...(subfolders.get(folder) ?? [])].map((f) => `folder ${f} ${nameOf(f)}`), ...paths.map((p) => `file ${p} ${nameOf(p)} ${body(p).length}`)].sort();
      const got = listed.map((e) => (e.kind === 'folder' ? `folder ${e.path} ${e.name}` : `file ${e.path} ${e.name} ${e.size}`)).sort();
      check(JSON.stringify(got) === JSON.stringify(want), folder, () => `the folder lists ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    });
    phaseDone(`list (tree and ${files.size} folders)`);

    // Download: the presigned URL answers the bytes, and names the file exactly in Content-Disposition's filename*.
    await pool(valid, CONCURRENCY, async (path) => {
      const res = await fetch(await storage.downloadUrl(path));
      const got = new Uint8Array(await res.arrayBuffer());
      const want = body(path);
      check(res.status === 200 && Buffer.from(got).equals(want), path, () => `download answered ${res.status} with ${JSON.stringify(new TextDecoder().decode(got))}`);
      const disposition = res.headers.get('content-disposition') ?? '';
      const exact = /filename\*=UTF-8''([^;]+)/.exec(disposition)?.[1];
      check(exact !== undefined && decodeURIComponent(exact) === nameOf(path), path, () => `Content-Disposition ${JSON.stringify(disposition)} does not name ${JSON.stringify(nameOf(path))}`);
    });
    phaseDone('download');

    // Rename: the names are split into one run per worker, and in each run every name is moved onto
    // the one before it, just vacated (the first out of the way, and back onto the last at the
    // end). So every odd name is once the source (x-amz-copy-source, then DeleteObject) and once
    // the destination (request path, If-None-Match: *), and ends up holding its neighbour's bytes.
    const owner = new Map<string, string>();
    const runs = Array.from({ length: CONCURRENCY }, (_, w) => valid.slice(Math.floor((w * valid.length) / CONCURRENCY), Math.floor(((w + 1) * valid.length) / CONCURRENCY))).filter((r) => r.length);
    const stored = (path: string) => env.emulator.store.head(env.bucket, storage.prefix + path);
    await Promise.all(
      runs.map(async (run, w) => {
        const aside = `renamed/${w}`;
        expect(etags.has(aside)).toBe(false);
        const moves: [string, string][] = [[run[0]!, aside], ...run.slice(1).map((p, i): [string, string] => [p, run[i]!]), [aside, run.at(-1)!]];
        const source = new Map<string, string>();
        for (const [from, to] of moves) {
          await storage.move(from, to);
          const original = source.get(from) ?? from;
          check(stored(from) === undefined, from, () => 'is still there after the move');
          check(stored(to)?.etag === etags.get(original), from, () => `moved to ${JSON.stringify(to)} holds ETag ${stored(to)?.etag}, not that of ${JSON.stringify(original)}`);
          if (to === aside) source.set(aside, original);
          else owner.set(to, original);
        }
      }),
    );
    expect(owner.size).toBe(valid.length);
    // Through S3 again: exactly the valid names, each with the size and ETag (MD5) of the file moved onto it.
    const tree = await listAll(storage, '', undefined, true);
    expect(tree.map((e) => e.path).sort(byUtf8)).toEqual([...valid].sort(byUtf8));
    for (const e of tree) {
      const original = owner.get(e.path)!;
      check(e.size === body(original).length && e.etag === etags.get(original), e.path, () => `lists with size ${e.size} and ETag ${e.etag}, not those of ${JSON.stringify(original)}`);
    }
    phaseDone('rename');

    await storage.deleteMany(valid);
    expect(await storage.listTree('')).toEqual({ entries: [] });
    expect(env.emulator.store.keys(env.bucket).length).toBe(0);
    phaseDone('deleteMany');

    console.log(
      [
        `names: seed ${SEED}, ${RUNS} names, ${valid.length} valid (${atLimit} within 8 bytes of the 1024-byte limit), ${RUNS - valid.length} refused`,
        `  refusals by rule broken: ${[...stats].filter(([k]) => k !== 'valid').map(([k, v]) => `${k} ${v}`).join(', ')}`,
        `  wall (cpu) per phase: ${clock.laps.join(', ')}`,
      ].join('\n'),
    );
  });
});

describe('names under the real policies (property)', () => {
  // The emulation above judges every request with iamAuthorizer, which runs iam-simulate's full,
  // validating simulation only for the first request of each shape and its core evaluation for the
  // rest (tests/support/iam-authorizer.ts says why). Both must judge the odd names alike: allowed
  // in one's own prefix, refused in another identity's, explicitly refused over plain HTTP.
  const IAM_NAMES = 200;
  it(`the fast path judges ${IAM_NAMES} generated names (any, valid or not) exactly as the full simulation`, async () => {
    const fast = iamAuthorizer({ bucket: DEFAULTS.bucket });
    const full = iamAuthorizer({ bucket: DEFAULTS.bucket, fullSimulation: true });
    const me = 'us-east-1:0a0a0a0a-1111-4111-8111-0a0a0a0a0a0a';
    const other = 'us-east-1:0b0b0b0b-2222-4222-8222-0b0b0b0b0b0b';
    const actions = ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'];
    const requests = fc.sample(pathArbitrary(53), { numRuns: IAM_NAMES, seed: SEED + 3 }).flatMap((path, i): AuthorizationRequest[] => {
      const authenticated = i % 4 !== 0;
      const key = `${authenticated ? 'users' : 'uploads'}/${i % 2 ? me : other}/${path}`;
      const base = { bucket: DEFAULTS.bucket, identityId: me, authenticated, tokenIssueTime: Date.now(), secureTransport: i % 7 !== 0 };
      return [
        { ...base, action: actions[i % 3]!, key },
        { ...base, action: 's3:ListBucket', listPrefix: key.slice(0, key.lastIndexOf('/') + 1) },
      ];
    });
    const seen = new Set<string>();
    const differ: string[] = [];
    for (const req of requests) {
      const [a, b] = [await fast.decide(req), await full.decide(req)];
      seen.add(b.decision);
      if (a.decision !== b.decision || a.resource !== b.resource) differ.push(`${req.action} ${JSON.stringify(req.key ?? req.listPrefix)}: fast ${a.decision}, full ${b.decision}`);
    }
    expect(differ).toEqual([]);
    expect([...seen].sort()).toEqual(['Allowed', 'ExplicitlyDenied', 'ImplicitlyDenied']);
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
  it(`${TREES} random trees list exactly as the folder model`, { timeout: limit(300_000) }, async () => {
    const storage = await open();
    const path = fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 4 });
    const tree = fc.uniqueArray(fc.record({ segments: path, folder: fc.boolean() }).map(({ segments, folder }) => segments.join('/') + (folder ? '/' : '')), { minLength: 1, maxLength: 30 });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(tree, fc.integer({ min: 1, max: 4 }), async (paths, pageSize) => {
        const base = `tree-${run++}/`;
        const keys = new Set(paths.map((p) => base + p));
        await pool([...keys], CONCURRENCY, async (p) => {
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
