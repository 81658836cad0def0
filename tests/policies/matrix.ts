// The cases that prove what the policy files allow and refuse. Each case names one request and the
// decision IAM must reach for it; `runCase` asks iam-simulate with the policies that apply to the
// caller (its identity policy and, for the data bucket, the bucket policy).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ISSUED_AT,
  loadPolicies,
  POLICY_DIR,
  PLACEHOLDERS,
  principalOf,
  simulate,
  substituteSub,
  mapStrings,
  type Decision,
  type PolicyDocument,
  type PolicyFile,
  type SimResult,
  type Statement,
} from './iam.ts';

export type Policies = Record<PolicyFile, PolicyDocument> & {
  /** Extra bucket-policy statement from the README (only role sessions), proven here too. */
  rolesOnlySnippet: Statement;
};

const { bucket, account, identityPoolId } = PLACEHOLDERS;

export const SNIPPET_MARKER = '<!-- tested-snippet: roles-only -->';

/** The bucket-policy statement the README offers for accepting role sessions only. */
export function readmeSnippet(dir = POLICY_DIR): Statement {
  const text = readFileSync(join(dir, 'README.md'), 'utf8');
  const at = text.indexOf(SNIPPET_MARKER);
  if (at < 0) throw new Error(`README.md has no ${SNIPPET_MARKER} marker before the roles-only statement`);
  const m = /```json\n([\s\S]*?)\n```/.exec(text.slice(at));
  if (!m) throw new Error('README.md: no ```json block after the roles-only marker');
  return JSON.parse(m[1]!) as Statement;
}

export function loadMatrixPolicies(dir = POLICY_DIR): Policies {
  return { ...loadPolicies(dir), rolesOnlySnippet: readmeSnippet(dir) };
}
export const OWN = 'us-east-1:0a0a0a0a-1111-4111-8111-0a0a0a0a0a0a';
export const OTHER = 'us-east-1:0b0b0b0b-2222-4222-8222-0b0b0b0b0b0b';
// Prefix-collision pair: a policy that forgot the "/" after the id would let ABC reach ABCD.
export const ABC = 'us-east-1:ABC';
export const ABCD = 'us-east-1:ABCD';
export const IAM_USER = 'alice';

const obj = (key: string, b: string = bucket) => `arn:aws:s3:::${b}/${key}`;
const bucketArn = (b: string = bucket) => `arn:aws:s3:::${b}`;

export type Who =
  /** Cognito credentials of a signed-in identity (authenticated role). */
  | { as: 'signed-in'; sub: string }
  /** Cognito credentials of a guest / the widget (unauthenticated role). */
  | { as: 'guest'; sub: string }
  /** An IAM user with iam-user-policy-session-only.json, calling with its GetSessionToken session. */
  | { as: 'iam-user-session' }
  /** The same IAM user calling with its access keys. */
  | { as: 'iam-user-keys' }
  /**
   * Not a real credential: access keys carrying a Cognito role's policy with the variable resolved.
   * It shows that each Null condition holds on its own, without the bucket policy behind it.
   */
  | { as: 'keys-with-role-policy'; role: 'authenticated' | 'guest'; sub: string }
  /** An AWS service principal (e.g. S3 server access logging) writing into the bucket. */
  | { as: 'service'; service: string };

export interface S3Case {
  name: string;
  who: Who;
  action: string;
  resource: string;
  /** s3:prefix of a ListBucket; undefined sends no prefix at all. */
  prefix?: string;
  insecure?: boolean;
  /** Which bucket policy the data bucket has: the file (default), none, or a documented variant. */
  bucketPolicy?: 'file' | 'none' | 'exempt-iam-user' | 'roles-only' | 'with-log-delivery-grant';
  expect: Decision;
}

export interface TrustCase {
  name: string;
  file: 'trust-policy-authenticated.json' | 'trust-policy-guest.json';
  principal: string;
  action?: string;
  context: Record<string, string | string[]>;
  expect: Decision;
}

const APP_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];
const FORBIDDEN_OBJECT_ACTIONS = ['s3:PutObjectAcl', 's3:GetObjectAcl'];

const signedIn = (sub = OWN): Who => ({ as: 'signed-in', sub });
const guest = (sub = OWN): Who => ({ as: 'guest', sub });

export const S3_CASES: S3Case[] = [
  // --- signed-in identity, Cognito temporary credentials, own prefix: everything the app uses
  ...APP_ACTIONS.map((action): S3Case => ({ name: `signed-in ${action} own prefix`, who: signedIn(), action, resource: obj(`users/${OWN}/report.pdf`), expect: 'Allowed' })),
  { name: 'signed-in s3:GetObject own nested folder', who: signedIn(), action: 's3:GetObject', resource: obj(`users/${OWN}/a/b/c d (1).txt`), expect: 'Allowed' },
  { name: 'signed-in s3:PutObject folder marker', who: signedIn(), action: 's3:PutObject', resource: obj(`users/${OWN}/new folder/`), expect: 'Allowed' },
  // --- another identity's prefix, the guest area, the bucket root, another bucket
  ...['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'].map((action): S3Case => ({ name: `signed-in ${action} another sub's prefix`, who: signedIn(), action, resource: obj(`users/${OTHER}/report.pdf`), expect: 'ImplicitlyDenied' })),
  { name: 'signed-in s3:GetObject own id under uploads/ (guest area)', who: signedIn(), action: 's3:GetObject', resource: obj(`uploads/${OWN}/x`), expect: 'ImplicitlyDenied' },
  { name: 'signed-in s3:GetObject bucket root key', who: signedIn(), action: 's3:GetObject', resource: obj('x.txt'), expect: 'ImplicitlyDenied' },
  { name: 'signed-in s3:PutObject into parent users/', who: signedIn(), action: 's3:PutObject', resource: obj('users/x.txt'), expect: 'ImplicitlyDenied' },
  { name: 'signed-in s3:PutObject key equal to own id without slash', who: signedIn(), action: 's3:PutObject', resource: obj(`users/${OWN}`), expect: 'ImplicitlyDenied' },
  { name: 'signed-in s3:GetObject same key in another bucket', who: signedIn(), action: 's3:GetObject', resource: obj(`users/${OWN}/report.pdf`, 'other-bucket'), expect: 'ImplicitlyDenied' },
  // --- prefix collision ABC / ABCD
  { name: 'collision: ABC s3:GetObject in ABCD/', who: signedIn(ABC), action: 's3:GetObject', resource: obj(`users/${ABCD}/x`), expect: 'ImplicitlyDenied' },
  { name: 'collision: ABC s3:PutObject in ABCD/', who: signedIn(ABC), action: 's3:PutObject', resource: obj(`users/${ABCD}/x`), expect: 'ImplicitlyDenied' },
  { name: 'collision: ABCD s3:GetObject in ABC/', who: signedIn(ABCD), action: 's3:GetObject', resource: obj(`users/${ABC}/x`), expect: 'ImplicitlyDenied' },
  { name: 'collision: ABC s3:GetObject own ABC/ (control)', who: signedIn(ABC), action: 's3:GetObject', resource: obj(`users/${ABC}/x`), expect: 'Allowed' },
  { name: 'collision: ABC s3:ListBucket prefix users/ABCD/', who: signedIn(ABC), action: 's3:ListBucket', resource: bucketArn(), prefix: `users/${ABCD}/`, expect: 'ImplicitlyDenied' },
  { name: 'collision: ABC s3:ListBucket prefix users/ABC (no slash, would list ABCD too)', who: signedIn(ABC), action: 's3:ListBucket', resource: bucketArn(), prefix: `users/${ABC}`, expect: 'ImplicitlyDenied' },
  { name: 'guest collision: ABC s3:PutObject in uploads/ABCD/', who: guest(ABC), action: 's3:PutObject', resource: obj(`uploads/${ABCD}/x`), expect: 'ImplicitlyDenied' },
  // --- list prefixes
  { name: 'signed-in s3:ListBucket prefix own', who: signedIn(), action: 's3:ListBucket', resource: bucketArn(), prefix: `users/${OWN}/`, expect: 'Allowed' },
  { name: 'signed-in s3:ListBucket prefix own subfolder', who: signedIn(), action: 's3:ListBucket', resource: bucketArn(), prefix: `users/${OWN}/photos/2024/`, expect: 'Allowed' },
  { name: 'signed-in s3:ListBucket prefix parent users/', who: signedIn(), action: 's3:ListBucket', resource: bucketArn(), prefix: 'users/', expect: 'ImplicitlyDenied' },
  { name: 'signed-in s3:ListBucket prefix sibling', who: signedIn(), action: 's3:ListBucket', resource: bucketArn(), prefix: `users/${OTHER}/`, expect: 'ImplicitlyDenied' },
  { name: 'signed-in s3:ListBucket empty prefix', who: signedIn(), action: 's3:ListBucket', resource: bucketArn(), prefix: '', expect: 'ImplicitlyDenied' },
  { name: 'signed-in s3:ListBucket no prefix', who: signedIn(), action: 's3:ListBucket', resource: bucketArn(), expect: 'ImplicitlyDenied' },
  { name: 'signed-in s3:ListBucket another bucket, own prefix', who: signedIn(), action: 's3:ListBucket', resource: bucketArn('other-bucket'), prefix: `users/${OWN}/`, expect: 'ImplicitlyDenied' },
  // --- actions the app must never get
  ...FORBIDDEN_OBJECT_ACTIONS.map((action): S3Case => ({ name: `signed-in ${action} own object`, who: signedIn(), action, resource: obj(`users/${OWN}/report.pdf`), expect: 'ImplicitlyDenied' })),
  { name: 'signed-in s3:PutBucketPolicy', who: signedIn(), action: 's3:PutBucketPolicy', resource: bucketArn(), expect: 'ImplicitlyDenied' },
  { name: 'signed-in s3:DeleteBucket', who: signedIn(), action: 's3:DeleteBucket', resource: bucketArn(), expect: 'ImplicitlyDenied' },
  { name: 'signed-in s3:ListAllMyBuckets', who: signedIn(), action: 's3:ListAllMyBuckets', resource: '*', expect: 'ImplicitlyDenied' },
  { name: 'signed-in s3:ListBucketMultipartUploads', who: signedIn(), action: 's3:ListBucketMultipartUploads', resource: bucketArn(), expect: 'ImplicitlyDenied' },
  // --- transport
  { name: 'signed-in s3:GetObject own over plain HTTP', who: signedIn(), action: 's3:GetObject', resource: obj(`users/${OWN}/report.pdf`), insecure: true, expect: 'ExplicitlyDenied' },
  { name: 'signed-in s3:ListBucket own over plain HTTP', who: signedIn(), action: 's3:ListBucket', resource: bucketArn(), prefix: `users/${OWN}/`, insecure: true, expect: 'ExplicitlyDenied' },
  { name: 'guest s3:PutObject own over plain HTTP', who: guest(), action: 's3:PutObject', resource: obj(`uploads/${OWN}/x`), insecure: true, expect: 'ExplicitlyDenied' },

  // --- guest / widget: write-only drop box
  { name: 'guest s3:PutObject own drop box', who: guest(), action: 's3:PutObject', resource: obj(`uploads/${OWN}/photo.jpg`), expect: 'Allowed' },
  { name: 'guest s3:AbortMultipartUpload own drop box', who: guest(), action: 's3:AbortMultipartUpload', resource: obj(`uploads/${OWN}/big.bin`), expect: 'Allowed' },
  { name: 'guest s3:ListMultipartUploadParts own drop box', who: guest(), action: 's3:ListMultipartUploadParts', resource: obj(`uploads/${OWN}/big.bin`), expect: 'Allowed' },
  { name: 'guest s3:GetObject own drop box', who: guest(), action: 's3:GetObject', resource: obj(`uploads/${OWN}/photo.jpg`), expect: 'ImplicitlyDenied' },
  { name: 'guest s3:DeleteObject own drop box', who: guest(), action: 's3:DeleteObject', resource: obj(`uploads/${OWN}/photo.jpg`), expect: 'ImplicitlyDenied' },
  { name: 'guest s3:ListBucket own drop box', who: guest(), action: 's3:ListBucket', resource: bucketArn(), prefix: `uploads/${OWN}/`, expect: 'ImplicitlyDenied' },
  { name: 'guest s3:PutObject another sub\'s drop box', who: guest(), action: 's3:PutObject', resource: obj(`uploads/${OTHER}/x`), expect: 'ImplicitlyDenied' },
  { name: 'guest s3:PutObject into users/ with own id', who: guest(), action: 's3:PutObject', resource: obj(`users/${OWN}/x`), expect: 'ImplicitlyDenied' },
  { name: 'guest s3:PutObject bucket root', who: guest(), action: 's3:PutObject', resource: obj('x'), expect: 'ImplicitlyDenied' },
  { name: 'guest s3:PutObjectAcl own drop box', who: guest(), action: 's3:PutObjectAcl', resource: obj(`uploads/${OWN}/x`), expect: 'ImplicitlyDenied' },
  { name: 'guest s3:PutObject another bucket', who: guest(), action: 's3:PutObject', resource: obj(`uploads/${OWN}/x`, 'other-bucket'), expect: 'ImplicitlyDenied' },

  // --- long-term keys: the bucket policy denies them outright...
  { name: 'long-term keys + role policy: s3:GetObject own prefix (bucket policy)', who: { as: 'keys-with-role-policy', role: 'authenticated', sub: OWN }, action: 's3:GetObject', resource: obj(`users/${OWN}/x`), expect: 'ExplicitlyDenied' },
  { name: 'long-term keys + role policy: s3:ListBucket own prefix (bucket policy)', who: { as: 'keys-with-role-policy', role: 'authenticated', sub: OWN }, action: 's3:ListBucket', resource: bucketArn(), prefix: `users/${OWN}/`, expect: 'ExplicitlyDenied' },
  { name: 'long-term keys + guest policy: s3:PutObject own drop box (bucket policy)', who: { as: 'keys-with-role-policy', role: 'guest', sub: OWN }, action: 's3:PutObject', resource: obj(`uploads/${OWN}/x`), expect: 'ExplicitlyDenied' },
  // ...and each identity policy refuses them by itself (its Null condition), bucket policy or not
  ...APP_ACTIONS.map((action): S3Case => ({ name: `Null guard alone: role policy refuses ${action} without aws:TokenIssueTime`, who: { as: 'keys-with-role-policy', role: 'authenticated', sub: OWN }, action, resource: obj(`users/${OWN}/x`), bucketPolicy: 'none', expect: 'ImplicitlyDenied' })),
  { name: 'Null guard alone: role policy refuses s3:ListBucket without aws:TokenIssueTime', who: { as: 'keys-with-role-policy', role: 'authenticated', sub: OWN }, action: 's3:ListBucket', resource: bucketArn(), prefix: `users/${OWN}/`, bucketPolicy: 'none', expect: 'ImplicitlyDenied' },
  ...['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'].map((action): S3Case => ({ name: `Null guard alone: guest policy refuses ${action} without aws:TokenIssueTime`, who: { as: 'keys-with-role-policy', role: 'guest', sub: OWN }, action, resource: obj(`uploads/${OWN}/x`), bucketPolicy: 'none', expect: 'ImplicitlyDenied' })),

  // --- IAM user with iam-user-policy-session-only.json: its GetSessionToken session
  ...['s3:GetObject', 's3:PutObject', 's3:DeleteObject'].map((action): S3Case => ({ name: `IAM user session ${action} any key`, who: { as: 'iam-user-session' }, action, resource: obj('team/q3/plan.xlsx'), expect: 'Allowed' })),
  { name: 'IAM user session s3:ListBucket', who: { as: 'iam-user-session' }, action: 's3:ListBucket', resource: bucketArn(), prefix: 'team/', expect: 'Allowed' },
  { name: 'IAM user session s3:PutObjectAcl', who: { as: 'iam-user-session' }, action: 's3:PutObjectAcl', resource: obj('team/x'), expect: 'ImplicitlyDenied' },
  { name: 'IAM user session s3:DeleteBucket', who: { as: 'iam-user-session' }, action: 's3:DeleteBucket', resource: bucketArn(), expect: 'ImplicitlyDenied' },
  { name: 'IAM user session s3:GetObject another bucket', who: { as: 'iam-user-session' }, action: 's3:GetObject', resource: obj('team/x', 'other-bucket'), expect: 'ImplicitlyDenied' },
  { name: 'IAM user session s3:GetObject over plain HTTP', who: { as: 'iam-user-session' }, action: 's3:GetObject', resource: obj('team/x'), insecure: true, expect: 'ExplicitlyDenied' },
  // --- the same IAM user's access keys: only ListBucket (identity policy alone)...
  { name: 'IAM user keys s3:ListBucket (identity policy alone)', who: { as: 'iam-user-keys' }, action: 's3:ListBucket', resource: bucketArn(), prefix: 'team/', bucketPolicy: 'none', expect: 'Allowed' },
  ...['s3:GetObject', 's3:PutObject', 's3:DeleteObject'].map((action): S3Case => ({ name: `IAM user keys ${action} (identity policy alone)`, who: { as: 'iam-user-keys' }, action, resource: obj('team/x'), bucketPolicy: 'none', expect: 'ImplicitlyDenied' })),
  { name: 'IAM user keys s3:ListAllMyBuckets', who: { as: 'iam-user-keys' }, action: 's3:ListAllMyBuckets', resource: '*', bucketPolicy: 'none', expect: 'ImplicitlyDenied' },
  // ...which the shipped bucket policy still denies, unless that user is exempted (README)
  { name: 'IAM user keys s3:ListBucket under the shipped bucket policy', who: { as: 'iam-user-keys' }, action: 's3:ListBucket', resource: bucketArn(), prefix: 'team/', expect: 'ExplicitlyDenied' },
  { name: 'IAM user keys s3:ListBucket, user exempted in the bucket policy', who: { as: 'iam-user-keys' }, action: 's3:ListBucket', resource: bucketArn(), prefix: 'team/', bucketPolicy: 'exempt-iam-user', expect: 'Allowed' },
  { name: 'IAM user keys s3:GetObject, user exempted: still refused by its own policy', who: { as: 'iam-user-keys' }, action: 's3:GetObject', resource: obj('team/x'), bucketPolicy: 'exempt-iam-user', expect: 'ImplicitlyDenied' },
  { name: 'IAM user keys s3:ListBucket, user exempted, plain HTTP', who: { as: 'iam-user-keys' }, action: 's3:ListBucket', resource: bucketArn(), prefix: 'team/', bucketPolicy: 'exempt-iam-user', insecure: true, expect: 'ExplicitlyDenied' },

  // --- README variant: accept role sessions only (turns GetSessionToken sessions away)
  { name: 'roles-only variant: IAM user session s3:GetObject', who: { as: 'iam-user-session' }, action: 's3:GetObject', resource: obj('team/x'), bucketPolicy: 'roles-only', expect: 'ExplicitlyDenied' },
  { name: 'roles-only variant: Cognito s3:GetObject own prefix', who: signedIn(), action: 's3:GetObject', resource: obj(`users/${OWN}/x`), bucketPolicy: 'roles-only', expect: 'Allowed' },
  { name: 'roles-only variant: guest s3:PutObject own drop box', who: guest(), action: 's3:PutObject', resource: obj(`uploads/${OWN}/x`), bucketPolicy: 'roles-only', expect: 'Allowed' },

  // --- AWS service principals are not caught by the long-term-credentials deny
  { name: 'service principal with a grant writes logs', who: { as: 'service', service: 'logging.s3.amazonaws.com' }, action: 's3:PutObject', resource: obj('logs/2025-06-01'), bucketPolicy: 'with-log-delivery-grant', expect: 'Allowed' },
  { name: 'service principal without a grant', who: { as: 'service', service: 'logging.s3.amazonaws.com' }, action: 's3:PutObject', resource: obj('logs/2025-06-01'), expect: 'ImplicitlyDenied' },
];

const webIdentity = (amr: string | string[], aud: string = identityPoolId) => ({
  'cognito-identity.amazonaws.com:aud': aud,
  'cognito-identity.amazonaws.com:amr': amr,
  'cognito-identity.amazonaws.com:sub': OWN,
});
const WRONG_POOL = 'us-east-1:99999999-2222-3333-4444-555555555555';
const USER_POOL_LOGIN = 'cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123';

export const TRUST_CASES: TrustCase[] = [
  { name: 'authenticated role: right pool, amr authenticated', file: 'trust-policy-authenticated.json', principal: 'cognito-identity.amazonaws.com', context: webIdentity(['authenticated', USER_POOL_LOGIN, `${USER_POOL_LOGIN}:CognitoSignIn:abc`]), expect: 'Allowed' },
  { name: 'authenticated role: amr unauthenticated', file: 'trust-policy-authenticated.json', principal: 'cognito-identity.amazonaws.com', context: webIdentity(['unauthenticated']), expect: 'ImplicitlyDenied' },
  { name: 'authenticated role: wrong pool', file: 'trust-policy-authenticated.json', principal: 'cognito-identity.amazonaws.com', context: webIdentity(['authenticated'], WRONG_POOL), expect: 'ImplicitlyDenied' },
  { name: 'authenticated role: no amr', file: 'trust-policy-authenticated.json', principal: 'cognito-identity.amazonaws.com', context: { 'cognito-identity.amazonaws.com:aud': identityPoolId }, expect: 'ImplicitlyDenied' },
  { name: 'authenticated role: another web identity provider', file: 'trust-policy-authenticated.json', principal: 'accounts.google.com', context: { 'accounts.google.com:aud': identityPoolId }, expect: 'ImplicitlyDenied' },
  { name: 'authenticated role: IAM user calls sts:AssumeRole', file: 'trust-policy-authenticated.json', principal: `arn:aws:iam::${account}:user/${IAM_USER}`, action: 'sts:AssumeRole', context: {}, expect: 'ImplicitlyDenied' },
  { name: 'guest role: right pool, amr unauthenticated', file: 'trust-policy-guest.json', principal: 'cognito-identity.amazonaws.com', context: webIdentity(['unauthenticated']), expect: 'Allowed' },
  { name: 'guest role: amr authenticated', file: 'trust-policy-guest.json', principal: 'cognito-identity.amazonaws.com', context: webIdentity(['authenticated', USER_POOL_LOGIN]), expect: 'ImplicitlyDenied' },
  { name: 'guest role: wrong pool', file: 'trust-policy-guest.json', principal: 'cognito-identity.amazonaws.com', context: webIdentity(['unauthenticated'], WRONG_POOL), expect: 'ImplicitlyDenied' },
  { name: 'guest role: another web identity provider', file: 'trust-policy-guest.json', principal: 'graph.facebook.com', context: { 'graph.facebook.com:app_id': '123' }, expect: 'ImplicitlyDenied' },
];

export interface StsCase {
  name: string;
  kind: 'session' | 'long-term';
  action: string;
  expect: Decision;
}

export const STS_CASES: StsCase[] = [
  { name: 'IAM user keys sts:GetSessionToken', kind: 'long-term', action: 'sts:GetSessionToken', expect: 'Allowed' },
  { name: 'IAM user keys sts:AssumeRole', kind: 'long-term', action: 'sts:AssumeRole', expect: 'ImplicitlyDenied' },
  { name: 'IAM user keys sts:GetFederationToken', kind: 'long-term', action: 'sts:GetFederationToken', expect: 'ImplicitlyDenied' },
];

function bucketPolicyFor(c: S3Case, p: Policies): PolicyDocument | undefined {
  const variant = c.bucketPolicy ?? 'file';
  const inDataBucket = c.resource === bucketArn() || c.resource.startsWith(`${bucketArn()}/`);
  if (variant === 'none' || !inDataBucket) return undefined;
  const base = p['bucket-policy.json'];
  switch (variant) {
    case 'file':
      return base;
    case 'exempt-iam-user':
      // What `npm run policies -- --break-glass-arn <user ARN>` or BreakGlassPrincipalArn renders.
      return mapStrings(base, (s) => s.replaceAll(PLACEHOLDERS.breakGlassPrincipalArn, `arn:aws:iam::${account}:user/${IAM_USER}`));
    case 'roles-only':
      return { ...base, Statement: [...base.Statement, p.rolesOnlySnippet] };
    case 'with-log-delivery-grant':
      return {
        ...base,
        Statement: [
          ...base.Statement,
          { Sid: 'S3ServerAccessLogs', Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject', Resource: `${bucketArn()}/logs/*` },
        ],
      };
  }
}

export async function runS3Case(c: S3Case, p: Policies): Promise<SimResult> {
  const context: Record<string, string | string[]> = { 'aws:SecureTransport': c.insecure ? 'false' : 'true' };
  if (c.prefix !== undefined) context['s3:prefix'] = c.prefix;
  if (c.action === 's3:ListBucket') context['s3:delimiter'] = '/';
  let principal: string;
  let identityPolicies: PolicyDocument[];
  const who = c.who;
  switch (who.as) {
    case 'signed-in':
    case 'guest': {
      const role = who.as === 'signed-in' ? 'sessionbox-authenticated' : 'sessionbox-guest';
      const file = who.as === 'signed-in' ? 'identity-policy-authenticated.json' : 'identity-policy-guest.json';
      const id = principalOf({ kind: 'cognito', name: role });
      principal = id.principal;
      Object.assign(context, id.context, { 'aws:TokenIssueTime': ISSUED_AT, 'aws:PrincipalIsAWSService': 'false' });
      identityPolicies = [substituteSub(p[file], who.sub)];
      break;
    }
    case 'keys-with-role-policy': {
      const id = principalOf({ kind: 'long-term', name: 'keys-holder' });
      principal = id.principal;
      Object.assign(context, id.context, { 'aws:PrincipalIsAWSService': 'false' });
      const file = who.role === 'authenticated' ? 'identity-policy-authenticated.json' : 'identity-policy-guest.json';
      identityPolicies = [substituteSub(p[file], who.sub)];
      break;
    }
    case 'iam-user-session':
    case 'iam-user-keys': {
      const id = principalOf({ kind: who.as === 'iam-user-session' ? 'session' : 'long-term', name: IAM_USER });
      principal = id.principal;
      Object.assign(context, id.context, { 'aws:PrincipalIsAWSService': 'false' });
      if (who.as === 'iam-user-session') context['aws:TokenIssueTime'] = ISSUED_AT;
      identityPolicies = [p['iam-user-policy-session-only.json']];
      break;
    }
    case 'service': {
      principal = who.service;
      context['aws:PrincipalIsAWSService'] = 'true';
      context['aws:PrincipalServiceName'] = who.service;
      identityPolicies = [];
      break;
    }
  }
  return simulate({ principal, action: c.action, resource: c.resource, context, identityPolicies, resourcePolicy: bucketPolicyFor(c, p) });
}

export async function runTrustCase(c: TrustCase, p: Policies): Promise<SimResult> {
  return simulate({
    principal: c.principal,
    action: c.action ?? 'sts:AssumeRoleWithWebIdentity',
    resource: `arn:aws:iam::${account}:role/${c.file === 'trust-policy-authenticated.json' ? 'sessionbox-authenticated' : 'sessionbox-guest'}`,
    context: c.context,
    identityPolicies: [],
    resourcePolicy: p[c.file],
  });
}

export async function runStsCase(c: StsCase, p: Policies): Promise<SimResult> {
  const id = principalOf({ kind: c.kind, name: IAM_USER });
  const context: Record<string, string> = { ...id.context, 'aws:SecureTransport': 'true' };
  if (c.kind === 'session') context['aws:TokenIssueTime'] = ISSUED_AT;
  const resource = c.action === 'sts:AssumeRole' ? `arn:aws:iam::${account}:role/sessionbox-authenticated` : c.action === 'sts:GetFederationToken' ? `arn:aws:sts::${account}:federated-user/x` : '*';
  return simulate({ principal: id.principal, action: c.action, resource, context, identityPolicies: [p['iam-user-policy-session-only.json']] });
}

export interface Outcome {
  name: string;
  expected: Decision;
  actual: Decision | 'error';
  ignoredContextKeys: string[];
  error?: string;
}

/** Runs every case; used by the matrix tests and by the proof that breakages are caught. */
export async function runMatrix(p: Policies): Promise<Outcome[]> {
  const outcome = async (name: string, expected: Decision, run: () => Promise<SimResult>): Promise<Outcome> => {
    try {
      const r = await run();
      return { name, expected, actual: r.decision, ignoredContextKeys: r.ignoredContextKeys };
    } catch (e) {
      return { name, expected, actual: 'error', ignoredContextKeys: [], error: (e as Error).message };
    }
  };
  const out: Outcome[] = [];
  for (const c of S3_CASES) out.push(await outcome(c.name, c.expect, () => runS3Case(c, p)));
  for (const c of TRUST_CASES) out.push(await outcome(c.name, c.expect, () => runTrustCase(c, p)));
  for (const c of STS_CASES) out.push(await outcome(c.name, c.expect, () => runStsCase(c, p)));
  return out;
}

export const failed = (o: Outcome) => o.actual !== o.expected || o.ignoredContextKeys.length > 0;
