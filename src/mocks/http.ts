// Serves an emulator over real HTTP (node only), so a browser app on another origin can use it with
// real CORS, preflights included (scripts/local-aws.ts, built-app browser tests).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Emulator } from './emulator.ts';

export interface ServedEmulator {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:4566. Use it for endpoints.s3 and endpoints.cognitoIdentity. */
  url: string;
  close(): Promise<void>;
}

export async function serveEmulator(emulator: Emulator, opts: { port?: number; host?: '127.0.0.1' } = {}): Promise<ServedEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    void respond(emulator, req, res).catch((err: unknown) => {
      console.error('[emulation http]', err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`Emulation HTTP bridge failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 4566, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  // Browsers may address the same server by either loopback name.
  for (const name of ['127.0.0.1', 'localhost', '[::1]']) emulator.addEndpoint(`http://${name}:${port}`);
  return {
    url,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function respond(emulator: Emulator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const aborter = new AbortController();
  // The response closing before it finished means the client went away: hung and delayed requests end.
  res.on('close', () => {
    if (!res.writableFinished) aborter.abort(new Error('client disconnected'));
  });

  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const method = req.method ?? 'GET';
  let body: Uint8Array<ArrayBuffer> | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    body = new Uint8Array(Buffer.concat(chunks)) as Uint8Array<ArrayBuffer>;
  }
  const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
    method,
    headers,
    ...(body ? { body } : {}),
    signal: aborter.signal,
  });

  const response = await emulator.handle(request);
  if (!response) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(`Not an emulated endpoint: ${request.url}. Use ${'http://127.0.0.1:<port>'}/<bucket>/<key> (path style) for S3 and POST / for Cognito Identity.`);
    return;
  }
  if (response.type === 'error') {
    // How a network failure looks from the client: the connection just drops.
    req.socket.destroy();
    return;
  }
  const out = method === 'HEAD' || response.body === null ? undefined : Buffer.from(await response.arrayBuffer());
  const outHeaders: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    outHeaders[name] = value;
  });
  if (out && !('content-length' in outHeaders)) outHeaders['content-length'] = String(out.length);
  res.writeHead(response.status, outHeaders);
  res.end(out);
}
