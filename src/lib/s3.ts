// The S3 client as sessionbox needs it, the single mapping from SDK errors to StorageError, and
// the UploadTransport the upload engine drives through the SDK.

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { S3ClientConfig, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-s3';
import { FetchHttpHandler } from '@smithy/fetch-http-handler';
// What storage.ts needs from the SDK, so that one dynamic import('./s3.ts') brings all of it.
export { AbortMultipartUploadCommand, CopyObjectCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
export { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Command } from '@smithy/types';
import type { AppConfig } from './config.ts';
import { assertTemporary } from './credentials.ts';
import type { CredentialSource } from './credentials.ts';
import { StorageError, describe, isAbort, storageError } from './errors.ts';
import type { ListedPart, UploadTransport } from './transport.ts';

/** Codes after which fresh credentials may succeed where the old ones failed. */
const RENEW_CODES = new Set(['ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'InvalidAccessKeyId']);

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

function sdkCode(err: unknown): string | undefined {
  const e = err as SdkErrorShape | undefined;
  return e?.Code ?? e?.name;
}

// Browsers: "Failed to fetch" (Chromium), "NetworkError when attempting to fetch resource"
// (Firefox), "Load failed" (Safari). Node: fetch's "fetch failed", socket error codes.
const NETWORK_MESSAGE = /failed to fetch|networkerror|load failed|fetch failed|network error|socket hang up/i;
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET']);

/** The one place SDK and network failures become StorageError. */
export function toStorageError(err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  if (isAbort(err)) return new StorageError('Aborted', describe('Aborted'), { cause: err });
  const e = (err ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  if (e.name === 'TimeoutError' && status === undefined) return storageError('TimeoutError', { cause: err });
  if (status === undefined && e.$fault === undefined) {
    if (err instanceof TypeError || NETWORK_MESSAGE.test(String(e.message)) || NETWORK_CODES.has(String(e.code))) {
      return storageError('NetworkError', { cause: err });
    }
    const message = err instanceof Error ? err.message : String(err);
    return new StorageError('ClientError', `The request could not be made: ${message}. Reload the page; if it persists, report this message.`, { cause: err });
  }
  let code = sdkCode(err) ?? 'UnknownError';
  // 412 is how conditional writes (If-None-Match: *) say the name is taken.
  if (status === 412 || code === 'PreconditionFailed') code = 'AlreadyExists';
  // HEAD answers carry no body, so the SDK only knows the status.
  else if (code === 'NotFound' && status === 404) code = 'NoSuchKey';
  else if (code === 'Forbidden' && status === 403) code = 'AccessDenied';
  else if (code === 'Error' || code === 'UnknownError' || code === 'S3ServiceException') code = `HTTP${status ?? ''}`;
  return storageError(code, { status, detail: e.message && e.message !== code ? e.message : undefined, cause: err });
}

export type S3Overrides = Partial<S3ClientConfig>;

/**
 * An S3 client for the bucket in `config`, signing with `credentials`. The SDK does not retry
 * (the upload engine does, per part); it renews credentials and repeats a request once when S3
 * says they expired.
 */
export function createS3Client(config: AppConfig, credentials: CredentialSource, overrides: S3Overrides = {}): S3Client {
  // `memoized` stops the SDK from caching credentials itself: the source already does, and an
  // SDK-side cache would keep handing out the old keys after refresh().
  const provider = Object.assign(
    async () => {
      const c = await credentials.get();
      // Any CredentialSource, not only cognitoCredentials: long-term keys never sign a request.
      assertTemporary(c);
      return c;
    },
    { memoized: true },
  );
  const client = new S3Client({
    region: config.region,
    ...(config.endpoints.s3 ? { endpoint: config.endpoints.s3 } : {}),
    forcePathStyle: config.endpoints.forcePathStyle,
    // Without these the browser SDK tries to checksum Blob bodies and fails (aws-sdk-js-v3 #6834).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
    credentials: provider,
    // The browser's handler everywhere: Node's http handler cannot send Blob bodies, and tests
    // should exercise what the app runs. (It also never sends Expect: 100-continue.)
    requestHandler: new FetchHttpHandler(),
    ...overrides,
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      const used = await credentials.get();
      try {
        return await next(args);
      } catch (err) {
        if (!RENEW_CODES.has(sdkCode(err) ?? '')) throw err;
        // Parallel requests failing together renew once: only the first still sees the old keys.
        if ((await credentials.get()) === used) await credentials.refresh();
        // Initialize runs before identity resolution and signing, so this re-signs with the new
        // keys. Bodies here are Blobs or strings, which can be sent again.
        return await next(args);
      }
    },
    { step: 'initialize', name: 'sessionboxRenewCredentials', priority: 'high' },
  );
  return client;
}

/** client.send with cancellation and errors mapped to StorageError. */
export async function send<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
  client: S3Client,
  command: Command<ServiceInputTypes, I, ServiceOutputTypes, O, S3Client['config']>,
  signal?: AbortSignal,
): Promise<O> {
  try {
    return await client.send(command, signal ? { abortSignal: signal } : {});
  } catch (err) {
    if (signal?.aborted) throw new StorageError('Aborted', describe('Aborted'), { cause: err });
    throw toStorageError(err);
  }
}

function requireEtag(etag: string | undefined, what: string): string {
  if (!etag) {
    throw new StorageError(
      'MissingETag',
      `S3 accepted the ${what} but its answer had no ETag header, so the upload cannot be finished. Operators: the bucket's CORS configuration must list ETag in ExposeHeaders.`,
    );
  }
  return etag;
}

/** The UploadTransport over the AWS SDK. It cannot observe request body progress (fetch cannot). */
export function sdkTransport(client: S3Client, bucket: string): UploadTransport {
  return {
    async putObject({ key, body, contentType, overwrite }, opts) {
      const out = await send(
        client,
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentLength: body.size,
          ...(overwrite ? {} : { IfNoneMatch: '*' }),
        }),
        opts?.signal,
      );
      return { etag: requireEtag(out.ETag, 'file') };
    },
    async createMultipartUpload({ key, contentType }, opts) {
      const out = await send(client, new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }), opts?.signal);
      if (!out.UploadId) throw new StorageError('MissingUploadId', 'S3 started a multipart upload without returning its id. Try again; if it persists, report this.');
      return { uploadId: out.UploadId };
    },
    async uploadPart({ key, uploadId, partNumber, body }, opts) {
      const out = await send(
        client,
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.size }),
        opts?.signal,
      );
      return { etag: requireEtag(out.ETag, `part ${partNumber}`) };
    },
    async completeMultipartUpload({ key, uploadId, parts, overwrite }, opts) {
      const out = await send(
        client,
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
          ...(overwrite ? {} : { IfNoneMatch: '*' }),
        }),
        opts?.signal,
      );
      return { etag: requireEtag(out.ETag, 'completed upload') };
    },
    async abortMultipartUpload({ key, uploadId }, opts) {
      await send(client, new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }), opts?.signal);
    },
    async listParts({ key, uploadId }, opts) {
      const parts: ListedPart[] = [];
      let marker: string | undefined;
      for (;;) {
        const out = await send(
          client,
          new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, ...(marker ? { PartNumberMarker: marker } : {}) }),
          opts?.signal,
        );
        for (const p of out.Parts ?? []) {
          if (p.PartNumber !== undefined && p.ETag) parts.push({ partNumber: p.PartNumber, etag: p.ETag, size: p.Size ?? 0 });
        }
        if (!out.IsTruncated || !out.NextPartNumberMarker) return parts;
        marker = out.NextPartNumberMarker;
      }
    },
  };
}
