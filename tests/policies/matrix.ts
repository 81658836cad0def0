// The cases that prove what the policy files allow and refuse. Each case names one request and the
// decision IAM must reach for it; `runCase` asks iam-simulate with the policies that apply to the
// caller (its identity policy and, for the data bucket, the bucket policy).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderDocument } from '../../scripts/policies.ts';
import {
  APP_ROLE,
  ISSUED_AT,
  loadPolicies,
  POLICY_DIR,
  PLACEHOLDERS,
  principalOf,
  roleSession,
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
  /** Extra bucket-policy statement from the README (objects for role sessions only), proven here too. */
  rolesOnlySnippet: Statement;
};

const { bucket, account, identityPoolId } = PLACEHOLDERS;

export const SNIPPET_MARKER = '<!-- tested-snippet: roles-only -->';

/** The bucket-policy statement the README offers for turning IAM user and root sessions away from every object. */
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
  | { as: 'iam-user-session'; mfa: boolean }
  /** The same IAM user calling with its access keys. */
  | { as: 'iam-user-keys' }
  /**
   * Not a real credential: access keys carrying a Cognito role's policy with the variable resolved.
   * It shows that each Null condition holds on its own, without the bucket policy behind it.
   */
  | { as: 'keys-with-role-policy'; role: 'authenticated' | 'guest'; sub: string }
  /** An AWS service principal (e.g. S3 server access logging) writing into the bucket. */
  | { as: 'service'; service: string }
  /**
   * Anyone else with s3:* on everything (AmazonS3FullAccess, an administrator): what a stolen
   * credential of theirs reaches. Only the bucket policy stands between them and the files.
   */
  | { as: 'full-access'; principal: OtherPrincipal; credentials: Credentials };

export type OtherPrincipal =
  /** An administrator's IAM user. */
  | 'iam-user'
  /** The account's root user (the same policy stands in for its implicit rights). */
  | 'root'
  /** The break-glass IAM user (BreakGlassPrincipalArn / --break-glass-arn). */
  | 'break-glass'
  /** Any other role of the account, e.g. a deployment role. */
  | 'other-role'
  /** A role whose name starts with the authenticated role's name. */
  | 'lookalike-role'
  /** A role named like the authenticated role, in another account. */
  | 'foreign-role'
  /** The optional admin role (AdminRoleArn / --admin-role-arn). */
  | 'admin-role'
  /** The place kept on the allow-list for a web-identity role (WebIdentityRoleArn). */
  | 'web-identity-role';

export type Credentials =
  /** Access keys: no aws:TokenIssueTime, no aws:MultiFactorAuthPresent. */
  | 'keys'
  /** A session without MFA: aws:MultiFactorAuthPresent "false". */
  | 'session'
  /** A session started with an MFA code (GetSessionToken or AssumeRole with --token-code). */
  | 'mfa-session'
  /** A session whose request carries no aws:MultiFactorAuthPresent at all. */
  | 'session-without-mfa-key';

const FOREIGN_ACCOUNT = '444455556666';
const OTHER_PRINCIPAL_ARN: Record<OtherPrincipal, string> = {
  'iam-user': `arn:aws:iam::${account}:user/carol-admin`,
  root: `arn:aws:iam::${account}:root`,
  'break-glass': PLACEHOLDERS.breakGlassPrincipalArn,
  'other-role': `arn:aws:iam::${account}:role/ops-deployer`,
  'lookalike-role': `${PLACEHOLDERS.authenticatedRoleArn}-old`,
  'foreign-role': PLACEHOLDERS.authenticatedRoleArn.replace(account, FOREIGN_ACCOUNT),
  'admin-role': PLACEHOLDERS.adminRoleArn,
  'web-identity-role': PLACEHOLDERS.webIdentityRoleArn,
};
const FULL_S3: PolicyDocument = { Version: '2012-10-17', Statement: [{ Sid: 'FullS3', Effect: 'Allow', Action: 's3:*', Resource: '*' }] };

export interface S3Case {
  name: string;
  who: Who;
  action: string;
  resource: string;
  /** s3:prefix of a ListBucket; undefined sends no prefix at all. */
  prefix?: string;
  insecure?: boolean;
  /** Which bucket policy the data bucket has: the file (default), none, or a documented variant. */
  bucketPolicy?: 'file' | 'none' | 'exempt-iam-user' | 'roles-only' | 'with-log-delivery-grant' | 'rendered-authenticated-only';
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
const full = (principal: OtherPrincipal, credentials: Credentials): Who => ({ as: 'full-access', principal, credentials });

const CREDENTIALS_NAME: Record<Credentials, string> = { keys: 'keys', session: 'session', 'mfa-session': 'MFA session', 'session-without-mfa-key': 'session without the MFA key' };

/**
 * What a stolen credential is used for: another identity's files read, deleted and overwritten,
 * a guest's drop box written into, and the bucket listed from the top and by a guessed prefix.
 */
function attacks(principal: OtherPrincipal, credentials: Credentials, expect: Decision): S3Case[] {
  const who = full(principal, credentials);
  const at = `${principal} ${CREDENTIALS_NAME[credentials]}`;
  return [
    { name: `${at} s3:GetObject users/OTHER/`, who, action: 's3:GetObject', resource: obj(`users/${OTHER}/report.pdf`), expect },
    { name: `${at} s3:DeleteObject users/OTHER/`, who, action: 's3:DeleteObject', resource: obj(`users/${OTHER}/report.pdf`), expect },
    { name: `${at} s3:PutObject uploads/OTHER/`, who, action: 's3:PutObject', resource: obj(`uploads/${OTHER}/cv.pdf`), expect },
    { name: `${at} s3:ListBucket no prefix`, who, action: 's3:ListBucket', resource: bucketArn(), expect },
    { name: `${at} s3:ListBucket prefix "u"`, who, action: 's3:ListBucket', resource: bucketArn(), prefix: 'u', expect },
  ];
}

/** Every principal and credential that must never reach the files under the shipped bucket policy. */
const REFUSED: [OtherPrincipal, Credentials][] = [
  ['iam-user', 'keys'], ['iam-user', 'session'], ['iam-user', 'mfa-session'],
  ['root', 'keys'], ['root', 'session'], ['root', 'mfa-session'],
  ['break-glass', 'keys'], ['break-glass', 'session'], ['break-glass', 'mfa-session'],
  ['other-role', 'session'], ['other-role', 'mfa-session'],
  ['lookalike-role', 'session'], ['foreign-role', 'mfa-session'],
  ['admin-role', 'session'], ['admin-role', 'session-without-mfa-key'],
];

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

  // --- IAM user with iam-user-policy-session-only.json, on a bucket without sessionbox's bucket
  // policy (the file's use): its GetSessionToken session reaches objects only when started with MFA
  ...['s3:GetObject', 's3:PutObject', 's3:DeleteObject'].map((action): S3Case => ({ name: `IAM user MFA session ${action} any key (no bucket policy)`, who: { as: 'iam-user-session', mfa: true }, action, resource: obj('team/q3/plan.xlsx'), bucketPolicy: 'none', expect: 'Allowed' })),
  ...['s3:GetObject', 's3:PutObject', 's3:DeleteObject'].map((action): S3Case => ({ name: `IAM user session without MFA ${action} (no bucket policy)`, who: { as: 'iam-user-session', mfa: false }, action, resource: obj('team/q3/plan.xlsx'), bucketPolicy: 'none', expect: 'ImplicitlyDenied' })),
  { name: 'IAM user MFA session s3:ListBucket (no bucket policy)', who: { as: 'iam-user-session', mfa: true }, action: 's3:ListBucket', resource: bucketArn(), prefix: 'team/', bucketPolicy: 'none', expect: 'Allowed' },
  { name: 'IAM user MFA session s3:PutObjectAcl', who: { as: 'iam-user-session', mfa: true }, action: 's3:PutObjectAcl', resource: obj('team/x'), bucketPolicy: 'none', expect: 'ImplicitlyDenied' },
  { name: 'IAM user MFA session s3:DeleteBucket', who: { as: 'iam-user-session', mfa: true }, action: 's3:DeleteBucket', resource: bucketArn(), bucketPolicy: 'none', expect: 'ImplicitlyDenied' },
  { name: 'IAM user MFA session s3:GetObject another bucket', who: { as: 'iam-user-session', mfa: true }, action: 's3:GetObject', resource: obj('team/x', 'other-bucket'), expect: 'ImplicitlyDenied' },
  // ...and with sessionbox's bucket policy: nothing under the data prefixes, no listing, not even with MFA
  { name: 'IAM user MFA session s3:GetObject users/OTHER/ under the shipped bucket policy', who: { as: 'iam-user-session', mfa: true }, action: 's3:GetObject', resource: obj(`users/${OTHER}/report.pdf`), expect: 'ExplicitlyDenied' },
  { name: 'IAM user MFA session s3:ListBucket under the shipped bucket policy', who: { as: 'iam-user-session', mfa: true }, action: 's3:ListBucket', resource: bucketArn(), prefix: 'team/', expect: 'ExplicitlyDenied' },
  // What the bucket policy does not cover: keys outside users/ and uploads/ (README says so).
  { name: 'IAM user MFA session s3:GetObject outside the data prefixes, shipped bucket policy', who: { as: 'iam-user-session', mfa: true }, action: 's3:GetObject', resource: obj('team/x'), expect: 'Allowed' },
  { name: 'IAM user MFA session s3:GetObject over plain HTTP', who: { as: 'iam-user-session', mfa: true }, action: 's3:GetObject', resource: obj('team/x'), insecure: true, expect: 'ExplicitlyDenied' },
  // --- the same IAM user's access keys: only ListBucket (identity policy alone)...
  { name: 'IAM user keys s3:ListBucket (identity policy alone)', who: { as: 'iam-user-keys' }, action: 's3:ListBucket', resource: bucketArn(), prefix: 'team/', bucketPolicy: 'none', expect: 'Allowed' },
  ...['s3:GetObject', 's3:PutObject', 's3:DeleteObject'].map((action): S3Case => ({ name: `IAM user keys ${action} (identity policy alone)`, who: { as: 'iam-user-keys' }, action, resource: obj('team/x'), bucketPolicy: 'none', expect: 'ImplicitlyDenied' })),
  { name: 'IAM user keys s3:ListAllMyBuckets', who: { as: 'iam-user-keys' }, action: 's3:ListAllMyBuckets', resource: '*', bucketPolicy: 'none', expect: 'ImplicitlyDenied' },
  // ...which the shipped bucket policy denies, even when that user is the break-glass principal:
  // the exemption covers the bucket's configuration, never listings or objects
  { name: 'IAM user keys s3:ListBucket under the shipped bucket policy', who: { as: 'iam-user-keys' }, action: 's3:ListBucket', resource: bucketArn(), prefix: 'team/', expect: 'ExplicitlyDenied' },
  { name: 'IAM user keys s3:ListBucket, user as break-glass: listings stay refused', who: { as: 'iam-user-keys' }, action: 's3:ListBucket', resource: bucketArn(), prefix: 'team/', bucketPolicy: 'exempt-iam-user', expect: 'ExplicitlyDenied' },
  { name: 'IAM user keys s3:GetObject, user as break-glass: objects stay refused', who: { as: 'iam-user-keys' }, action: 's3:GetObject', resource: obj('team/x'), bucketPolicy: 'exempt-iam-user', expect: 'ExplicitlyDenied' },
  { name: 'IAM user keys s3:ListBucket, user as break-glass, plain HTTP', who: { as: 'iam-user-keys' }, action: 's3:ListBucket', resource: bucketArn(), prefix: 'team/', bucketPolicy: 'exempt-iam-user', insecure: true, expect: 'ExplicitlyDenied' },

  // --- README variant: also turn IAM user and root sessions away from the rest of the bucket
  { name: 'roles-only variant: IAM user MFA session s3:GetObject outside the data prefixes', who: { as: 'iam-user-session', mfa: true }, action: 's3:GetObject', resource: obj('team/x'), bucketPolicy: 'roles-only', expect: 'ExplicitlyDenied' },
  { name: 'roles-only variant: Cognito s3:GetObject own prefix', who: signedIn(), action: 's3:GetObject', resource: obj(`users/${OWN}/x`), bucketPolicy: 'roles-only', expect: 'Allowed' },
  { name: 'roles-only variant: guest s3:PutObject own drop box', who: guest(), action: 's3:PutObject', resource: obj(`uploads/${OWN}/x`), bucketPolicy: 'roles-only', expect: 'Allowed' },
  { name: 'roles-only variant: root MFA session s3:GetObject outside the data prefixes', who: full('root', 'mfa-session'), action: 's3:GetObject', resource: obj('team/x'), bucketPolicy: 'roles-only', expect: 'ExplicitlyDenied' },
  { name: 'roles-only variant: other-role session s3:GetObject outside the data prefixes (roles pass)', who: full('other-role', 'session'), action: 's3:GetObject', resource: obj('team/x'), bucketPolicy: 'roles-only', expect: 'Allowed' },
  { name: 'roles-only variant: break-glass keys s3:PutBucketPolicy (configuration untouched)', who: full('break-glass', 'keys'), action: 's3:PutBucketPolicy', resource: bucketArn(), bucketPolicy: 'roles-only', expect: 'Allowed' },

  // --- AWS service principals are not caught by the long-term-credentials deny
  { name: 'service principal with a grant writes logs', who: { as: 'service', service: 'logging.s3.amazonaws.com' }, action: 's3:PutObject', resource: obj('logs/2025-06-01'), bucketPolicy: 'with-log-delivery-grant', expect: 'Allowed' },
  { name: 'service principal without a grant', who: { as: 'service', service: 'logging.s3.amazonaws.com' }, action: 's3:PutObject', resource: obj('logs/2025-06-01'), expect: 'ImplicitlyDenied' },
  { name: 'service principal with a grant for users/ is still refused there (not on the allow-list)', who: { as: 'service', service: 'logging.s3.amazonaws.com' }, action: 's3:PutObject', resource: obj(`users/${OTHER}/x`), bucketPolicy: 'with-log-delivery-grant', expect: 'ExplicitlyDenied' },

  // --- listings by the app's own roles: the identity policies still decide (as before)
  { name: 'signed-in s3:ListBucket prefix "u"', who: signedIn(), action: 's3:ListBucket', resource: bucketArn(), prefix: 'u', expect: 'ImplicitlyDenied' },
  { name: 'guest s3:ListBucket no prefix', who: guest(), action: 's3:ListBucket', resource: bucketArn(), expect: 'ImplicitlyDenied' },
  { name: 'guest s3:ListBucket prefix "u"', who: guest(), action: 's3:ListBucket', resource: bucketArn(), prefix: 'u', expect: 'ImplicitlyDenied' },

  // --- the allow-list: everyone else with s3:* is refused the files and every listing
  ...REFUSED.flatMap(([principal, credentials]) => attacks(principal, credentials, 'ExplicitlyDenied')),
  ...(['other-role', 'iam-user'] as const).flatMap((principal) =>
    ['s3:ListBucketVersions', 's3:ListBucketMultipartUploads'].map((action): S3Case => ({ name: `${principal} session ${action}`, who: full(principal, 'session'), action, resource: bucketArn(), expect: 'ExplicitlyDenied' })),
  ),
  { name: 'other-role session s3:GetObjectAcl users/OTHER/', who: full('other-role', 'session'), action: 's3:GetObjectAcl', resource: obj(`users/${OTHER}/report.pdf`), expect: 'ExplicitlyDenied' },
  // What it leaves alone: the bucket's configuration, and keys outside users/ and uploads/
  { name: 'other-role session s3:PutBucketCors (configuration is not on the allow-list)', who: full('other-role', 'session'), action: 's3:PutBucketCors', resource: bucketArn(), expect: 'Allowed' },
  // The limit the README states: a full-access session may replace the policy, then read.
  { name: 'iam-user session s3:PutBucketPolicy (a full-access session can still rewrite the policy)', who: full('iam-user', 'session'), action: 's3:PutBucketPolicy', resource: bucketArn(), expect: 'Allowed' },
  { name: 'other-role session s3:GetObject outside the data prefixes', who: full('other-role', 'session'), action: 's3:GetObject', resource: obj('site/index.html'), expect: 'Allowed' },

  // --- break-glass: its keys may configure the bucket, nothing else
  ...['s3:PutBucketPolicy', 's3:GetBucketPolicy', 's3:PutBucketCors'].map((action): S3Case => ({ name: `break-glass keys ${action}`, who: full('break-glass', 'keys'), action, resource: bucketArn(), expect: 'Allowed' })),
  { name: 'break-glass keys s3:GetObject outside the data prefixes', who: full('break-glass', 'keys'), action: 's3:GetObject', resource: obj('team/x'), expect: 'ExplicitlyDenied' },
  { name: 'break-glass keys s3:PutBucketPolicy over plain HTTP', who: full('break-glass', 'keys'), action: 's3:PutBucketPolicy', resource: bucketArn(), insecure: true, expect: 'ExplicitlyDenied' },
  // Not root: S3 always lets the owner account's root user get, put and delete the bucket policy,
  // whatever the policy says, and iam-simulate does not model that exception.
  { name: 'iam-user keys s3:PutBucketPolicy (not the break-glass principal)', who: full('iam-user', 'keys'), action: 's3:PutBucketPolicy', resource: bucketArn(), expect: 'ExplicitlyDenied' },

  // --- the admin role: everything, but only in a session with MFA
  ...attacks('admin-role', 'mfa-session', 'Allowed'),
  { name: 'admin-role MFA session s3:PutBucketPolicy', who: full('admin-role', 'mfa-session'), action: 's3:PutBucketPolicy', resource: bucketArn(), expect: 'Allowed' },
  { name: 'admin-role session without MFA s3:PutBucketPolicy', who: full('admin-role', 'session'), action: 's3:PutBucketPolicy', resource: bucketArn(), expect: 'ExplicitlyDenied' },
  { name: 'admin-role session without MFA s3:GetObject outside the data prefixes', who: full('admin-role', 'session'), action: 's3:GetObject', resource: obj('team/x'), expect: 'ExplicitlyDenied' },
  { name: 'admin-role MFA session s3:GetObject over plain HTTP', who: full('admin-role', 'mfa-session'), action: 's3:GetObject', resource: obj(`users/${OTHER}/report.pdf`), insecure: true, expect: 'ExplicitlyDenied' },

  // --- the place kept for a web-identity role: on the allow-list, its own policy decides
  { name: 'web-identity-role session s3:GetObject users/OTHER/ (allow-listed)', who: full('web-identity-role', 'session'), action: 's3:GetObject', resource: obj(`users/${OTHER}/report.pdf`), expect: 'Allowed' },

  // --- rendered without guests, admin, web-identity role and break-glass (the renderer drops them)
  { name: 'rendered, authenticated role only: signed-in s3:GetObject own prefix', who: signedIn(), action: 's3:GetObject', resource: obj(`users/${OWN}/x`), bucketPolicy: 'rendered-authenticated-only', expect: 'Allowed' },
  { name: 'rendered, authenticated role only: signed-in s3:ListBucket own prefix', who: signedIn(), action: 's3:ListBucket', resource: bucketArn(), prefix: `users/${OWN}/`, bucketPolicy: 'rendered-authenticated-only', expect: 'Allowed' },
  { name: 'rendered, authenticated role only: guest s3:PutObject own drop box', who: guest(), action: 's3:PutObject', resource: obj(`uploads/${OWN}/x`), bucketPolicy: 'rendered-authenticated-only', expect: 'ExplicitlyDenied' },
  { name: 'rendered, authenticated role only: admin-role MFA session s3:GetObject', who: full('admin-role', 'mfa-session'), action: 's3:GetObject', resource: obj(`users/${OTHER}/report.pdf`), bucketPolicy: 'rendered-authenticated-only', expect: 'ExplicitlyDenied' },
  { name: 'rendered, authenticated role only: admin-role MFA session s3:PutBucketCors (no MFA statement left)', who: full('admin-role', 'mfa-session'), action: 's3:PutBucketCors', resource: bucketArn(), bucketPolicy: 'rendered-authenticated-only', expect: 'Allowed' },
  { name: 'rendered, authenticated role only: web-identity-role session s3:GetObject', who: full('web-identity-role', 'session'), action: 's3:GetObject', resource: obj(`users/${OTHER}/report.pdf`), bucketPolicy: 'rendered-authenticated-only', expect: 'ExplicitlyDenied' },
  { name: 'rendered, authenticated role only: break-glass keys s3:PutBucketPolicy', who: full('break-glass', 'keys'), action: 's3:PutBucketPolicy', resource: bucketArn(), bucketPolicy: 'rendered-authenticated-only', expect: 'ExplicitlyDenied' },
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
    case 'rendered-authenticated-only':
      // `npm run policies` with the authenticated role and nothing optional, values as the placeholders.
      return renderDocument('bucket-policy.json', base, {
        bucket, account, identityPoolId, appOrigin: PLACEHOLDERS.appOrigin, widgetOrigins: [], partition: 'aws',
        authenticatedRoleArn: PLACEHOLDERS.authenticatedRoleArn,
      }) as PolicyDocument;
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
      const role = who.as === 'signed-in' ? APP_ROLE.authenticated : APP_ROLE.guest;
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
      if (who.as === 'iam-user-session') {
        context['aws:TokenIssueTime'] = ISSUED_AT;
        context['aws:MultiFactorAuthPresent'] = String(who.mfa);
      }
      identityPolicies = [p['iam-user-policy-session-only.json']];
      break;
    }
    case 'full-access': {
      const arn = OTHER_PRINCIPAL_ARN[who.principal];
      const isRole = arn.includes(':role/');
      if (isRole && who.credentials === 'keys') throw new Error(`${c.name}: a role has no access keys`);
      const id = isRole
        ? roleSession(arn, 'someone')
        : { principal: arn, context: { 'aws:PrincipalArn': arn, 'aws:PrincipalType': who.principal === 'root' ? 'Account' : 'User' } };
      principal = id.principal;
      Object.assign(context, id.context, { 'aws:PrincipalIsAWSService': 'false' });
      if (who.credentials !== 'keys') context['aws:TokenIssueTime'] = ISSUED_AT;
      if (who.credentials === 'session' || who.credentials === 'mfa-session') context['aws:MultiFactorAuthPresent'] = String(who.credentials === 'mfa-session');
      identityPolicies = [FULL_S3];
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
