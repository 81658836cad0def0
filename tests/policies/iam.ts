// Shared by the policy proofs and the node emulation's authorizer: the shipped policy files, their
// placeholder values, and one call of the IAM simulator per request.
//
// @cloud-copilot/iam-simulate is AGPL and a devDependency: only tests import this file, never src/.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { PLACEHOLDERS } from '../../scripts/policies.ts';

// The placeholder values the files are written with live with the renderer, which replaces them.
export { PLACEHOLDERS };

export const SUB_VARIABLE = '${cognito-identity.amazonaws.com:sub}';

export const POLICY_FILES = [
  'identity-policy-authenticated.json',
  'identity-policy-guest.json',
  'trust-policy-authenticated.json',
  'trust-policy-guest.json',
  'bucket-policy.json',
  'iam-user-policy-session-only.json',
] as const;
export const CONFIG_FILES = ['cors.json', 'lifecycle.json'] as const;
export type PolicyFile = (typeof POLICY_FILES)[number];
export type ConfigFile = (typeof CONFIG_FILES)[number];

export interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * Where the policy files are read from. SESSIONBOX_POLICY_DIR points the whole suite at another
 * copy, which is how a deliberately broken copy is shown to fail it.
 */
export const POLICY_DIR = process.env.SESSIONBOX_POLICY_DIR ?? fileURLToPath(new URL('../../infra-policies/', import.meta.url));

export function readPolicyFile<T = PolicyDocument>(name: string, dir = POLICY_DIR): T {
  const path = join(dir, name);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (cause) {
    throw new Error(`${path}: ${(cause as Error).message}`);
  }
}

export function loadPolicies(dir = POLICY_DIR): Record<PolicyFile, PolicyDocument> {
  return Object.fromEntries(POLICY_FILES.map((f) => [f, readPolicyFile(f, dir)])) as Record<PolicyFile, PolicyDocument>;
}

export const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Deep copy with every string value (not key) passed through `fn`. */
export function mapStrings<T>(value: T, fn: (s: string) => string): T {
  if (typeof value === 'string') return fn(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)])) as T;
  }
  return value;
}

/**
 * iam-simulate ignores the context key cognito-identity.amazonaws.com:sub for S3 actions (it only
 * belongs to sts:AssumeRoleWithWebIdentity in the service reference), so a policy that uses the
 * variable would never match. IAM resolves it from the session; we resolve it here, per identity.
 */
export function substituteSub<T>(policy: T, sub: string): T {
  return mapStrings(policy, (s) => s.replaceAll(SUB_VARIABLE, sub));
}

export type CredentialKind =
  /** Cognito Identity Pool: AssumeRoleWithWebIdentity session of the pool's role. */
  | 'cognito'
  /** sts:GetSessionToken session of an IAM user. */
  | 'session'
  /** An IAM user's access keys. */
  | 'long-term';

export interface Caller {
  kind: CredentialKind;
  /** Role name for 'cognito', user name otherwise. */
  name: string;
}

export const ISSUED_AT = '2025-06-01T12:00:00Z';

/** A role's name is the last segment of its ARN (a path may sit between "role/" and the name). */
export const roleNameOf = (roleArn: string) => roleArn.slice(roleArn.lastIndexOf('/') + 1);

/** The identity pool's two roles, named as the bucket policy's allow-list names them. */
export const APP_ROLE = { authenticated: roleNameOf(PLACEHOLDERS.authenticatedRoleArn), guest: roleNameOf(PLACEHOLDERS.guestRoleArn) } as const;

/**
 * A session of a role: IAM reports the assumed-role ARN as the caller, and aws:PrincipalArn is the
 * role's own ARN, which is what the bucket policy's allow-list compares.
 */
export function roleSession(roleArn: string, sessionName = 'CognitoIdentityCredentials'): { principal: string; context: Record<string, string> } {
  const m = /^arn:([\w-]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  if (!m) throw new Error(`roleSession: ${roleArn} is not a role ARN`);
  return {
    principal: `arn:${m[1]}:sts::${m[2]}:assumed-role/${m[3]}/${sessionName}`,
    context: { 'aws:PrincipalArn': roleArn, 'aws:PrincipalType': 'AssumedRole' },
  };
}

export function principalOf(caller: Caller, account: string = PLACEHOLDERS.account): { principal: string; context: Record<string, string> } {
  if (caller.kind === 'cognito') return roleSession(`arn:aws:iam::${account}:role/${caller.name}`);
  return {
    principal: `arn:aws:iam::${account}:user/${caller.name}`,
    context: { 'aws:PrincipalArn': `arn:aws:iam::${account}:user/${caller.name}`, 'aws:PrincipalType': 'User' },
  };
}

export interface SimRequest {
  principal: string;
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  identityPolicies: PolicyDocument[];
  resourcePolicy?: PolicyDocument | undefined;
  account?: string;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface SimResult {
  decision: Decision;
  /** Context keys the simulator dropped as not applying to the action: must stay empty. */
  ignoredContextKeys: string[];
}

export async function simulate(req: SimRequest): Promise<SimResult> {
  const simulation: Simulation = {
    request: {
      principal: req.principal,
      action: req.action,
      resource: { resource: req.resource, accountId: req.account ?? PLACEHOLDERS.account },
      contextVariables: req.context,
    },
    identityPolicies: req.identityPolicies.map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(req.resourcePolicy ? { resourcePolicy: req.resourcePolicy } : {}),
  };
  const res = await runSimulation(simulation, {});
  if (res.resultType === 'error') {
    throw new Error(`iam-simulate refused ${req.action} on ${req.resource}: ${JSON.stringify(res.errors)}`);
  }
  const ignored = res.resultType === 'single' ? (res.result.ignoredContextKeys ?? []) : res.results.flatMap((r) => r.ignoredContextKeys ?? []);
  const decision = res.overallResult;
  if (decision !== 'Allowed' && decision !== 'ExplicitlyDenied' && decision !== 'ImplicitlyDenied') {
    throw new Error(`iam-simulate gave an undecided result ${String(decision)} for ${req.action} on ${req.resource}`);
  }
  return { decision, ignoredContextKeys: [...new Set(ignored)] };
}
