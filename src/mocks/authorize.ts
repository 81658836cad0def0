// How the emulation decides whether an identity may make an S3 request. The demo uses the built-in
// prefix check below; node tests plug in an evaluator of the real IAM policies (infra-policies/).

export interface AuthorizationRequest {
  /** IAM action, e.g. "s3:PutObject", "s3:ListBucket". */
  action: string;
  bucket: string;
  /** Object key for object actions; undefined for bucket actions. */
  key?: string;
  /** The `prefix` query parameter of a ListObjectsV2 (s3:prefix), "" when absent. */
  listPrefix?: string;
  identityId: string;
  authenticated: boolean;
  /** Epoch ms at which the session credentials were issued (aws:TokenIssueTime). */
  tokenIssueTime: number;
  secureTransport: boolean;
}

export type Authorizer = (req: AuthorizationRequest) => boolean | Promise<boolean>;

/** Signed-in identities own `users/{id}/`, guests `uploads/{id}/` (the defaults in config.json). */
export const prefixAuthorizer: Authorizer = (req) => {
  const own = req.authenticated ? `users/${req.identityId}/` : `uploads/${req.identityId}/`;
  if (req.key !== undefined) return req.key.startsWith(own);
  if (req.action === 's3:ListBucket') return (req.listPrefix ?? '').startsWith(own);
  return false;
};
