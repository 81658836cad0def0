// The fault matrix (issue 6): a 64 MiB multipart upload per row, through the app's Storage (its
// credentials, pause wrapper and signed-fetch transport) and the widget's engine + signed-fetch
// transport with its own Cognito client, against the node emulation under the
// real guest IAM policy, with one kind of failure injected per row. Every row proves the same three
// things: the stored object is byte-identical to the source (SHA-256), retries are bounded and their
// delays come from the backoff function (the engine's sleep and random are recorded), and no
// multipart upload is left behind. The matrix is printed as a table at the end.

import { afterAll, describe, expect, it } from 'vitest';
import { fetchCognitoCredentials } from '../../src/lib/cognito-fetch.ts';
import { MiB, type AppConfig } from '../../src/lib/config.ts';
import { cognitoCredentials, type IdentityIdCache } from '../../src/lib/credentials.ts';
import { fetchTransport } from '../../src/lib/fetch-transport.ts';
import { Storage } from '../../src/lib/storage.ts';
import type { PartRef, UploadTransport } from '../../src/lib/transport.ts';
import { backoffDelay, sleep, uploadBlob, type RetryPolicy, type UploadProgress } from '../../src/lib/upload.ts';
import { patternBytes } from '../lib/fake-transport.ts';
import { DEFAULTS, useEmulation } from '../support/emulation.ts';
import { iamAuthorizer } from '../support/iam-authorizer.ts';
import { limit } from '../support/limits.ts';
import { probes, sha256 } from '../support/s3.ts';
import { rejection, waitFor } from '../support/wait.ts';

/** The emulated S3's clock runs this far ahead of ours (the RequestTimeTooSkewed row sets it). */
const serverClock = { offsetMs: 0 };
const env = useEmulation({ authorize: iamAuthorizer({ bucket: DEFAULTS.bucket }), now: () => Date.now() + serverClock.offsetMs });

const PART = 5 * MiB;
const SIZE = 64 * MiB + 12_345;
const PARTS = Math.ceil(SIZE / PART); // 13, the last one short
const PARALLEL = 4;

const config: AppConfig = {
  mode: 'aws',
  region: DEFAULTS.region,
  bucket: DEFAULTS.bucket,
  identityPoolId: DEFAULTS.identityPoolId,
  allowGuests: true,
  prefixes: { signedIn: 'users/{identityId}/', guest: 'uploads/{identityId}/' },
  endpoints: { forcePathStyle: false },
  upload: { partSize: PART, parallelParts: PARALLEL, maxFileSize: 128 * MiB },
};

// One deterministic source for every row: generated once, hashed once.
const SOURCE = new Blob([patternBytes(SIZE, 64)]);
let sourceSha: string | undefined;
async function sourceDigest(): Promise<string> {
  return (sourceSha ??= sha256(new Uint8Array(await SOURCE.arrayBuffer())));
}

const POLICY = { maxAttempts: 5, baseDelayMs: 40, maxDelayMs: 300 };
/** Long enough that no healthy 5 MiB part times out on a loaded CI machine (a limit, scaled like every other). */
const TIMEOUT_MS = limit(30_000);
/** The hung-part row: short, so the test waits seconds, not minutes; still a limit no healthy part reaches. */
const SHORT_TIMEOUT_MS = limit(4_000);

/** The engine's retry policy with its sleep and random recorded: every delay must be a backoff. */
function recordedPolicy(seed: number): { policy: Partial<RetryPolicy>; randoms: number[]; delays: number[] } {
  const randoms: number[] = [];
  const delays: number[] = [];
  // mulberry32: deterministic jitter, different per row.
  let s = seed >>> 0;
  const random = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    randoms.push(r);
    return r;
  };
  const policy: Partial<RetryPolicy> = {
    ...POLICY,
    random,
    sleep: (ms, signal) => {
      delays.push(ms);
      return sleep(ms, signal);
    },
  };
  return { policy, randoms, delays };
}

/** The delays one request's consecutive retries must have waited: attempt 1, 2, ... of the backoff. */
function expectedDelays(randoms: number[]): number[] {
  let i = 0;
  return randoms.map((r) => backoffDelay(++i, { ...POLICY, random: () => r }));
}

interface RunOptions {
  signal?: AbortSignal;
  /** Stops like the tab closing: requests end, the multipart upload stays on the server. */
  pauseSignal?: AbortSignal;
  resume?: { uploadId: string; partSize: number; parts?: PartRef[] };
  onProgress?: (p: UploadProgress) => void;
  onMultipartStarted?: (info: { uploadId: string; partSize: number }) => void;
}

interface Client {
  prefix: string;
  upload(path: string, body: Blob, opts?: RunOptions): Promise<unknown>;
  /** Parts the client saw finish (what a persisted resume record would hold). */
  finishedParts: PartRef[];
}

interface ClientOptions {
  policy: Partial<RetryPolicy>;
  timeoutMs: number;
  /** Shared across "page loads", like localStorage: the same guest identity comes back. */
  identityIdCache: IdentityIdCache;
}

function memoryCache(): IdentityIdCache {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}

/** The app: Storage, with its Cognito credentials (cognitoCredentials). */
async function appClient(o: ClientOptions): Promise<Client> {
  const creds = cognitoCredentials({ identityPoolId: config.identityPoolId, region: config.region, identityIdCache: o.identityIdCache });
  const storage = await Storage.open(config, creds, { signedIn: false, engine: { retry: o.policy, requestTimeoutMs: o.timeoutMs } });
  return {
    prefix: storage.prefix,
    finishedParts: [],
    upload: (path, body, opts = {}) => {
      const { resume, ...rest } = opts;
      return storage.upload(path, body, { ...rest, ...(resume ? { resume: { uploadId: resume.uploadId, partSize: resume.partSize } } : {}) });
    },
  };
}

/** The widget: the engine over signed fetch, with Cognito over fetch. */
async function widgetClient(o: ClientOptions): Promise<Client> {
  const credentials = fetchCognitoCredentials({ identityPoolId: config.identityPoolId, identityIdCache: o.identityIdCache });
  const { identityId } = await credentials.get();
  const inner = fetchTransport({ bucket: config.bucket, region: config.region, credentials });
  const client: Client = {
    prefix: `uploads/${identityId}/`,
    finishedParts: [],
    upload: (path, body, opts = {}) => {
      const { pauseSignal, signal, ...rest } = opts;
      const transport: UploadTransport = {
        ...inner,
        async uploadPart(r, ro) {
          const out = await inner.uploadPart(r, ro);
          client.finishedParts.push({ partNumber: r.partNumber, etag: out.etag });
          return out;
        },
        // A closed tab sends no AbortMultipartUpload; a cancel does.
        abortMultipartUpload: (r, ro) => (pauseSignal?.aborted && !signal?.aborted ? Promise.resolve() : inner.abortMultipartUpload(r, ro)),
      };
      const stop = pauseSignal ? (signal ? AbortSignal.any([signal, pauseSignal]) : pauseSignal) : signal;
      return uploadBlob(transport, {
        key: client.prefix + path,
        body,
        partSize: config.upload.partSize,
        parallelParts: config.upload.parallelParts,
        retry: o.policy,
        requestTimeoutMs: o.timeoutMs,
        ...rest,
        ...(stop ? { signal: stop } : {}),
      });
    },
  };
  return client;
}

const TRANSPORTS = [
  ['app (Storage)', appClient],
  ['widget (signed fetch)', widgetClient],
] as const;

interface Row {
  row: number;
  transport: string;
  fault: string;
  attempts: string;
  backoff: string;
  result: string;
  sha256: string;
  leftovers: number;
}
const matrix: Row[] = [];

afterAll(() => {
  if (!matrix.length) return;
  const cols: Array<keyof Row> = ['row', 'transport', 'fault', 'attempts', 'backoff', 'result', 'sha256', 'leftovers'];
  const width = cols.map((c) => Math.max(c.length, ...matrix.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i]!)).join(' | ')} |`;
  const out = [
    `Fault matrix: ${(SIZE / MiB).toFixed(2)} MiB in ${PARTS} parts of ${PART / MiB} MiB, ${PARALLEL} in parallel; retry ${JSON.stringify(POLICY)}`,
    line(cols),
    line(width.map((w) => '-'.repeat(w))),
    ...matrix.sort((a, b) => a.row - b.row || a.transport.localeCompare(b.transport)).map((r) => line(cols.map((c) => String(r[c])))),
  ];
  console.log(out.join('\n'));
});

const s3 = () => env.emulator.requests.filter((r) => r.service === 's3');
const { abortedWhileHeld, count, storedSha256: storedSha } = probes(env);
const leftovers = () => env.emulator.store.listUploads(env.bucket).length;

/** Asserts the object is the source, byte for byte, and nothing is left in progress; returns the table cells. */
async function verifyStored(key: string): Promise<{ sha256: string; leftovers: number }> {
  const sha = await storedSha(key);
  expect(sha).toBe(await sourceDigest());
  expect(env.emulator.store.head(env.bucket, key)?.size).toBe(SIZE);
  expect(leftovers()).toBe(0);
  return { sha256: sha === (await sourceDigest()) ? 'match' : 'MISMATCH', leftovers: leftovers() };
}

/** After a fatal error or a cancel: no object, no upload in progress. */
function verifyNothingLeft(key: string): void {
  expect(env.emulator.store.head(env.bucket, key)).toBeUndefined();
  expect(leftovers()).toBe(0);
}

function record(row: Omit<Row, 'transport'>, transport: string): void {
  matrix.push({ ...row, transport });
}

describe.each(TRANSPORTS)('fault matrix, %s', (transport, make) => {
  async function setup(seed: number, timeoutMs = TIMEOUT_MS) {
    const rec = recordedPolicy(seed);
    const cache = memoryCache();
    const client = await make({ policy: rec.policy, timeoutMs, identityIdCache: cache });
    env.emulator.requests.length = 0;
    return { ...rec, cache, client };
  }

  /** A transient failure on one part: that part is retried with backoff, the rest go once. */
  async function transientRow(row: number, label: string, fault: Parameters<typeof env.emulator.faults.add>[0]['fault'], part: number, times: number, timeoutMs?: number) {
    const { client, randoms, delays } = await setup(row * 101, timeoutMs);
    env.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: part }, times, fault });
    const key = `${client.prefix}row-${row}.bin`;
    await client.upload(`row-${row}.bin`, SOURCE);
    expect(count('UploadPart', part)).toBe(times + 1);
    expect(count('UploadPart')).toBe(PARTS + times);
    expect(count('CreateMultipartUpload')).toBe(1);
    expect(count('CompleteMultipartUpload')).toBe(1);
    expect(delays).toHaveLength(times);
    expect(delays).toEqual(expectedDelays(randoms));
    expect(new Set(delays).size).toBe(times); // jittered, not a fixed delay
    record(
      {
        row,
        fault: label,
        attempts: `part ${part}: ${times + 1}; UploadPart ${count('UploadPart')}`,
        backoff: delays.join('+') + ' ms',
        result: 'completed',
        ...(await verifyStored(key)),
      },
      transport,
    );
  }

  it('row 1: HTTP 500 InternalError on a part, twice: retried with backoff, completes', async () => {
    await transientRow(1, 'HTTP 500 InternalError x2', { status: 500, code: 'InternalError' }, 3, 2);
  });

  it('row 2: 503 SlowDown on a part, three times: retried with growing backoff, completes', async () => {
    await transientRow(2, '503 SlowDown x3', { status: 503, code: 'SlowDown' }, 5, 3);
  });

  it('row 3: a dropped connection: retried, completes', async () => {
    await transientRow(3, 'connection dropped', { drop: true }, 2, 1);
  });

  it('row 4: a part that never answers: timed out, retried, completes', async () => {
    // Held, and never released: it hangs like a `hang` fault, and the log shows how it ended.
    await transientRow(4, `part hangs (timeout ${SHORT_TIMEOUT_MS} ms)`, { hold: 'never' }, 4, 1, SHORT_TIMEOUT_MS);
    // The hung request was cancelled by the client (nothing else aborts in a completed upload: its
    // timeout), not left open, and its part was then sent again and stored.
    expect((await abortedWhileHeld('never')).map((r) => [r.operation, r.partNumber])).toEqual([['UploadPart', 4]]);
  });

  it('row 5: credentials expire mid-upload: renewed once, the upload continues', async () => {
    const { client, delays } = await setup(505);
    // The 5th part request finds every issued credential expired.
    env.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart' }, after: 4, fault: { expireCredentials: true } });
    const renewalsBefore = env.emulator.requests.filter((r) => r.operation === 'GetCredentialsForIdentity').length;
    const key = `${client.prefix}row-5.bin`;
    await client.upload('row-5.bin', SOURCE);
    const expired = s3().filter((r) => r.status === 400 || r.status === 403).length;
    const renewals = env.emulator.requests.filter((r) => r.operation === 'GetCredentialsForIdentity').length - renewalsBefore;
    expect(expired).toBeGreaterThanOrEqual(1);
    expect(expired).toBeLessThanOrEqual(PARALLEL);
    expect(renewals).toBe(1);
    // Each refused request is repeated once with the new keys by the transport, not by the engine.
    expect(count('UploadPart')).toBe(PARTS + expired);
    expect(delays).toEqual([]);
    record(
      {
        row: 5,
        fault: 'ExpiredToken mid-upload',
        attempts: `UploadPart ${count('UploadPart')} (${expired} expired); Cognito renewals ${renewals}`,
        backoff: 'none (renew + resend)',
        result: 'completed',
        ...(await verifyStored(key)),
      },
      transport,
    );
  });

  it('row 6: the device clock is 20 minutes slow: offset learned from RequestTimeTooSkewed, completes', async () => {
    const { client, delays, randoms } = await setup(606);
    serverClock.offsetMs = 20 * 60_000;
    try {
      const key = `${client.prefix}row-6.bin`;
      await client.upload('row-6.bin', SOURCE);
      const skewed = s3().filter((r) => r.status === 403).length;
      // Only the first request is refused: the client corrects its clock from that answer.
      expect(skewed).toBe(1);
      expect(count('CreateMultipartUpload')).toBe(2);
      expect(count('UploadPart')).toBe(PARTS);
      expect(delays).toEqual(expectedDelays(randoms));
      expect(delays).toHaveLength(1);
      record(
        {
          row: 6,
          fault: 'RequestTimeTooSkewed (clock -20 min)',
          attempts: `CreateMultipartUpload 2; UploadPart ${count('UploadPart')}`,
          backoff: delays.join('+') + ' ms',
          result: 'completed',
          ...(await verifyStored(key)),
        },
        transport,
      );
    } finally {
      serverClock.offsetMs = 0;
    }
  });

  it('row 7: 403 AccessDenied on a part: stops at once, reports, aborts the upload; a later retry stores it whole', async () => {
    const { client, delays } = await setup(707);
    env.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 3 }, times: Infinity, fault: { status: 403, code: 'AccessDenied' } });
    const key = `${client.prefix}row-7.bin`;
    const err = await rejection(client.upload('row-7.bin', SOURCE));
    expect(err.code).toBe('AccessDenied');
    expect(err.status).toBe(403);
    expect(err.message).toMatch(/Access denied/);
    // No retry loop: one attempt at the refused part, no backoff at all.
    expect(count('UploadPart', 3)).toBe(1);
    expect(delays).toEqual([]);
    expect(count('AbortMultipartUpload')).toBe(1);
    expect(count('CompleteMultipartUpload')).toBe(0);
    // Nothing partial: no object and no upload in progress.
    verifyNothingLeft(key);
    const attempts = `part 3: 1; UploadPart ${count('UploadPart')}`;
    env.emulator.faults.clear();
    await client.upload('row-7.bin', SOURCE);
    record(
      { row: 7, fault: '403 AccessDenied (fatal)', attempts, backoff: 'none', result: 'AccessDenied reported, aborted; retry ok', ...(await verifyStored(key)) },
      transport,
    );
  });

  it('row 8: a reload mid-upload: the next page load resumes and sends only the missing parts', async () => {
    const { client, cache, policy } = await setup(808);
    const key = `${client.prefix}row-8.bin`;
    const kept = 6;
    // Part requests after the 6th never answer, until the "tab closes".
    env.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart' }, after: kept, times: Infinity, fault: { hang: true } });
    const tab = new AbortController();
    let started: { uploadId: string; partSize: number } | undefined;
    const err = await rejection(
      client.upload('row-8.bin', SOURCE, {
        pauseSignal: tab.signal,
        onMultipartStarted: (info) => (started = info),
        onProgress: (p) => {
          if (p.loaded >= kept * PART) tab.abort();
        },
      }),
    );
    expect(err.code).toBe('Aborted');
    env.emulator.faults.clear();
    expect(started).toBeDefined();
    expect(count('AbortMultipartUpload')).toBe(0);
    // Which six parts made it depends on arrival order; the resume must send exactly the others.
    const keptParts = env.emulator.store.listParts(started!.uploadId);
    expect(keptParts).toHaveLength(kept);
    const missing = Array.from({ length: PARTS }, (_, i) => i + 1).filter((n) => !keptParts.some((p) => p.partNumber === n));
    const firstRun = count('UploadPart');

    // The reloaded page: a new client, the same guest identity (its id was cached), what was persisted.
    const reloaded = await make({ policy, timeoutMs: TIMEOUT_MS, identityIdCache: cache });
    expect(reloaded.prefix).toBe(client.prefix);
    env.emulator.requests.length = 0;
    const progress: number[] = [];
    await reloaded.upload('row-8.bin', SOURCE, {
      resume: { ...started!, ...(client.finishedParts.length ? { parts: client.finishedParts } : {}) },
      onProgress: (p) => progress.push(p.loaded),
    });
    expect(count('CreateMultipartUpload')).toBe(0);
    expect(count('ListParts')).toBe(1);
    expect(count('UploadPart')).toBe(PARTS - kept);
    expect(
      s3()
        .filter((r) => r.operation === 'UploadPart')
        .map((r) => r.partNumber)
        .sort((a, b) => a! - b!),
    ).toEqual(missing);
    // Progress starts from the bytes already on the server.
    expect(progress[0]).toBe(keptParts.reduce((n, p) => n + p.size, 0));
    expect(progress.at(-1)).toBe(SIZE);
    record(
      {
        row: 8,
        fault: 'reload mid-upload (resume)',
        attempts: `run 1: UploadPart ${firstRun}; run 2: ListParts 1, UploadPart ${count('UploadPart')}`,
        backoff: 'none',
        result: `completed; resumed ${PARTS - kept}/${PARTS} parts`,
        ...(await verifyStored(key)),
      },
      transport,
    );
  });

  it('row 9: a persistent 500 on a part: gives up after maxAttempts with backoff, aborts the upload', async () => {
    const { client, delays, randoms } = await setup(909);
    env.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart', partNumber: 2 }, times: Infinity, fault: { status: 500, code: 'InternalError' } });
    const key = `${client.prefix}row-9.bin`;
    const err = await rejection(client.upload('row-9.bin', SOURCE));
    expect(err.code).toBe('InternalError');
    expect(count('UploadPart', 2)).toBe(POLICY.maxAttempts);
    expect(delays).toHaveLength(POLICY.maxAttempts - 1);
    expect(delays).toEqual(expectedDelays(randoms));
    expect(count('AbortMultipartUpload')).toBe(1);
    verifyNothingLeft(key);
    const attempts = `part 2: ${count('UploadPart', 2)}; UploadPart ${count('UploadPart')}`;
    env.emulator.faults.clear();
    await client.upload('row-9.bin', SOURCE);
    record(
      { row: 9, fault: 'HTTP 500 persistent', attempts, backoff: delays.join('+') + ' ms', result: 'InternalError after 5 attempts, aborted; retry ok', ...(await verifyStored(key)) },
      transport,
    );
  });

  it('row 10: a cancel mid-upload: the multipart upload is aborted, nothing is stored', async () => {
    const { client, delays } = await setup(1010);
    const key = `${client.prefix}row-10.bin`;
    const cancel = new AbortController();
    // After the first three, parts are held (never released): the cancel comes once three parts are
    // stored and at least one more is in flight.
    env.emulator.faults.add({ match: { service: 's3', operation: 'UploadPart' }, after: 3, times: Infinity, fault: { hold: 'in flight' } });
    let started: { uploadId: string } | undefined;
    const run = client.upload('row-10.bin', SOURCE, { signal: cancel.signal, onMultipartStarted: (info) => (started = info) });
    await waitFor(() => started && env.emulator.store.listParts(started.uploadId).length === 3 && env.emulator.faults.held('in flight') >= 1, 'three parts stored and a fourth in flight');
    cancel.abort();
    const err = await rejection(run);
    expect(err.code).toBe('Aborted');
    expect(count('AbortMultipartUpload')).toBe(1);
    expect(count('CompleteMultipartUpload')).toBe(0);
    expect(delays).toEqual([]);
    // Three parts answered; every later one was ended unanswered by the cancel, none sent after it.
    const cancelled = await abortedWhileHeld('in flight');
    expect(cancelled.length).toBeGreaterThanOrEqual(1);
    expect(s3().filter((r) => r.operation === 'UploadPart').map((r) => r.status)).toEqual([200, 200, 200, ...cancelled.map(() => 0)]);
    verifyNothingLeft(key);
    const attempts = `UploadPart ${count('UploadPart')} (3 done, rest cancelled)`;
    env.emulator.faults.clear();
    await client.upload('row-10.bin', SOURCE);
    record({ row: 10, fault: 'cancel mid-upload', attempts, backoff: 'none', result: 'Aborted, upload aborted; retry ok', ...(await verifyStored(key)) }, transport);
  });
});
