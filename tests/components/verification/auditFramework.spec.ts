import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
    AuditFramework,
    AuditFrameworkArgs,
    auditFrameworkErrors,
    frequencyOf,
    reportDeliveryBucketStatements,
    reportDeliveryKeyStatements,
    reportsRoleArn,
} from "../../../components/verification/auditFramework";
import { Registered, runComponent } from "../../helpers/engine";

const ARGS: AuditFrameworkArgs = {
    frameworkName: "prod_backup_strategy",
    reportPlanName: "prod_backup_compliance",
    resourceTypes: ["DynamoDB"],
    reportBucketName: "prod-env-backup-exports-111111111111-eu-west-2",
    reportKeyPrefix: "backup-audit",
    controls: {
        plan: {
            minimumFrequency: { unit: "days", value: 1 },
            minimumRetentionDays: 35,
            lastRecoveryPointMaxAge: { unit: "hours", value: 32 },
        },
        crossAccountIds: ["333333333333"],
    },
};

type Control = {
    name: string;
    inputParameters?: { name: string; value: string }[];
    scope?: { complianceResourceTypes: string[] };
};
const params = (c: Control | undefined) => Object.fromEntries((c?.inputParameters ?? []).map((p) => [p.name, p.value]));

describe("AuditFramework component", () => {
    let run: Registered;
    let controls: Control[];
    before(async () => {
        run = await runComponent((provider) => {
            new AuditFramework("audit", ARGS, { provider });
        });
        controls = run.one("aws:backup/framework:Framework").inputs.controls as Control[];
    });
    const control = (name: string) => controls.find((c) => c.name === name);

    it("has the strategy's controls of a deployment account", () => {
        assert.equal(run.one("aws:backup/framework:Framework").inputs.name, "prod_backup_strategy");
        assert.deepEqual(controls.map((c) => c.name).sort(), [
            "BACKUP_LAST_RECOVERY_POINT_CREATED",
            "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
            "BACKUP_RECOVERY_POINT_ENCRYPTED",
            "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
            "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT",
        ]);
    });

    it("passes AWS's parameter names, as strings", () => {
        assert.deepEqual(params(control("BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK")), {
            requiredFrequencyUnit: "days",
            requiredFrequencyValue: "1",
            requiredRetentionDays: "35",
        });
        assert.deepEqual(params(control("BACKUP_LAST_RECOVERY_POINT_CREATED")), {
            recoveryPointAgeUnit: "hours",
            recoveryPointAgeValue: "32",
        });
        assert.deepEqual(params(control("BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT")), {
            crossAccountList: "333333333333",
        });
        assert.deepEqual(control("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN")?.scope, {
            complianceResourceTypes: ["DynamoDB"],
        });
    });

    it("gives a vault-only account (the backup account) manual deletion disabled and vault lock within bounds, without plan controls", async () => {
        const backup = await runComponent((provider) => {
            new AuditFramework(
                "audit",
                {
                    ...ARGS,
                    controls: {
                        manualDeletionDisabled: {
                            exemptPrincipalArns: ["arn:aws:iam::333333333333:role/vat-backup-break-glass"],
                        },
                        vaultLock: { minRetentionDays: 7, maxRetentionDays: 2557 },
                    },
                },
                { provider },
            );
        });
        const list = backup.one("aws:backup/framework:Framework").inputs.controls as Control[];
        assert.deepEqual(list.map((c) => c.name).sort(), [
            "BACKUP_RECOVERY_POINT_ENCRYPTED",
            "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
            "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",
        ]);
        // "Choosing your controls" (AWS Backup Developer Guide): the control takes up to 5 IAM roles
        // that may still delete by hand; the vault policies exempt exactly the break-glass role.
        assert.deepEqual(params(list.find((c) => c.name === "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED")), {
            principalArnList: "arn:aws:iam::333333333333:role/vat-backup-break-glass",
        });
        assert.deepEqual(params(list.find((c) => c.name === "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK")), {
            minRetentionDays: "7",
            maxRetentionDays: "2557",
        });
        assert.ok(!list.some((c) => c.name === "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT"));
    });

    it("writes a daily control compliance report of this framework to the bucket and prefix", () => {
        const plan = run.one("aws:backup/reportPlan:ReportPlan").inputs;
        assert.equal(plan.name, "prod_backup_compliance");
        assert.deepEqual(plan.reportDeliveryChannel, {
            s3BucketName: ARGS.reportBucketName,
            s3KeyPrefix: "backup-audit",
            formats: ["CSV", "JSON"],
        });
        const setting = plan.reportSetting as Record<string, unknown>;
        assert.equal(setting.reportTemplate, "CONTROL_COMPLIANCE_REPORT");
        assert.deepEqual(setting.frameworkArns, [run.one("aws:backup/framework:Framework").outputs.arn]);
    });

    it("rejects hyphens in framework and report plan names", () => {
        const errors = auditFrameworkErrors({ ...ARGS, frameworkName: "prod-backup", reportPlanName: "1report" });
        assert.equal(errors.length, 2);
        assert.match(errors[0], /framework name starts with a letter.*no '-'.*'prod-backup'/);
        assert.match(errors[1], /report plan name.*'1report'/);
    });

    it("rejects parameters out of range and more than five cross-account ids", () => {
        const errors = auditFrameworkErrors({
            ...ARGS,
            controls: {
                plan: {
                    minimumFrequency: { unit: "hours", value: 25 },
                    minimumRetentionDays: 35,
                    lastRecoveryPointMaxAge: { unit: "days", value: 32 },
                },
                crossAccountIds: ["1", "2", "3", "4", "5", "6"],
            },
        });
        assert.equal(errors.length, 3, errors.join("\n"));
    });

    it("expresses a rule's interval as the frequency control does", () => {
        assert.deepEqual(frequencyOf(1), { unit: "hours", value: 1 });
        assert.deepEqual(frequencyOf(24), { unit: "days", value: 1 });
        assert.deepEqual(frequencyOf(168), { unit: "days", value: 7 });
        assert.deepEqual(frequencyOf(720), { unit: "days", value: 7 });
    });

    describe("report delivery permissions", () => {
        it("let only Audit Manager's service-linked role put objects under the report prefix, matched by condition so the policy is valid before the role exists", () => {
            const [s] = reportDeliveryBucketStatements(pulumi.output("arn:aws:s3:::b"), "111111111111", "backup-audit");
            assert.equal(s.Principal, "*");
            assert.equal(s.Action, "s3:PutObject");
            assert.deepEqual(s.Condition, {
                ArnEquals: {
                    "aws:PrincipalArn":
                        "arn:aws:iam::111111111111:role/aws-service-role/reports.backup.amazonaws.com/AWSServiceRoleForBackupReports",
                },
                StringEquals: { "aws:PrincipalAccount": "111111111111", "s3:x-amz-acl": "bucket-owner-full-control" },
            });
        });

        it("let that role use the bucket's key only through S3 in this account, matched by condition so the key policy is valid before the role exists", () => {
            const [s] = reportDeliveryKeyStatements("111111111111", "eu-west-2");
            assert.equal(s.Principal, "*");
            assert.deepEqual(s.Action, ["kms:GenerateDataKey", "kms:Decrypt"]);
            assert.deepEqual(s.Condition, {
                ArnEquals: { "aws:PrincipalArn": reportsRoleArn("111111111111") },
                StringEquals: { "kms:CallerAccount": "111111111111", "kms:ViaService": "s3.eu-west-2.amazonaws.com" },
            });
        });
    });
});
