// The emulation for node tests: MSW intercepts fetch and http.request in this process.

import { ClientRequest } from 'node:http';
import { setupServer, type SetupServer } from 'msw/node';
import type { Emulator } from './emulator.ts';

export interface NodeEmulation {
  emulator: Emulator;
  server: SetupServer;
  close(): void;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Starts intercepting requests for an existing emulator. */
export function interceptInNode(emulator: Emulator): NodeEmulation {
  const server = setupServer(...emulator.handlers);
  server.listen({
    onUnhandledRequest(request, print) {
      // Local servers (the HTTP emulation, previews) are real; anything else would leave the machine.
      if (LOOPBACK.has(new URL(request.url).hostname)) return;
      print.error();
    },
  });
  // Node's http client holds the body of an Expect: 100-continue request back until the server says
  // "continue"; MSW's mock socket never does, so the AWS SDK stalls 6 s per large upload. Say it at once
  // (harmless for requests MSW passes through: servers accept a body sent early).
  server.events.on('request:start', ({ request }) => {
    if (request.headers.get('expect')?.toLowerCase() !== '100-continue') return;
    const raw = rawRequestOf(request);
    if (raw instanceof ClientRequest) raw.emit('continue');
  });
  return { emulator, server, close: () => server.close() };
}

/** The ClientRequest MSW's interceptor attached to a Fetch Request (looked up by symbol description so a second copy of the interceptors package still matches). */
function rawRequestOf(request: Request): unknown {
  const symbol = Object.getOwnPropertySymbols(request).find((s) => s.description === 'kRawRequest');
  return symbol ? (request as unknown as Record<symbol, unknown>)[symbol] : undefined;
}
