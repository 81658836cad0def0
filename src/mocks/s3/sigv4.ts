// Verifies AWS Signature Version 4 on S3 requests (Authorization header and presigned query) by
// signing the request again with @smithy/signature-v4 and the secret the emulated Cognito issued.

import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HeaderBag, HttpRequest, QueryParameterBag } from '@smithy/types';
import type { CredentialRegistry, IssuedCredentials } from '../credentials.ts';
import { S3Error } from './errors.ts';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
const QUERY_AUTH_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token'];

export interface Caller {
  credentials: IssuedCredentials;
  presigned: boolean;
  /** What the canonical request used as payload hash: a SHA-256 hex, UNSIGNED-PAYLOAD or STREAMING-*. */
  payloadHash: string;
}

export interface AuthContext {
  credentials: CredentialRegistry;
  /** Emulator clock, epoch ms. */
  now: number;
  region: string;
}

interface ParsedAuth {
  accessKeyId: string;
  scopeDate: string;
  scopeRegion: string;
  scopeService: string;
  signedHeaders: string[];
  signature: string;
  date: Date;
  longDate: string;
}

/** Keeps what the signer computed, so SignatureDoesNotMatch can show it like S3 does. */
class RecordingSigner extends SignatureV4 {
  canonicalRequest = '';
  stringToSign = '';

  protected override createCanonicalRequest(request: HttpRequest, canonicalHeaders: HeaderBag, payloadHash: string): string {
    this.canonicalRequest = super.createCanonicalRequest(request, canonicalHeaders, payloadHash);
    return this.canonicalRequest;
  }

  protected override async createStringToSign(longDate: string, scope: string, canonicalRequest: string, algorithm: string): Promise<string> {
    this.stringToSign = await super.createStringToSign(longDate, scope, canonicalRequest, algorithm);
    return this.stringToSign;
  }
}

/**
 * Authenticates a request: returns the caller or throws the S3Error S3 would answer.
 * `bodyLength` stands in for a signed Content-Length the runtime did not pass on (browsers, service workers).
 */
export async function authenticate(request: Request, url: URL, bodyLength: number, ctx: AuthContext): Promise<Caller> {
  const header = request.headers.get('authorization');
  const presigned = url.searchParams.has('X-Amz-Algorithm') || url.searchParams.has('X-Amz-Signature') || url.searchParams.has('X-Amz-Credential');
  if (header !== null && presigned) {
    throw new S3Error('InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified');
  }
  if (header === null && !presigned) {
    if (url.searchParams.has('Signature') || url.searchParams.has('AWSAccessKeyId')) {
      throw new S3Error('InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
    }
    // Anonymous access: the bucket grants none.
    throw new S3Error('AccessDenied');
  }
  const auth = header !== null ? parseHeaderAuth(header, request.headers) : parseQueryAuth(url.searchParams);
  checkScope(auth, ctx.region, presigned);

  const creds = ctx.credentials.get(auth.accessKeyId);
  if (!creds) throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: auth.accessKeyId });

  const token = presigned ? url.searchParams.get('X-Amz-Security-Token') : request.headers.get('x-amz-security-token');
  // Temporary keys are useless without their session token; the bucket policy's aws:TokenIssueTime condition denies.
  if (token === null || token === '') throw new S3Error('AccessDenied', 'Access Denied: the request carries no session token (x-amz-security-token).');
  if (token !== creds.sessionToken) throw new S3Error('InvalidToken');
  if (ctx.credentials.isExpired(creds)) throw new S3Error('ExpiredToken');

  let expiresIn = 0;
  if (presigned) {
    expiresIn = presignExpiry(url.searchParams);
    const signedAt = auth.date.getTime();
    if (ctx.now > signedAt + expiresIn * 1000) {
      throw new S3Error('AccessDenied', 'Request has expired', {
        'X-Amz-Expires': String(expiresIn),
        Expires: new Date(signedAt + expiresIn * 1000).toISOString(),
        ServerTime: new Date(ctx.now).toISOString(),
      });
    }
    if (signedAt - ctx.now > MAX_SKEW_MS) throw new S3Error('AccessDenied', 'Request is not valid yet');
  } else if (Math.abs(ctx.now - auth.date.getTime()) > MAX_SKEW_MS) {
    throw new S3Error('RequestTimeTooSkewed', undefined, {
      RequestTime: auth.longDate,
      ServerTime: new Date(ctx.now).toISOString(),
      MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
    });
  }

  const signed = new Set(auth.signedHeaders);
  const notSigned = [...request.headers.keys()].filter((h) => h.startsWith('x-amz-') && !signed.has(h));
  if (!signed.has('host')) notSigned.unshift('host');
  if (notSigned.length) {
    throw new S3Error('AccessDenied', 'There were headers present in the request which were not signed', { HeadersNotSigned: notSigned.join(', ') });
  }

  let payloadHash: string;
  if (presigned) {
    payloadHash = url.searchParams.get('X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD;
  } else {
    const h = request.headers.get('x-amz-content-sha256');
    if (h === null) throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    payloadHash = h;
  }

  const signer = new RecordingSigner({
    service: 's3',
    region: auth.scopeRegion,
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: token },
    sha256: Sha256,
    // S3 signs the path as sent, without the second encoding other services use.
    uriEscapePath: false,
    applyChecksum: false,
  });
  const headers: HeaderBag = {};
  for (const name of auth.signedHeaders) {
    const value = request.headers.get(name) ?? fallbackHeader(name, url, bodyLength);
    if (value !== undefined) headers[name] = value;
  }
  const base: HttpRequest = {
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    path: url.pathname,
    query: queryBag(url.searchParams, presigned ? QUERY_AUTH_PARAMS : []),
    headers,
  };

  let expected: string | undefined;
  if (presigned) {
    if (!signed.has('x-amz-content-sha256')) headers['x-amz-content-sha256'] = payloadHash;
    const result = await signer.presign(base, {
      signingDate: auth.date,
      expiresIn,
      signableHeaders: signed,
      unsignableHeaders: signed.has('x-amz-content-sha256') ? new Set() : new Set(['x-amz-content-sha256']),
      // Headers the client signed stay headers; the query already holds everything it hoisted.
      unhoistableHeaders: new Set([...auth.signedHeaders, 'x-amz-content-sha256'].filter((h) => h.startsWith('x-amz-'))),
    });
    expected = firstValue(result.query?.['X-Amz-Signature']);
  } else {
    const result = await signer.sign(base, { signingDate: auth.date, signableHeaders: signed });
    expected = /Signature=([0-9a-f]+)/.exec(String(result.headers.authorization))?.[1];
  }
  if (expected !== auth.signature) {
    throw new S3Error('SignatureDoesNotMatch', undefined, {
      AWSAccessKeyId: auth.accessKeyId,
      StringToSign: signer.stringToSign,
      SignatureProvided: auth.signature,
      // Like S3, but without the session token: error bodies end up in logs.
      CanonicalRequest: signer.canonicalRequest.split(token).join('<session token>').split(encodeURIComponent(token)).join('<session token>'),
    });
  }
  return { credentials: creds, presigned, payloadHash };
}

function parseHeaderAuth(header: string, headers: Headers): ParsedAuth {
  if (header.startsWith('AWS ')) {
    throw new S3Error('InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
  }
  if (!header.startsWith(`${ALGORITHM} `)) {
    throw new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; the authorization mechanism must be ${ALGORITHM}.`);
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const i = part.indexOf('=');
    if (i > 0) fields.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw new S3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.');
  }
  const longDate = headers.get('x-amz-date');
  if (longDate === null) throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  const date = parseLongDate(longDate);
  if (!date) throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  return { ...parseCredential(credential, 'AuthorizationHeaderMalformed'), signedHeaders: signedHeaders.split(';'), signature, date, longDate };
}

function parseQueryAuth(q: URLSearchParams): ParsedAuth {
  const missing = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Expires'].filter((p) => !q.get(p));
  if (missing.length) {
    throw new S3Error(
      'AuthorizationQueryParametersError',
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  if (q.get('X-Amz-Algorithm') !== ALGORITHM) {
    throw new S3Error('AuthorizationQueryParametersError', `X-Amz-Algorithm only supports "${ALGORITHM}"`);
  }
  const longDate = q.get('X-Amz-Date')!;
  const date = parseLongDate(longDate);
  if (!date) throw new S3Error('AuthorizationQueryParametersError', "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  return {
    ...parseCredential(q.get('X-Amz-Credential')!, 'AuthorizationQueryParametersError'),
    signedHeaders: q.get('X-Amz-SignedHeaders')!.split(';'),
    signature: q.get('X-Amz-Signature')!,
    date,
    longDate,
  };
}

function parseCredential(credential: string, code: string) {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !parts[0]) {
    throw new S3Error(code, `Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  }
  return { accessKeyId: parts[0], scopeDate: parts[1]!, scopeRegion: parts[2]!, scopeService: parts[3]! };
}

function checkScope(auth: ParsedAuth, region: string, presigned: boolean): void {
  const code = presigned ? 'AuthorizationQueryParametersError' : 'AuthorizationHeaderMalformed';
  if (auth.scopeDate !== auth.longDate.slice(0, 8)) {
    throw new S3Error(code, `Invalid credential date "${auth.scopeDate}". This date is not the same as X-Amz-Date: "${auth.longDate.slice(0, 8)}".`);
  }
  if (auth.scopeRegion !== region) {
    throw new S3Error(code, `The authorization header is malformed; the region '${auth.scopeRegion}' is wrong; expecting '${region}'`, { Region: region });
  }
  if (auth.scopeService !== 's3') {
    throw new S3Error(code, `The authorization header is malformed; incorrect service "${auth.scopeService}". This endpoint belongs to "s3".`);
  }
}

function presignExpiry(q: URLSearchParams): number {
  const raw = q.get('X-Amz-Expires')!;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new S3Error('AuthorizationQueryParametersError', 'X-Amz-Expires should be a number');
  if (n > MAX_PRESIGN_SECONDS) {
    throw new S3Error('AuthorizationQueryParametersError', 'X-Amz-Expires must be less than a week (in seconds) that is 604800');
  }
  return n;
}

function parseLongDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Headers a browser or service worker does not show but the client signed. */
function fallbackHeader(name: string, url: URL, bodyLength: number): string | undefined {
  if (name === 'host') return url.host;
  if (name === 'content-length') return String(bodyLength);
  return undefined;
}

function queryBag(params: URLSearchParams, drop: string[]): QueryParameterBag {
  const bag: QueryParameterBag = {};
  for (const [k, v] of params) {
    if (drop.includes(k)) continue;
    const prev = bag[k];
    if (prev === undefined) bag[k] = v;
    else bag[k] = Array.isArray(prev) ? [...prev, v] : [prev as string, v];
  }
  return bag;
}

function firstValue(v: string | (string | null)[] | null | undefined): string | undefined {
  if (Array.isArray(v)) return v[0] ?? undefined;
  return v ?? undefined;
}
