// What the emulation saw and stored, read the way the node tests assert on it: the request log, the
// stored bytes, and the "100 Continue" answers node's http client received.

import { createHash } from 'node:crypto';
import { ClientRequest } from 'node:http';
import { expect, vi } from 'vitest';
import type { RequestLogEntry } from '../../src/mocks/emulator.ts';
import type { Emulation } from './emulation.ts';
import { waitFor } from './wait.ts';

/** The SHA-256 of some bytes, in hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Shortcuts over one emulation's request log and store. */
export function probes(env: Emulation) {
  const s3 = () => env.emulator.requests.filter((r) => r.service === 's3');
  return {
    /** How many requests of this operation (and part, if given) the emulation has logged. */
    count: (operation: string, partNumber?: number): number =>
      env.emulator.requests.filter((r) => r.operation === operation && (partNumber === undefined || r.partNumber === partNumber)).length,
    /** The S3 requests logged so far with their answers, e.g. 'PutObject 200' (0: dropped, hung or aborted). */
    s3Calls: (): string[] => s3().map((r) => `${r.operation} ${r.status}`),
    /** The bytes stored under `key`, or undefined. */
    storedBytes: async (key: string, bucket = env.bucket): Promise<Buffer | undefined> => {
      const blob = await env.emulator.store.read(bucket, key);
      return blob && Buffer.from(await blob.arrayBuffer());
    },
    /**
     * For requests a `hold` fault named `name` keeps and the test never releases: waits until none is
     * held any more, which only the client's abort can bring about, and asserts that every request
     * the log shows as held went unanswered (status 0). Returns those log entries, in arrival order.
     */
    abortedWhileHeld: async (name: string): Promise<RequestLogEntry[]> => {
      await waitFor(() => env.emulator.faults.held(name) === 0, `the requests held as "${name}" to be aborted by the client`);
      const held = env.emulator.requests.filter((r) => r.fault === 'hold');
      expect(held.map((r) => `${r.operation} ${r.status}`)).toEqual(held.map((r) => `${r.operation} 0`));
      return held;
    },
    /** The SHA-256 of the bytes stored under `key`, or undefined. */
    storedSha256: async (key: string, bucket = env.bucket): Promise<string | undefined> => {
      const blob = await env.emulator.store.read(bucket, key);
      return blob && sha256(new Uint8Array(await blob.arrayBuffer()));
    },
  };
}

/**
 * Records every "100 Continue" node's http client receives (the path of its request), until
 * `restore()`. A request sent with Expect: 100-continue holds its body back until then.
 */
export function recordContinues(): { paths: string[]; restore(): void } {
  const paths: string[] = [];
  const emit = ClientRequest.prototype.emit;
  const spy = vi.spyOn(ClientRequest.prototype, 'emit').mockImplementation(function (this: ClientRequest, event: string | symbol, ...args: unknown[]) {
    if (event === 'continue') paths.push(this.path);
    return emit.call(this, event, ...args);
  });
  return { paths, restore: () => spy.mockRestore() };
}
