// The suite must be able to fail: each deliberate breakage of a policy file, applied to a copy in
// memory, has to be caught by the lint, the matrix, or (as named below) both.

import { describe, expect, it } from 'vitest';
import type { PolicyDocument, PolicyFile } from './iam.ts';
import { lintPolicy, lintTargets } from './lint.ts';
import { failed, loadMatrixPolicies, runMatrix, type Policies } from './matrix.ts';

const pristine = loadMatrixPolicies();

interface Breakage {
  name: string;
  file: PolicyFile;
  sid: string;
  mutate: (condition: Record<string, Record<string, string | string[]>>) => void;
  /** Which checks must catch it. */
  caughtBy: ('lint' | 'matrix')[];
  /** Matrix cases that must be among the failures. */
  mustFail?: string[];
}

const rename = (from: string, to: string) => (c: Record<string, unknown>) => {
  c[to] = c[from];
  delete c[from];
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
    name: 'Null condition removed from the IAM user\'s object statement',
    file: 'iam-user-policy-session-only.json', sid: 'ObjectsOnlyWithSessionCredentials',
    mutate: (c) => delete c.Null, caughtBy: ['lint', 'matrix'],
    mustFail: ['IAM user keys s3:GetObject (identity policy alone)'],
  },
  {
    name: 'Null condition removed from the bucket policy\'s long-term deny',
    file: 'bucket-policy.json', sid: 'DenyLongTermCredentials',
    mutate: (c) => delete c.Null, caughtBy: ['matrix'],
    mustFail: ['signed-in s3:GetObject own prefix'],
  },
  {
    name: 'Null inverted ("true") in the signed-in object statement',
    file: 'identity-policy-authenticated.json', sid: 'OwnObjectsWithSessionCredentials',
    mutate: (c) => (c.Null = { 'aws:TokenIssueTime': 'true' }), caughtBy: ['lint', 'matrix'],
    mustFail: ['signed-in s3:GetObject own prefix'],
  },
  {
    name: 'operator misspelt in the long-term deny (Null -> Nul)',
    file: 'bucket-policy.json', sid: 'DenyLongTermCredentials',
    mutate: rename('Null', 'Nul'), caughtBy: ['lint', 'matrix'],
    mustFail: ['long-term keys + role policy: s3:GetObject own prefix (bucket policy)'],
  },
  {
    name: 'operator misspelt in the transport deny (Bool -> Boool)',
    file: 'bucket-policy.json', sid: 'DenyInsecureTransport',
    mutate: rename('Bool', 'Boool'), caughtBy: ['lint', 'matrix'],
    mustFail: ['signed-in s3:GetObject own over plain HTTP'],
  },
  {
    name: 'operator misspelt in the service exemption (BoolIfExists -> BoolIfExist)',
    file: 'bucket-policy.json', sid: 'DenyLongTermCredentials',
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
  if (!s?.Condition) throw new Error(`${b.file} has no statement ${b.sid} with a Condition`);
  b.mutate(s.Condition);
  if (Object.keys(s.Condition).length === 0) delete s.Condition;
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
