// The offline demo: the emulation runs in the page behind MSW's service worker, with objects kept in
// IndexedDB so a visitor's files survive a reload.

import { setupWorker, type SetupWorker } from 'msw/browser';
import type { AppConfig } from '../lib/config.ts';
import { createEmulator, type Emulator } from './emulator.ts';
import { IndexedDbStore } from './store-idb.ts';

export interface DemoEmulation {
  emulator: Emulator;
  worker: SetupWorker;
  stop(): void;
}

export async function startDemoEmulation(config: AppConfig): Promise<DemoEmulation> {
  const store = new IndexedDbStore('sessionbox-demo');
  try {
    await store.ready();
  } catch (cause) {
    throw new Error(
      `The demo keeps its files in this browser's IndexedDB, which refused to open (${cause instanceof Error ? cause.message : String(cause)}). Allow site data for this page, or leave private browsing, and reload.`,
      { cause },
    );
  }
  const emulator = createEmulator({
    region: config.region,
    buckets: [config.bucket],
    identityPoolId: config.identityPoolId,
    allowGuests: config.allowGuests,
    store,
    endpoints: {
      ...(config.endpoints.s3 ? { s3: config.endpoints.s3 } : {}),
      ...(config.endpoints.cognitoIdentity ? { cognitoIdentity: config.endpoints.cognitoIdentity } : {}),
    },
  });
  const worker = setupWorker(...emulator.handlers);
  await worker.start({
    serviceWorker: { url: `${import.meta.env.BASE_URL}mockServiceWorker.js` },
    quiet: true,
    onUnhandledRequest: 'bypass',
  });
  return { emulator, worker, stop: () => worker.stop() };
}
