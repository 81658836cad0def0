// S3 error responses: the XML body and status codes S3 uses for each error code.

import { el, xmlDocument } from './xml.ts';

const ERRORS: Record<string, [number, string]> = {
  AccessDenied: [403, 'Access Denied'],
  AccessControlListNotSupported: [400, 'The bucket does not allow ACLs'],
  AuthorizationHeaderMalformed: [400, 'The authorization header is malformed.'],
  AuthorizationQueryParametersError: [400, 'Error parsing the X-Amz-Credential parameter.'],
  BadDigest: [400, 'The Content-MD5 you specified did not match what we received.'],
  ConditionalRequestConflict: [409, 'A conflicting conditional operation is currently in progress against this resource.'],
  EntityTooLarge: [400, 'Your proposed upload exceeds the maximum allowed size'],
  EntityTooSmall: [400, 'Your proposed upload is smaller than the minimum allowed size'],
  ExpiredToken: [400, 'The provided token has expired.'],
  IncompleteBody: [400, 'You did not provide the number of bytes specified by the Content-Length HTTP header.'],
  InternalError: [500, 'We encountered an internal error. Please try again.'],
  InvalidAccessKeyId: [403, 'The AWS Access Key Id you provided does not exist in our records.'],
  InvalidArgument: [400, 'Invalid Argument'],
  InvalidDigest: [400, 'The Content-MD5 you specified is not valid.'],
  InvalidURI: [400, "Couldn't parse the specified URI."],
  InvalidPart: [400, 'One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.'],
  InvalidPartOrder: [400, 'The list of parts was not in ascending order. Parts must be ordered by part number.'],
  InvalidRange: [416, 'The requested range is not satisfiable'],
  InvalidRequest: [400, 'Invalid Request'],
  InvalidToken: [400, 'The provided token is malformed or otherwise invalid.'],
  KeyTooLongError: [400, 'Your key is too long'],
  MalformedXML: [400, 'The XML you provided was not well-formed or did not validate against our published schema'],
  MethodNotAllowed: [405, 'The specified method is not allowed against this resource.'],
  NoSuchBucket: [404, 'The specified bucket does not exist'],
  NoSuchKey: [404, 'The specified key does not exist.'],
  NoSuchVersion: [404, 'The specified version does not exist.'],
  NoSuchUpload: [404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.'],
  NotImplemented: [501, 'A header you provided implies functionality that is not implemented'],
  PermanentRedirect: [301, 'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.'],
  PreconditionFailed: [412, 'At least one of the pre-conditions you specified did not hold'],
  RequestTimeTooSkewed: [403, 'The difference between the request time and the current time is too large.'],
  ServiceUnavailable: [503, 'Please reduce your request rate.'],
  SignatureDoesNotMatch: [403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'],
  SlowDown: [503, 'Please reduce your request rate.'],
  XAmzContentSHA256Mismatch: [400, "The provided 'x-amz-content-sha256' header does not match what was computed."],
};

/** The code a bare status stands for when a fault names none. */
const CODE_FOR_STATUS: Record<number, string> = {
  400: 'InvalidRequest',
  403: 'AccessDenied',
  404: 'NoSuchKey',
  405: 'MethodNotAllowed',
  409: 'ConditionalRequestConflict',
  412: 'PreconditionFailed',
  416: 'InvalidRange',
  500: 'InternalError',
  501: 'NotImplemented',
  503: 'SlowDown',
};

export class S3Error extends Error {
  readonly status: number;

  constructor(
    readonly code: string,
    message?: string,
    /** Extra elements S3 adds to the error document, e.g. Key, BucketName, UploadId. */
    readonly details: Record<string, string> = {},
    status?: number,
  ) {
    super(message ?? ERRORS[code]?.[1] ?? code);
    this.status = status ?? ERRORS[code]?.[0] ?? 400;
  }

  static forStatus(status: number, code?: string, message?: string): S3Error {
    return new S3Error(code ?? CODE_FOR_STATUS[status] ?? 'InternalError', message, {}, status);
  }
}

export function s3ErrorResponse(err: S3Error, requestId: string, opts: { head: boolean; headers?: Record<string, string> }): Response {
  const headers = new Headers(opts.headers);
  headers.set('x-amz-request-id', requestId);
  if (opts.head) return new Response(null, { status: err.status, headers });
  headers.set('content-type', 'application/xml');
  const body = xmlDocument(
    el('Error', [
      el('Code', err.code),
      el('Message', err.message),
      ...Object.entries(err.details).map(([k, v]) => el(k, v)),
      el('RequestId', requestId),
      el('HostId', hostId(requestId)),
    ]),
    undefined,
  );
  return new Response(body, { status: err.status, headers });
}

export function hostId(requestId: string): string {
  return btoa(`emulated-${requestId}`);
}
