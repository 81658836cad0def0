// The widget's two fetch clients against scripted answers, for what the emulation cannot easily
// show: exact requests on the wire, S3's quirks (errors in 200 answers, paginated ListParts, a
// missing ETag when CORS hides it, clock skew) and Cognito's caching and renewal rules.

import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { fetchCognitoCredentials } from '../../src/lib/cognito-fetch.ts';
import type { CredentialSource, SessionCredentials } from '../../src/lib/credentials.ts';
import { fetchTransport, xmlText, xmlValues } from '../../src/lib/fetch-transport.ts';
import { listObjectsV2, s3Fetch } from '../../src/lib/s3-fetch.ts';
import { rejection } from '../support/wait.ts';

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

/** A fetch that records each request and answers from the script, in order. */
function scripted(...answers: Array<Response | (() => Response) | Error>) {
  const seen: Seen[] = [];
  const impl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const body = init?.body instanceof Blob ? await init.body.text() : typeof init?.body === 'string' ? init.body : '';
    seen.push({ url: String(input), method: init?.method ?? 'GET', headers: new Headers(init?.headers), body });
    const next = answers.shift();
    if (!next) throw new Error('unexpected request');
    if (next instanceof Error) throw next;
    return typeof next === 'function' ? next() : next;
  }) as typeof fetch;
  return { seen, fetch: impl };
}

const xml = (body: string, status = 200, headers: Record<string, string> = {}) => new Response(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, { status, headers: { 'content-type': 'application/xml', ...headers } });

function staticSource(): CredentialSource & { refreshes: number } {
  let n = 1;
  const make = (): SessionCredentials => ({ accessKeyId: `ASIA${n}`, secretAccessKey: `secret${n}`, sessionToken: `token${n}`, expiration: new Date(Date.now() + 3600_000), identityId: 'us-east-1:id' });
  let current = make();
  return {
    refreshes: 0,
    identityId: 'us-east-1:id',
    get: async () => current,
    async refresh() {
      this.refreshes++;
      n++;
      return (current = make());
    },
  };
}

describe('XML extraction', () => {
  it('decodes entities and character references, and finds every element', () => {
    expect(xmlText('&quot;abc&quot; &lt;a&gt; &amp;amp; &apos; &#128512; &#x1F600; &bogus;')).toBe('"abc" <a> &amp; \' 😀 😀 &bogus;');
    const doc = '<R><Part><ETag>&quot;1&quot;</ETag></Part><Part><ETag>"2"</ETag></Part><ETagX>no</ETagX></R>';
    expect(xmlValues(doc, 'ETag')).toEqual(['"1"', '"2"']);
  });
});

describe('fetchTransport on the wire', () => {
  it('signs a conditional PUT with the session token, an unsigned payload and the key encoded as S3 signs it', async () => {
    const s = scripted(new Response(null, { status: 200, headers: { etag: '"e1"' } }));
    const t = fetchTransport({ bucket: 'bkt', region: 'eu-west-1', credentials: staticSource(), fetch: s.fetch });
    expect(await t.putObject({ key: "uploads/id/a b+c%(1)!'*~.txt", body: new Blob(['hi']), contentType: 'text/plain', overwrite: false })).toEqual({ etag: '"e1"' });
    const [req] = s.seen;
    expect(req!.url).toBe('https://bkt.s3.eu-west-1.amazonaws.com/uploads/id/a%20b%2Bc%25%281%29%21%27%2A~.txt');
    expect(req!.method).toBe('PUT');
    expect(req!.body).toBe('hi');
    expect(Object.fromEntries([...req!.headers].filter(([k]) => k !== 'authorization' && k !== 'x-amz-date'))).toEqual({
      'content-type': 'text/plain',
      'if-none-match': '*',
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      'x-amz-security-token': 'token1',
    });
    expect(req!.headers.get('authorization')).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIA1\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=host;if-none-match;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);

    // overwrite: no condition. Path style for custom endpoints and for dotted bucket names.
    const p = scripted(new Response(null, { headers: { etag: '"e2"' } }), new Response(null, { headers: { etag: '"e3"' } }));
    await fetchTransport({ bucket: 'bkt', region: 'us-east-1', credentials: staticSource(), endpoint: 'http://127.0.0.1:4566', forcePathStyle: true, fetch: p.fetch }).putObject({ key: 'k', body: new Blob([]), overwrite: true });
    await fetchTransport({ bucket: 'my.bucket', region: 'us-east-1', credentials: staticSource(), fetch: p.fetch }).putObject({ key: 'k', body: new Blob([]), overwrite: true });
    expect(p.seen.map((r) => r.url)).toEqual(['http://127.0.0.1:4566/bkt/k', 'https://s3.us-east-1.amazonaws.com/my.bucket/k']);
    expect(p.seen[0]!.headers.has('if-none-match')).toBe(false);
  });

  it('sends CompleteMultipartUpload as XML with escaped ETags, and fails on an error inside a 200 answer', async () => {
    const s = scripted(
      xml('<CompleteMultipartUploadResult><ETag>&quot;abc-2&quot;</ETag></CompleteMultipartUploadResult>'),
      xml('<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>'),
    );
    const t = fetchTransport({ bucket: 'bkt', region: 'us-east-1', credentials: staticSource(), fetch: s.fetch });
    const parts = [{ partNumber: 1, etag: '"a"' }, { partNumber: 2, etag: '"b"' }];
    expect(await t.completeMultipartUpload({ key: 'k', uploadId: 'u/1+', parts, overwrite: false })).toEqual({ etag: '"abc-2"' });
    expect(s.seen[0]!.url).toBe('https://bkt.s3.us-east-1.amazonaws.com/k?uploadId=u%2F1%2B');
    expect(s.seen[0]!.body).toBe('<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;b&quot;</ETag></Part></CompleteMultipartUpload>');
    expect(s.seen[0]!.headers.get('if-none-match')).toBe('*');
    const err = await rejection(t.completeMultipartUpload({ key: 'k', uploadId: 'u', parts, overwrite: false }));
    expect(err).toMatchObject({ code: 'InternalError', retryable: true });
  });

  it('pages through ListParts', async () => {
    const s = scripted(
      xml('<ListPartsResult><PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>2</NextPartNumberMarker><IsTruncated>true</IsTruncated><Part><PartNumber>1</PartNumber><ETag>&quot;p1&quot;</ETag><Size>5242880</Size></Part><Part><PartNumber>2</PartNumber><ETag>"p2"</ETag><Size>5242880</Size></Part></ListPartsResult>'),
      xml('<ListPartsResult><IsTruncated>false</IsTruncated><Part><PartNumber>3</PartNumber><ETag>"p3"</ETag><Size>7</Size></Part></ListPartsResult>'),
    );
    const t = fetchTransport({ bucket: 'bkt', region: 'us-east-1', credentials: staticSource(), fetch: s.fetch });
    expect(await t.listParts({ key: 'k', uploadId: 'u' })).toEqual([
      { partNumber: 1, etag: '"p1"', size: 5242880 },
      { partNumber: 2, etag: '"p2"', size: 5242880 },
      { partNumber: 3, etag: '"p3"', size: 7 },
    ]);
    expect(s.seen.map((r) => new URL(r.url).search)).toEqual(['?uploadId=u', '?uploadId=u&part-number-marker=2']);
  });

  it('names the fix when CORS hides the ETag, when the network fails and when S3 refuses', async () => {
    const s = scripted(
      new Response(null, { status: 200 }),
      new TypeError('Failed to fetch'),
      xml('<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>', 404),
      xml('<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>', 412),
      new Response('', { status: 503 }),
    );
    const t = fetchTransport({ bucket: 'bkt', region: 'us-east-1', credentials: staticSource(), fetch: s.fetch });
    const put = () => t.putObject({ key: 'k', body: new Blob(['x']), overwrite: false });
    expect(await rejection(t.uploadPart({ key: 'k', uploadId: 'u', partNumber: 3, body: new Blob(['x']) }))).toMatchObject({
      code: 'MissingETag',
      message: expect.stringMatching(/part 3 .*CORS configuration must list ETag in ExposeHeaders/),
    });
    expect(await rejection(put())).toMatchObject({ code: 'NetworkError', retryable: true, message: expect.stringMatching(/CORS must allow this origin/) });
    expect(await rejection(put())).toMatchObject({ code: 'NoSuchBucket', status: 404, retryable: false });
    expect(await rejection(put())).toMatchObject({ code: 'AlreadyExists', status: 412, retryable: false });
    expect(await rejection(put())).toMatchObject({ code: 'HTTP503', status: 503, retryable: true });
  });

  it('renews expired credentials once and signs the repeat with the new ones', async () => {
    const expired = () => xml('<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>', 400);
    const src = staticSource();
    const s = scripted(expired(), new Response(null, { headers: { etag: '"ok"' } }), expired(), expired());
    const t = fetchTransport({ bucket: 'bkt', region: 'us-east-1', credentials: src, fetch: s.fetch });
    await t.putObject({ key: 'k', body: new Blob(['x']), overwrite: false });
    expect(s.seen.map((r) => r.headers.get('x-amz-security-token'))).toEqual(['token1', 'token2']);
    expect(src.refreshes).toBe(1);
    // A second ExpiredToken right after renewing is reported, not looped on.
    expect(await rejection(t.putObject({ key: 'k', body: new Blob(['x']), overwrite: false }))).toMatchObject({ code: 'ExpiredToken' });
    expect(src.refreshes).toBe(2);
  });

  it('learns the clock offset from RequestTimeTooSkewed, so the engine\'s retry is signed with S3\'s time', async () => {
    // The device's clock stands still (only Date is faked), so the offset learned is exact.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2030, 0, 1, 12, 0, 0) });
    onTestFinished(() => void vi.useRealTimers());
    const server = new Date(Date.now() + 20 * 60_000);
    const s = scripted(
      xml(`<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message><ServerTime>${server.toISOString()}</ServerTime></Error>`, 403),
      new Response(null, { headers: { etag: '"ok"' } }),
    );
    const t = fetchTransport({ bucket: 'bkt', region: 'us-east-1', credentials: staticSource(), fetch: s.fetch });
    expect(await rejection(t.putObject({ key: 'k', body: new Blob(['x']), overwrite: false }))).toMatchObject({ code: 'RequestTimeTooSkewed', retryable: true });
    await t.putObject({ key: 'k', body: new Blob(['x']), overwrite: false });
    const amzDate = (r: Seen) => Date.parse(r.headers.get('x-amz-date')!.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    expect(s.seen.map((r) => r.headers.get('x-amz-date'))).toEqual(['20300101T120000Z', '20300101T122000Z']);
    expect(amzDate(s.seen[1]!)).toBe(server.getTime());
  });
});

describe('fetchCognitoCredentials', () => {
  const POOL = 'eu-central-1:11111111-2222-3333-4444-555555555555';
  const creds = (n: number, expiresInS = 3600, from = Date.now()) => Response.json({ IdentityId: 'eu-central-1:guest', Credentials: { AccessKeyId: `ASIA${n}`, SecretKey: `s${n}`, SessionToken: `t${n}`, Expiration: Math.floor(from / 1000) + expiresInS } });
  const error = (type: string, status = 400) => Response.json({ __type: type, message: 'scripted' }, { status });

  it('calls GetId then GetCredentialsForIdentity in the pool\'s region, and caches until shortly before expiry', async () => {
    let now = Date.now();
    const s = scripted(Response.json({ IdentityId: 'eu-central-1:guest' }), creds(1), () => creds(2, 3600, now));
    const src = fetchCognitoCredentials({ identityPoolId: POOL, fetch: s.fetch, now: () => now });
    const first = await src.get();
    expect(first).toMatchObject({ accessKeyId: 'ASIA1', secretAccessKey: 's1', sessionToken: 't1', identityId: 'eu-central-1:guest' });
    expect(await src.get()).toBe(first);
    expect(src.identityId).toBe('eu-central-1:guest');
    expect(s.seen.map((r) => [r.url, r.headers.get('x-amz-target'), r.headers.get('content-type'), JSON.parse(r.body)])).toEqual([
      ['https://cognito-identity.eu-central-1.amazonaws.com/', 'AWSCognitoIdentityService.GetId', 'application/x-amz-json-1.1', { IdentityPoolId: POOL }],
      ['https://cognito-identity.eu-central-1.amazonaws.com/', 'AWSCognitoIdentityService.GetCredentialsForIdentity', 'application/x-amz-json-1.1', { IdentityId: 'eu-central-1:guest' }],
    ]);
    now += 56 * 60_000; // within the 5-minute margin: renewed, same identity, no new GetId
    expect((await src.get()).accessKeyId).toBe('ASIA2');
    expect(s.seen.at(-1)!.headers.get('x-amz-target')).toBe('AWSCognitoIdentityService.GetCredentialsForIdentity');
  });

  it('renews once for many callers, and keeps only the identity id in the cache it is given', async () => {
    const s = scripted(Response.json({ IdentityId: 'eu-central-1:guest' }), creds(1), creds(2));
    const cache = new Map<string, string>();
    const src = fetchCognitoCredentials({ identityPoolId: POOL, fetch: s.fetch, identityIdCache: { getItem: (k) => cache.get(k) ?? null, setItem: (k, v) => void cache.set(k, v), removeItem: (k) => void cache.delete(k) } });
    await src.get();
    const renewed = await Promise.all([src.refresh(), src.refresh(), src.get()]);
    expect(renewed.map((c) => c.accessKeyId)).toEqual(['ASIA2', 'ASIA2', 'ASIA2']);
    expect(s.seen).toHaveLength(3);
    expect([...cache.values()]).toEqual(['eu-central-1:guest']);
    expect(JSON.stringify([...cache])).not.toMatch(/ASIA|"s\d"|"t\d"/);
  });

  it('starts over with a new identity when the cached one is gone', async () => {
    const cache = new Map([[`sessionbox.identityId.${POOL}`, 'eu-central-1:stale']]);
    const s = scripted(error('com.amazonaws.cognito.identity.model#ResourceNotFoundException'), Response.json({ IdentityId: 'eu-central-1:fresh' }), creds(1));
    const src = fetchCognitoCredentials({ identityPoolId: POOL, fetch: s.fetch, identityIdCache: { getItem: (k) => cache.get(k) ?? null, setItem: (k, v) => void cache.set(k, v), removeItem: (k) => void cache.delete(k) } });
    expect((await src.get()).identityId).toBe('eu-central-1:fresh');
    expect(JSON.parse(s.seen[0]!.body)).toEqual({ IdentityId: 'eu-central-1:stale' });
    expect([...cache.values()]).toEqual(['eu-central-1:fresh']);
  });

  it('maps Cognito refusals and network failures to actionable errors', async () => {
    const get = (...answers: Array<Response | Error>) => fetchCognitoCredentials({ identityPoolId: POOL, fetch: scripted(...answers).fetch }).get();
    expect(await rejection(get(error('NotAuthorizedException')))).toMatchObject({ code: 'NotAuthorized', message: expect.stringMatching(/allow unauthenticated \(guest\) identities/) });
    expect(await rejection(get(error('ResourceNotFoundException')))).toMatchObject({ code: 'IdentityPoolNotFound' });
    expect(await rejection(get(error('TooManyRequestsException', 429)))).toMatchObject({ code: 'TooManyRequests', retryable: true });
    expect(await rejection(get(error('InternalErrorException', 500)))).toMatchObject({ code: 'InternalErrorException', retryable: true, message: expect.stringMatching(/HTTP 500/) });
    expect(await rejection(get(new TypeError('Failed to fetch')))).toMatchObject({ code: 'NetworkError', retryable: true, message: expect.stringMatching(/connect-src/) });
    expect(await rejection(get(Response.json({ IdentityId: 'x:y' }), creds(1, 60)))).toMatchObject({ code: 'CredentialsExpireTooSoon', message: expect.stringMatching(/device clock/) });
    const longTerm = Response.json({ IdentityId: 'x:y', Credentials: { AccessKeyId: 'AKIAEXAMPLE', SecretKey: 's', Expiration: Date.now() / 1000 + 3600 } });
    expect(await rejection(get(Response.json({ IdentityId: 'x:y' }), longTerm))).toMatchObject({ code: 'LongTermCredentials' });
  });
});

describe('listObjectsV2 over signed fetch', () => {
  const send = (f: typeof fetch) => s3Fetch({ bucket: 'b', region: 'us-east-1', credentials: staticSource(), endpoint: 'http://127.0.0.1:4566', forcePathStyle: true, fetch: f });

  it('asks with encoding-type=url and reads files, folders and the next token without mixing them up', async () => {
    const s = scripted(
      xml(`<ListBucketResult><Name>b</Name><Prefix>u%2F</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><Delimiter>%2F</Delimiter><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><NextContinuationToken>tok+/=</NextContinuationToken>
<Contents><Key>u/a%20%26%20b%3C%3E.txt</Key><LastModified>2026-11-27T10:00:00.000Z</LastModified><ETag>&quot;abc&quot;</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents>
<CommonPrefixes><Prefix>u/sub%2B/</Prefix></CommonPrefixes></ListBucketResult>`),
    );
    const out = await listObjectsV2(send(s.fetch), { prefix: 'u/ a+&=', delimiter: '/', token: 'tok+/=', maxKeys: 2 });
    const url = new URL(s.seen[0]!.url);
    expect(url.pathname).toBe('/b/');
    expect(Object.fromEntries(url.searchParams)).toEqual({ 'list-type': '2', 'encoding-type': 'url', prefix: 'u/ a+&=', delimiter: '/', 'continuation-token': 'tok+/=', 'max-keys': '2' });
    // The prefix is sent percent-encoded (a "+" would otherwise read as a space).
    expect(s.seen[0]!.url).toContain('prefix=u%2F%20a%2B%26%3D');
    expect(out).toEqual({
      contents: [{ key: 'u/a%20%26%20b%3C%3E.txt', size: 12, lastModified: new Date('2026-11-27T10:00:00.000Z'), etag: '"abc"' }],
      prefixes: ['u/sub%2B/'],
      encodingType: 'url',
      nextToken: 'tok+/=',
    });
  });

  it('has no next token on the last page, and reports an error sent with 200 or 403', async () => {
    const last = await listObjectsV2(send(scripted(xml('<ListBucketResult><Prefix></Prefix><IsTruncated>false</IsTruncated><NextContinuationToken>stale</NextContinuationToken></ListBucketResult>')).fetch), { prefix: '' });
    expect(last).toEqual({ contents: [], prefixes: [] });
    const in200 = await rejection(listObjectsV2(send(scripted(xml('<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>')).fetch), { prefix: '' }));
    expect(in200.code).toBe('InternalError');
    const denied = await rejection(listObjectsV2(send(scripted(xml('<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>', 403)).fetch), { prefix: '' }));
    expect(denied.code).toBe('AccessDenied');
    expect(denied.message).toMatch(/permission|allowed|denied/i);
  });
});
