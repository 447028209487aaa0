import * as assert from "node:assert/strict";
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
        const run = new Registered(await runStackOffline("prod"));
        assert.equal(run.ofType("backup:github:DeployRole").length, 0);
        assert.equal(run.outputs.githubDeployRoleArn, undefined);
    });

    it("creates the OIDC provider and the three roles in the stack's account, trusting the stack's environment", async () => {
        const run = new Registered(await runStackOffline("prod", { github }));
        const component = run.one("backup:github:DeployRole");
        const provider = run.one("pulumi:providers:aws");
        for (const child of run.resources.filter((r) => r.parent === component.urn)) {
            assert.equal(child.provider, provider.urn, `${child.name} is not on the prod provider`);
        }
        const deploy = run.ofType("aws:iam/role:Role").find((r) => r.inputs.name === "vat-backup-github-deploy");
        assert.ok(deploy);
        const trust = statement(deploy, "TrustGitHubActions", "assumeRolePolicy");
        assert.equal(trust.Condition?.StringEquals["token.actions.githubusercontent.com:sub"], "repo:example-org/vat-backup:environment:prod");
        assert.equal(run.outputs.githubDeployRoleArn, "arn:aws:iam::111111111111:role/vat-backup-github-deploy");
        assert.equal(run.outputs.githubPreviewRoleArn, "arn:aws:iam::111111111111:role/vat-backup-github-preview");
        assert.equal(run.outputs.githubChecksRoleArn, "arn:aws:iam::111111111111:role/vat-backup-github-checks");
    });

    it("lets the deploy role write in the primary and DR regions only", async () => {
        const run = new Registered(await runStackOffline("prod", { github }));
        const backupPolicy = run.ofType("aws:iam/policy:Policy").find((p) => p.inputs.name === "vat-backup-github-deploy-backup");
        assert.ok(backupPolicy);
        const manage = statement(backupPolicy, "ManageBackupConfiguration");
        assert.deepEqual(manage.Condition, { StringEquals: { "aws:RequestedRegion": ["eu-west-2", "eu-west-1"] } });
    });

    it("accepts a repository, an existing provider of this account, and an S3 backend with its key", () => {
        assert.deepEqual(problems({
            github: {
                ...github,
                existingOidcProviderArn: "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com",
                stateBucket: "example-pulumi-state",
                secretsKeyArn: "arn:aws:kms:eu-west-2:444444444444:key/0f2b6a44-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
            },
        }), []);
    });

    const rejections: [string, Record<string, unknown>, RegExp][] = [
        ["a repository without an owner", { repository: "vat-backup" }, /github\.repository.*owner\/name/],
        ["a repository URL", { repository: "https://github.com/example-org/vat-backup" }, /github\.repository/],
        ["a provider ARN of another issuer", { ...github, existingOidcProviderArn: "arn:aws:iam::111111111111:oidc-provider/example.com" }, /github\.existingOidcProviderArn/],
        ["a provider of another account", { ...github, existingOidcProviderArn: "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com" }, /own account \(111111111111\)/],
        ["a secrets key given as an alias", { ...github, stateBucket: "example-pulumi-state", secretsKeyArn: "arn:aws:kms:eu-west-2:444444444444:alias/pulumi" }, /github\.secretsKeyArn/],
        ["a secrets key without a state bucket", { ...github, secretsKeyArn: "arn:aws:kms:eu-west-2:444444444444:key/0f2b6a44-1c2d-4e5f-8a9b-0c1d2e3f4a5b" }, /stateBucket too/],
        ["a state bucket S3 would reject", { ...github, stateBucket: "Pulumi_State" }, /github\.stateBucket/],
        ["an environment with a colon", { ...github, environment: "prod:x" }, /github\.environment/],
        ["an unknown key", { ...github, repo: "x/y" }, /github\.repo: unknown key/],
    ];
    for (const [what, block, rule] of rejections) {
        it(`rejects ${what}`, () => {
            const found = problems({ github: block });
            assert.ok(found.some((p) => rule.test(p)), `expected ${rule}, got:\n${found.join("\n")}`);
        });
    }
});
