// The offline demo's start-up: the AWS emulation in a service worker and the stand-in sign-in
// provider. Only development and `npm run build:demo` reach this module; production builds drop it.

import type { AppConfig } from '../lib/config';
import { StorageError } from '../lib/errors';

/** In the demo only: lets the browser tests reach the emulation and the stand-in provider. */
export interface DemoHooks {
  emulator: import('../mocks/emulator').Emulator;
  oidc: import('../mocks/oidc').DemoOidc;
  /** Moves the session's clock, so its ID token looks expired without waiting an hour. */
  clockSkewMs: number;
}

export async function startDemo(config: AppConfig, clock: { skewMs: number }): Promise<void> {
  if (!window.isSecureContext || !('serviceWorker' in navigator)) {
    throw new StorageError(
      'InsecureContext',
      `The offline demo runs in a service worker, which browsers only allow on https:// or http://localhost pages, and this page is ${location.origin}. Open it via http://localhost or http://127.0.0.1 instead.`,
    );
  }
  const [{ startDemoEmulation }, { createDemoOidc }] = await Promise.all([import('../mocks/browser'), import('../mocks/oidc')]);
  const demo = await startDemoEmulation(config);
  if (config.oidc) {
    const oidc = createDemoOidc({
      issuer: config.oidc.authority,
      signInPage: new URL('demo-sign-in.html', config.oidc.redirectUri).href,
      clientId: config.oidc.clientId,
    });
    demo.worker.use(...oidc.handlers);
    const hooks: DemoHooks = {
      emulator: demo.emulator,
      oidc,
      get clockSkewMs() {
        return clock.skewMs;
      },
      set clockSkewMs(ms: number) {
        clock.skewMs = ms;
      },
    };
    (window as unknown as { sessionboxDemo: DemoHooks }).sessionboxDemo = hooks;
  }
}
