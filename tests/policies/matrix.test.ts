// The proof that the policy files do what infra-policies/README.md claims, request by request.

import { describe, expect, it } from 'vitest';
import { loadMatrixPolicies, runS3Case, runStsCase, runTrustCase, S3_CASES, STS_CASES, TRUST_CASES } from './matrix.ts';

const policies = loadMatrixPolicies();

describe('policy matrix: S3 requests', () => {
  it.each(S3_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await runS3Case(c, policies);
    expect(r.ignoredContextKeys, 'iam-simulate ignored context keys, so the decision does not reflect IAM').toEqual([]);
    expect(r.decision).toBe(c.expect);
  });
});

describe('policy matrix: trust policies', () => {
  it.each(TRUST_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await runTrustCase(c, policies);
    expect(r.ignoredContextKeys).toEqual([]);
    expect(r.decision).toBe(c.expect);
  });
});

describe('policy matrix: the IAM user\'s STS calls', () => {
  it.each(STS_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await runStsCase(c, policies);
    expect(r.ignoredContextKeys).toEqual([]);
    expect(r.decision).toBe(c.expect);
  });
});

describe('policy matrix: coverage of the dimensions it must prove', () => {
  const names = [...S3_CASES, ...TRUST_CASES, ...STS_CASES].map((c) => c.name);
  it('has at least 40 cases and unique names', () => {
    expect(names.length).toBeGreaterThanOrEqual(40);
    expect(new Set(names).size).toBe(names.length);
  });
  it('covers every credential kind, with allowed and refused outcomes', () => {
    const kinds = (as: string) => S3_CASES.filter((c) => c.who.as === as);
    for (const as of ['signed-in', 'guest', 'iam-user-session', 'iam-user-keys', 'keys-with-role-policy']) {
      expect(kinds(as).length, as).toBeGreaterThan(0);
    }
    for (const as of ['signed-in', 'guest', 'iam-user-session', 'iam-user-keys']) {
      expect(kinds(as).some((c) => c.expect === 'Allowed'), `${as} allowed`).toBe(true);
      expect(kinds(as).some((c) => c.expect !== 'Allowed'), `${as} refused`).toBe(true);
    }
  });
  it('covers the actions the app must never get', () => {
    for (const action of ['s3:PutObjectAcl', 's3:GetObjectAcl', 's3:PutBucketPolicy', 's3:DeleteBucket', 's3:ListAllMyBuckets']) {
      expect(S3_CASES.some((c) => c.action === action && c.expect !== 'Allowed'), action).toBe(true);
    }
    expect(S3_CASES.some((c) => c.who.as === 'guest' && c.action === 's3:GetObject' && c.expect !== 'Allowed')).toBe(true);
  });
  it('covers the allow-list: IAM user and root sessions with and without MFA, other roles, break-glass, the admin role with and without MFA', () => {
    const refused = (principal: string, credentials: string) =>
      S3_CASES.filter((c) => c.who.as === 'full-access' && c.who.principal === principal && c.who.credentials === credentials && (c.bucketPolicy ?? 'file') === 'file');
    const combos = [
      ['iam-user', 'session'], ['iam-user', 'mfa-session'], ['iam-user', 'keys'], ['root', 'session'], ['root', 'mfa-session'], ['root', 'keys'],
      ['other-role', 'session'], ['lookalike-role', 'session'], ['foreign-role', 'mfa-session'],
      ['break-glass', 'keys'], ['break-glass', 'session'], ['admin-role', 'session'], ['admin-role', 'session-without-mfa-key'],
    ];
    for (const [principal, credentials] of combos) {
      const cases = refused(principal!, credentials!);
      for (const [action, resource] of [['s3:GetObject', '/users/'], ['s3:DeleteObject', '/users/'], ['s3:PutObject', '/uploads/']]) {
        expect(cases.some((c) => c.action === action && c.resource.includes(resource!) && c.expect === 'ExplicitlyDenied'), `${principal} ${credentials} ${action}`).toBe(true);
      }
      for (const prefix of [undefined, 'u']) {
        expect(cases.some((c) => c.action === 's3:ListBucket' && c.prefix === prefix && c.expect === 'ExplicitlyDenied'), `${principal} ${credentials} list ${prefix}`).toBe(true);
      }
    }
    const admin = refused('admin-role', 'mfa-session');
    expect(admin.filter((c) => c.expect === 'Allowed').map((c) => c.action).sort()).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:ListBucket', 's3:PutBucketPolicy', 's3:PutObject']);
  });
  it('covers list prefixes own, parent, sibling and none, and plain HTTP', () => {
    const lists = S3_CASES.filter((c) => c.action === 's3:ListBucket' && c.who.as === 'signed-in');
    expect(lists.some((c) => c.prefix === 'users/')).toBe(true);
    expect(lists.some((c) => c.prefix === undefined)).toBe(true);
    expect(lists.some((c) => c.expect === 'Allowed')).toBe(true);
    expect(S3_CASES.filter((c) => c.insecure).every((c) => c.expect === 'ExplicitlyDenied')).toBe(true);
  });
});
