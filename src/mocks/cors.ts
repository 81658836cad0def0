// S3-style CORS: preflight answers and the headers on actual responses, for a browser app talking to
// the emulation over real HTTP (scripts/local-aws.ts). Mirrors the bucket CORS rule the app needs:
// the methods it uses, any requested header, and ETag etc. exposed (multipart uploads read ETag).

const ALLOWED_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];
const EXPOSED_HEADERS = ['ETag', 'x-amz-version-id', 'x-amz-request-id', 'x-amz-id-2', 'Content-Length', 'Content-Range', 'Content-Type', 'Content-Disposition', 'Last-Modified', 'x-amz-checksum-crc32'];
const MAX_AGE_SECONDS = 3000;

export class Cors {
  private readonly patterns: RegExp[];

  /** `origins`: exact origins, '*' or wildcards like 'http://*.example.com'. */
  constructor(origins: string[]) {
    this.patterns = origins.map((o) => new RegExp(`^${o.split('*').map(escapeRegExp).join('.*')}$`));
  }

  allows(origin: string): boolean {
    return this.patterns.some((p) => p.test(origin));
  }

  /** The answer to an OPTIONS preflight. */
  preflight(request: Request): Response {
    const origin = request.headers.get('origin');
    const method = request.headers.get('access-control-request-method');
    if (!origin || !method) {
      return new Response('Insufficient information. Origin request header needed.', { status: 400 });
    }
    if (!this.allows(origin) || !ALLOWED_METHODS.includes(method.toUpperCase())) {
      return new Response('CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource\'s CORS spec.', {
        status: 403,
      });
    }
    const headers = new Headers({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': ALLOWED_METHODS.join(', '),
      'access-control-expose-headers': EXPOSED_HEADERS.join(', '),
      'access-control-max-age': String(MAX_AGE_SECONDS),
      vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    });
    const requested = request.headers.get('access-control-request-headers');
    if (requested) headers.set('access-control-allow-headers', requested);
    return new Response(null, { status: 200, headers });
  }

  /** Adds CORS headers to an actual response when the request came from an allowed origin. */
  decorate(request: Request, response: Response): Response {
    const origin = request.headers.get('origin');
    if (!origin || !this.allows(origin) || response.type === 'error') return response;
    response.headers.set('access-control-allow-origin', origin);
    response.headers.set('access-control-allow-methods', ALLOWED_METHODS.join(', '));
    response.headers.set('access-control-expose-headers', EXPOSED_HEADERS.join(', '));
    response.headers.set('access-control-max-age', String(MAX_AGE_SECONDS));
    response.headers.append('vary', 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
    return response;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
