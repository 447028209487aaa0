import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import {
    CONFIG_ROLE_POLICY,
    ConfigRules,
    ConfigRulesArgs,
    RECORDED_RESOURCE_TYPES,
    managedRuleSpecs,
} from "../../../components/verification/configRules";
import { Registered, policyOf, runComponent, statement } from "../../helpers/engine";

async function rules(args: Partial<ConfigRulesArgs>): Promise<Registered> {
    return runComponent((provider) => {
        const bucket = new aws.s3.Bucket(
            "b",
            { bucket: "prod-env-backup-exports-111111111111-eu-west-2" },
            { provider },
        );
        const key = new aws.kms.Key("k", {}, { provider });
        new ConfigRules(
            "cfg",
            {
                namePrefix: "prod-env-backup",
                dynamoDbTables: true,
                ...args,
                recorder:
                    args.recorder === undefined
                        ? undefined
                        : {
                              accountId: "111111111111",
                              roleName: "prod-env-config-recorder",
                              bucketName: bucket.bucket,
                              bucketArn: bucket.arn,
                              keyPrefix: "aws-config",
                              kmsKeyArn: key.arn,
                          },
            },
            { provider },
        );
    });
}
const byIdentifier = (run: Registered) =>
    Object.fromEntries(
        run
            .ofType("aws:cfg/rule:Rule")
            .map((r) => [(r.inputs.source as { sourceIdentifier: string }).sourceIdentifier, r.inputs]),
    );

const BREAK_GLASS = "arn:aws:iam::333333333333:role/vat-backup-break-glass";
const OTHER = "arn:aws:iam::333333333333:role/second-exempt";

describe("ConfigRules component", () => {
    it("checks PITR and backup-plan membership of every DynamoDB table with AWS managed rules", async () => {
        const found = byIdentifier(await rules({}));
        assert.deepEqual(Object.keys(found).sort(), [
            "DYNAMODB_PITR_ENABLED",
            "DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
        ]);
        for (const r of Object.values(found)) {
            assert.equal((r.source as { owner: string }).owner, "AWS");
            assert.deepEqual(r.scope, { complianceResourceTypes: ["AWS::DynamoDB::Table"] });
        }
        assert.equal(found.DYNAMODB_PITR_ENABLED.name, "prod-env-backup-dynamodb-pitr-enabled");
    });

    it("scopes the bucket rules to the one bucket each concerns", async () => {
        const found = byIdentifier(
            await rules({
                replicatedBucketName: "exports-b",
                lockedBucketName: "archive-b",
                vaultsRefuseManualDeletion: { exemptPrincipalArns: [BREAK_GLASS] },
            }),
        );
        assert.deepEqual(found.S3_BUCKET_REPLICATION_ENABLED.scope, {
            complianceResourceTypes: ["AWS::S3::Bucket"],
            complianceResourceId: "exports-b",
        });
        assert.deepEqual(found.S3_BUCKET_DEFAULT_LOCK_ENABLED.scope, {
            complianceResourceTypes: ["AWS::S3::Bucket"],
            complianceResourceId: "archive-b",
        });
        assert.deepEqual(found.BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED.scope, {
            complianceResourceTypes: ["AWS::Backup::BackupVault"],
        });
    });

    // "backup-recovery-point-manual-deletion-disabled" (AWS Config Developer Guide): principalArnList is
    // the comma-separated list of IAM ARNs the rule does not check; the vault policies' deny spares the
    // break-glass role, so without it every vault would be NON_COMPLIANT for ever.
    it("passes the break-glass role as the manual-deletion rule's principalArnList", async () => {
        const found = byIdentifier(
            await rules({ vaultsRefuseManualDeletion: { exemptPrincipalArns: [BREAK_GLASS, OTHER] } }),
        );
        const rule = found.BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED;
        assert.deepEqual(JSON.parse(String(rule.inputParameters)), { principalArnList: `${BREAK_GLASS},${OTHER}` });
    });

    it("creates no recorder unless asked (Control Tower may own the account's recorder)", async () => {
        const run = await rules({});
        assert.equal(run.ofType("aws:cfg/recorder:Recorder").length, 0);
        assert.equal(run.ofType("aws:cfg/deliveryChannel:DeliveryChannel").length, 0);
    });

    describe("with the recorder", () => {
        let run: Registered;
        before(async () => {
            run = await rules({ recorder: {} as never });
        });

        it("records exactly the types the rules and the audit controls evaluate", () => {
            const recorder = run.one("aws:cfg/recorder:Recorder");
            assert.deepEqual(recorder.inputs.recordingGroup, {
                allSupported: false,
                includeGlobalResourceTypes: false,
                resourceTypes: RECORDED_RESOURCE_TYPES,
                recordingStrategies: [{ useOnly: "INCLUSION_BY_RESOURCE_TYPES" }],
            });
            assert.equal(recorder.inputs.roleArn, run.one("aws:iam/role:Role").outputs.arn);
        });

        it("delivers into the bucket's prefix under the bucket's key, and switches recording on after delivery is set up", () => {
            const channel = run.one("aws:cfg/deliveryChannel:DeliveryChannel").inputs;
            assert.equal(channel.s3BucketName, "prod-env-backup-exports-111111111111-eu-west-2");
            assert.equal(channel.s3KeyPrefix, "aws-config");
            assert.equal(channel.s3KmsKeyArn, run.one("aws:kms/key:Key").outputs.arn);
            const status = run.one("aws:cfg/recorderStatus:RecorderStatus");
            assert.equal(status.inputs.isEnabled, true);
            assert.equal(status.inputs.name, run.one("aws:cfg/recorder:Recorder").outputs.name);
        });

        it("gives Config a role trusted only from this account, with AWS_ConfigRole and delivery to its prefix", () => {
            const role = run.one("aws:iam/role:Role");
            const trust = statement(role, "TrustService", "assumeRolePolicy");
            assert.deepEqual(trust.Principal, { Service: "config.amazonaws.com" });
            assert.deepEqual(trust.Condition, { StringEquals: { "aws:SourceAccount": "111111111111" } });
            assert.deepEqual(
                run.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn),
                [CONFIG_ROLE_POLICY],
            );
            const inline = run.one("aws:iam/rolePolicy:RolePolicy");
            const deliver = policyOf(inline).find((s) => s.Sid === "Deliver");
            assert.equal(
                deliver?.Resource,
                "arn:aws:s3:::prod-env-backup-exports-111111111111-eu-west-2/aws-config/AWSLogs/111111111111/*",
            );
            assert.deepEqual(
                policyOf(inline).find((s) => s.Sid === "EncryptDeliveries")?.Resource,
                run.one("aws:kms/key:Key").outputs.arn,
            );
        });
    });

    it("rejects a rule name Config would reject", () => {
        assert.throws(
            () => managedRuleSpecs({ namePrefix: "has space", dynamoDbTables: true }),
            /Config rule name is 1 to 128/,
        );
    });
});
