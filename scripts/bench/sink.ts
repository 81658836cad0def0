// A loopback S3 sink for the upload benchmark: it speaks the calls a multipart upload makes
// (CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload, ListParts,
// PutObject), reads and discards every body byte, answers CORS preflights like an S3 bucket with a
// permissive CORS rule, and counts what it saw. It checks no signature: it measures the transfer,
// not S3. The in-memory emulation would hold a GiB in node's heap; this keeps the sink's cost at
// reading sockets.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkCounts {
  preflights: number;
  /** Operation name -> requests. */
  ops: Record<string, number>;
  /** Body bytes of part and object PUTs. */
  bytes: number;
  /** Sizes of completed objects, in completion order. */
  completed: number[];
  errors: string[];
  /** PUTs whose x-amz-content-sha256 is a real hash: the client read the body into JS to sign it. */
  signedPayloads: number;
}

export interface Sink {
  url: string;
  counts: SinkCounts;
  reset(): void;
  close(): Promise<void>;
}

const EXPOSE = 'ETag, x-amz-request-id, x-amz-version-id, Content-Length';
const METHODS = 'GET, PUT, POST, DELETE, HEAD';

function fresh(): SinkCounts {
  return { preflights: 0, ops: {}, bytes: 0, completed: [], errors: [], signedPayloads: 0 };
}

export async function startSink(): Promise<Sink> {
  let counts = fresh();
  /** uploadId -> part number -> size */
  const uploads = new Map<string, Map<number, number>>();
  let nextId = 1;

  const count = (op: string) => (counts.ops[op] = (counts.ops[op] ?? 0) + 1);

  const drain = (req: IncomingMessage): Promise<number> =>
    new Promise((resolve, reject) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => resolve(n));
      req.on('error', reject);
    });

  const text = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    const cors: Record<string, string> = origin
      ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSE, vary: 'Origin' }
      : {};
    const url = new URL(req.url ?? '/', 'http://sink');
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    const send = (status: number, body = '', headers: Record<string, string> = {}) => {
      res.writeHead(status, { ...cors, 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)), ...headers });
      res.end(body);
    };

    const hash = req.headers['x-amz-content-sha256'];
    if (method === 'PUT' && typeof hash === 'string' && /^[0-9a-f]{64}$/.test(hash)) counts.signedPayloads++;
    if (method === 'OPTIONS') {
      counts.preflights++;
      res.writeHead(200, {
        ...cors,
        'access-control-allow-methods': METHODS,
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
        'access-control-max-age': '3000',
        'content-length': '0',
      });
      res.end();
      return;
    }
    if (method === 'POST' && q.has('uploads')) {
      count('CreateMultipartUpload');
      await drain(req);
      const id = `u${nextId++}`;
      uploads.set(id, new Map());
      send(200, `<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
      return;
    }
    if (method === 'PUT' && q.has('partNumber')) {
      count('UploadPart');
      const n = Number(q.get('partNumber'));
      const size = await drain(req);
      counts.bytes += size;
      const parts = uploads.get(q.get('uploadId') ?? '');
      // Raw fetch runs send parts without creating an upload: accepted, only counted.
      parts?.set(n, size);
      send(200, '', { etag: `"${n.toString(16).padStart(8, '0')}${size.toString(16).padStart(24, '0')}"` });
      return;
    }
    if (method === 'POST' && q.has('uploadId')) {
      count('CompleteMultipartUpload');
      const body = await text(req);
      const id = q.get('uploadId') ?? '';
      const parts = uploads.get(id);
      if (!parts) return send(404, '<Error><Code>NoSuchUpload</Code><Message>unknown upload</Message></Error>');
      const listed = [...body.matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1]));
      const missing = listed.filter((n) => !parts.has(n));
      if (missing.length || listed.length === 0) {
        counts.errors.push(`complete ${id}: missing parts ${missing.join(',')}`);
        return send(400, '<Error><Code>InvalidPart</Code><Message>a part is missing</Message></Error>');
      }
      let total = 0;
      for (const n of listed) total += parts.get(n)!;
      counts.completed.push(total);
      uploads.delete(id);
      send(200, `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult><Location>x</Location><Bucket>b</Bucket><Key>k</Key><ETag>"sink-${listed.length}"</ETag></CompleteMultipartUploadResult>`);
      return;
    }
    if (method === 'DELETE' && q.has('uploadId')) {
      count('AbortMultipartUpload');
      await drain(req);
      uploads.delete(q.get('uploadId') ?? '');
      send(204);
      return;
    }
    if (method === 'GET' && q.has('uploadId')) {
      count('ListParts');
      const parts = uploads.get(q.get('uploadId') ?? '') ?? new Map<number, number>();
      const xml = [...parts].map(([n, s]) => `<Part><PartNumber>${n}</PartNumber><ETag>"p${n}"</ETag><Size>${s}</Size></Part>`).join('');
      send(200, `<?xml version="1.0" encoding="UTF-8"?><ListPartsResult><IsTruncated>false</IsTruncated>${xml}</ListPartsResult>`);
      return;
    }
    if (method === 'PUT') {
      count('PutObject');
      const size = await drain(req);
      counts.bytes += size;
      counts.completed.push(size);
      send(200, '', { etag: '"sink-put"' });
      return;
    }
    count(`${method} other`);
    await drain(req);
    send(404, '<Error><Code>NotImplemented</Code><Message>the benchmark sink does not do this</Message></Error>');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      counts.errors.push(String(err));
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get counts() {
      return counts;
    },
    reset() {
      counts = fresh();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
