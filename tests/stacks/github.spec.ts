import * as assert from "node:assert/strict";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { RecordedResource } from "../../offline/types";
import { ConfigError, parseStackConfig, projectKeys, readStackFile } from "../../stacks/config";
import { Registered, runStackOffline, statement } from "../helpers/engine";

const github = { repository: "example-org/vat-backup" };

function problems(change: Record<string, unknown>): string[] {
    try {
        parseStackConfig({ ...projectKeys(readStackFile("prod")), ...change }, "prod");
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err.problems;
    }
    return [];
}

describe("the github config block", () => {
    it("is optional: without it no GitHub role is created", async () => {
        const run = new Registered(await runStackOffline("prod", { github: null }));
        assert.equal(run.ofType("backup:github:DeployRole").length, 0);
        assert.equal(run.outputs.githubDeployRoleArn, undefined);
    });

    it("creates the OIDC provider and the three roles in the stack's account, trusting the stack's environment", async () => {
        const run = new Registered(await runStackOffline("prod", { github }));
        const component = run.one("backup:github:DeployRole");
        const provider = run.one("pulumi:providers:aws", "prod-eu-west-2");
        for (const child of run.resources.filter((r) => r.parent === component.urn)) {
            assert.equal(child.provider, provider.urn, `${child.name} is not on the prod provider`);
        }
        const deploy = run.ofType("aws:iam/role:Role").find((r) => r.inputs.name === "vat-backup-github-deploy");
        assert.ok(deploy);
        const trust = statement(deploy, "TrustGitHubActions", "assumeRolePolicy");
        assert.equal(
            trust.Condition?.StringEquals["token.actions.githubusercontent.com:sub"],
            "repo:example-org/vat-backup:environment:prod",
        );
        assert.equal(run.outputs.githubDeployRoleArn, "arn:aws:iam::111111111111:role/vat-backup-github-deploy");
        assert.equal(run.outputs.githubPreviewRoleArn, "arn:aws:iam::111111111111:role/vat-backup-github-preview");
        assert.equal(run.outputs.githubChecksRoleArn, "arn:aws:iam::111111111111:role/vat-backup-github-checks");
    });

    it("lets the deploy role write in the primary and DR regions only", async () => {
        const run = new Registered(await runStackOffline("prod", { github }));
        const backupPolicy = run
            .ofType("aws:iam/policy:Policy")
            .find((p) => p.inputs.name === "vat-backup-github-deploy-backup");
        assert.ok(backupPolicy);
        const manage = statement(backupPolicy, "ManageBackupConfiguration");
        assert.deepEqual(manage.Condition, { StringEquals: { "aws:RequestedRegion": ["eu-west-2", "eu-west-1"] } });
    });

    it("accepts a repository, an existing provider of this account, and an S3 backend with its key", () => {
        assert.deepEqual(
            problems({
                github: {
                    ...github,
                    existingOidcProviderArn:
                        "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com",
                    stateBucket: "example-pulumi-state",
                    secretsKeyArn: "arn:aws:kms:eu-west-2:444444444444:key/0f2b6a44-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                },
            }),
            [],
        );
    });

    const rejections: [string, Record<string, unknown>, RegExp][] = [
        ["a repository without an owner", { repository: "vat-backup" }, /github\.repository.*owner\/name/],
        ["a repository URL", { repository: "https://github.com/example-org/vat-backup" }, /github\.repository/],
        [
            "a provider ARN of another issuer",
            { ...github, existingOidcProviderArn: "arn:aws:iam::111111111111:oidc-provider/example.com" },
            /github\.existingOidcProviderArn/,
        ],
        [
            "a provider of another account",
            {
                ...github,
                existingOidcProviderArn: "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com",
            },
            /own account \(111111111111\)/,
        ],
        [
            "a secrets key given as an alias",
            {
                ...github,
                stateBucket: "example-pulumi-state",
                secretsKeyArn: "arn:aws:kms:eu-west-2:444444444444:alias/pulumi",
            },
            /github\.secretsKeyArn/,
        ],
        [
            "a secrets key without a state bucket",
            { ...github, secretsKeyArn: "arn:aws:kms:eu-west-2:444444444444:key/0f2b6a44-1c2d-4e5f-8a9b-0c1d2e3f4a5b" },
            /stateBucket too/,
        ],
        ["a state bucket S3 would reject", { ...github, stateBucket: "Pulumi_State" }, /github\.stateBucket/],
        ["an environment with a colon", { ...github, environment: "prod:x" }, /github\.environment/],
        ["an unknown key", { ...github, repo: "x/y" }, /github\.repo: unknown key/],
    ];
    for (const [what, block, rule] of rejections) {
        it(`rejects ${what}`, () => {
            const found = problems({ github: block });
            assert.ok(
                found.some((p) => rule.test(p)),
                `expected ${rule}, got:\n${found.join("\n")}`,
            );
        });
    }
});

/**
 * The deploy role's policies, as the stack registers them, must allow the call that creates each
 * resource the same stack registers: otherwise the first `pulumi up` from CI fails with AccessDenied.
 */
describe("the deploy role covers what its stack creates", () => {
    type Call = { action: string; resource: string; context?: Record<string, string> };
    const creates: Record<string, (r: RecordedResource, account: string, region: string) => Call[]> = {
        "aws:iam/role:Role": (r, a) => [
            { action: "iam:CreateRole", resource: `arn:aws:iam::${a}:role/${String(r.inputs.name)}` },
        ],
        "aws:kms/key:Key": () => [
            { action: "kms:CreateKey", resource: "*", context: { "aws:RequestTag/project": "vat-backup" } },
        ],
        "aws:kms/alias:Alias": (r, a, g) => [
            { action: "kms:CreateAlias", resource: `arn:aws:kms:${g}:${a}:${String(r.inputs.name)}` },
        ],
        "aws:s3/bucket:Bucket": (r) => [
            { action: "s3:CreateBucket", resource: `arn:aws:s3:::${String(r.inputs.bucket)}` },
        ],
        "aws:sns/topic:Topic": (r, a, g) => [
            { action: "sns:CreateTopic", resource: `arn:aws:sns:${g}:${a}:${String(r.inputs.name)}` },
        ],
        "aws:backup/vault:Vault": (r, a, g) => [
            {
                action: "backup:CreateBackupVault",
                resource: `arn:aws:backup:${g}:${a}:backup-vault:${String(r.inputs.name)}`,
            },
            { action: "backup-storage:MountCapsule", resource: "*" },
        ],
        "aws:backup/plan:Plan": (_r, a, g) => [
            { action: "backup:CreateBackupPlan", resource: `arn:aws:backup:${g}:${a}:backup-plan:*` },
        ],
        "aws:backup/regionSettings:RegionSettings": () => [{ action: "backup:UpdateRegionSettings", resource: "*" }],
        "aws:backup/globalSettings:GlobalSettings": () => [{ action: "backup:UpdateGlobalSettings", resource: "*" }],
        "aws:cloudwatch/eventRule:EventRule": (r, a, g) => [
            { action: "events:PutRule", resource: `arn:aws:events:${g}:${a}:rule/${String(r.inputs.name)}` },
        ],
        "aws:cloudwatch/eventBusPolicy:EventBusPolicy": () => [{ action: "events:PutPermission", resource: "*" }],
        "aws:cloudwatch/logGroup:LogGroup": (r, a, g) => [
            { action: "logs:CreateLogGroup", resource: `arn:aws:logs:${g}:${a}:log-group:${String(r.inputs.name)}` },
        ],
        "aws:sqs/queue:Queue": (r, a, g) => [
            { action: "sqs:CreateQueue", resource: `arn:aws:sqs:${g}:${a}:${String(r.inputs.name)}` },
        ],
        "aws:cloudwatch/metricAlarm:MetricAlarm": (r, a, g) => [
            {
                action: "cloudwatch:PutMetricAlarm",
                resource: `arn:aws:cloudwatch:${g}:${a}:alarm:${String(r.inputs.name)}`,
            },
        ],
        "aws:cloudwatch/dashboard:Dashboard": (r, a) => [
            {
                action: "cloudwatch:PutDashboard",
                resource: `arn:aws:cloudwatch::${a}:dashboard/${String(r.inputs.dashboardName)}`,
            },
        ],
        "aws:cfg/rule:Rule": (_r, a, g) => [
            { action: "config:PutConfigRule", resource: `arn:aws:config:${g}:${a}:config-rule/config-rule-abcdef` },
        ],
        "aws:backup/framework:Framework": (r, a, g) => [
            {
                action: "backup:CreateFramework",
                resource: `arn:aws:backup:${g}:${a}:framework:${String(r.inputs.name)}-0f2b6a44`,
            },
        ],
        "aws:backup/reportPlan:ReportPlan": (r, a, g) => [
            {
                action: "backup:CreateReportPlan",
                resource: `arn:aws:backup:${g}:${a}:report-plan:${String(r.inputs.name)}-0f2b6a44`,
            },
        ],
        "aws:backup/restoreTestingPlan:RestoreTestingPlan": (r, a, g) => [
            {
                action: "backup:CreateRestoreTestingPlan",
                resource: `arn:aws:backup:${g}:${a}:restore-testing-plan:${String(r.inputs.name)}-0f2b6a44`,
            },
        ],
        "aws:lambda/function:Function": (r, a, g) => [
            { action: "lambda:CreateFunction", resource: `arn:aws:lambda:${g}:${a}:function:${String(r.inputs.name)}` },
        ],
        "pulumi-nodejs:dynamic/backup:TablePitr": (r, a) => [
            {
                action: "dynamodb:UpdateContinuousBackups",
                resource: `arn:aws:dynamodb:${String(r.inputs.region)}:${a}:table/${String(r.inputs.tableName)}`,
            },
        ],
        "pulumi-nodejs:dynamic/backup:SecretReplica": (r, a) => [
            {
                action: "secretsmanager:ReplicateSecretToRegions",
                resource: `arn:aws:secretsmanager:${String(r.inputs.region)}:${a}:secret:${String(r.inputs.secretId)}-AbCdEf`,
            },
        ],
    };

    for (const stack of ["prod", "backup", "org"]) {
        it(`${stack}: every created resource of a modelled type is allowed`, async () => {
            const run = new Registered(await runStackOffline(stack, { github }));
            const account = String(projectKeys(readStackFile(stack)).accountId);
            const docs = run
                .ofType("aws:iam/policy:Policy")
                .filter((p) => String(p.inputs.name).startsWith("vat-backup-github-deploy-"));
            assert.ok(docs.length >= 4, "the deploy role's policies are registered");
            const identityPolicies = docs.map((p) => ({
                name: String(p.inputs.name),
                policy: JSON.parse(String(p.inputs.policy)),
            }));
            const denied: string[] = [];
            let checked = 0;
            for (const r of run.resources) {
                const build = creates[r.type];
                if (!build) continue;
                const region = String(run.providerOf(r)?.inputs.region ?? r.inputs.region);
                for (const call of build(r, account, region)) {
                    checked++;
                    const result = await runSimulation(
                        {
                            request: {
                                principal: `arn:aws:iam::${account}:role/vat-backup-github-deploy`,
                                action: call.action,
                                resource: { resource: call.resource, accountId: account },
                                contextVariables: { "aws:RequestedRegion": region, ...call.context },
                            },
                            identityPolicies,
                            serviceControlPolicies: [],
                            resourceControlPolicies: [],
                        },
                        {},
                    );
                    const verdict =
                        result.resultType === "error" ? JSON.stringify(result.errors) : result.overallResult;
                    if (verdict !== "Allowed")
                        denied.push(`${r.type} ${r.name}: ${call.action} on ${call.resource} → ${verdict}`);
                }
            }
            assert.ok(checked > 0);
            assert.deepEqual(denied, []);
        });
    }
});
