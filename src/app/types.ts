// The slice of the storage core (src/lib/storage.ts) the UI uses. Kept structural so the state
// classes can be driven by a fake in tests; main.ts checks that the real Storage satisfies it.

import type { Entry, ListPage, UploadProgress } from '../lib/storage';
import type { PartRef } from '../lib/transport';

export type { Entry, ListPage, PartRef, UploadProgress };

export interface FileStore {
  readonly prefix: string;
  list(folder: string, opts?: { token?: string; maxKeys?: number; signal?: AbortSignal }): Promise<ListPage>;
  upload(
    path: string,
    body: Blob,
    opts?: {
      overwrite?: boolean;
      contentType?: string;
      onProgress?: (p: UploadProgress) => void;
      signal?: AbortSignal;
      /** Stops like `signal` but keeps a multipart upload on the server, for `resume`. */
      pauseSignal?: AbortSignal;
      /** `parts`: those recorded as sent before a reload; S3's ListParts still decides. */
      resume?: { uploadId: string; partSize?: number; parts?: PartRef[] };
      /** `kept`: parts a resume found on the server, of `partCount`. */
      onMultipartStarted?: (info: { uploadId: string; partSize: number; partCount?: number; kept?: PartRef[] }) => void;
      onPartUploaded?: (part: PartRef) => void;
      /** Each part's CRC32 with it (`crc32`), and parts recorded with one re-read on resume. */
      checksumParts?: boolean;
    },
  ): Promise<{ path: string; etag: string }>;
  /** Loads what uploads, downloads and changes need ahead of their first use (listing does not). */
  preload?(): Promise<void>;
  /** Aborts a multipart upload left by a pause or a reload (an upload already gone is fine). */
  abortUpload?(path: string, uploadId: string): Promise<void>;
  downloadUrl(path: string, opts?: { expiresIn?: number; filename?: string }): Promise<string>;
  delete(path: string): Promise<void>;
  deleteFolder(folder: string): Promise<number>;
  createFolder(path: string): Promise<void>;
  deleteMany(paths: string[]): Promise<void>;
  move(from: string, to: string, opts?: { overwrite?: boolean }): Promise<void>;
  /** Presigned inline URL with the Content-Type overridden (previews, thumbnails). */
  viewUrl(path: string, opts: { contentType: string; expiresIn?: number }): Promise<string>;
  /** Everything below a folder, any depth, without delimiter (search, zips). */
  listTree(folder: string, opts?: { token?: string; maxKeys?: number; signal?: AbortSignal }): Promise<ListPage>;
}
