/**
 * Asks IAM questions of the policies the stacks produce, with the offline simulator
 * `@cloud-copilot/iam-simulate` (AGPL-3.0, a devDependency: only tests load it).
 *
 * One question is one request: a principal, an action, a resource in some account, the identity
 * policies of the principal (in its own account) and the resource's policy. The simulator applies
 * AWS's rule for cross-account requests: when the principal's account differs from the resource's,
 * both the identity policy and the resource policy must allow; in the same account either may.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { RecordedResource } from "../../offline/types";

export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

export interface PolicyDocument {
    Version: string;
    Statement: Array<Record<string, unknown>>;
}

export interface IdentityPolicy {
    name: string;
    policy: PolicyDocument;
}

export interface Question {
    /** An IAM role ARN, an account root ARN, or a service principal such as `events.amazonaws.com`. */
    principal: string;
    action: string;
    resource: string;
    /** The account owning the resource: it decides whether the request is cross-account. */
    resourceAccount: string;
    identityPolicies?: IdentityPolicy[];
    resourcePolicy?: PolicyDocument;
    /**
     * The SCPs in force for the principal's account, one entry per level (root first, the account
     * last); empty where none apply (the management account). See organizationPolicies below.
     */
    serviceControlPolicies?: OrgPolicies[];
    /** The RCPs in force for the resource's account, one entry per level (root first). */
    resourceControlPolicies?: OrgPolicies[];
    /** Request context; aws:PrincipalArn, aws:PrincipalAccount, aws:SecureTransport and (for KMS) kms:CallerAccount are filled in when absent. */
    context?: Record<string, string | string[]>;
}

/** The organization of every account the stacks name; accounts outside it carry no org id. */
export const ORG_ID = "o-exampleorg1";

/** The policies attached at one level of the organization (root, OU or account). */
export interface OrgPolicies {
    orgIdentifier: string;
    policies: { name: string; policy: PolicyDocument }[];
}

export function policyDocument(resource: RecordedResource, property = "policy"): PolicyDocument {
    const text = resource.outputs[property] ?? resource.inputs[property];
    if (typeof text !== "string") throw new Error(`${resource.name} has no ${property} document`);
    return JSON.parse(text) as PolicyDocument;
}

export function identity(name: string, policy: PolicyDocument): IdentityPolicy {
    return { name, policy };
}

/** A statement list as an identity policy (for AWS-managed policies modelled by the tests). */
export function allow(name: string, statements: Array<Record<string, unknown>>): IdentityPolicy {
    return { name, policy: { Version: "2012-10-17", Statement: statements.map((s) => ({ Effect: "Allow", ...s })) } };
}

const accountOf = (principal: string): string | undefined => /^arn:aws:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];

function defaultContext(q: Question): Record<string, string | string[]> {
    const account = accountOf(q.principal);
    const context: Record<string, string | string[]> = { "aws:SecureTransport": "true" };
    if (account) {
        context["aws:PrincipalArn"] = q.principal;
        context["aws:PrincipalAccount"] = account;
        // KMS sets kms:CallerAccount on every request: the account of the calling principal.
        if (q.action.startsWith("kms:")) context["kms:CallerAccount"] = account;
    }
    return { ...context, ...q.context };
}

/**
 * The simulator (0.1.173) knows variable context keys only in the `prefix/name` form
 * (aws:PrincipalTag/x): a validated run drops KMS encryption-context keys such as
 * `kms:EncryptionContext:aws:s3:arn`, so a condition on one never matches; and its unvalidated
 * engine fails on any resource policy, which every KMS request needs. Questions that would need
 * such a key are refused here rather than answered wrongly.
 */
const UNSUPPORTED_KEY = /^kms:EncryptionContext:/i;

/** The simulator's decision; fails on invalid input or a context key the simulator would ignore. */
export async function decide(q: Question): Promise<Decision> {
    const contextVariables = defaultContext(q);
    const unsupported = Object.keys(contextVariables).filter((k) => UNSUPPORTED_KEY.test(k));
    if (unsupported.length > 0) throw new Error(`the simulator cannot evaluate ${unsupported.join(", ")}`);
    const response = await runSimulation(
        {
            request: {
                principal: q.principal,
                action: q.action,
                resource: { resource: q.resource, accountId: q.resourceAccount },
                contextVariables,
            },
            identityPolicies: q.identityPolicies ?? [],
            serviceControlPolicies: q.serviceControlPolicies ?? [],
            resourceControlPolicies: q.resourceControlPolicies ?? [],
            resourcePolicy: q.resourcePolicy,
        },
        {},
    );
    if (response.resultType === "error")
        throw new Error(`simulation of ${q.action} on ${q.resource} refused: ${JSON.stringify(response.errors)}`);
    // An action without a resource type is asked on "*": the simulator answers it as a wildcard request.
    if (response.resultType === "wildcard" && q.resource === "*") return response.overallResult as Decision;
    if (response.resultType !== "single")
        throw new Error(`expected one resource to be simulated, got ${response.resultType}`);
    const ignored = response.result.ignoredContextKeys ?? [];
    if (ignored.length > 0) throw new Error(`the simulator ignored context keys ${ignored.join(", ")} for ${q.action}`);
    return response.overallResult as Decision;
}

export const isAllowed = (d: Decision): boolean => d === "Allowed";
