// The UploadTransport over plain fetch, signed with aws4fetch (s3-fetch.ts): the widget's way to S3
// without the AWS SDK (which alone would be more than twice the widget's size budget). It speaks
// exactly the six calls the upload engine needs and maps failures to StorageError like s3.ts does.

import { StorageError } from './errors.ts';
import { answerError, escapeXml, s3Fetch, xmlValue } from './s3-fetch.ts';
import type { S3FetchOptions } from './s3-fetch.ts';
import type { ListedPart, UploadTransport } from './transport.ts';

export { xmlText, xmlValues } from './s3-fetch.ts';

export type FetchTransportOptions = S3FetchOptions;

function missingEtag(what: string): StorageError {
  return new StorageError(
    'MissingETag',
    `S3 accepted the ${what} but its answer had no ETag header, so the upload cannot be finished. Operators: the bucket's CORS configuration must list ETag in ExposeHeaders.`,
  );
}

/** An S3 UploadTransport over signed fetch requests. */
export function fetchTransport(opts: FetchTransportOptions): UploadTransport {
  const send = s3Fetch(opts);

  return {
    async putObject({ key, body, contentType, overwrite }, o) {
      const headers: Record<string, string> = {};
      if (contentType) headers['content-type'] = contentType;
      if (!overwrite) headers['if-none-match'] = '*';
      const res = await send('PUT', key, '', { headers, body }, o?.signal);
      return { etag: res.headers.get('etag') ?? throwError(missingEtag('file')) };
    },
    async createMultipartUpload({ key, contentType }, o) {
      const res = await send('POST', key, 'uploads=', { headers: contentType ? { 'content-type': contentType } : {} }, o?.signal);
      const uploadId = xmlValue(await res.text(), 'UploadId');
      if (!uploadId) throw new StorageError('MissingUploadId', 'S3 started a multipart upload without returning its id. Try again; if it persists, report this.');
      return { uploadId };
    },
    async uploadPart({ key, uploadId, partNumber, body }, o) {
      const res = await send('PUT', key, `partNumber=${partNumber}&uploadId=${encodeURIComponent(uploadId)}`, { body }, o?.signal);
      return { etag: res.headers.get('etag') ?? throwError(missingEtag(`part ${partNumber}`)) };
    },
    async completeMultipartUpload({ key, uploadId, parts, overwrite }, o) {
      const xml = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts
        .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`)
        .join('')}</CompleteMultipartUpload>`;
      const headers: Record<string, string> = { 'content-type': 'application/xml' };
      if (!overwrite) headers['if-none-match'] = '*';
      const res = await send('POST', key, `uploadId=${encodeURIComponent(uploadId)}`, { headers, body: xml }, o?.signal);
      const text = await res.text();
      // S3 may answer 200 and still fail: the error is then in the body.
      if (/<Error>/.test(text)) throw answerError(res.status, text);
      return { etag: xmlValue(text, 'ETag') ?? res.headers.get('etag') ?? throwError(missingEtag('completed upload')) };
    },
    async abortMultipartUpload({ key, uploadId }, o) {
      await send('DELETE', key, `uploadId=${encodeURIComponent(uploadId)}`, {}, o?.signal);
    },
    async listParts({ key, uploadId }, o) {
      const parts: ListedPart[] = [];
      let marker = '';
      for (;;) {
        const query = `uploadId=${encodeURIComponent(uploadId)}${marker ? `&part-number-marker=${encodeURIComponent(marker)}` : ''}`;
        const text = await (await send('GET', key, query, {}, o?.signal)).text();
        for (const m of text.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
          const part = m[1]!;
          const partNumber = Number(xmlValue(part, 'PartNumber'));
          const etag = xmlValue(part, 'ETag');
          if (partNumber > 0 && etag) parts.push({ partNumber, etag, size: Number(xmlValue(part, 'Size') ?? 0) });
        }
        const next = xmlValue(text, 'NextPartNumberMarker');
        if (xmlValue(text, 'IsTruncated') !== 'true' || !next) return parts;
        marker = next;
      }
    },
  };
}

function throwError(err: Error): never {
  throw err;
}
