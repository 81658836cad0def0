// The S3 client factory, error mapping and SDK transport against a scripted S3 (MSW): what goes
// on the wire (conditional headers, tokens) and how answers are mapped.

import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_CONFIG } from '../../src/lib/config.ts';
import type { CredentialSource, SessionCredentials } from '../../src/lib/credentials.ts';
import { StorageError } from '../../src/lib/errors.ts';
import { createS3Client, sdkTransport, send, toStorageError } from '../../src/lib/s3.ts';
import { rejection, waitFor } from '../support/wait.ts';

const HOST = 'https://bkt.s3.us-east-1.amazonaws.com';
const config = { ...DEMO_CONFIG, bucket: 'bkt' };

interface Seen {
  method: string;
  url: URL;
  headers: Headers;
}
let seen: Seen[] = [];
/** Tokens S3 treats as expired. */
let expired = new Set<string>();
let answer: ((req: Request, url: URL) => Response | Promise<Response> | undefined) | undefined;

function xmlError(code: string, status: number, message = 'scripted') {
  return new HttpResponse(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`, {
    status,
    headers: { 'content-type': 'application/xml' },
  });
}

const server = setupServer(
  http.all(`${HOST}/*`, async ({ request }) => {
    const url = new URL(request.url);
    seen.push({ method: request.method, url, headers: request.headers });
    const token = request.headers.get('x-amz-security-token') ?? '';
    if (expired.has(token)) return xmlError('ExpiredToken', 400, 'The provided token has expired.');
    const custom = await answer?.(request, url);
    if (custom) return custom;
    return new HttpResponse(null, { status: 200, headers: { etag: '"abc"' } });
  }),
);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => {
  seen = [];
  expired = new Set();
  answer = undefined;
});

/** Mirrors cognitoCredentials' sharing: get() waits for a renewal in flight. */
function fakeSource() {
  let n = 1;
  const make = (): SessionCredentials => ({
    accessKeyId: `ASIAFAKE${n}`,
    secretAccessKey: `secret${n}`,
    sessionToken: `token${n}`,
    expiration: new Date(Date.now() + 3600_000),
    identityId: 'us-east-1:id',
  });
  let current = make();
  let inflight: Promise<SessionCredentials> | undefined;
  const src = {
    refreshes: 0,
    identityId: 'us-east-1:id',
    get: () => inflight ?? Promise.resolve(current),
    refresh: () =>
      (inflight ??= (async () => {
        src.refreshes++;
        await new Promise((r) => setTimeout(r, 10));
        n++;
        current = make();
        inflight = undefined;
        return current;
      })()),
  };
  return src satisfies CredentialSource;
}

describe('createS3Client', () => {
  it('configures checksums, no SDK retries, and the endpoint from config', async () => {
    const client = createS3Client({ ...config, endpoints: { s3: 'http://127.0.0.1:4566', forcePathStyle: true } }, fakeSource());
    expect(await client.config.requestChecksumCalculation()).toBe('WHEN_REQUIRED');
    expect(await client.config.responseChecksumValidation()).toBe('WHEN_REQUIRED');
    expect(await client.config.maxAttempts()).toBe(1);
    expect(client.config.forcePathStyle).toBe(true);
    const ep = await client.config.endpoint?.();
    expect(ep?.hostname).toBe('127.0.0.1');
  });

  it('renews expired credentials once and repeats the request, signed with the new ones', async () => {
    const src = fakeSource();
    expired.add('token1');
    const t = sdkTransport(createS3Client(config, src), 'bkt');
    const res = await t.putObject({ key: 'a.txt', body: new Blob(['hi']), overwrite: false });
    expect(res.etag).toBe('"abc"');
    expect(src.refreshes).toBe(1);
    expect(seen.map((s) => s.headers.get('x-amz-security-token'))).toEqual(['token1', 'token2']);
    expect(seen[1]?.headers.get('authorization')).toContain('ASIAFAKE2/');
  });

  it('renews once for many parallel requests failing together', async () => {
    const src = fakeSource();
    expired.add('token1');
    const t = sdkTransport(createS3Client(config, src), 'bkt');
    await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) => t.uploadPart({ key: 'k', uploadId: 'u', partNumber: n, body: new Blob([`part${n}`]) })),
    );
    expect(src.refreshes).toBe(1);
    expect(seen.length).toBe(12);
  });

  it('gives up after one renewal: a persisting ExpiredToken is fatal', async () => {
    const src = fakeSource();
    expired.add('token1').add('token2');
    const t = sdkTransport(createS3Client(config, src), 'bkt');
    const err = await rejection(t.putObject({ key: 'a.txt', body: new Blob(['hi']), overwrite: false }));
    expect(err.code).toBe('ExpiredToken');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/Reload the page or sign in again/);
    expect(seen.length).toBe(2);
  });

  it('renews after InvalidAccessKeyId but not after AccessDenied', async () => {
    const src = fakeSource();
    answer = (req) => (req.headers.get('x-amz-security-token') === 'token1' ? xmlError('InvalidAccessKeyId', 403) : undefined);
    const t = sdkTransport(createS3Client(config, src), 'bkt');
    await t.putObject({ key: 'a', body: new Blob(['x']), overwrite: false });
    expect(src.refreshes).toBe(1);

    answer = () => xmlError('AccessDenied', 403, 'Access Denied');
    const err = await rejection(t.putObject({ key: 'a', body: new Blob(['x']), overwrite: false }));
    expect(err.code).toBe('AccessDenied');
    expect(err.status).toBe(403);
    expect(src.refreshes).toBe(1);
  });

  it('uses the source for every request (no SDK-side credential cache)', async () => {
    const src = fakeSource();
    const client = createS3Client(config, src);
    await send(client, new ListObjectsV2Command({ Bucket: 'bkt', Prefix: 'p/' }));
    await src.refresh();
    await send(client, new ListObjectsV2Command({ Bucket: 'bkt', Prefix: 'p/' }));
    expect(seen.map((s) => s.headers.get('x-amz-security-token'))).toEqual(['token1', 'token2']);
  });
});

describe('sdkTransport', () => {
  it('sends If-None-Match: * on PutObject and CompleteMultipartUpload unless overwriting', async () => {
    const t = sdkTransport(createS3Client(config, fakeSource()), 'bkt');
    answer = (req, url) =>
      url.searchParams.has('uploadId') && req.method === 'POST'
        ? new HttpResponse('<CompleteMultipartUploadResult><ETag>"m-2"</ETag></CompleteMultipartUploadResult>', { headers: { 'content-type': 'application/xml' } })
        : undefined;
    await t.putObject({ key: 'a b.txt', body: new Blob(['x']), overwrite: false, contentType: 'text/plain' });
    await t.putObject({ key: 'a b.txt', body: new Blob(['x']), overwrite: true });
    const done = await t.completeMultipartUpload({ key: 'k', uploadId: 'u', parts: [{ partNumber: 1, etag: '"e"' }], overwrite: false });
    await t.completeMultipartUpload({ key: 'k', uploadId: 'u', parts: [{ partNumber: 1, etag: '"e"' }], overwrite: true });
    expect(done.etag).toBe('"m-2"');
    expect(seen.map((s) => s.headers.get('if-none-match'))).toEqual(['*', null, '*', null]);
    expect(seen[0]?.url.pathname).toBe('/a%20b.txt');
    expect(seen[0]?.headers.get('content-type')).toBe('text/plain');
    expect(seen[0]?.headers.get('x-amz-security-token')).toBe('token1');
  });

  it('maps 412 to AlreadyExists', async () => {
    const t = sdkTransport(createS3Client(config, fakeSource()), 'bkt');
    answer = () => xmlError('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
    const err = await rejection(t.putObject({ key: 'a', body: new Blob(['x']), overwrite: false }));
    expect(err.code).toBe('AlreadyExists');
    expect(err.status).toBe(412);
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/already exists.*replace/);
  });

  it('maps a network failure to a retryable NetworkError that mentions CORS and ETag', async () => {
    const t = sdkTransport(createS3Client(config, fakeSource()), 'bkt');
    answer = () => HttpResponse.error();
    const err = await rejection(t.putObject({ key: 'a', body: new Blob(['x']), overwrite: false }));
    expect(err.code).toBe('NetworkError');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/CORS/);
    expect(err.message).toMatch(/ETag/);
  });

  it('maps 5xx to retryable errors with S3 code and status', async () => {
    const t = sdkTransport(createS3Client(config, fakeSource()), 'bkt');
    answer = () => xmlError('SlowDown', 503, 'Please reduce your request rate.');
    const err = await rejection(t.uploadPart({ key: 'k', uploadId: 'u', partNumber: 1, body: new Blob(['x']) }));
    expect(err).toMatchObject({ code: 'SlowDown', status: 503, retryable: true });
  });

  it('aborts a request in flight', async () => {
    const t = sdkTransport(createS3Client(config, fakeSource()), 'bkt');
    // S3 answers only when the test says so, which is after the abort has settled the request.
    let answerNow!: () => void;
    const answered = new Promise<void>((r) => (answerNow = r));
    answer = async () => {
      await answered;
      return new HttpResponse(null, { headers: { etag: '"x"' } });
    };
    const ac = new AbortController();
    const put = t.putObject({ key: 'a', body: new Blob(['x']), overwrite: false }, { signal: ac.signal });
    await waitFor(() => seen.length === 1, 'the PutObject to reach S3');
    ac.abort();
    const err = await rejection(put);
    expect(err.code).toBe('Aborted');
    answerNow();
    expect(seen.map((s) => s.method)).toEqual(['PUT']);
  });

  it('refuses answers without an ETag (CORS not exposing it)', async () => {
    const t = sdkTransport(createS3Client(config, fakeSource()), 'bkt');
    answer = () => new HttpResponse(null, { status: 200 });
    const err = await rejection(t.uploadPart({ key: 'k', uploadId: 'u', partNumber: 3, body: new Blob(['x']) }));
    expect(err.code).toBe('MissingETag');
    expect(err.message).toMatch(/ExposeHeaders/);
  });

  it('pages through ListParts', async () => {
    const t = sdkTransport(createS3Client(config, fakeSource()), 'bkt');
    answer = (_req, url) => {
      const marker = url.searchParams.get('part-number-marker');
      const page = marker ? [3] : [1, 2];
      const parts = page.map((n) => `<Part><PartNumber>${n}</PartNumber><ETag>"e${n}"</ETag><Size>${n * 10}</Size></Part>`).join('');
      const more = marker ? '<IsTruncated>false</IsTruncated>' : '<IsTruncated>true</IsTruncated><NextPartNumberMarker>2</NextPartNumberMarker>';
      return new HttpResponse(`<ListPartsResult>${parts}${more}</ListPartsResult>`, { headers: { 'content-type': 'application/xml' } });
    };
    const parts = await t.listParts({ key: 'k', uploadId: 'u' });
    expect(parts).toEqual([
      { partNumber: 1, etag: '"e1"', size: 10 },
      { partNumber: 2, etag: '"e2"', size: 20 },
      { partNumber: 3, etag: '"e3"', size: 30 },
    ]);
    expect(seen.map((s) => s.url.searchParams.get('part-number-marker'))).toEqual([null, '2']);
  });
});

describe('toStorageError', () => {
  const sdkError = (name: string, status: number, message = '') => Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status } });

  it('maps SDK, network and abort errors', () => {
    expect(toStorageError(sdkError('NotFound', 404))).toMatchObject({ code: 'NoSuchKey', status: 404 });
    expect(toStorageError(sdkError('Forbidden', 403))).toMatchObject({ code: 'AccessDenied', status: 403 });
    expect(toStorageError(sdkError('NoSuchBucket', 404)).message).toMatch(/bucket.*config\.json/);
    expect(toStorageError(sdkError('SignatureDoesNotMatch', 403)).message).toMatch(/region.*clock/);
    expect(toStorageError(sdkError('Weird', 409, 'odd thing'))).toMatchObject({ code: 'Weird', status: 409, retryable: false });
    expect(toStorageError(sdkError('Weird', 409, 'odd thing')).message).toMatch(/Weird \(HTTP 409\): odd thing/);
    expect(toStorageError(sdkError('InternalError', 500))).toMatchObject({ code: 'InternalError', status: 500, retryable: true });
    expect(toStorageError(new TypeError('Failed to fetch'))).toMatchObject({ code: 'NetworkError', retryable: true });
    expect(toStorageError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toMatchObject({ code: 'NetworkError' });
    expect(toStorageError(new DOMException('aborted', 'AbortError'))).toMatchObject({ code: 'Aborted' });
    const own = new StorageError('InvalidKey', 'x');
    expect(toStorageError(own)).toBe(own);
    expect(toStorageError(new Error('something odd'))).toMatchObject({ code: 'ClientError' });
  });
});
