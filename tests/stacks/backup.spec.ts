import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import { lambdaSources } from "../../lambdas/package";
import { Registered, policyOf, runStackOffline, statement, inputOf } from "../helpers/engine";

describe("backup-account stack", () => {
    let backup: Registered;
    before(async () => {
        backup = new Registered(await runStackOffline("backup"));
    });

    it("pins one provider to the backup account in each of its two regions", () => {
        const providers = backup
            .ofType("pulumi:providers:aws")
            .map((p) => [p.inputs.region, p.inputs.allowedAccountIds]);
        assert.deepEqual(providers, [
            ["eu-west-2", ["333333333333"]],
            ["eu-west-1", ["333333333333"]],
        ]);
        assert.equal(backup.providerOf(backup.named("dr-vault-vault"))?.inputs.region, "eu-west-1");
        assert.equal(backup.providerOf(backup.named("central-vault-vault"))?.inputs.region, "eu-west-2");
    });

    it("locks the central and DR vaults in compliance mode with a grace period AWS accepts", () => {
        for (const name of ["central-vault-lock", "dr-vault-lock"]) {
            const lock = backup.named(name);
            assert.deepEqual(
                [lock.inputs.minRetentionDays, lock.inputs.maxRetentionDays, lock.inputs.changeableForDays],
                [7, 2557, 3],
            );
            assert.equal(lock.protect, true);
        }
    });

    it("admits copies into the central vault only from the listed accounts of the organization", () => {
        const s = statement(backup.named("central-vault-policy"), "DeploymentAccountsCopyIn");
        assert.deepEqual(s.Principal, { AWS: ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"] });
        assert.equal(s.Action, "backup:CopyIntoBackupVault");
        assert.deepEqual(s.Condition, { StringEquals: { "aws:PrincipalOrgID": "o-exampleorg1" } });
    });

    it("denies deleting, shortening and re-policing recovery points to all but the break-glass role, in both vaults", () => {
        for (const name of ["central-vault-policy", "dr-vault-policy"]) {
            const deny = statement(backup.named(name), "DenyDestructionExceptBreakGlass");
            assert.equal(deny.Effect, "Deny");
            assert.equal(deny.Principal, "*");
            for (const action of [
                "backup:DeleteRecoveryPoint",
                "backup:UpdateRecoveryPointLifecycle",
                "backup:PutBackupVaultAccessPolicy",
            ]) {
                assert.ok((deny.Action as string[]).includes(action), `${name} does not deny ${action}`);
            }
            assert.deepEqual(deny.Condition, {
                ArnNotEquals: { "aws:PrincipalArn": "arn:aws:iam::333333333333:role/vat-backup-break-glass" },
            });
        }
    });

    // "Creating backup copies across AWS accounts" (AWS Backup Developer Guide): both vaults' keys must let
    // the other account Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*, DescribeKey and create grants for
    // AWS resources; here only through AWS Backup in the key's region and only for the listed accounts.
    it("lets the listed accounts' AWS Backup copy in and back with the central and DR keys, and nothing else from outside", () => {
        for (const [name, region] of [
            ["central-key-key", "eu-west-2"],
            ["dr-key-key", "eu-west-1"],
        ]) {
            const outside = policyOf(backup.named(name)).filter((s) =>
                JSON.stringify(s.Principal).match(/111111111111|222222222222/),
            );
            assert.deepEqual(
                outside.map((s) => s.Sid),
                ["DeploymentAccountsCopies", "DeploymentAccountsCopiesGrants"],
            );
            const through = {
                "kms:ViaService": [`backup.${region}.amazonaws.com`],
                "kms:CallerAccount": ["111111111111", "222222222222"],
            };
            assert.deepEqual(outside[0].Action, [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:DescribeKey",
            ]);
            assert.deepEqual(outside[0].Condition, { StringEquals: through });
            assert.deepEqual(outside[1].Action, ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]);
            assert.deepEqual(outside[1].Condition, {
                Bool: { "kms:GrantIsForAWSResource": true },
                StringEquals: through,
            });
        }
    });

    it("copies every completed copy-in to the DR vault with a Lambda whose failures retry and land in a dead-letter queue", () => {
        const rule = backup.named("dr-copy-rule");
        const pattern = JSON.parse(String(rule.inputs.eventPattern));
        assert.deepEqual(pattern, {
            source: ["aws.backup"],
            "detail-type": ["Copy Job State Change"],
            detail: {
                state: ["COMPLETED"],
                destinationBackupVaultArn: ["arn:aws:backup:eu-west-2:333333333333:backup-vault:central-backup-vault"],
            },
        });
        const fn = backup.one("aws:lambda/function:Function", "dr-copy-function");
        assert.equal(fn.inputs.runtime, "nodejs22.x");
        assert.equal(fn.inputs.handler, "lambdas/copyToDrRegion/handler.handler");
        assert.deepEqual(inputOf<aws.types.input.lambda.FunctionEnvironment>(fn, "environment").variables, {
            CENTRAL_VAULT_ARN: "arn:aws:backup:eu-west-2:333333333333:backup-vault:central-backup-vault",
            DR_VAULT_ARN: "arn:aws:backup:eu-west-1:333333333333:backup-vault:dr-backup-vault",
            COPY_ROLE_ARN: "arn:aws:iam::333333333333:role/vat-backup-central-backup-service",
        });
        const dlq = backup.one("aws:sqs/queue:Queue", "dr-copy-dlq");
        const invoke = backup.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "dr-copy-retries");
        assert.equal(invoke.inputs.maximumRetryAttempts, 2);
        assert.equal(
            inputOf<aws.types.input.lambda.FunctionEventInvokeConfigDestinationConfig>(invoke, "destinationConfig")
                .onFailure?.destination,
            dlq.outputs.arn,
        );
        assert.equal(
            inputOf<aws.types.input.cloudwatch.EventTargetDeadLetterConfig>(
                backup.named("dr-copy-target"),
                "deadLetterConfig",
            ).arn,
            dlq.outputs.arn,
        );
    });

    // "Capturing records of Lambda asynchronous invocations" (AWS Lambda Developer Guide): Lambda needs
    // the execution role's permission on the destination; PutFunctionEventInvokeConfig checks it, so the
    // invoke config must not be written before the role policy granting sqs:SendMessage exists.
    it("writes the copy function's on-failure destination only after the policy that lets it send there", () => {
        const invoke = backup.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", "dr-copy-retries");
        const policy = backup.named("dr-copy-policy");
        assert.ok(statement(policy, "DeadLetters"));
        assert.ok(
            invoke.dependencies?.includes(policy.urn),
            `the invoke config waits for ${JSON.stringify(invoke.dependencies)}`,
        );
    });

    it("packages the handler with the project modules it imports, and nothing it cannot resolve", () => {
        const sources = lambdaSources("lambdas/copyToDrRegion/handler.ts");
        assert.ok(sources["lambdas/copyToDrRegion/handler.js"].includes("StartCopyJobCommand"));
        for (const text of Object.values(sources)) {
            for (const [, mod] of text.matchAll(/require\("([^"]+)"\)/g)) {
                assert.ok(
                    mod.startsWith("@aws-sdk/") || mod.startsWith("node:") || mod.startsWith("."),
                    `the Lambda runtime cannot provide ${mod}`,
                );
            }
        }
    });

    it("accepts forwarded copy events only from the listed accounts of the organization", () => {
        const s = statement(
            backup.one("aws:cloudwatch/eventBusPolicy:EventBusPolicy"),
            "DeploymentAccountsForwardCopyEvents",
        );
        assert.deepEqual(s.Condition, { StringEquals: { "aws:PrincipalOrgID": "o-exampleorg1" } });
        assert.equal(s.Resource, "arn:aws:events:eu-west-2:333333333333:event-bus/default");
    });

    it("keeps the archive under compliance-mode Object Lock, replicated with RTC to a locked bucket in the DR region", () => {
        for (const name of ["archive-object-lock", "dr-archive-object-lock"]) {
            assert.deepEqual(backup.named(name).inputs.rule, { defaultRetention: { mode: "COMPLIANCE", days: 2557 } });
        }
        const [rule] = inputOf<aws.types.input.s3.BucketReplicationConfigRule[]>(
            backup.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "archive-replication-config"),
            "rules",
        );
        assert.equal(rule.destination.bucket, "arn:aws:s3:::vat-backup-archive-333333333333-eu-west-1");
        assert.equal(rule.destination.account, undefined, "same-account replication names no destination account");
        assert.deepEqual(rule.destination.replicationTime, { status: "Enabled", time: { minutes: 15 } });
    });

    it("lets exactly the deployment accounts' replication roles write into the archive", () => {
        // Account principals narrowed by role ARN: the roles do not exist when this stack is deployed.
        // Role names end in the deployment stack's region (IAM names are account-wide), so the pattern
        // admits each environment's replication role in any region, and only in its own account.
        const roles = [
            "arn:aws:iam::111111111111:role/prod-env-exports-replication-*",
            "arn:aws:iam::222222222222:role/ci-env-exports-replication-*",
        ];
        const s = statement(backup.named("archive-policy"), "DeploymentAccountsReplicateIn");
        assert.deepEqual(s.Principal, { AWS: ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root"] });
        assert.deepEqual(s.Condition, {
            StringEquals: { "aws:PrincipalOrgID": "o-exampleorg1" },
            ArnLike: { "aws:PrincipalArn": roles },
        });
        const keyUse = statement(backup.named("archive-key-key"), "ReplicationRolesEncrypt");
        assert.deepEqual(keyUse.Principal, s.Principal);
        assert.deepEqual(keyUse.Condition, {
            StringEquals: {
                "kms:ViaService": ["s3.eu-west-2.amazonaws.com"],
                "kms:CallerAccount": ["111111111111", "222222222222"],
            },
            ArnLike: { "aws:PrincipalArn": roles },
        });
    });

    it("lets the backup account's own principals seal and open escrowed secrets with the archive key, only under the escrow context", () => {
        const s = statement(backup.named("archive-key-key"), "SecretEscrowEnvelope");
        assert.deepEqual(s.Principal, { AWS: "arn:aws:iam::333333333333:root" });
        assert.deepEqual(s.Action, ["kms:GenerateDataKey", "kms:Decrypt"]);
        assert.deepEqual(s.Condition, {
            StringEquals: {
                "kms:EncryptionContext:purpose": "vat-backup-secret-escrow",
                "kms:CallerAccount": "333333333333",
            },
        });
    });

    it("gives the copy-back role copy jobs and nothing destructive, and the break-glass role MFA-only trust", () => {
        const copyBack = policyOf(backup.named("access-copy-back-policy"));
        const actions = copyBack.flatMap((s) => s.Action);
        assert.ok(actions.includes("backup:StartCopyJob"));
        assert.ok(
            !actions.some((a) => /Delete|UpdateRecoveryPointLifecycle|PutBackupVaultAccessPolicy/.test(String(a))),
        );
        const trust = statement(backup.named("access-break-glass"), "OperatorsWithMfa", "assumeRolePolicy");
        assert.deepEqual(trust.Condition, { Bool: { "aws:MultiFactorAuthPresent": true } });
    });

    it("protects vaults, keys and buckets in the backup account", () => {
        const mustProtect = [
            "aws:backup/vault:Vault",
            "aws:kms/key:Key",
            "aws:s3/bucket:Bucket",
            "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
            "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        ];
        for (const r of backup.resources.filter((r) => mustProtect.includes(r.type)))
            assert.equal(r.protect, true, r.name);
    });

    it("adds a logically air-gapped vault only when asked, with the retention bounds AWS requires", async () => {
        const run = new Registered(await runStackOffline("backup", { airGappedVault: { enabled: true } }));
        const vault = run.one("aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault");
        assert.deepEqual([vault.inputs.minRetentionDays, vault.inputs.maxRetentionDays], [7, 2557]);
        assert.equal(run.ofType("aws:ram/resourceShare:ResourceShare").length, 0, "no recovery account, no share");
        const without = new Registered(await runStackOffline("backup", { airGappedVault: null }));
        assert.equal(without.ofType("aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault").length, 0);
    });

    it("shares the air-gapped vault through RAM with the recovery account only, inside the organization (AWS Backup, Logically air-gapped vault: share with AWS RAM)", () => {
        const share = backup.one("aws:ram/resourceShare:ResourceShare");
        assert.equal(share.inputs.allowExternalPrincipals, false);
        const vault = backup.one("aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault");
        assert.deepEqual(
            backup.ofType("aws:ram/resourceAssociation:ResourceAssociation").map((a) => a.inputs.resourceArn),
            [vault.outputs.arn],
        );
        assert.deepEqual(
            backup.ofType("aws:ram/principalAssociation:PrincipalAssociation").map((a) => a.inputs.principal),
            ["666666666666"],
        );
    });

    it("admits copies from every account of the policy's OU into the central and air-gapped vaults, by organization path", () => {
        for (const name of ["central-vault-policy", "air-gapped-vault-policy"]) {
            const s = statement(backup.one("aws:backup/vaultPolicy:VaultPolicy", name), "OrganizationUnitsCopyIn");
            assert.deepEqual(s.Action, "backup:CopyIntoBackupVault");
            assert.deepEqual(s.Condition?.StringEquals, { "aws:PrincipalOrgID": "o-exampleorg1" });
            assert.deepEqual(s.Condition?.["ForAnyValue:StringLike"], {
                "aws:PrincipalOrgPaths": ["o-exampleorg1/*/ou-exam-deploy01/*"],
            });
        }
    });

    it("alarms on failed jobs forwarded from the organization: delegated administration publishes no metrics, so the rule's TriggeredRules is the metric", () => {
        const rule = backup.one("aws:cloudwatch/eventRule:EventRule", "organization-jobs-rule");
        const pattern = JSON.parse(String(rule.inputs.eventPattern)) as Record<string, unknown>;
        assert.deepEqual(pattern.account, [{ "anything-but": "333333333333" }]);
        const alarm = backup.one("aws:cloudwatch/metricAlarm:MetricAlarm", "organization-jobs-alarm");
        assert.equal(alarm.inputs.namespace, "AWS/Events");
        assert.equal(alarm.inputs.metricName, "TriggeredRules");
        assert.deepEqual(alarm.inputs.dimensions, { RuleName: rule.inputs.name });
        const bus = statement(
            backup.one("aws:cloudwatch/eventBusPolicy:EventBusPolicy"),
            "PolicyCoveredAccountsForwardJobEvents",
        );
        assert.deepEqual(bus.Condition?.["ForAnyValue:StringLike"], {
            "aws:PrincipalOrgPaths": ["o-exampleorg1/*/ou-exam-deploy01/*"],
        });
    });

    it("rejects a recovery account that is the backup account itself, or one without the air-gapped vault", async () => {
        await assert.rejects(
            runStackOffline("backup", { airGappedVault: { enabled: true, recoveryAccountIds: ["333333333333"] } }),
            /recoveryAccountIds\[0\]/,
        );
        await assert.rejects(
            runStackOffline("backup", { airGappedVault: { enabled: false, recoveryAccountIds: ["666666666666"] } }),
            /not enabled/,
        );
    });

    it("rejects a vault lock grace period AWS would refuse", async () => {
        await assert.rejects(
            runStackOffline("backup", { centralVault: { lock: { changeableForDays: 1 } } }),
            /centralVault\.lock\.changeableForDays = 1: AWS Backup requires a vault lock grace period of at least 3 days/,
        );
    });

    it("rejects an air-gapped vault minimum under AWS's 7 days", async () => {
        await assert.rejects(
            runStackOffline("backup", { airGappedVault: { enabled: true, minRetentionDays: 3 } }),
            /airGappedVault\.minRetentionDays = 3: .*at least 7 days/,
        );
    });
});

describe("organization stack", () => {
    it("switches cross-account backup on, giving every global setting explicitly", async () => {
        const org = new Registered(await runStackOffline("org"));
        assert.deepEqual(org.one("pulumi:providers:aws").inputs.allowedAccountIds, ["444444444444"]);
        assert.deepEqual(org.one("aws:backup/globalSettings:GlobalSettings").inputs.globalSettings, {
            isCrossAccountBackupEnabled: "true",
            isMpaEnabled: "false",
            // Delegated administration to the backup account needs this setting on (AWS Backup,
            // "Delegated administrator"); the org stack's guardrails register it.
            isDelegatedAdministratorEnabled: "true",
        });
    });
});
