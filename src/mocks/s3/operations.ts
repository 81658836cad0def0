// Names the S3 operation of a request from its method and sub-resource query parameters, the way
// S3 dispatches (the SDK's informational x-id parameter is not trusted).

export type S3Operation =
  | 'ListBuckets'
  | 'HeadBucket'
  | 'ListObjectsV2'
  | 'ListObjects'
  | 'ListMultipartUploads'
  | 'DeleteObjects'
  | 'PutObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'CopyObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts'
  | 'Unsupported';

/** Sub-resources S3 knows but the emulation does not serve: they answer NotImplemented. */
const UNSUPPORTED_SUBRESOURCES = [
  'acl', 'tagging', 'attributes', 'retention', 'legal-hold', 'torrent', 'restore', 'select', 'versions',
  'cors', 'policy', 'lifecycle', 'location', 'logging', 'notification', 'replication', 'website',
  'encryption', 'versioning', 'accelerate', 'analytics', 'inventory', 'metrics', 'ownershipControls',
  'publicAccessBlock', 'requestPayment', 'object-lock', 'intelligent-tiering', 'policyStatus', 'renameObject',
];

export function s3Operation(method: string, query: URLSearchParams, headers: Headers, bucket: string | undefined, key: string | undefined): S3Operation {
  if (UNSUPPORTED_SUBRESOURCES.some((s) => query.has(s))) return 'Unsupported';
  if (bucket === undefined) return method === 'GET' ? 'ListBuckets' : 'Unsupported';
  if (key === undefined) {
    switch (method) {
      case 'GET':
        if (query.has('uploads')) return 'ListMultipartUploads';
        return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      case 'HEAD':
        return 'HeadBucket';
      case 'POST':
        return query.has('delete') ? 'DeleteObjects' : 'Unsupported';
      default:
        return 'Unsupported';
    }
  }
  switch (method) {
    case 'PUT':
      if (query.has('partNumber') || query.has('uploadId')) return headers.has('x-amz-copy-source') ? 'UploadPartCopy' : 'UploadPart';
      return headers.has('x-amz-copy-source') ? 'CopyObject' : 'PutObject';
    case 'GET':
      return query.has('uploadId') ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      if (query.has('uploadId')) return 'CompleteMultipartUpload';
      return 'Unsupported';
    default:
      return 'Unsupported';
  }
}
