// The emulated S3 request pipeline: bucket and region checks, SigV4 authentication, payload
// verification, then the operation with the Authorizer consulted for every IAM action.

import type { Authorizer } from '../authorize.ts';
import type { CredentialRegistry } from '../credentials.ts';
import { randomString, utf8Length } from '../encoding.ts';
import type { S3Route } from '../routing.ts';
import type { ObjectStore } from '../store.ts';
import type { AuthorizeTarget, S3Context } from './context.ts';
import { hostId, S3Error, s3ErrorResponse } from './errors.ts';
import { listObjectsV1, listObjectsV2, headBucket } from './list.ts';
import { abortMultipartUpload, completeMultipartUpload, createMultipartUpload, listMultipartUploads, listParts, uploadPart } from './multipart.ts';
import { copyObject, deleteObject, deleteObjects, getObject, putObject } from './objects.ts';
import type { S3Operation } from './operations.ts';
import { readPayload } from './payload.ts';
import { authenticate } from './sigv4.ts';
import { xmlResponse } from './context.ts';
import { el } from './xml.ts';

export interface S3ServiceOptions {
  region: string;
  buckets: string[];
  store: ObjectStore;
  credentials: CredentialRegistry;
  authorize: Authorizer;
  now: () => number;
}

export class S3Service {
  private readonly buckets: Set<string>;

  constructor(private readonly opts: S3ServiceOptions) {
    this.buckets = new Set(opts.buckets);
  }

  async handle(request: Request, url: URL, route: S3Route, operation: S3Operation): Promise<Response> {
    const requestId = randomString(16, '0123456789ABCDEF');
    const head = request.method === 'HEAD';
    let response: Response;
    try {
      response = await this.run(request, url, route, operation);
    } catch (err) {
      if (!(err instanceof S3Error)) throw err;
      const headers: Record<string, string> = {};
      if (err.code === 'PermanentRedirect') headers['x-amz-bucket-region'] = this.opts.region;
      response = s3ErrorResponse(err, requestId, { head, headers });
    }
    response.headers.set('x-amz-request-id', requestId);
    response.headers.set('x-amz-id-2', hostId(requestId));
    response.headers.set('server', 'AmazonS3');
    return response;
  }

  private async run(request: Request, url: URL, route: S3Route, operation: S3Operation): Promise<Response> {
    const { region, store, now } = this.opts;
    if (route.badKey) throw new S3Error('InvalidURI');
    if (operation === 'Unsupported') {
      throw new S3Error('NotImplemented', `The emulation does not implement ${request.method} ${url.pathname}${url.search ? ` with ?${[...url.searchParams.keys()].join('&')}` : ''}.`);
    }
    const bucket = route.bucket;
    if (bucket !== undefined && !this.buckets.has(bucket)) throw new S3Error('NoSuchBucket', undefined, { BucketName: bucket });

    const raw = new Uint8Array(await request.arrayBuffer());
    const arrival = now();
    // A signature scoped to the wrong region fails here already (AuthorizationHeaderMalformed), as on S3.
    const caller = await authenticate(request, url, raw.length, { credentials: this.opts.credentials, now: arrival, region });
    if (bucket !== undefined && route.hostRegion && route.hostRegion !== region) {
      throw new S3Error('PermanentRedirect', undefined, { Bucket: bucket, Endpoint: `${bucket}.s3.${region}.amazonaws.com` });
    }
    const payload = await readPayload(raw, request.headers, caller.payloadHash, caller.presigned ? url.searchParams : undefined);

    const key = route.key;
    if (key !== undefined && utf8Length(key) > 1024) throw new S3Error('KeyTooLongError', undefined, { Size: String(utf8Length(key)), MaxSizeAllowed: '1024' });
    // Buckets are created with Object Ownership "bucket owner enforced": ACLs are refused, as by the real bucket.
    const acl = request.headers.get('x-amz-acl');
    if ((acl !== null && acl !== 'bucket-owner-full-control') || [...request.headers.keys()].some((h) => h.startsWith('x-amz-grant-'))) {
      throw new S3Error('AccessControlListNotSupported');
    }
    const versionId = url.searchParams.get('versionId');
    if (versionId !== null && versionId !== 'null') throw new S3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: 'versionId', ArgumentValue: versionId });

    const allowed = async (action: string, target: AuthorizeTarget = {}): Promise<boolean> =>
      await this.opts.authorize({
        action,
        bucket: target.bucket ?? bucket ?? '',
        ...(target.key !== undefined ? { key: target.key } : {}),
        ...(target.listPrefix !== undefined ? { listPrefix: target.listPrefix } : {}),
        identityId: caller.credentials.identityId,
        authenticated: caller.credentials.authenticated,
        tokenIssueTime: caller.credentials.issuedAt,
        secureTransport: route.secure,
      });
    const authorize = async (action: string, target?: AuthorizeTarget): Promise<void> => {
      if (!(await allowed(action, target))) throw new S3Error('AccessDenied');
    };

    if (bucket === undefined) {
      await authorize('s3:ListAllMyBuckets');
      return xmlResponse(
        el('ListAllMyBucketsResult', [
          el('Owner', [el('ID', 'emulation'), el('DisplayName', 'emulation')]),
          el('Buckets', [...this.buckets].map((b) => el('Bucket', [el('Name', b), el('CreationDate', '2024-01-01T00:00:00.000Z'), el('BucketRegion', region)]))),
        ]),
      );
    }

    const ctx: S3Context = {
      store,
      bucket,
      key,
      method: request.method,
      url,
      query: url.searchParams,
      headers: request.headers,
      body: payload.body,
      ...(payload.checksumCrc32 ? { checksumCrc32: payload.checksumCrc32 } : {}),
      caller,
      now: arrival,
      region,
      allowed,
      authorize,
    };
    switch (operation) {
      case 'PutObject':
        return putObject(ctx);
      case 'GetObject':
      case 'HeadObject':
        return getObject(ctx);
      case 'DeleteObject':
        return deleteObject(ctx);
      case 'CopyObject':
        return copyObject(ctx, (name) => this.buckets.has(name));
      case 'DeleteObjects':
        return deleteObjects(ctx);
      case 'ListObjectsV2':
        return listObjectsV2(ctx);
      case 'ListObjects':
        return listObjectsV1();
      case 'HeadBucket':
        return headBucket(ctx);
      case 'CreateMultipartUpload':
        return createMultipartUpload(ctx);
      case 'UploadPart':
        return uploadPart(ctx);
      case 'CompleteMultipartUpload':
        return completeMultipartUpload(ctx);
      case 'AbortMultipartUpload':
        return abortMultipartUpload(ctx);
      case 'ListParts':
        return listParts(ctx);
      case 'ListMultipartUploads':
        return listMultipartUploads(ctx);
      default:
        throw new S3Error('NotImplemented', `The emulation does not implement ${operation}.`);
    }
  }
}
