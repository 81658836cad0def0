// How long the suite lets anything take before it gives up. Imported by the Vitest config too, so it
// imports nothing.

/**
 * Every limit in the suite is multiplied by this: `SESSIONBOX_TEST_SLOWDOWN=4 npm test` on a machine
 * that is busy with other work. The defaults already allow a loaded 2-core machine.
 */
export const SLOWDOWN = Math.max(1, Number(process.env.SESSIONBOX_TEST_SLOWDOWN) || 1);

/** A limit (ms) scaled for this machine. */
export function limit(ms: number): number {
  return Math.round(ms * SLOWDOWN);
}
