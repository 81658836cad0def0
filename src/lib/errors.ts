// One error type for everything the storage core reports. `message` names the cause and the fix,
// in words a person can act on; `code` is S3's own code (or ours for non-S3 failures).

export type ErrorCode =
  | 'AccessDenied'
  | 'ExpiredToken'
  | 'InvalidAccessKeyId'
  | 'SignatureDoesNotMatch'
  | 'RequestTimeTooSkewed'
  | 'NoSuchBucket'
  | 'NoSuchKey'
  | 'NoSuchUpload'
  | 'AlreadyExists'
  | 'NetworkError'
  | 'InvalidKey'
  | 'Aborted'
  | 'LongTermCredentials'
  | 'TimeoutError'
  | 'TooLarge'
  | (string & {});

export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { status?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.code = code;
    this.status = opts.status;
    this.retryable = opts.retryable ?? false;
  }
}

// ExpiredToken is not here: the S3 client renews credentials and retries once by itself, so an
// ExpiredToken that reaches a caller means renewal did not help and repeating cannot either.
// RequestTimeTooSkewed is: the SDK corrects its clock offset from the failed answer.
const RETRYABLE_CODES = new Set([
  'InternalError',
  'SlowDown',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'NetworkError',
  'TimeoutError',
  'ConditionalRequestConflict',
  'TooManyRequestsException',
]);

/** Messages that say what went wrong and what to do about it. */
export function describe(code: string, status?: number, detail?: string): string {
  switch (code) {
    case 'AccessDenied':
      return 'Access denied: your identity may not do this here. Stay inside your own folder, or ask the operator to check the IAM role of the identity pool.';
    case 'ExpiredToken':
      return 'Your temporary credentials expired and could not be renewed. Reload the page or sign in again.';
    case 'InvalidAccessKeyId':
    case 'InvalidToken':
      return 'S3 does not recognise these credentials. Reload the page to get new temporary credentials; if it persists, check the identity pool and region in config.json.';
    case 'SignatureDoesNotMatch':
      return 'S3 rejected the request signature. Check that the region in config.json is the bucket\'s region and that the device clock is right.';
    case 'RequestTimeTooSkewed':
      return 'This device\'s clock is too far from S3\'s. Set the clock to the correct time and try again.';
    case 'NoSuchBucket':
      return 'The bucket does not exist. Check "bucket" and "region" in config.json.';
    case 'NoSuchKey':
      return 'That file no longer exists. Refresh the listing.';
    case 'NoSuchUpload':
      return 'The upload was cancelled or expired on the server. Start the upload again.';
    case 'AlreadyExists':
      return 'A file with this name already exists. Choose another name, or choose to replace it.';
    case 'NetworkError':
      return 'The request did not reach S3 (network or CORS failure). Check the connection; operators: the bucket\'s CORS must allow this origin and expose ETag.';
    case 'Aborted':
      return 'Cancelled.';
    case 'TimeoutError':
      return 'S3 did not answer in time. Check the connection and try again.';
    case 'LongTermCredentials':
      return 'Refusing long-term AWS keys: sessionbox only works with temporary credentials (with a session token). Configure a Cognito identity pool instead of access keys.';
    default:
      return `S3 answered ${code}${status ? ` (HTTP ${status})` : ''}${detail ? `: ${detail}` : ''}. Try again; if it persists, tell the operator this code.`;
  }
}

export function storageError(code: string, opts: { status?: number; detail?: string; cause?: unknown } = {}): StorageError {
  const status = opts.status;
  const retryable = RETRYABLE_CODES.has(code) || (status !== undefined && status >= 500);
  return new StorageError(code, describe(code, status, opts.detail), { status, retryable, cause: opts.cause });
}

export function isAbort(err: unknown): boolean {
  return (
    (err instanceof StorageError && err.code === 'Aborted') ||
    (err instanceof Error && err.name === 'AbortError')
  );
}
