// The suite must be able to fail: each deliberate breakage of a policy file, applied to a copy in
// memory, has to be caught by the lint, the matrix, or (as named below) both.

import { describe, expect, it } from 'vitest';
import type { PolicyDocument, PolicyFile, Statement } from './iam.ts';
import { lintPolicy, lintTargets } from './lint.ts';
import { failed, loadMatrixPolicies, runMatrix, type Policies } from './matrix.ts';

const pristine = loadMatrixPolicies();

type Condition = Record<string, Record<string, string | string[]>>;

interface Breakage {
  name: string;
  file: PolicyFile;
  sid: string;
  /** Changes the statement's Condition; or, with `statement`, the statement itself. */
  mutate?: (condition: Condition) => void;
  statement?: (s: Statement, doc: PolicyDocument) => void;
  /** Which checks must catch it. */
  caughtBy: ('lint' | 'matrix')[];
  /** Matrix cases that must be among the failures. */
  mustFail?: string[];
}

const rename = (from: string, to: string) => (c: Record<string, unknown>) => {
  c[to] = c[from];
  delete c[from];
};
const removeStatement = (s: Statement, doc: PolicyDocument) => doc.Statement.splice(doc.Statement.indexOf(s), 1);
const withoutArn = (arn: string) => (c: Condition) => {
  c.ArnNotLike!['aws:PrincipalArn'] = [c.ArnNotLike!['aws:PrincipalArn']!].flat().filter((a) => a !== arn);
};

const BREAKAGES: Breakage[] = [
  {
    name: 'Null condition removed from the signed-in object statement',
    file: 'identity-policy-authenticated.json', sid: 'OwnObjectsWithSessionCredentials',
    mutate: (c) => delete c.Null, caughtBy: ['lint', 'matrix'],
    mustFail: ['Null guard alone: role policy refuses s3:GetObject without aws:TokenIssueTime'],
  },
  {
    name: 'Null condition removed from the signed-in list statement',
    file: 'identity-policy-authenticated.json', sid: 'ListOwnPrefixWithSessionCredentials',
    mutate: (c) => delete c.Null, caughtBy: ['lint', 'matrix'],
    mustFail: ['Null guard alone: role policy refuses s3:ListBucket without aws:TokenIssueTime'],
  },
  {
    name: 'Null condition removed from the guest statement',
    file: 'identity-policy-guest.json', sid: 'GuestDropBoxWithSessionCredentials',
    mutate: (c) => delete c.Null, caughtBy: ['lint', 'matrix'],
    mustFail: ['Null guard alone: guest policy refuses s3:PutObject without aws:TokenIssueTime'],
  },
  {
    // Only the lint sees this one: access keys never carry aws:MultiFactorAuthPresent, so the MFA
    // condition alone still refuses them (the matrix case below stays green).
    name: 'Null condition removed from the IAM user\'s object statement',
    file: 'iam-user-policy-session-only.json', sid: 'ObjectsOnlyWithMfaSessionCredentials',
    mutate: (c) => delete c.Null, caughtBy: ['lint'],
  },
  {
    name: 'MFA condition removed from the IAM user\'s object statement',
    file: 'iam-user-policy-session-only.json', sid: 'ObjectsOnlyWithMfaSessionCredentials',
    mutate: (c) => delete c.Bool, caughtBy: ['matrix'],
    mustFail: ['IAM user session without MFA s3:GetObject (no bucket policy)'],
  },
  {
    name: 'Null condition removed from the bucket policy\'s long-term deny on objects',
    file: 'bucket-policy.json', sid: 'DenyLongTermCredentialsOnObjects',
    mutate: (c) => delete c.Null, caughtBy: ['matrix'],
    mustFail: ['signed-in s3:GetObject own prefix'],
  },
  {
    name: 'Null condition removed from the bucket policy\'s long-term deny on the bucket',
    file: 'bucket-policy.json', sid: 'DenyLongTermCredentialsOnTheBucket',
    mutate: (c) => delete c.Null, caughtBy: ['matrix'],
    mustFail: ['signed-in s3:ListBucket prefix own'],
  },
  {
    name: 'long-term deny on objects removed (break-glass keys would reach objects again)',
    file: 'bucket-policy.json', sid: 'DenyLongTermCredentialsOnObjects',
    statement: removeStatement, caughtBy: ['matrix'],
    mustFail: ['break-glass keys s3:GetObject outside the data prefixes'],
  },
  {
    name: 'break-glass exemption widened to objects (the old, un-narrowed statement)',
    file: 'bucket-policy.json', sid: 'DenyLongTermCredentialsOnObjects',
    mutate: (c) => (c.ArnNotLike = { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:user/break-glass-admin' }), caughtBy: ['matrix'],
    mustFail: ['break-glass keys s3:GetObject outside the data prefixes'],
  },
  {
    name: 'allow-list on the files removed',
    file: 'bucket-policy.json', sid: 'DataOnlyForTheAppRoles',
    statement: removeStatement, caughtBy: ['matrix'],
    mustFail: ['iam-user MFA session s3:GetObject users/OTHER/', 'root session s3:DeleteObject users/OTHER/', 'other-role session s3:PutObject uploads/OTHER/', 'break-glass session s3:GetObject users/OTHER/'],
  },
  {
    name: 'allow-list on the files turned into a role wildcard',
    file: 'bucket-policy.json', sid: 'DataOnlyForTheAppRoles',
    mutate: (c) => (c.ArnNotLike = { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/*' }), caughtBy: ['matrix'],
    mustFail: ['other-role session s3:GetObject users/OTHER/', 'lookalike-role session s3:DeleteObject users/OTHER/'],
  },
  {
    name: 'allow-list on the files without a trailing exact match (prefix wildcard)',
    file: 'bucket-policy.json', sid: 'DataOnlyForTheAppRoles',
    mutate: (c) => (c.ArnNotLike = { 'aws:PrincipalArn': [c.ArnNotLike!['aws:PrincipalArn']!].flat().map((a) => `${a}*`) }), caughtBy: ['matrix'],
    mustFail: ['lookalike-role session s3:GetObject users/OTHER/'],
  },
  {
    name: 'allow-list on the files names any account (ArnNotLike with a wildcard account)',
    file: 'bucket-policy.json', sid: 'DataOnlyForTheAppRoles',
    mutate: (c) => (c.ArnNotLike = { 'aws:PrincipalArn': [c.ArnNotLike!['aws:PrincipalArn']!].flat().map((a) => a.replace('111122223333', '*')) }), caughtBy: ['matrix'],
    mustFail: ['foreign-role MFA session s3:GetObject users/OTHER/'],
  },
  {
    name: 'allow-list on the files inverted (ArnNotLike -> ArnLike)',
    file: 'bucket-policy.json', sid: 'DataOnlyForTheAppRoles',
    mutate: rename('ArnNotLike', 'ArnLike'), caughtBy: ['matrix'],
    mustFail: ['signed-in s3:GetObject own prefix', 'iam-user session s3:GetObject users/OTHER/'],
  },
  {
    name: 'operator misspelt in the allow-list on the files (ArnNotLike -> ArnNotLik)',
    file: 'bucket-policy.json', sid: 'DataOnlyForTheAppRoles',
    mutate: rename('ArnNotLike', 'ArnNotLik'), caughtBy: ['lint', 'matrix'],
  },
  {
    name: 'guest role dropped from the allow-list on the files',
    file: 'bucket-policy.json', sid: 'DataOnlyForTheAppRoles',
    mutate: withoutArn('arn:aws:iam::111122223333:role/sessionbox-guest'), caughtBy: ['matrix'],
    mustFail: ['guest s3:PutObject own drop box'],
  },
  {
    name: 'allow-list on listings removed',
    file: 'bucket-policy.json', sid: 'ListingsOnlyForTheAppRoles',
    statement: removeStatement, caughtBy: ['matrix'],
    mustFail: ['iam-user MFA session s3:ListBucket no prefix', 'root session s3:ListBucket prefix "u"', 'break-glass session s3:ListBucket no prefix', 'other-role session s3:ListBucket prefix "u"'],
  },
  {
    name: 'allow-list on listings forgets s3:ListBucketVersions',
    file: 'bucket-policy.json', sid: 'ListingsOnlyForTheAppRoles',
    statement: (s) => (s.Action = ['s3:ListBucket', 's3:ListBucketMultipartUploads']), caughtBy: ['matrix'],
    mustFail: ['other-role session s3:ListBucketVersions'],
  },
  {
    name: 'admin role\'s MFA requirement removed',
    file: 'bucket-policy.json', sid: 'AdminRoleOnlyWithMfa',
    statement: removeStatement, caughtBy: ['matrix'],
    mustFail: ['admin-role session s3:GetObject users/OTHER/', 'admin-role session s3:ListBucket no prefix', 'admin-role session without MFA s3:PutBucketPolicy'],
  },
  {
    name: 'admin role\'s MFA check without IfExists (a session lacking the key would pass)',
    file: 'bucket-policy.json', sid: 'AdminRoleOnlyWithMfa',
    mutate: rename('BoolIfExists', 'Bool'), caughtBy: ['matrix'],
    mustFail: ['admin-role session without the MFA key s3:GetObject users/OTHER/'],
  },
  {
    name: 'admin role\'s MFA check aimed at another ARN',
    file: 'bucket-policy.json', sid: 'AdminRoleOnlyWithMfa',
    mutate: (c) => (c.ArnLike = { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/sessionbox-admins' }), caughtBy: ['matrix'],
    mustFail: ['admin-role session s3:DeleteObject users/OTHER/'],
  },
  {
    name: 'operator misspelt in the admin role\'s MFA check (BoolIfExists -> BoolIfExist)',
    file: 'bucket-policy.json', sid: 'AdminRoleOnlyWithMfa',
    mutate: rename('BoolIfExists', 'BoolIfExist'), caughtBy: ['lint'],
  },
  {
    name: 'Null inverted ("true") in the signed-in object statement',
    file: 'identity-policy-authenticated.json', sid: 'OwnObjectsWithSessionCredentials',
    mutate: (c) => (c.Null = { 'aws:TokenIssueTime': 'true' }), caughtBy: ['lint', 'matrix'],
    mustFail: ['signed-in s3:GetObject own prefix'],
  },
  {
    name: 'operator misspelt in the long-term deny (Null -> Nul)',
    file: 'bucket-policy.json', sid: 'DenyLongTermCredentialsOnObjects',
    mutate: rename('Null', 'Nul'), caughtBy: ['lint', 'matrix'],
    mustFail: ['break-glass keys s3:GetObject outside the data prefixes'],
  },
  {
    name: 'operator misspelt in the transport deny (Bool -> Boool)',
    file: 'bucket-policy.json', sid: 'DenyInsecureTransport',
    mutate: rename('Bool', 'Boool'), caughtBy: ['lint', 'matrix'],
    mustFail: ['signed-in s3:GetObject own over plain HTTP'],
  },
  {
    name: 'operator misspelt in the service exemption (BoolIfExists -> BoolIfExist)',
    file: 'bucket-policy.json', sid: 'DenyLongTermCredentialsOnObjects',
    mutate: rename('BoolIfExists', 'BoolIfExist'), caughtBy: ['lint'],
  },
  {
    name: 'operator misspelt in the signed-in list statement (StringLike -> StringLik)',
    file: 'identity-policy-authenticated.json', sid: 'ListOwnPrefixWithSessionCredentials',
    mutate: rename('StringLike', 'StringLik'), caughtBy: ['lint'],
  },
  {
    name: 'operator misspelt in the trust policy (StringEquals -> StringEqual)',
    file: 'trust-policy-authenticated.json', sid: 'SignedInIdentitiesOfThisPool',
    mutate: rename('StringEquals', 'StringEqual'), caughtBy: ['lint'],
  },
  {
    name: 'amr condition removed from the guest trust policy',
    file: 'trust-policy-guest.json', sid: 'GuestIdentitiesOfThisPool',
    mutate: (c) => delete c['ForAnyValue:StringLike'], caughtBy: ['matrix'],
    mustFail: ['guest role: amr authenticated'],
  },
  {
    name: 'aud condition removed from the signed-in trust policy',
    file: 'trust-policy-authenticated.json', sid: 'SignedInIdentitiesOfThisPool',
    mutate: (c) => delete c.StringEquals, caughtBy: ['matrix'],
    mustFail: ['authenticated role: wrong pool'],
  },
  {
    name: 'trailing "/" after the identity id dropped from the list prefixes',
    file: 'identity-policy-authenticated.json', sid: 'ListOwnPrefixWithSessionCredentials',
    mutate: (c) => (c.StringLike = { 's3:prefix': ['users/${cognito-identity.amazonaws.com:sub}*'] }), caughtBy: ['lint', 'matrix'],
    mustFail: ['collision: ABC s3:ListBucket prefix users/ABCD/'],
  },
];

function broken(b: Breakage): Policies {
  const copy = structuredClone(pristine);
  const doc = copy[b.file] as PolicyDocument;
  const s = doc.Statement.find((st) => st.Sid === b.sid);
  if (!s) throw new Error(`${b.file} has no statement ${b.sid}`);
  b.statement?.(s, doc);
  if (b.mutate) {
    if (!s.Condition) throw new Error(`${b.file} statement ${b.sid} has no Condition`);
    b.mutate(s.Condition);
    if (Object.keys(s.Condition).length === 0) delete s.Condition;
  }
  return copy;
}

describe('the checks catch deliberate breakages', () => {
  it('the pristine files pass both checks (control)', async () => {
    const lint = (await Promise.all(lintTargets(pristine, pristine.rolesOnlySnippet).map(lintPolicy))).flat();
    expect(lint).toEqual([]);
    expect((await runMatrix(pristine)).filter(failed)).toEqual([]);
  });

  it.each(BREAKAGES.map((b) => [b.name, b] as const))('%s', async (_name, b) => {
    const policies = broken(b);
    const lint = (await Promise.all(lintTargets(policies, policies.rolesOnlySnippet).map(lintPolicy))).flat();
    const matrixFailures = (await runMatrix(policies)).filter(failed).map((o) => o.name);
    if (b.caughtBy.includes('lint')) expect(lint.join('\n'), 'lint should report it').toContain(b.file);
    if (b.caughtBy.includes('matrix')) expect(matrixFailures.length, 'matrix should fail').toBeGreaterThan(0);
    for (const name of b.mustFail ?? []) expect(matrixFailures).toContain(name);
    expect(lint.length + matrixFailures.length).toBeGreaterThan(0);
  });
});
