// Static checks of every policy file (and of the README's tested statement) against AWS's service
// reference, plus a test per rule that it reports what it is meant to catch.

import { describe, expect, it } from 'vitest';
import { loadPolicies, type Statement } from './iam.ts';
import { lintPolicy, lintTargets, type LintTarget } from './lint.ts';
import { readmeSnippet } from './matrix.ts';

const files = loadPolicies();

describe('lint: the shipped files', () => {
  it.each(lintTargets(files, readmeSnippet()).map((t) => [t.file, t] as const))('%s is clean', async (_f, t) => {
    expect(await lintPolicy(t)).toEqual([]);
  });
});

describe('lint: each rule catches its fault', () => {
  const identity = (statement: Partial<Statement>): LintTarget => ({
    file: 'x.json',
    role: 'identity',
    policy: {
      Version: '2012-10-17',
      Statement: [{ Sid: 'S', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::example-bucket/users/${cognito-identity.amazonaws.com:sub}/*', Condition: { Null: { 'aws:TokenIssueTime': 'false' } }, ...statement } as Statement],
    },
  });
  const deny = (condition: Statement['Condition']): LintTarget => ({
    file: 'b.json',
    role: 'bucket',
    policy: { Version: '2012-10-17', Statement: [{ Sid: 'D', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::example-bucket/*', Condition: condition }] },
  });
  const cases: [string, LintTarget, RegExp][] = [
    ['control: a good statement', identity({}), /^$/],
    ['Allow without the session condition', identity({ Condition: undefined }), /without "Null": \{"aws:TokenIssueTime": "false"\}/],
    ['Null "true" in an Allow (the inverse)', identity({ Condition: { Null: { 'aws:TokenIssueTime': 'true' } } }), /without "Null"/],
    ['misspelt operator in a Deny', deny({ Nul: { 'aws:TokenIssueTime': 'true' } }), /Nul is not on the allow-list \(a misspelt operator makes a Deny fail open\)/],
    ['operator with the wrong case', deny({ bool: { 'aws:SecureTransport': 'false' } }), /bool is not on the allow-list/],
    ['unknown condition key', deny({ Null: { 'aws:TokenIssuedTime': 'true' } }), /aws:TokenIssuedTime does not exist/],
    ['service key that the action never sends', identity({ Condition: { Null: { 'aws:TokenIssueTime': 'false' }, StringLike: { 's3:prefix': 'users/' } } }), /s3:prefix is never present for s3:GetObject/],
    ['service key under a wildcard Deny', deny({ StringNotLike: { 's3:prefix': 'users/*' } }), /service key under a wildcard action/],
    ['Null with a non-boolean value', deny({ Null: { 'aws:TokenIssueTime': 'yes' } }), /takes "true" or "false"/],
    ['ForAllValues in an Allow', identity({ Condition: { Null: { 'aws:TokenIssueTime': 'false' }, 'ForAllValues:StringLike': { 'aws:TagKeys': 'x' } } }), /ForAllValues in an Allow/],
    ['Principal in an identity policy', identity({ Principal: '*' }), /an identity policy has no Principal/],
    ['wildcard action in an Allow', identity({ Action: 's3:*' }), /wildcard action s3:\* in an Allow/],
    ['bare * action', identity({ Action: '*' }), /wildcard action \*/],
    ['action that does not exist', identity({ Action: 's3:GetObjects' }), /s3:GetObjects is not an IAM action/],
    ['NotAction', identity({ Action: undefined, NotAction: 's3:DeleteBucket' }), /NotAction grants or denies everything not listed/],
    ['resource outside the data bucket', identity({ Resource: 'arn:aws:s3:::other-bucket/*' }), /not in the data bucket/],
    ['Resource * for a resource-level action', identity({ Resource: '*' }), /Resource "\*" for s3:GetObject/],
    ['identity id not followed by "/"', identity({ Resource: 'arn:aws:s3:::example-bucket/users/${cognito-identity.amazonaws.com:sub}*' }), /must be followed by "\/"/],
    ['another policy variable', identity({ Resource: 'arn:aws:s3:::example-bucket/users/${aws:username}/*' }), /unexpected policy variable \$\{aws:username\}/],
    ['missing Sid', identity({ Sid: undefined }), /give it a Sid/],
  ];
  it.each(cases)('%s', async (_name, target, expected) => {
    const problems = await lintPolicy(target);
    if (expected.source === '^$') expect(problems).toEqual([]);
    else expect(problems.join('\n')).toMatch(expected);
  });
  it('a trust or bucket policy without Principal', async () => {
    const problems = await lintPolicy({ file: 't.json', role: 'trust', policy: { Version: '2012-10-17', Statement: [{ Sid: 'T', Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity' }] } });
    expect(problems.join('\n')).toMatch(/a trust policy needs a Principal/);
  });
  it('a long-term exception list that names a statement which does not exist', async () => {
    const t = identity({});
    t.longTermAllowed = { Gone: 'was removed' };
    expect((await lintPolicy(t)).join('\n')).toMatch(/long-term exception Gone names no statement/);
  });
});
