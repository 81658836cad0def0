// Waiting and failing, shared by every test file. Tests wait on state and events; time only ever
// appears as a limit after which a test gives up, never as evidence that something happened.

import { expect } from 'vitest';
import { StorageError } from '../../src/lib/errors.ts';
import { limit } from './limits.ts';

export { limit, SLOWDOWN } from './limits.ts';

/**
 * Resolves with the first truthy value `probe` returns, checking every `every` ms; fails with `what`
 * once `timeout` has passed. For state the test cannot subscribe to (a store, a request log).
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  what: string,
  { timeout = limit(30_000), every = 10 }: { timeout?: number; every?: number } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`gave up after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** The StorageError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(p: Promise<unknown>): Promise<StorageError> {
  const err = await settleError(p);
  expect(err).toBeInstanceOf(StorageError);
  return err as StorageError;
}

/** What the AWS SDK (or any S3 client error with `$metadata`) rejected with: its code, status and message. */
export async function sdkFailure(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  const e = (await settleError(p)) as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
  return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
}

async function settleError(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject, but it resolved');
}
