// The narrow interface the upload engine drives S3 through. It knows no SDK types, so the app
// (AWS SDK) and the widget (signed fetch) can share one engine.

export interface PartRef {
  partNumber: number;
  etag: string;
  /**
   * Local record only, never sent to S3: CRC32 of the part's bytes as read from the file (base64
   * of the big-endian value, like x-amz-checksum-crc32), where the upload computed one.
   */
  crc32?: string;
}

export interface ListedPart extends PartRef {
  size: number;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Bytes of this request's body sent so far, where the transport can observe them. */
  onProgress?: (loaded: number) => void;
}

export interface UploadTransport {
  putObject(
    req: { key: string; body: Blob; contentType?: string; overwrite: boolean },
    opts?: RequestOptions,
  ): Promise<{ etag: string }>;
  createMultipartUpload(
    req: { key: string; contentType?: string },
    opts?: RequestOptions,
  ): Promise<{ uploadId: string }>;
  uploadPart(
    req: { key: string; uploadId: string; partNumber: number; body: Blob },
    opts?: RequestOptions,
  ): Promise<{ etag: string }>;
  completeMultipartUpload(
    req: { key: string; uploadId: string; parts: PartRef[]; overwrite: boolean },
    opts?: RequestOptions,
  ): Promise<{ etag: string }>;
  abortMultipartUpload(req: { key: string; uploadId: string }, opts?: RequestOptions): Promise<void>;
  listParts(req: { key: string; uploadId: string }, opts?: RequestOptions): Promise<ListedPart[]>;
}
