// The local AWS emulation (Cognito Identity + S3) behind one framework-agnostic function,
// handle(Request) -> Response, wrapped as MSW handlers for node tests and the browser demo and
// served over real HTTP by http.ts. It is strict like AWS: every S3 request must carry a valid
// SigV4 signature from credentials it issued, and the Authorizer decides what each identity may do.

import { http, type RequestHandler } from 'msw';
import { prefixAuthorizer, type Authorizer } from './authorize.ts';
import { CognitoService, CognitoError, cognitoErrorResponse, cognitoOperation } from './cognito.ts';
import { Cors } from './cors.ts';
import { CredentialRegistry } from './credentials.ts';
import { Faults, type Fault } from './faults.ts';
import { Router, type Route } from './routing.ts';
import { randomString } from './encoding.ts';
import { S3Error, s3ErrorResponse } from './s3/errors.ts';
import { s3Operation } from './s3/operations.ts';
import { S3Service } from './s3/service.ts';
import { MemoryStore } from './store-memory.ts';
import type { ObjectStore } from './store.ts';

export type { Authorizer, AuthorizationRequest } from './authorize.ts';
export type { Fault, FaultRule } from './faults.ts';
export type { Faults } from './faults.ts';
export type { ObjectStore, StoredObject, MultipartUpload, UploadedPart, IdentityRecord } from './store.ts';

export interface EmulatorOptions {
  region: string;
  /** Buckets that exist; others answer NoSuchBucket. */
  buckets: string[];
  /** 'us-east-1:<uuid>' */
  identityPoolId: string;
  /** Default true. */
  allowGuests?: boolean;
  /** Default prefixAuthorizer (src/mocks/authorize.ts). */
  authorize?: Authorizer;
  /** Default in-memory. */
  store?: ObjectStore;
  /** Clock in epoch ms, for expiry and skew tests. Default Date.now. */
  now?: () => number;
  /** Default 3600. */
  credentialLifetimeSeconds?: number;
  /** Extra base URLs served besides the AWS hostnames, e.g. http://127.0.0.1:4566. */
  endpoints?: { s3?: string; cognitoIdentity?: string };
  /** Origins allowed by CORS (HTTP server mode); '*' and wildcards allowed. Default ['*']. */
  corsOrigins?: string[];
}

export interface RequestLogEntry {
  service: 's3' | 'cognito';
  /** S3 or Cognito operation name, e.g. PutObject, GetId; 'PreflightRequest' for CORS OPTIONS. */
  operation: string;
  key?: string;
  partNumber?: number;
  method: string;
  url: string;
  /** HTTP status answered; 0 while pending, and for dropped or hung requests. */
  status: number;
  /** The injected fault, if one applied: 'status' | 'delay' | 'drop' | 'hang' | 'hold' | 'expireCredentials'. */
  fault?: string;
}

export interface Emulator {
  /** Undefined when the request is not for an emulated service (MSW then passes it through). */
  handle(request: Request): Promise<Response | undefined>;
  /** MSW handlers wrapping handle(). */
  handlers: RequestHandler[];
  faults: Faults;
  store: ObjectStore;
  /** Every credential issued so far answers ExpiredToken from now on. */
  expireCredentials(): void;
  /** The most recent requests (at most REQUEST_LOG_LIMIT), oldest first. */
  requests: RequestLogEntry[];
  /** Serves another base URL (both services), e.g. the address an HTTP server listens on. */
  addEndpoint(baseUrl: string): void;
  /** Empties the store and the request log and removes all faults. Issued credentials stay valid. */
  reset(): Promise<void>;
  readonly options: Readonly<EmulatorOptions>;
}

/** The browser demo runs for days: an unbounded log would grow until the tab runs out of memory. */
export const REQUEST_LOG_LIMIT = 10_000;

export function createEmulator(opts: EmulatorOptions): Emulator {
  const now = opts.now ?? Date.now;
  const store = opts.store ?? new MemoryStore();
  const credentials = new CredentialRegistry(now, opts.credentialLifetimeSeconds ?? 3600);
  const faults = new Faults();
  const cors = new Cors(opts.corsOrigins ?? ['*']);
  const router = new Router();
  if (opts.endpoints?.s3) router.addEndpoint(opts.endpoints.s3, { s3: true });
  if (opts.endpoints?.cognitoIdentity) router.addEndpoint(opts.endpoints.cognitoIdentity, { cognito: true });
  const cognito = new CognitoService({ identityPoolId: opts.identityPoolId, allowGuests: opts.allowGuests ?? true, store, credentials, now });
  const s3 = new S3Service({ region: opts.region, buckets: opts.buckets, store, credentials, authorize: opts.authorize ?? prefixAuthorizer, now });
  const requests: RequestLogEntry[] = [];
  let ready: Promise<void> | undefined;

  async function handle(request: Request): Promise<Response | undefined> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return undefined;
    }
    const cognitoOp = cognitoOperation(request);
    const route = router.route(url, cognitoOp !== undefined);
    if (!route) return undefined;
    ready ??= store.ready();
    await ready;

    if (request.method === 'OPTIONS') {
      const entry = log(route, 'PreflightRequest', url, request);
      const response = cors.preflight(request);
      entry.status = response.status;
      return response;
    }

    const s3op = route.service === 's3' ? s3Operation(request.method, url.searchParams, request.headers, route.bucket, route.key) : undefined;
    const operation = s3op ?? cognitoOp ?? 'Unknown';
    const key = route.service === 's3' ? route.key : undefined;
    const part = url.searchParams.get('partNumber');
    const partNumber = s3op && part !== null && /^\d+$/.test(part) ? Number(part) : undefined;
    const entry = log(route, operation, url, request, key, partNumber);
    const fault = faults.take({ service: route.service, operation, ...(key !== undefined ? { key } : {}), ...(partNumber !== undefined ? { partNumber } : {}) });
    if (fault) entry.fault = faultName(fault);

    let response: Response;
    try {
      const early = await applyFault(fault, route, request, requestIsHead(request));
      if (early) response = early;
      else if (route.service === 's3') response = await s3.handle(request, url, route, s3op!);
      else response = await cognito.handle(request);
    } catch (err) {
      // The client went away mid-request (abort while the body was read, or during a delay).
      if (request.signal?.aborted) response = Response.error();
      else response = internalError(route, err, request);
    }
    entry.status = response.type === 'error' ? 0 : response.status;
    return cors.decorate(request, response);
  }

  function log(route: Route, operation: string, url: URL, request: Request, key?: string, partNumber?: number): RequestLogEntry {
    const entry: RequestLogEntry = { service: route.service, operation, method: request.method, url: redacted(url), status: 0 };
    if (key !== undefined) entry.key = key;
    if (partNumber !== undefined) entry.partNumber = partNumber;
    requests.push(entry);
    // In place: tests and the demo hold on to this array. shift(), not splice(0, n): V8 trims the
    // front of an array in O(1) for shift but copies all 10,000 entries for splice (35 µs a request).
    while (requests.length > REQUEST_LOG_LIMIT) requests.shift();
    return entry;
  }

  async function applyFault(fault: Fault | undefined, route: Route, request: Request, head: boolean): Promise<Response | undefined> {
    if (!fault) return undefined;
    if ('delayMs' in fault) {
      await sleep(fault.delayMs, request.signal);
      return undefined;
    }
    if ('expireCredentials' in fault) {
      credentials.expireAll();
      return undefined;
    }
    if ('drop' in fault) return Response.error();
    if ('hang' in fault) {
      await faults.hang(request.signal);
      return Response.error();
    }
    if ('hold' in fault) {
      await faults.hold(fault.hold, request.signal);
      if (request.signal?.aborted) return Response.error();
      return undefined;
    }
    if (route.service === 'cognito') {
      return cognitoErrorResponse(new CognitoError(fault.code ?? COGNITO_CODE_FOR_STATUS[fault.status] ?? 'InternalErrorException', fault.message ?? 'Injected fault', fault.status));
    }
    return s3ErrorResponse(S3Error.forStatus(fault.status, fault.code, fault.message), randomString(16, '0123456789ABCDEF'), { head });
  }

  const emulator: Emulator = {
    handle,
    handlers: [http.all('*', async ({ request }) => await handle(request))],
    faults,
    store,
    expireCredentials: () => credentials.expireAll(),
    requests,
    addEndpoint: (baseUrl) => router.addEndpoint(baseUrl, { s3: true, cognito: true }),
    async reset() {
      faults.clear();
      requests.length = 0;
      await store.clear();
    },
    options: opts,
  };
  return emulator;
}

const COGNITO_CODE_FOR_STATUS: Record<number, string> = {
  400: 'InvalidParameterException',
  403: 'NotAuthorizedException',
  404: 'ResourceNotFoundException',
  429: 'TooManyRequestsException',
  500: 'InternalErrorException',
};

/** The URL without the session token and signature of a presigned request: logs get printed. */
function redacted(url: URL): string {
  if (!url.searchParams.has('X-Amz-Security-Token') && !url.searchParams.has('X-Amz-Signature')) return url.href;
  const copy = new URL(url.href);
  for (const p of ['X-Amz-Security-Token', 'X-Amz-Signature']) if (copy.searchParams.has(p)) copy.searchParams.set(p, 'redacted');
  return copy.href;
}

function requestIsHead(request: Request): boolean {
  return request.method === 'HEAD';
}

function faultName(f: Fault): string {
  if ('status' in f) return 'status';
  if ('delayMs' in f) return 'delay';
  if ('drop' in f) return 'drop';
  if ('hang' in f) return 'hang';
  if ('hold' in f) return 'hold';
  return 'expireCredentials';
}

function internalError(route: Route, err: unknown, request: Request): Response {
  const message = `Emulation bug: ${err instanceof Error ? err.message : String(err)}`;
  console.error('[emulation]', err);
  if (route.service === 'cognito') return cognitoErrorResponse(new CognitoError('InternalErrorException', message, 500));
  return s3ErrorResponse(new S3Error('InternalError', message), randomString(16, '0123456789ABCDEF'), { head: requestIsHead(request) });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
