// The emulation over real HTTP (what scripts/local-aws.ts runs): S3-style CORS, the SDK over a
// socket, Expect: 100-continue, and network faults as real connection failures.

import { GetObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-provider-cognito-identity';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/mocks/emulator.ts';
import { serveEmulator, type ServedEmulator } from '../../src/mocks/http.ts';
import { recordContinues } from '../support/s3.ts';
import { sdkFailure, waitFor } from '../support/wait.ts';

const APP = 'http://127.0.0.1:5173';
const POOL = 'us-east-1:11111111-2222-3333-4444-555555555555';
const emulator = createEmulator({ region: 'us-east-1', buckets: ['local-bucket'], identityPoolId: POOL, corsOrigins: [APP, 'http://*.example.test'] });
let served: ServedEmulator;

beforeAll(async () => {
  served = await serveEmulator(emulator, { port: 0 });
});
afterAll(async () => {
  await served.close();
});

async function client(opts: Partial<S3ClientConfig> = {}): Promise<{ s3: S3Client; prefix: string }> {
  const provider = fromCognitoIdentityPool({ identityPoolId: POOL, clientConfig: { region: 'us-east-1', endpoint: served.url } });
  const { identityId } = await provider();
  const s3 = new S3Client({ region: 'us-east-1', endpoint: served.url, forcePathStyle: true, credentials: provider, requestChecksumCalculation: 'WHEN_REQUIRED', maxAttempts: 1, ...opts });
  return { s3, prefix: `uploads/${identityId}/` };
}

describe('CORS', () => {
  it('answers a preflight from an allowed origin like the bucket CORS rule', async () => {
    const res = await fetch(`${served.url}/local-bucket/uploads/x/file.txt`, {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-type,if-none-match,x-amz-date,x-amz-security-token' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, PUT, POST, DELETE, HEAD');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization,content-type,if-none-match,x-amz-date,x-amz-security-token');
    expect(res.headers.get('access-control-expose-headers')).toContain('ETag');
    expect(res.headers.get('access-control-max-age')).toBe('3000');
    const wildcard = await fetch(`${served.url}/`, { method: 'OPTIONS', headers: { origin: 'http://app.example.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-amz-target' } });
    expect(wildcard.status).toBe(200);
    expect(wildcard.headers.get('access-control-allow-origin')).toBe('http://app.example.test');
  });

  it('refuses a preflight from another origin or for another method', async () => {
    const other = await fetch(`${served.url}/local-bucket/x`, { method: 'OPTIONS', headers: { origin: 'http://evil.test', 'access-control-request-method': 'GET' } });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const patch = await fetch(`${served.url}/local-bucket/x`, { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'PATCH' } });
    expect(patch.status).toBe(403);
  });

  it('adds CORS headers, ETag exposed, to actual answers for allowed origins only', async () => {
    const allowed = await fetch(`${served.url}/local-bucket/x`, { headers: { origin: APP } });
    expect(allowed.status).toBe(403);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP);
    expect(allowed.headers.get('access-control-expose-headers')).toMatch(/ETag.*x-amz-version-id.*x-amz-request-id.*Content-Length.*Content-Range/);
    const other = await fetch(`${served.url}/local-bucket/x`, { headers: { origin: 'http://evil.test' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('S3 and Cognito over HTTP', () => {
  it('serves the SDK, including a 3 MB body sent with Expect: 100-continue, answered at once', async () => {
    // The SDK sends the body on "100 Continue", or after max(6 s, requestTimeout) without one. With
    // that fallback beyond the test's own limit, only the server's answer can release the body.
    const { s3, prefix } = await client({ expectContinueHeader: true, requestHandler: { requestTimeout: 30 * 60_000 } });
    const big = new Uint8Array(3 * 1024 * 1024).fill(7);
    const continues = recordContinues();
    try {
      await s3.send(new PutObjectCommand({ Bucket: 'local-bucket', Key: `${prefix}big.bin`, Body: big }));
    } finally {
      continues.restore();
    }
    expect(continues.paths).toEqual([expect.stringMatching(/\/big\.bin\?x-id=PutObject$/)]);
    expect(emulator.requests.filter((r) => r.operation === 'PutObject' && r.key === `${prefix}big.bin`).map((r) => r.status)).toEqual([200]);
    expect(emulator.store.head('local-bucket', `${prefix}big.bin`)?.size).toBe(big.length);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'local-bucket', Key: `${prefix}big.bin`, Range: 'bytes=0-3' }));
    expect([...(await got.Body!.transformToByteArray())]).toEqual([7, 7, 7, 7]);
  });

  it('drops the connection for a drop fault, and a hung request ends when the client gives up', async () => {
    const { s3, prefix } = await client();
    emulator.faults.add({ match: { operation: 'PutObject' }, fault: { drop: true } });
    // The connection closes without an answer: node reports ECONNRESET, which the SDK names TimeoutError.
    expect(await sdkFailure(s3.send(new PutObjectCommand({ Bucket: 'local-bucket', Key: `${prefix}d`, Body: 'x' })))).toMatchObject({ name: 'TimeoutError', message: 'socket hang up' });
    expect(emulator.requests.filter((r) => r.key === `${prefix}d`).map((r) => [r.operation, r.status, r.fault])).toEqual([['PutObject', 0, 'drop']]);
    expect(emulator.store.head('local-bucket', `${prefix}d`)).toBeUndefined();

    emulator.faults.add({ match: { operation: 'GetObject' }, fault: { hang: true } });
    const abort = new AbortController();
    const pending = fetch(`${served.url}/local-bucket/${prefix}x`, { signal: abort.signal });
    const hung = await waitFor(() => emulator.requests.find((r) => r.operation === 'GetObject' && r.key === `${prefix}x`), 'the hung GetObject to arrive');
    expect(hung).toMatchObject({ fault: 'hang', status: 0 });
    abort.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(hung.status).toBe(0);
    emulator.faults.clear();
  });

  it('answers 404 to requests for a host it does not serve', async () => {
    const wrongHost = await new Promise<number>((resolve, reject) => {
      const req = request(`${served.url}/local-bucket/x`, { headers: { host: 'elsewhere.test' } }, (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.end();
    });
    expect(wrongHost).toBe(404);
  });
});

describe('scripts/local-aws.ts', () => {
  function run(args: string[]): { output: Promise<string>; stop(): void; exited: Promise<number | null> } {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-aws.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const output = new Promise<string>((resolve) => {
      const onData = (d: Buffer) => {
        text += d.toString();
        if (text.includes('Ctrl+C') || text.includes('Usage:')) resolve(text);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', () => resolve(text));
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { output, stop: () => child.kill('SIGTERM'), exited };
  }

  it('serves the emulation and prints a config.json that points the app at it', async () => {
    const proc = run(['--port', '0', '--bucket', 'my-files']);
    try {
      const text = await proc.output;
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
      expect(url).toBeDefined();
      const config = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1));
      expect(config).toEqual({
        mode: 'aws',
        region: 'us-east-1',
        bucket: 'my-files',
        identityPoolId: 'us-east-1:0de00000-0000-4000-8000-000000000000',
        endpoints: { s3: url, cognitoIdentity: url, forcePathStyle: true },
      });
      const provider = fromCognitoIdentityPool({ identityPoolId: config.identityPoolId, clientConfig: { region: 'us-east-1', endpoint: url } });
      const { identityId } = await provider();
      const s3 = new S3Client({ region: 'us-east-1', endpoint: url, forcePathStyle: true, credentials: provider, requestChecksumCalculation: 'WHEN_REQUIRED', maxAttempts: 1 });
      await s3.send(new PutObjectCommand({ Bucket: 'my-files', Key: `uploads/${identityId}/hello.txt`, Body: 'hello' }));
    } finally {
      proc.stop();
    }
    expect(await proc.exited).toBe(0);
  });

  it('names bad flags and exits 2', async () => {
    const proc = run(['--port', 'eighty', '--pool', 'nope']);
    const text = await proc.output;
    expect(await proc.exited).toBe(2);
    expect(text).toContain('--port "eighty" is not a port number');
    expect(text).toContain('--pool "nope" is not an identity pool id');
  });
});
