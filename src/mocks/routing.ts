// Which emulated service a URL belongs to: AWS hostnames (virtual-hosted and path-style S3, Cognito
// Identity) and configured base endpoints such as http://127.0.0.1:4566 (path style, or bucket.host).

export interface S3Route {
  service: 's3';
  /** Undefined for service-level requests (ListBuckets). */
  bucket?: string;
  /** Decoded object key; undefined for bucket-level requests. */
  key?: string;
  /** The raw path segment of the key could not be percent-decoded. */
  badKey?: boolean;
  /** Region named by an AWS hostname (undefined: global endpoint or custom endpoint). */
  hostRegion?: string;
  style: 'virtual' | 'path';
  secure: boolean;
}

export interface CognitoRoute {
  service: 'cognito';
  hostRegion?: string;
}

export type Route = S3Route | CognitoRoute;

const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d+';
const S3_HOST = new RegExp(`^(?:(.+)\\.)?s3(?:\\.dualstack)?(?:[.-](${REGION}))?\\.amazonaws\\.com$`);
const COGNITO_HOST = new RegExp(`^cognito-identity(?:-fips)?\\.(${REGION})\\.amazonaws\\.com$`);

interface Endpoint {
  origin: string;
  host: string;
  protocol: string;
  /** Base path without a trailing slash ('' for the root). */
  path: string;
  s3: boolean;
  cognito: boolean;
}

export class Router {
  private readonly endpoints: Endpoint[] = [];

  addEndpoint(base: string, services: { s3?: boolean; cognito?: boolean }): void {
    const url = new URL(base);
    const path = url.pathname.replace(/\/+$/, '');
    const existing = this.endpoints.find((e) => e.origin === url.origin && e.path === path);
    if (existing) {
      existing.s3 ||= !!services.s3;
      existing.cognito ||= !!services.cognito;
      return;
    }
    this.endpoints.push({ origin: url.origin, host: url.host, protocol: url.protocol, path, s3: !!services.s3, cognito: !!services.cognito });
  }

  /** `isCognitoCall`: the request carries Cognito's X-Amz-Target (shared endpoints serve both services). */
  route(url: URL, isCognitoCall: boolean): Route | undefined {
    const secure = url.protocol === 'https:';
    const host = url.hostname.toLowerCase();

    const cognito = COGNITO_HOST.exec(host);
    if (cognito) return url.pathname === '/' ? { service: 'cognito', hostRegion: cognito[1] } : undefined;

    const s3 = S3_HOST.exec(host);
    if (s3) {
      const [, bucket, hostRegion] = s3;
      if (bucket) return { ...objectPath(bucket, url.pathname), hostRegion, style: 'virtual', secure };
      return { ...pathStyle(url.pathname), hostRegion, style: 'path', secure };
    }

    for (const e of this.endpoints) {
      if (url.origin === e.origin && (url.pathname === e.path || url.pathname.startsWith(`${e.path}/`))) {
        if (e.cognito && isCognitoCall && url.pathname.replace(/\/$/, '') === e.path) return { service: 'cognito' };
        if (e.s3) return { ...pathStyle(url.pathname.slice(e.path.length)), style: 'path', secure };
      }
      // bucket.localhost:4566 style, when a custom endpoint is used without forcePathStyle.
      if (e.s3 && url.protocol === e.protocol && url.host.endsWith(`.${e.host}`) && url.pathname.startsWith(`${e.path}/`)) {
        const bucket = url.host.slice(0, -e.host.length - 1);
        return { ...objectPath(bucket, url.pathname.slice(e.path.length)), style: 'virtual', secure };
      }
    }
    return undefined;
  }
}

function pathStyle(path: string): Pick<S3Route, 'service' | 'bucket' | 'key' | 'badKey'> {
  const m = /^\/([^/]+)(\/.*)?$/.exec(path);
  if (!m) return { service: 's3' };
  return objectPath(m[1]!, m[2] ?? '/');
}

function objectPath(bucket: string, path: string): Pick<S3Route, 'service' | 'bucket' | 'key' | 'badKey'> {
  const raw = path.replace(/^\//, '');
  if (raw === '') return { service: 's3', bucket };
  try {
    return { service: 's3', bucket, key: decodeURIComponent(raw) };
  } catch {
    return { service: 's3', bucket, key: raw, badKey: true };
  }
}
