// The request log tests count with: bounded, because the browser demo runs for days.

import { describe, expect, it } from 'vitest';
import { createEmulator, REQUEST_LOG_LIMIT } from '../../src/mocks/emulator.ts';

const URL_BASE = 'https://b1.s3.us-east-1.amazonaws.com/k';
const PREFLIGHT = { origin: 'http://localhost:5173', 'access-control-request-method': 'PUT' };

describe('request log', () => {
  it(`keeps the most recent ${REQUEST_LOG_LIMIT} requests, in the same array`, async () => {
    const emulator = createEmulator({ region: 'us-east-1', buckets: ['b1'], identityPoolId: 'us-east-1:11111111-2222-3333-4444-555555555555' });
    const log = emulator.requests;
    const total = REQUEST_LOG_LIMIT + 5;
    const statuses = new Set<number | undefined>();
    for (let i = 1; i <= total; i++) {
      // A CORS preflight: the cheapest request the emulation answers and logs.
      const res = await emulator.handle(new Request(`${URL_BASE}${i}`, { method: 'OPTIONS', headers: PREFLIGHT }));
      statuses.add(res?.status);
    }
    expect([...statuses]).toEqual([200]);
    expect(emulator.requests).toBe(log);
    expect(log.length).toBe(REQUEST_LOG_LIMIT);
    expect(log[0]).toMatchObject({ operation: 'PreflightRequest', url: `${URL_BASE}6`, status: 200 });
    expect(log.at(-1)).toMatchObject({ operation: 'PreflightRequest', url: `${URL_BASE}${total}`, status: 200 });
    await emulator.reset();
    expect(log.length).toBe(0);
  });
});
