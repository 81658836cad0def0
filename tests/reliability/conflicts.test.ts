// Conflicts (issue 6): two tabs of the same signed-in user write the same name at once. Without
// overwrite exactly one write wins, the other gets AlreadyExists (412, the app's conflict choice),
// the winner's bytes are intact and no multipart upload is left behind; a rename onto a taken name
// is refused the same way and loses nothing. Runs under the shipped IAM policies.

import { describe, expect, it } from 'vitest';
import { MiB, type AppConfig } from '../../src/lib/config.ts';
import { cognitoCredentials } from '../../src/lib/credentials.ts';
import { StorageError } from '../../src/lib/errors.ts';
import { freeName } from '../../src/lib/keys.ts';
import { Storage, type OpenOptions } from '../../src/lib/storage.ts';
import { patternBytes } from '../lib/fake-transport.ts';
import { DEFAULTS, TEST_PROVIDER, fakeIdToken, useEmulation, testConfig } from '../support/emulation.ts';
import { iamAuthorizer } from '../support/iam-authorizer.ts';
import { limit } from '../support/limits.ts';
import { probes, sha256 as sha } from '../support/s3.ts';
import { rejection, waitFor } from '../support/wait.ts';

const env = useEmulation({ authorize: iamAuthorizer({ bucket: DEFAULTS.bucket }) });

const config: AppConfig = testConfig({ parallelParts: 3 });

const OPEN: OpenOptions = { signedIn: true, engine: { retry: { baseDelayMs: 1, maxDelayMs: 5 }, requestTimeoutMs: limit(20_000) } };

/** Two tabs of one signed-in user: separate credentials and clients, the same identity and folder. */
async function twoTabs(): Promise<[Storage, Storage]> {
  const sub = `user-${crypto.randomUUID()}`;
  const tab = () =>
    Storage.open(config, cognitoCredentials({ identityPoolId: config.identityPoolId, region: config.region, logins: { [TEST_PROVIDER]: fakeIdToken({ sub }) } }), OPEN);
  const tabs = await Promise.all([tab(), tab()]);
  expect(tabs[0].prefix).toBe(tabs[1].prefix);
  return tabs;
}

const { count, storedSha256: storedSha } = probes(env);

/**
 * Runs both writes with the first request of each held by the emulation until both have arrived,
 * so neither finishes before the other has started.
 */
async function together(operations: string[], writes: () => [Promise<unknown>, Promise<unknown>]): Promise<PromiseSettledResult<unknown>[]> {
  const removes = operations.map((operation) => env.emulator.faults.add({ match: { service: 's3', operation }, times: 2, fault: { hold: 'both' } }));
  const pending = writes();
  await waitFor(() => env.emulator.faults.held('both') === 2, 'both writes to arrive');
  for (const remove of removes) remove();
  env.emulator.faults.release('both');
  return Promise.allSettled(pending);
}

/** Exactly one winner; the loser was refused with the conflict, not some other failure. Returns the winner's index. */
function oneWinner(results: PromiseSettledResult<unknown>[]): number {
  expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  const winner = results.findIndex((r) => r.status === 'fulfilled');
  const loser = (results[1 - winner] as PromiseRejectedResult).reason as StorageError;
  expect(loser).toBeInstanceOf(StorageError);
  expect(loser.code).toBe('AlreadyExists');
  expect(loser.status).toBe(412);
  expect(loser.message).toMatch(/already exists/i);
  return winner;
}

describe('two tabs upload the same name at once', () => {
  const cases = [
    ['single PutObject', 64 * 1024, 64 * 1024],
    ['multipart', 11 * MiB + 3, 12 * MiB + 7],
    ['single PutObject against multipart', 64 * 1024, 11 * MiB + 3],
  ] as const;

  it.each(cases)('%s: one wins, the other gets AlreadyExists (412), the winner is intact, nothing left over', async (_name, sizeA, sizeB) => {
    const [a, b] = await twoTabs();
    const bodies = [patternBytes(sizeA, 11), patternBytes(sizeB, 22)];
    const key = `${a.prefix}report.bin`;
    // Both writes in flight together: the first request of each (PutObject or CreateMultipartUpload)
    // is held until both have arrived.
    const results = await together(['PutObject', 'CreateMultipartUpload'], () => [a.upload('report.bin', new Blob([bodies[0]!])), b.upload('report.bin', new Blob([bodies[1]!]))]);
    const winner = oneWinner(results);
    expect(await storedSha(key)).toBe(sha(bodies[winner]!));
    expect(env.emulator.store.head(env.bucket, key)?.size).toBe(bodies[winner]!.length);
    // A losing multipart upload was aborted, not left to linger until the lifecycle rule.
    expect(env.emulator.store.listUploads(env.bucket)).toEqual([]);
    const loser = 1 - winner;
    expect(count('AbortMultipartUpload')).toBe(bodies[loser]!.length > config.upload.partSize ? 1 : 0);

    // The conflict choice "keep both" stores the loser's bytes under a free name; nothing is lost.
    const taken = new Set(((await a.list('')).entries).map((e) => e.name));
    const other = freeName('report.bin', taken);
    expect(other).toBe('report (1).bin');
    await [a, b][loser]!.upload(other, new Blob([bodies[loser]!]));
    expect(await storedSha(key)).toBe(sha(bodies[winner]!));
    expect(await storedSha(`${a.prefix}${other}`)).toBe(sha(bodies[loser]!));
    // "Replace" is the explicit choice: only then are the winner's bytes replaced.
    await [a, b][loser]!.upload('report.bin', new Blob([bodies[loser]!]), { overwrite: true });
    expect(await storedSha(key)).toBe(sha(bodies[loser]!));
    expect(env.emulator.store.listUploads(env.bucket)).toEqual([]);
  });

  it('stays exactly one winner over repeated races of small files', async () => {
    const [a, b] = await twoTabs();
    for (let round = 0; round < 8; round++) {
      const name = `race-${round}.txt`;
      const bodies = [`tab A round ${round}`, `tab B round ${round}`];
      const results = await Promise.allSettled([a.upload(name, new Blob([bodies[0]!])), b.upload(name, new Blob([bodies[1]!]))]);
      const winner = oneWinner(results);
      expect(await env.emulator.store.read(env.bucket, `${a.prefix}${name}`).then((x) => x?.text())).toBe(bodies[winner]);
    }
  });
});

describe('rename onto an existing name', () => {
  it('is refused with AlreadyExists (412) and both files stay as they were', async () => {
    const [a] = await twoTabs();
    await a.upload('a.txt', new Blob(['source']));
    await a.upload('b.txt', new Blob(['target']));
    const err = await rejection(a.move('a.txt', 'b.txt'));
    expect(err.code).toBe('AlreadyExists');
    expect(err.status).toBe(412);
    expect(err.message).toContain('"b.txt" already exists');
    expect(await env.emulator.store.read(env.bucket, `${a.prefix}a.txt`).then((x) => x?.text())).toBe('source');
    expect(await env.emulator.store.read(env.bucket, `${a.prefix}b.txt`).then((x) => x?.text())).toBe('target');
    // The explicit choice replaces.
    await a.move('a.txt', 'b.txt', { overwrite: true });
    expect(env.emulator.store.head(env.bucket, `${a.prefix}a.txt`)).toBeUndefined();
    expect(await env.emulator.store.read(env.bucket, `${a.prefix}b.txt`).then((x) => x?.text())).toBe('source');
  });

  it('a folder onto an existing folder is refused and nothing is merged or lost', async () => {
    const [a] = await twoTabs();
    await a.upload('src/one.txt', new Blob(['1']));
    await a.upload('src/two.txt', new Blob(['2']));
    await a.upload('dst/keep.txt', new Blob(['keep']));
    const err = await rejection(a.move('src/', 'dst/'));
    expect(err.code).toBe('AlreadyExists');
    expect(err.status).toBe(412);
    const keys = env.emulator.store.keys(env.bucket);
    const all = Array.from({ length: keys.length }, (_, i) => keys.at(i)!.slice(a.prefix.length));
    expect(all).toEqual(['dst/keep.txt', 'src/one.txt', 'src/two.txt']);
  });

  it('two tabs renaming different files onto the same name at once: one wins, the other file is untouched', async () => {
    const [a, b] = await twoTabs();
    await a.upload('x.txt', new Blob(['from x']));
    await a.upload('y.txt', new Blob(['from y']));
    // Both copies reach the emulation before either is answered.
    const results = await together(['CopyObject'], () => [a.move('x.txt', 'z.txt'), b.move('y.txt', 'z.txt')]);
    const winner = oneWinner(results);
    const read = (p: string) => env.emulator.store.read(env.bucket, `${a.prefix}${p}`).then((x) => x?.text());
    expect(await read('z.txt')).toBe(winner === 0 ? 'from x' : 'from y');
    // The loser's source was not deleted: a refused copy never reaches the delete.
    expect(await read(winner === 0 ? 'y.txt' : 'x.txt')).toBe(winner === 0 ? 'from y' : 'from x');
    expect(env.emulator.store.head(env.bucket, `${a.prefix}${winner === 0 ? 'x.txt' : 'y.txt'}`)).toBeUndefined();
  });
});
