// An Authorizer for the node emulation that decides every S3 request with the shipped IAM policies
// (infra-policies/identity-policy-{authenticated,guest}.json plus bucket-policy.json) through
// iam-simulate, so the app's node tests run under the real policies rather than a re-implementation.
//
// iam-simulate is AGPL and a devDependency: this file is for tests only, never import it from src/.

import { isConditionKeyArray, runUnsafeSimulation, typeForContextKey, type Simulation } from '@cloud-copilot/iam-simulate';
import type { AuthorizationRequest, Authorizer } from '../../src/mocks/authorize.ts';
import {
  loadPolicies,
  mapStrings,
  PLACEHOLDERS,
  POLICY_DIR,
  roleSession,
  simulate,
  substituteSub,
  type Decision,
  type PolicyDocument,
} from '../policies/iam.ts';

export interface IamAuthorizerOptions {
  /**
   * The deployment's data bucket: only it carries the policies, so any other bucket is refused.
   * Left out, every bucket of the emulation is treated as deployed with the policies for its name.
   */
  bucket?: string;
  /** Account of the roles and the bucket (default the placeholder 111122223333). */
  account?: string;
  /** Directory of the policy files (default infra-policies/, or SESSIONBOX_POLICY_DIR). */
  policyDir?: string;
  /** Called with every decision, e.g. to log why a test's request was refused. */
  onDecision?: (req: AuthorizationRequest, decision: IamDecision) => void;
  /**
   * Runs iam-simulate's validating runSimulation for every request instead of only for the first of
   * each shape (see below). Default: SESSIONBOX_IAM_FULL_SIMULATION=1 in the environment.
   */
  fullSimulation?: boolean;
}

export interface IamDecision {
  allowed: boolean;
  decision: Decision;
  /** The IAM request that was simulated. */
  action: string;
  resource: string;
}

export interface IamAuthorizer extends Authorizer {
  /** The full decision, for tests that want to know whether a refusal was explicit. */
  decide(req: AuthorizationRequest): Promise<IamDecision>;
}

/**
 * IAM compares a requested key literally with the policy's patterns, and a pattern's `*` matches
 * any character. iam-simulate differs in two ways that matter for odd names: a `*` or `?` in the
 * requested resource switches it to pattern-vs-pattern mode (a literal asterisk in place of an
 * identity id would be "allowed"), and its `*` does not match line breaks. The policies' literal
 * parts (bucket, `users/`, `uploads/`, the identity id, `/`) never contain `~`, `*`, `?` or control
 * characters, so replacing those with `~` leaves every real IAM decision unchanged.
 */
export const literalForSimulator = (s: string) => s.replace(/[*?\p{Cc}\u2028\u2029]/gu, '~');

/**
 * iam-simulate compares names case-insensitively with localeCompare(other, undefined, options), and
 * V8 builds a new ICU collator for every call that passes options. localeCompare is specified as
 * comparing with `new Intl.Collator(locales, options)`, so one cached collator per options gives
 * the same answers (measured: a fast-path decision below drops from about 0.17 to 0.09 ms).
 * runUnsafeSimulation is synchronous: swapped in around it, no other code ever sees the replacement.
 */
const collators = new Map<string, Intl.Collator>();
const nativeLocaleCompare = String.prototype.localeCompare;
function cachedLocaleCompare(this: string, that: string, locales?: Intl.LocalesArgument, options?: Intl.CollatorOptions): number {
  if (locales !== undefined || options === undefined || options === null || Object.getPrototypeOf(options) !== Object.prototype) {
    return nativeLocaleCompare.call(this, that, locales, options);
  }
  const key = JSON.stringify(options);
  let collator = collators.get(key);
  if (!collator) collators.set(key, (collator = new Intl.Collator(undefined, options)));
  return collator.compare(String(this), String(that));
}
function withCachedCollators<T>(fn: () => T): T {
  String.prototype.localeCompare = cachedLocaleCompare;
  try {
    return fn();
  } finally {
    String.prototype.localeCompare = nativeLocaleCompare;
  }
}

// Why not runSimulation for every request: before evaluating anything it works out which resource
// types of the action the ARN matches, character by character with such a compare. Measured on the
// 2-core dev machine, a whole runSimulation takes 1.3-1.7 ms for a short key and 12-15 ms for a
// 1000-character one; the path below takes about 0.1 ms for either. That match depends only on
// the ARN's shape, not on the key's characters: `arn:aws:s3:::{bucket}/{non-empty key}` is an
// `object` (`${BucketName}/${ObjectName}`) whatever the key holds, `arn:aws:s3:::{bucket}` a
// `bucket`. So the first request of each shape (buckets, identity and so its policies, action,
// object or bucket, context keys) goes through runSimulation, which validates the policies, the
// action, the resource type and that no context key is ignored; later ones of that shape go to
// runUnsafeSimulation, the same core evaluation without those checks, with the context values
// normalised as runSimulation does. tests/reliability/names.property.test.ts checks that both
// judge generated odd names alike; SESSIONBOX_IAM_FULL_SIMULATION=1 sends every request through
// runSimulation.
interface Shape {
  /** Context keys that iam-simulate types as arrays (runSimulation wraps their values). */
  arrayKeys: Set<string>;
}

export function iamAuthorizer(opts: IamAuthorizerOptions = {}): IamAuthorizer {
  const account = opts.account ?? PLACEHOLDERS.account;
  const fullSimulation = opts.fullSimulation ?? process.env.SESSIONBOX_IAM_FULL_SIMULATION === '1';
  const files = loadPolicies(opts.policyDir ?? POLICY_DIR);
  const forAccount = <T>(doc: T, bucket: string): T =>
    mapStrings(doc, (s) => s.replaceAll(PLACEHOLDERS.bucket, bucket).replaceAll(PLACEHOLDERS.account, account));

  // Parsing is done once; each (bucket, role, identity) gets its substituted copy once.
  const bucketPolicies = new Map<string, PolicyDocument>();
  const identityPolicies = new Map<string, PolicyDocument>();
  const bucketPolicy = (bucket: string) => {
    let p = bucketPolicies.get(bucket);
    if (!p) bucketPolicies.set(bucket, (p = forAccount(files['bucket-policy.json'], bucket)));
    return p;
  };
  const identityPolicy = (bucket: string, authenticated: boolean, identityId: string) => {
    const key = `${bucket}\n${authenticated}\n${identityId}`;
    let p = identityPolicies.get(key);
    if (!p) {
      const file = authenticated ? 'identity-policy-authenticated.json' : 'identity-policy-guest.json';
      identityPolicies.set(key, (p = substituteSub(forAccount(files[file], bucket), identityId)));
    }
    return p;
  };
  // runUnsafeSimulation loads a plain resource policy without a name and then fails reading it; a
  // policy that comes validated carries its name (and is not validated again).
  const validatedBucketPolicies = new Map<PolicyDocument, { __validated: true; policyDocument: PolicyDocument; metadata: { name: string }; errors: [] }>();
  const validated = (doc: PolicyDocument) => {
    let v = validatedBucketPolicies.get(doc);
    if (!v) validatedBucketPolicies.set(doc, (v = { __validated: true, policyDocument: doc, metadata: { name: 'bucket-policy' }, errors: [] }));
    return v;
  };
  const shapes = new Map<string, Shape>();

  async function decide(req: AuthorizationRequest): Promise<IamDecision> {
    if (!req.identityId) throw new Error('iamAuthorizer: the request has no identityId; the emulation must pass the Cognito identity of the credentials.');
    const policyBucket = opts.bucket ?? req.bucket;
    const resource = req.key === undefined ? `arn:aws:s3:::${req.bucket}` : `arn:aws:s3:::${req.bucket}/${literalForSimulator(req.key)}`;
    // aws:PrincipalArn is the role's ARN exactly as the bucket policy's allow-list names it (the
    // placeholder with this account), so emulated app requests pass DataOnlyForTheAppRoles.
    const roleArn = forAccount(req.authenticated ? PLACEHOLDERS.authenticatedRoleArn : PLACEHOLDERS.guestRoleArn, policyBucket);
    const id = roleSession(roleArn);
    const context: Record<string, string> = {
      ...id.context,
      'aws:PrincipalIsAWSService': 'false',
      'aws:SecureTransport': String(req.secureTransport),
    };
    // Cognito credentials always carry it; a missing or invalid time is the emulation's bug, and
    // leaving the key out would (rightly) make every request look like long-term keys.
    if (!Number.isFinite(req.tokenIssueTime)) throw new Error(`iamAuthorizer: tokenIssueTime ${String(req.tokenIssueTime)} is not a time in ms.`);
    context['aws:TokenIssueTime'] = new Date(req.tokenIssueTime).toISOString();
    if (req.action === 's3:ListBucket') {
      context['s3:prefix'] = literalForSimulator(req.listPrefix ?? '');
    }
    const identity = identityPolicy(policyBucket, req.authenticated, req.identityId);
    // The bucket policy belongs to the bucket it names; another bucket has none.
    const resourcePolicy = req.bucket === policyBucket ? bucketPolicy(policyBucket) : undefined;
    const kind = req.key === undefined ? 'bucket' : req.key === '' ? undefined : 'object';
    const shapeKey = [policyBucket, req.bucket, req.authenticated, req.identityId, req.action, kind, ...Object.keys(context).sort()].join('\n');
    const shape = kind && !fullSimulation ? shapes.get(shapeKey) : undefined;
    let result: Decision;
    if (shape) {
      const contextVariables: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(context)) contextVariables[k] = shape.arrayKeys.has(k) ? [v] : v;
      const simulation: Simulation = {
        request: { principal: id.principal, action: req.action, resource: { resource, accountId: account }, contextVariables },
        identityPolicies: [{ name: 'identity-0', policy: identity }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourcePolicy ? { resourcePolicy: validated(resourcePolicy) } : {}),
      };
      result = withCachedCollators(() => runUnsafeSimulation(simulation, {})) as Decision;
    } else {
      const full = await simulate({ principal: id.principal, action: req.action, resource, context, identityPolicies: [identity], resourcePolicy, account });
      if (full.ignoredContextKeys.length) {
        throw new Error(`iamAuthorizer: iam-simulate ignored ${full.ignoredContextKeys.join(', ')} for ${req.action}; the decision would not reflect IAM.`);
      }
      result = full.decision;
      if (kind && !fullSimulation) {
        const arrayKeys = new Set<string>();
        for (const k of Object.keys(context)) if (isConditionKeyArray(await typeForContextKey(k.toLowerCase()))) arrayKeys.add(k);
        shapes.set(shapeKey, { arrayKeys });
      }
    }
    if (result !== 'Allowed' && result !== 'ExplicitlyDenied' && result !== 'ImplicitlyDenied') {
      throw new Error(`iamAuthorizer: iam-simulate gave an undecided result ${String(result)} for ${req.action} on ${resource}`);
    }
    const decision: IamDecision = { allowed: result === 'Allowed', decision: result, action: req.action, resource };
    opts.onDecision?.(req, decision);
    return decision;
  }

  const authorizer = (async (req: AuthorizationRequest) => (await decide(req)).allowed) as IamAuthorizer;
  authorizer.decide = decide;
  return authorizer;
}
