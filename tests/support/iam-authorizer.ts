// An Authorizer for the node emulation that decides every S3 request with the shipped IAM policies
// (infra-policies/identity-policy-{authenticated,guest}.json plus bucket-policy.json) through
// iam-simulate, so the app's node tests run under the real policies rather than a re-implementation.
//
// iam-simulate is AGPL and a devDependency: this file is for tests only, never import it from src/.

import type { AuthorizationRequest, Authorizer } from '../../src/mocks/authorize.ts';
import {
  loadPolicies,
  mapStrings,
  PLACEHOLDERS,
  POLICY_DIR,
  principalOf,
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

const ROLE = { authenticated: 'sessionbox-authenticated', guest: 'sessionbox-guest' } as const;

/**
 * IAM compares a requested key literally with the policy's patterns, and a pattern's `*` matches
 * any character. iam-simulate differs in two ways that matter for odd names: a `*` or `?` in the
 * requested resource switches it to pattern-vs-pattern mode (a literal asterisk in place of an
 * identity id would be "allowed"), and its `*` does not match line breaks. The policies' literal
 * parts (bucket, `users/`, `uploads/`, the identity id, `/`) never contain `~`, `*`, `?` or control
 * characters, so replacing those with `~` leaves every real IAM decision unchanged.
 */
export const literalForSimulator = (s: string) => s.replace(/[*?\p{Cc}\u2028\u2029]/gu, '~');

export function iamAuthorizer(opts: IamAuthorizerOptions = {}): IamAuthorizer {
  const account = opts.account ?? PLACEHOLDERS.account;
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

  async function decide(req: AuthorizationRequest): Promise<IamDecision> {
    if (!req.identityId) throw new Error('iamAuthorizer: the request has no identityId; the emulation must pass the Cognito identity of the credentials.');
    const policyBucket = opts.bucket ?? req.bucket;
    const resource = req.key === undefined ? `arn:aws:s3:::${req.bucket}` : `arn:aws:s3:::${req.bucket}/${literalForSimulator(req.key)}`;
    const id = principalOf({ kind: 'cognito', name: req.authenticated ? ROLE.authenticated : ROLE.guest }, account);
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
    const result = await simulate({
      principal: id.principal,
      action: req.action,
      resource,
      context,
      identityPolicies: [identityPolicy(policyBucket, req.authenticated, req.identityId)],
      // The bucket policy belongs to the bucket it names; another bucket has none.
      resourcePolicy: req.bucket === policyBucket ? bucketPolicy(policyBucket) : undefined,
      account,
    });
    if (result.ignoredContextKeys.length) {
      throw new Error(`iamAuthorizer: iam-simulate ignored ${result.ignoredContextKeys.join(', ')} for ${req.action}; the decision would not reflect IAM.`);
    }
    const decision: IamDecision = { allowed: result.decision === 'Allowed', decision: result.decision, action: req.action, resource };
    opts.onDecision?.(req, decision);
    return decision;
  }

  const authorizer = (async (req: AuthorizationRequest) => (await decide(req)).allowed) as IamAuthorizer;
  authorizer.decide = decide;
  return authorizer;
}
