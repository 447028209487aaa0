/**
 * Adding a deployment account to the backup stack, proved step by step with the IAM simulator.
 *
 * The change is computed, not listed by hand: the backup stack is planned with its accounts and
 * with one more, and every resource whose inputs differ is an update `pulumi up` performs. Each
 * update maps to the API calls the provider makes for it (the write, then the read-back); a changed
 * resource type without a mapping fails the test, so a new cross-account policy cannot slip past.
 *
 * Step 1 (stacks/breakGlass.ts): the break-glass role updates only the vault access policies.
 * Step 2: the GitHub deploy role of the backup account updates everything else, and would be
 * refused the vault policies (the vault policy's deny), which is why step 1 exists.
 *
 * Every request is asked against the resource policies in force before the change (the vault and key
 * policies being replaced are the ones AWS evaluates).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { rolePolicies } from "../../components/github/deployRole";
import * as naming from "../../naming";
import { BREAK_GLASS_RESOURCES, breakGlassCommand, breakGlassTargets } from "../../stacks/breakGlass";
import { RecordedResource } from "../../offline/types";
import { Registered, runStackOffline } from "../helpers/engine";
import { Decision, IdentityPolicy, PolicyDocument, decide, identity, policyDocument } from "../helpers/iamSimulator";

const BACKUP = "333333333333";
const REGIONS = ["eu-west-2", "eu-west-1"];
const breakGlassRole = naming.iamRoleArn(BACKUP, naming.DEFAULT_BREAK_GLASS_ROLE_NAME);
const deployRole = naming.iamRoleArn(BACKUP, naming.GITHUB_DEPLOY_ROLE_NAME);

interface Call {
    action: string;
    resource: string;
    /** The resource's own policy, when AWS evaluates one for this call. */
    resourcePolicy?: PolicyDocument;
}

/**
 * The calls the AWS provider makes to update each resource type (Terraform AWS provider: each
 * resource's Update, then its Read): "Actions, resources, and condition keys" (Service Authorization
 * Reference) for the action names and resource types.
 */
const UPDATE_CALLS: Record<string, (r: RecordedResource, region: string) => Call[]> = {
    "aws:backup/vaultPolicy:VaultPolicy": (r, region) => {
        const vault = naming.arn("backup", region, BACKUP, `backup-vault:${String(r.inputs.backupVaultName)}`);
        const policy = policyDocument(r);
        return [
            { action: "backup:PutBackupVaultAccessPolicy", resource: vault, resourcePolicy: policy },
            { action: "backup:GetBackupVaultAccessPolicy", resource: vault, resourcePolicy: policy },
        ];
    },
    "aws:kms/key:Key": (r) => {
        const key = String(r.outputs.arn);
        const policy = policyDocument(r);
        return [
            { action: "kms:PutKeyPolicy", resource: key, resourcePolicy: policy },
            { action: "kms:GetKeyPolicy", resource: key, resourcePolicy: policy },
        ];
    },
    "aws:s3/bucketPolicy:BucketPolicy": (r) => {
        const bucket = `arn:aws:s3:::${String(r.inputs.bucket)}`;
        const policy = policyDocument(r);
        return [
            { action: "s3:PutBucketPolicy", resource: bucket, resourcePolicy: policy },
            { action: "s3:GetBucketPolicy", resource: bucket, resourcePolicy: policy },
        ];
    },
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": (r, region) => {
        const bus = naming.arn("events", region, BACKUP, `event-bus/${String(r.inputs.eventBusName)}`);
        return [
            // PutPermission takes no resource-level permission ("Actions, resources, and condition keys for Amazon EventBridge").
            { action: "events:PutPermission", resource: "*" },
            { action: "events:DescribeEventBus", resource: bus },
        ];
    },
    "aws:iam/role:Role": (r) => {
        // The backup account's github-checks role trusts the deployment accounts' checks roles, so a new
        // account changes its trust policy (assumeRolePolicy). The provider's role Update calls
        // UpdateAssumeRolePolicy for it; its Read calls GetRole, then lists the inline and attached
        // policies ("Actions, resources, and condition keys for AWS Identity and Access Management").
        // IAM has no resource policy on these calls: the role's trust policy governs only sts:AssumeRole.
        const role = naming.iamRoleArn(BACKUP, String(r.inputs.name));
        return [
            { action: "iam:UpdateAssumeRolePolicy", resource: role },
            { action: "iam:GetRole", resource: role },
            { action: "iam:ListRolePolicies", resource: role },
            { action: "iam:ListAttachedRolePolicies", resource: role },
        ];
    },
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": (r, region) => {
        // The plan's ARN ends in its name and an id AWS assigns: restore-testing-plan:<name>-<id>.
        const plan = naming.arn(
            "backup",
            region,
            BACKUP,
            `restore-testing-plan:${String(r.inputs.restoreTestingPlanName)}-3f2a9c1e`,
        );
        return [
            { action: "backup:UpdateRestoreTestingSelection", resource: plan },
            { action: "backup:GetRestoreTestingSelection", resource: plan },
        ];
    },
};

interface Update {
    resource: RecordedResource;
    calls: Call[];
    /** The tags the resource carries (its provider's default tags): conditions on aws:ResourceTag read them. */
    tags: Record<string, string>;
}

async function updatesOfAddingAnAccount(): Promise<{ planned: Registered; updates: Update[] }> {
    const before = new Registered(await runStackOffline("backup"));
    const after = new Registered(
        await runStackOffline("backup", {
            deploymentAccounts: [
                { environment: "prod", accountId: "111111111111" },
                { environment: "ci", accountId: "222222222222" },
                { environment: "staging", accountId: "444444444444" },
            ],
        }),
    );
    const old = new Map(before.resources.map((r) => [r.urn, r]));
    const updates: Update[] = [];
    for (const r of after.resources.filter((x) => x.custom)) {
        const was = old.get(r.urn);
        assert.ok(was, `adding an account creates ${r.urn}: the procedure covers updates only`);
        if (JSON.stringify(was.inputs) === JSON.stringify(r.inputs)) continue;
        const calls = UPDATE_CALLS[r.type];
        assert.ok(calls, `adding an account updates ${r.type} (${r.name}), whose calls the procedure does not map`);
        const provider = before.providerOf(was);
        const region = String(provider?.inputs.region);
        const tags = (provider?.inputs.defaultTags as { tags?: Record<string, string> } | undefined)?.tags ?? {};
        updates.push({ resource: was, calls: calls(was, region), tags });
    }
    return { planned: before, updates };
}

const isBreakGlassStep = (r: RecordedResource) =>
    BREAK_GLASS_RESOURCES.some((b) => b.type === r.type && b.name === r.name);

async function ask(
    principal: string,
    ids: IdentityPolicy[],
    call: Call,
    tags: Record<string, string> = {},
): Promise<Decision> {
    // Only KMS keys and AWS Backup resources are authorised on their tags here ("Actions, resources, and
    // condition keys"); the simulator refuses a context key the action does not evaluate.
    const tagged = /^(kms|backup):/.test(call.action) && call.resource !== "*";
    const resourceTags = tagged
        ? Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]))
        : {};
    return decide({
        principal,
        action: call.action,
        resource: call.resource,
        resourceAccount: BACKUP,
        identityPolicies: ids,
        resourcePolicy: call.resourcePolicy,
        context: { "aws:RequestedRegion": call.resource.split(":")[3] || "eu-west-2", ...resourceTags },
    });
}

describe("break-glass procedure: adding a deployment account to the backup stack", function () {
    let planned: Registered;
    let updates: Update[];
    let breakGlassPolicy: IdentityPolicy;
    let deployPolicies: IdentityPolicy[];

    before(async function () {
        ({ planned, updates } = await updatesOfAddingAnAccount());
        breakGlassPolicy = identity(
            "break-glass",
            policyDocument(planned.one("aws:iam/rolePolicy:RolePolicy", "access-break-glass-policy")),
        );
        const deploy = rolePolicies({
            repository: "example/vat-backup",
            environment: "backup",
            accountId: BACKUP,
            regions: REGIONS,
        }).deploy;
        deployPolicies = Object.entries(deploy).map(([name, doc]) =>
            identity(name, JSON.parse(JSON.stringify(doc)) as PolicyDocument),
        );
    });

    it("changes the vault policies and the key, bucket, bus and restore-testing policies that name the accounts", () => {
        const changed = updates.map((u) => u.resource.name).sort();
        assert.ok(changed.includes("central-vault-policy"));
        assert.ok(changed.length > 2, `only ${changed.join(", ")} change`);
    });

    it("targets in step 1 exactly the vault policies of the backup stack, by the URNs the README's command names", () => {
        const vaultPolicies = planned.ofType("aws:backup/vaultPolicy:VaultPolicy").map((r) => r.urn);
        assert.deepEqual([...breakGlassTargets("backup")].sort(), [...vaultPolicies].sort());
        assert.match(
            breakGlassCommand("backup"),
            /^pulumi up --stack backup --target 'urn:pulumi:backup::vat-backup::/,
        );
        const readme = fs.readFileSync(path.join(__dirname, "../../README.md"), "utf8");
        for (const urn of breakGlassTargets("backup")) assert.ok(readme.includes(`--target '${urn}'`), urn);
    });

    it("step 1: the break-glass role may make every call of the vault-policy updates", async () => {
        const steps = updates.filter((u) => isBreakGlassStep(u.resource));
        assert.ok(steps.length > 0);
        for (const u of steps)
            for (const call of u.calls)
                assert.equal(await ask(breakGlassRole, [breakGlassPolicy], call, u.tags), "Allowed", call.action);
    });

    it("step 1: the break-glass role may make none of the other updates' writes", async () => {
        const others = updates.filter((u) => !isBreakGlassStep(u.resource));
        assert.ok(others.length > 0);
        for (const u of others)
            for (const call of u.calls.filter((c) => !/:(Get|Describe)/.test(c.action)))
                assert.notEqual(await ask(breakGlassRole, [breakGlassPolicy], call, u.tags), "Allowed", call.action);
    });

    it("step 2: the deploy role may make every call of the other updates", async () => {
        for (const u of updates.filter((x) => !isBreakGlassStep(x.resource)))
            for (const call of u.calls)
                assert.equal(
                    await ask(deployRole, deployPolicies, call, u.tags),
                    "Allowed",
                    `${call.action} on ${call.resource}`,
                );
    });

    it("without step 1 the deploy role is refused the vault policy by the vault's own deny", async () => {
        const central = updates.find((u) => u.resource.name === "central-vault-policy")!;
        const put = central.calls.find((c) => c.action === "backup:PutBackupVaultAccessPolicy")!;
        assert.equal(await ask(deployRole, deployPolicies, put, central.tags), "ExplicitlyDenied");
    });
});
