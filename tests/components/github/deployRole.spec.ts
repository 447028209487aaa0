import * as assert from "node:assert/strict";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { DeployRole, DeployRoleArgs, policyCharacters, rolePolicies } from "../../../components/github/deployRole";
import { DATA_DESTRUCTION_ACTIONS, MANAGED_POLICY_MAX_CHARS } from "../../../components/github/permissions";
import { PolicyDocument } from "../../../components/iam/policyDocument";
import * as naming from "../../../naming";
import { RecordedResource } from "../../../offline/types";
import { TEST_ACCOUNT, TEST_REGION, asList, policyOf, runComponent, statement } from "../../helpers/engine";

const args: DeployRoleArgs = {
    repository: "example-org/vat-backup",
    environment: "prod",
    accountId: TEST_ACCOUNT,
    regions: ["eu-west-2", "eu-west-1"],
};

const roleNamed = (resources: RecordedResource[], name: string) => {
    const found = resources.find((r) => r.type === "aws:iam/role:Role" && r.inputs.name === name);
    if (!found) throw new Error(`no role ${name}`);
    return found;
};

/**
 * A KMS key policy that lets IAM policies of `accountId` grant use of the key: KMS honours an
 * identity policy only when the key policy delegates to the caller's account.
 */
const keyPolicyDelegatingTo = (accountId: string) => ({
    Version: "2012-10-17",
    Statement: [
        {
            Sid: "EnableIamPolicies",
            Effect: "Allow",
            Principal: { AWS: naming.accountRootArn(accountId) },
            Action: "kms:*",
            Resource: "*",
        },
    ],
});

/** What IAM would decide for `action` on `resource` with the role's policies attached. */
async function decide(
    docs: Record<string, PolicyDocument>,
    action: string,
    resource: string,
    context: Record<string, string | string[]> = {},
) {
    const resourceAccount = /^arn:aws:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/.exec(resource)?.[1] ?? TEST_ACCOUNT;
    const result = await runSimulation(
        {
            request: {
                principal: naming.iamRoleArn(TEST_ACCOUNT, naming.GITHUB_DEPLOY_ROLE_NAME),
                action,
                resource: { resource, accountId: resourceAccount },
                contextVariables: { "aws:RequestedRegion": "eu-west-2", ...context },
            },
            identityPolicies: Object.entries(docs).map(([name, policy]) => ({ name, policy })),
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy: resource.startsWith("arn:aws:kms:") ? keyPolicyDelegatingTo(TEST_ACCOUNT) : undefined,
        },
        {},
    );
    if (result.resultType === "error")
        throw new Error(`simulation of ${action} failed: ${JSON.stringify(result.errors)}`);
    return result.overallResult;
}

const exportsObject = `arn:aws:s3:::${naming.exportsBucketName("prod", TEST_ACCOUNT, "eu-west-2")}/dynamodb-exports/x.json`;

describe("DeployRole component", () => {
    describe("trust", () => {
        it("creates GitHub's OIDC provider for the sts.amazonaws.com audience", async () => {
            const run = await runComponent((provider) => {
                new DeployRole("github", args, { provider });
            });
            const oidc = run.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
            assert.equal(oidc.inputs.url, "https://token.actions.githubusercontent.com");
            assert.deepEqual(oidc.inputs.clientIdLists, ["sts.amazonaws.com"]);
        });

        it("trusts each role from its GitHub subjects of this repository, with the audience pinned (preview: pull requests and the scheduled drift check on main)", async () => {
            const run = await runComponent((provider) => {
                new DeployRole("github", args, { provider });
            });
            const expected: Record<string, string | string[]> = {
                [naming.GITHUB_DEPLOY_ROLE_NAME]: "repo:example-org/vat-backup:environment:prod",
                [naming.GITHUB_PREVIEW_ROLE_NAME]: [
                    "repo:example-org/vat-backup:pull_request",
                    "repo:example-org/vat-backup:ref:refs/heads/main",
                ],
                [naming.GITHUB_CHECKS_ROLE_NAME]: "repo:example-org/vat-backup:ref:refs/heads/main",
            };
            for (const [roleName, subject] of Object.entries(expected)) {
                const trust = statement(roleNamed(run.resources, roleName), "TrustGitHubActions", "assumeRolePolicy");
                assert.deepEqual(trust.Principal, { Federated: naming.githubOidcProviderArn(TEST_ACCOUNT) });
                assert.equal(trust.Action, "sts:AssumeRoleWithWebIdentity");
                assert.deepEqual(trust.Condition, {
                    StringEquals: {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                        "token.actions.githubusercontent.com:sub": subject,
                    },
                });
                assert.equal(
                    policyOf(roleNamed(run.resources, roleName), "assumeRolePolicy").length,
                    1,
                    `${roleName} trusts nothing else`,
                );
            }
        });

        it("reuses an existing OIDC provider instead of creating a second one", async () => {
            const existing = naming.githubOidcProviderArn(TEST_ACCOUNT);
            const run = await runComponent((provider) => {
                new DeployRole("github", { ...args, existingOidcProviderArn: existing }, { provider });
            });
            assert.equal(run.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider").length, 0);
            const trust = statement(
                roleNamed(run.resources, naming.GITHUB_DEPLOY_ROLE_NAME),
                "TrustGitHubActions",
                "assumeRolePolicy",
            );
            assert.deepEqual(trust.Principal, { Federated: existing });
        });

        it("lets the deployment accounts' checks roles chain into the backup account's, by principal ARN and not by a role that may not exist yet", async () => {
            const run = await runComponent((provider) => {
                new DeployRole(
                    "github",
                    { ...args, environment: "backup", checksTrustedAccountIds: ["222222222222"] },
                    { provider },
                );
            });
            const chain = statement(
                roleNamed(run.resources, naming.GITHUB_CHECKS_ROLE_NAME),
                "TrustDeploymentAccountChecks",
                "assumeRolePolicy",
            );
            assert.deepEqual(chain.Principal, { AWS: ["arn:aws:iam::222222222222:root"] });
            assert.deepEqual(chain.Condition, {
                ArnEquals: { "aws:PrincipalArn": ["arn:aws:iam::222222222222:role/vat-backup-github-checks"] },
            });
            const deployTrust = policyOf(roleNamed(run.resources, naming.GITHUB_DEPLOY_ROLE_NAME), "assumeRolePolicy");
            assert.deepEqual(
                deployTrust.map((s) => s.Sid),
                ["TrustGitHubActions"],
                "only the checks role is chained",
            );
        });

        it("rejects a repository that is not owner/name and a provider of another account", () => {
            assert.throws(() => new DeployRole("bad", { ...args, repository: "vat-backup" }), /owner\/name/);
            assert.throws(
                () =>
                    new DeployRole("bad", {
                        ...args,
                        existingOidcProviderArn: naming.githubOidcProviderArn("999999999999"),
                    }),
                /111111111111/,
            );
        });
    });

    describe("permissions", () => {
        it("attaches customer-managed policies, each within IAM's 6,144-character limit", async () => {
            const run = await runComponent((provider) => {
                new DeployRole(
                    "github",
                    {
                        ...args,
                        managesOrganization: true,
                        stateBackend: {
                            bucketName: "example-pulumi-state",
                            kmsKeyArn: "arn:aws:kms:eu-west-2:444444444444:key/0f2b6a44-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                        },
                    },
                    { provider },
                );
            });
            const policies = run.ofType("aws:iam/policy:Policy");
            assert.deepEqual(policies.map((p) => p.inputs.name).sort(), [
                "vat-backup-github-checks-exports",
                "vat-backup-github-checks-read",
                "vat-backup-github-deploy-backup",
                "vat-backup-github-deploy-iam",
                "vat-backup-github-deploy-read",
                "vat-backup-github-deploy-storage",
                "vat-backup-github-preview-read",
            ]);
            for (const p of policies) {
                const size = JSON.stringify(JSON.parse(String(p.inputs.policy))).length;
                assert.ok(size <= MANAGED_POLICY_MAX_CHARS, `${String(p.inputs.name)} is ${size} characters`);
            }
            assert.equal(run.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, policies.length);
        });

        it("grants no role an admin or a whole-service wildcard action", () => {
            const all = rolePolicies({ ...args, managesOrganization: true });
            for (const [role, docs] of Object.entries(all)) {
                for (const doc of Object.values(docs)) {
                    for (const s of doc.Statement.filter((st) => st.Effect === "Allow")) {
                        for (const action of asList(s.Action) as string[]) {
                            assert.notEqual(action, "*", `${role}/${s.Sid}`);
                            assert.doesNotMatch(
                                action,
                                /^[a-z0-9-]+:\*$/,
                                `${role}/${s.Sid} grants a whole service (${action})`,
                            );
                        }
                        assert.equal(s.NotPrincipal, undefined);
                    }
                }
            }
        });

        it("lets the deploy role manage the project's backup configuration, roles and buckets, and nothing named otherwise", async () => {
            const { deploy } = rolePolicies(args);
            assert.equal(
                await decide(
                    deploy,
                    "backup:CreateBackupVault",
                    "arn:aws:backup:eu-west-2:111111111111:backup-vault:prod-env-backup-vault",
                ),
                "Allowed",
            );
            assert.equal(await decide(deploy, "backup-storage:MountCapsule", "*"), "Allowed");
            assert.equal(
                await decide(
                    deploy,
                    "iam:CreateRole",
                    naming.iamRoleArn(TEST_ACCOUNT, naming.backupServiceRoleName("prod", TEST_REGION)),
                ),
                "Allowed",
            );
            assert.equal(
                await decide(deploy, "iam:CreateRole", naming.iamRoleArn(TEST_ACCOUNT, "Administrator")),
                "ImplicitlyDenied",
            );
            assert.equal(
                await decide(
                    deploy,
                    "s3:PutReplicationConfiguration",
                    `arn:aws:s3:::${naming.exportsBucketName("prod", TEST_ACCOUNT, "eu-west-2")}`,
                ),
                "Allowed",
            );
            assert.equal(
                await decide(deploy, "s3:PutBucketPolicy", "arn:aws:s3:::someone-elses-bucket"),
                "ImplicitlyDenied",
            );
            assert.equal(
                await decide(
                    deploy,
                    "dynamodb:UpdateContinuousBackups",
                    `arn:aws:dynamodb:eu-west-2:${TEST_ACCOUNT}:table/prod-env-receipts`,
                ),
                "Allowed",
            );
        });

        it("keeps the deploy role's regional writes inside the stack's regions and its keys tagged for the project", async () => {
            const { deploy } = rolePolicies(args);
            const vault = "arn:aws:backup:us-east-1:111111111111:backup-vault:prod-env-backup-vault";
            assert.equal(
                await decide(deploy, "backup:CreateBackupVault", vault, { "aws:RequestedRegion": "us-east-1" }),
                "ImplicitlyDenied",
            );
            assert.equal(
                await decide(deploy, "kms:CreateKey", "*", { "aws:RequestTag/project": "vat-backup" }),
                "Allowed",
            );
            assert.equal(
                await decide(deploy, "kms:CreateKey", "*", { "aws:RequestTag/project": "other" }),
                "ImplicitlyDenied",
            );
            const key = `arn:aws:kms:eu-west-2:${TEST_ACCOUNT}:key/0f2b6a44-1c2d-4e5f-8a9b-0c1d2e3f4a5b`;
            assert.equal(
                await decide(deploy, "kms:PutKeyPolicy", key, { "aws:ResourceTag/project": "vat-backup" }),
                "Allowed",
            );
            assert.equal(
                await decide(deploy, "kms:PutKeyPolicy", key, { "aws:ResourceTag/project": "application" }),
                "ImplicitlyDenied",
            );
        });

        it("passes project roles only to the services that run them", async () => {
            const { deploy } = rolePolicies(args);
            const role = naming.iamRoleArn(TEST_ACCOUNT, naming.backupServiceRoleName("prod", TEST_REGION));
            assert.equal(
                await decide(deploy, "iam:PassRole", role, { "iam:PassedToService": "backup.amazonaws.com" }),
                "Allowed",
            );
            assert.equal(
                await decide(deploy, "iam:PassRole", role, { "iam:PassedToService": "ec2.amazonaws.com" }),
                "ImplicitlyDenied",
            );
        });

        it("denies every role the destruction of recovery data and the reading of secret values", async () => {
            const all = rolePolicies(args);
            const point = `arn:aws:backup:eu-west-2:${TEST_ACCOUNT}:recovery-point:0f2b6a44-1c2d-4e5f-8a9b-0c1d2e3f4a5b`;
            for (const [role, docs] of Object.entries(all)) {
                for (const doc of Object.values(docs)) {
                    const deny = doc.Statement.find((s) => s.Sid === "NeverDestroyRecoveryData");
                    assert.ok(deny, `${role} policy lacks the data-destruction deny`);
                    assert.deepEqual(deny.Action, DATA_DESTRUCTION_ACTIONS);
                }
                assert.equal(await decide(docs, "backup:DeleteRecoveryPoint", point), "ExplicitlyDenied", role);
                assert.equal(
                    await decide(
                        docs,
                        "secretsmanager:GetSecretValue",
                        `arn:aws:secretsmanager:eu-west-2:${TEST_ACCOUNT}:secret:prod/submit/user-sub-hash-salt-AbCdEf`,
                    ),
                    "ExplicitlyDenied",
                    role,
                );
                assert.equal(await decide(docs, "s3:DeleteObjectVersion", exportsObject), "ExplicitlyDenied", role);
            }
        });

        it("gives the preview role reads only: no configuration change, no object, item or log read", async () => {
            const { preview } = rolePolicies(args);
            assert.equal(
                await decide(
                    preview,
                    "backup:DescribeBackupVault",
                    "arn:aws:backup:eu-west-2:111111111111:backup-vault:prod-env-backup-vault",
                ),
                "Allowed",
            );
            assert.equal(
                await decide(
                    preview,
                    "s3:GetBucketPolicy",
                    `arn:aws:s3:::${naming.exportsBucketName("prod", TEST_ACCOUNT, "eu-west-2")}`,
                ),
                "Allowed",
            );
            assert.equal(
                await decide(
                    preview,
                    "backup:CreateBackupVault",
                    "arn:aws:backup:eu-west-2:111111111111:backup-vault:x",
                ),
                "ImplicitlyDenied",
            );
            assert.equal(
                await decide(
                    preview,
                    "iam:CreateRole",
                    naming.iamRoleArn(TEST_ACCOUNT, naming.backupServiceRoleName("prod", TEST_REGION)),
                ),
                "ImplicitlyDenied",
            );
            assert.equal(await decide(preview, "s3:GetObject", exportsObject), "ImplicitlyDenied");
            assert.equal(
                await decide(
                    preview,
                    "dynamodb:Scan",
                    `arn:aws:dynamodb:eu-west-2:${TEST_ACCOUNT}:table/prod-env-receipts`,
                ),
                "ImplicitlyDenied",
            );
            assert.equal(
                await decide(
                    preview,
                    "dynamodb:GetItem",
                    `arn:aws:dynamodb:eu-west-2:${TEST_ACCOUNT}:table/prod-env-receipts`,
                ),
                "ImplicitlyDenied",
            );
        });

        it("lets preview take the S3 backend's lock and decrypt config secrets, and deploy write state", async () => {
            const backend = {
                bucketName: "example-pulumi-state",
                kmsKeyArn: "arn:aws:kms:eu-west-2:444444444444:key/0f2b6a44-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
            };
            const { preview, deploy } = rolePolicies({ ...args, stateBackend: backend });
            const lock = "arn:aws:s3:::example-pulumi-state/.pulumi/locks/organization/vat-backup/prod/1.json";
            const checkpoint = "arn:aws:s3:::example-pulumi-state/.pulumi/stacks/vat-backup/prod.json";
            assert.equal(await decide(preview, "s3:GetObject", checkpoint), "Allowed");
            assert.equal(await decide(preview, "s3:PutObject", lock), "Allowed");
            assert.equal(await decide(preview, "s3:PutObject", checkpoint), "ImplicitlyDenied");
            assert.equal(await decide(preview, "kms:Decrypt", backend.kmsKeyArn), "Allowed");
            assert.equal(await decide(preview, "kms:Encrypt", backend.kmsKeyArn), "ImplicitlyDenied");
            assert.equal(await decide(deploy, "s3:PutObject", checkpoint), "Allowed");
            assert.equal(await decide(deploy, "s3:DeleteObject", lock), "Allowed");
        });

        it("lets the checks role export tables and user metadata into the exports bucket, read a sentinel item, but never scan", async () => {
            const { checks } = rolePolicies(args);
            const table = `arn:aws:dynamodb:eu-west-2:${TEST_ACCOUNT}:table/prod-env-receipts`;
            assert.equal(await decide(checks, "dynamodb:ExportTableToPointInTime", table), "Allowed");
            assert.equal(await decide(checks, "dynamodb:GetItem", table), "Allowed");
            assert.equal(await decide(checks, "dynamodb:Scan", table), "ImplicitlyDenied");
            assert.equal(await decide(checks, "dynamodb:Query", table), "ImplicitlyDenied");
            assert.equal(await decide(checks, "s3:PutObject", exportsObject), "Allowed");
            assert.equal(
                await decide(checks, "s3:PutObject", "arn:aws:s3:::someone-elses-bucket/x"),
                "ImplicitlyDenied",
            );
            assert.equal(
                await decide(
                    checks,
                    "cognito-idp:ListUsers",
                    `arn:aws:cognito-idp:eu-west-2:${TEST_ACCOUNT}:userpool/eu-west-2_AbCdEfGhI`,
                ),
                "Allowed",
            );
            assert.equal(await decide(checks, "dynamodb:UpdateContinuousBackups", table), "ImplicitlyDenied");
        });

        it("adds the Organizations statements only for the management account's stack", () => {
            const sids = (a: DeployRoleArgs) =>
                Object.values(rolePolicies(a).deploy).flatMap((d) => d.Statement.map((s) => s.Sid));
            assert.ok(!sids(args).includes("ManageOrganizationBackup"));
            assert.ok(sids({ ...args, managesOrganization: true }).includes("ManageOrganizationBackup"));
        });

        it("names only real IAM actions (each concrete action is known to the IAM simulator)", async () => {
            const all = rolePolicies({
                ...args,
                managesOrganization: true,
                stateBackend: {
                    bucketName: "example-pulumi-state",
                    kmsKeyArn: "arn:aws:kms:eu-west-2:444444444444:key/0f2b6a44-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                },
            });
            const actions = new Set(
                Object.values(all).flatMap((docs) =>
                    Object.values(docs).flatMap((d) => d.Statement.flatMap((s) => asList(s.Action) as string[])),
                ),
            );
            for (const action of [...actions].filter((a) => !a.includes("*"))) {
                const result = await runSimulation(
                    {
                        request: {
                            principal: naming.iamRoleArn(TEST_ACCOUNT, "probe"),
                            action,
                            resource: { resource: "*", accountId: TEST_ACCOUNT },
                            contextVariables: {},
                        },
                        identityPolicies: [],
                        serviceControlPolicies: [],
                        resourceControlPolicies: [],
                    },
                    {},
                );
                const unknownAction =
                    result.resultType === "error" && JSON.stringify(result.errors).toLowerCase().includes("action");
                assert.ok(
                    !unknownAction,
                    `${action}: ${result.resultType === "error" ? JSON.stringify(result.errors) : ""}`,
                );
            }
        });
    });

    it("counts policy size the way IAM does, without whitespace", () => {
        const doc = {
            Version: "2012-10-17" as const,
            Statement: [{ Sid: "A", Effect: "Allow" as const, Action: "s3:ListBucket", Resource: "arn:aws:s3:::b c" }],
        };
        assert.equal(policyCharacters(doc), JSON.stringify(doc).length - 1);
    });
});
