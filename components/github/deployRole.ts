/**
 * The roles GitHub Actions assumes in one account, through GitHub's OIDC provider: no long-lived keys.
 *
 * - deploy: `pulumi up`, trusted only from the repository's deploy environment
 *   (`repo:OWNER/REPO:environment:NAME`); the environment's protection rules (main only, a
 *   required reviewer for prod) are what stand between a branch and this role.
 * - preview: `pulumi preview` in pull requests (`repo:OWNER/REPO:pull_request`), read-only. A pull
 *   request must never reach the deploy role, so preview is a separate role, not a session policy.
 *   The scheduled drift check (`pulumi preview --refresh --expect-no-changes`, drift.yml) runs from
 *   the default branch and assumes this read-only role too (`repo:OWNER/REPO:ref:refs/heads/main`).
 * - checks: the scheduled `dr verify` and exports from the default branch
 *   (`repo:OWNER/REPO:ref:refs/heads/main`); the backup account's checks role also trusts the
 *   deployment accounts' checks roles, so `dr verify --backup-role-arn` can chain into it.
 *
 * Each role's permissions are customer-managed policies (components/github/permissions.ts), each
 * under IAM's 6,144-character limit; an explicit deny keeps recovery data and secret values out of
 * reach of every role whatever else is attached.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as naming from "../../naming";
import { PolicyDocument, PolicyStatement, policyDocument } from "../iam/policyDocument";
import * as permissions from "./permissions";

export interface DeployRoleArgs {
    /** `owner/name` of the GitHub repository, exactly as GitHub spells it (the `sub` claim is case-sensitive). */
    repository: string;
    /** The GitHub environment the deploy job of this stack runs in. */
    environment: string;
    accountId: string;
    /** Regions the stack manages; regional writes elsewhere are refused. */
    regions: string[];
    /** The account's existing GitHub OIDC provider; IAM allows one per issuer URL and account. */
    existingOidcProviderArn?: string;
    /** The stack manages AWS Organizations (the management account). */
    managesOrganization?: boolean;
    /** The S3 state backend, when Pulumi state is not in Pulumi Cloud. */
    stateBackend?: permissions.StateBackend;
    /** The branch whose scheduled workflows assume the checks role. */
    checksBranch?: string;
    /** Accounts whose checks roles may assume this account's checks role (set in the backup account). */
    checksTrustedAccountIds?: string[];
}

/** The audience configure-aws-credentials requests by default. */
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/** The `sub` claims GitHub puts in its OIDC token for each kind of job (preview: pull requests and the drift check). */
export function githubSubjects(repository: string, environment: string, checksBranch = "main") {
    const branch = `repo:${repository}:ref:refs/heads/${checksBranch}`;
    return {
        deploy: `repo:${repository}:environment:${environment}`,
        preview: [`repo:${repository}:pull_request`, branch],
        checks: branch,
    };
}

/** Trust for GitHub subjects, exact audience and subjects (no wildcards: a `*` would admit any branch or fork). */
export function githubTrustPolicy(
    providerArn: pulumi.Input<string>,
    subject: string | string[],
    extra: PolicyStatement[] = [],
): PolicyDocument {
    return policyDocument([
        {
            Sid: "TrustGitHubActions",
            Effect: "Allow",
            Principal: { Federated: providerArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    [`${naming.GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
                    [`${naming.GITHUB_OIDC_HOST}:sub`]: subject,
                },
            },
        },
        ...extra,
    ]);
}

/**
 * Lets the named accounts' checks roles chain into this one. The principal is the account and the
 * role is matched by aws:PrincipalArn: IAM rejects a trust policy naming a role that does not exist
 * yet, and the backup account is deployed before the deployment accounts.
 */
export function chainedChecksTrust(accountIds: string[]): PolicyStatement[] {
    if (!accountIds.length) return [];
    return [
        {
            Sid: "TrustDeploymentAccountChecks",
            Effect: "Allow",
            Principal: { AWS: accountIds.map(naming.accountRootArn) },
            Action: "sts:AssumeRole",
            Condition: {
                ArnEquals: {
                    "aws:PrincipalArn": accountIds.map((id) => naming.iamRoleArn(id, naming.GITHUB_CHECKS_ROLE_NAME)),
                },
            },
        },
    ];
}

/** The managed policies of each role, by a short name that becomes part of the policy name. */
export function rolePolicies(
    args: DeployRoleArgs,
): Record<"deploy" | "preview" | "checks", Record<string, PolicyDocument>> {
    const scope: permissions.PermissionScope = {
        accountId: args.accountId,
        regions: args.regions,
        managesOrganization: args.managesOrganization ?? false,
        stateBackend: args.stateBackend,
    };
    const deny = permissions.denyDataDestruction(args.accountId);
    const read = permissions.readStatements();
    return {
        deploy: {
            read: policyDocument([...read, ...permissions.stateBackendStatements(scope.stateBackend, true), ...deny]),
            backup: policyDocument([...permissions.backupAndKeyStatements(scope), ...deny]),
            iam: policyDocument([...permissions.iamStatements(scope), ...deny]),
            storage: policyDocument([
                ...permissions.storageAndMonitoringStatements(scope),
                ...(scope.managesOrganization ? permissions.organizationStatements(scope.accountId) : []),
                ...deny,
            ]),
        },
        preview: {
            read: policyDocument([...read, ...permissions.stateBackendStatements(scope.stateBackend, false), ...deny]),
        },
        checks: {
            read: policyDocument([...read, ...deny]),
            exports: policyDocument([...permissions.checksStatements(scope), ...deny]),
        },
    };
}

/** IAM counts a managed policy's characters without whitespace. */
export function policyCharacters(doc: PolicyDocument): number {
    return JSON.stringify(doc).replace(/\s/g, "").length;
}

function assertWithinIamLimits(policies: ReturnType<typeof rolePolicies>): void {
    for (const [role, docs] of Object.entries(policies)) {
        for (const [name, doc] of Object.entries(docs)) {
            const size = policyCharacters(doc);
            if (size > permissions.MANAGED_POLICY_MAX_CHARS) {
                throw new Error(
                    `the ${role} role's '${name}' policy is ${size} characters; IAM accepts at most ${permissions.MANAGED_POLICY_MAX_CHARS} in a managed policy`,
                );
            }
        }
    }
}

export function validateDeployRoleArgs(args: DeployRoleArgs): void {
    if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(args.repository)) {
        throw new Error(`repository '${args.repository}' must read owner/name`);
    }
    if (!args.regions.length) throw new Error("list at least one region the stack manages");
    if (args.existingOidcProviderArn && args.existingOidcProviderArn !== naming.githubOidcProviderArn(args.accountId)) {
        throw new Error(
            `existingOidcProviderArn must be ${naming.githubOidcProviderArn(args.accountId)} (GitHub's provider in account ${args.accountId})`,
        );
    }
}

export class DeployRole extends pulumi.ComponentResource {
    readonly oidcProviderArn: pulumi.Output<string>;
    readonly deployRole: aws.iam.Role;
    readonly previewRole: aws.iam.Role;
    readonly checksRole: aws.iam.Role;

    constructor(name: string, args: DeployRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:github:DeployRole", name, {}, opts);
        validateDeployRoleArgs(args);
        const policies = rolePolicies(args);
        assertWithinIamLimits(policies);

        this.oidcProviderArn = args.existingOidcProviderArn
            ? pulumi.output(args.existingOidcProviderArn)
            : new aws.iam.OpenIdConnectProvider(
                  `${name}-oidc`,
                  // IAM verifies GitHub's certificate through its own trusted CAs; no thumbprint to pin.
                  { url: `https://${naming.GITHUB_OIDC_HOST}`, clientIdLists: [GITHUB_OIDC_AUDIENCE] },
                  { parent: this },
              ).arn;

        const subjects = githubSubjects(args.repository, args.environment, args.checksBranch);
        const role = (
            kind: keyof typeof policies,
            roleName: string,
            description: string,
            extraTrust: PolicyStatement[] = [],
        ) =>
            this.roleWithPolicies(name, kind, {
                roleName,
                description,
                trust: githubTrustPolicy(this.oidcProviderArn, subjects[kind], extraTrust),
                policies: policies[kind],
            });

        this.deployRole = role(
            "deploy",
            naming.GITHUB_DEPLOY_ROLE_NAME,
            `pulumi up from ${args.repository}, environment ${args.environment}`,
        );
        this.previewRole = role(
            "preview",
            naming.GITHUB_PREVIEW_ROLE_NAME,
            `pulumi preview (read-only) from pull requests of ${args.repository}`,
        );
        this.checksRole = role(
            "checks",
            naming.GITHUB_CHECKS_ROLE_NAME,
            `Scheduled DR checks and exports from ${args.repository}`,
            chainedChecksTrust(args.checksTrustedAccountIds ?? []),
        );

        this.registerOutputs({
            oidcProviderArn: this.oidcProviderArn,
            deployRoleArn: this.deployRole.arn,
            previewRoleArn: this.previewRole.arn,
            checksRoleArn: this.checksRole.arn,
        });
    }

    private roleWithPolicies(
        name: string,
        kind: string,
        spec: {
            roleName: string;
            description: string;
            trust: PolicyDocument;
            policies: Record<string, PolicyDocument>;
        },
    ): aws.iam.Role {
        const role = new aws.iam.Role(
            `${name}-${kind}`,
            // One hour covers the longest deploy; GitHub's token is only exchanged once per job.
            {
                name: spec.roleName,
                description: spec.description,
                assumeRolePolicy: pulumi.jsonStringify(spec.trust),
                maxSessionDuration: 3600,
            },
            { parent: this },
        );
        for (const [policyName, doc] of Object.entries(spec.policies)) {
            const policy = new aws.iam.Policy(
                `${name}-${kind}-${policyName}`,
                {
                    name: `${spec.roleName}-${policyName}`,
                    policy: JSON.stringify(doc),
                    description: `${spec.description}: ${policyName}`,
                },
                { parent: this },
            );
            new aws.iam.RolePolicyAttachment(
                `${name}-${kind}-${policyName}-attachment`,
                { role: role.name, policyArn: policy.arn },
                { parent: this },
            );
        }
        return role;
    }
}
