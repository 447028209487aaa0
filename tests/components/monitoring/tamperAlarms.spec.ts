/**
 * Tamper alarms: the event patterns match the CloudTrail events AWS sends (Amazon EventBridge User
 * Guide, "AWS service events delivered via AWS CloudTrail": detail-type "AWS API Call via CloudTrail",
 * the call's `eventSource`, `eventName` and `requestParameters` under `detail`), the message says who
 * did what, and a region without a topic forwards to the primary region's bus.
 */
import * as assert from "node:assert/strict";
import {
    TamperAlarms,
    forwardingPattern,
    tamperEventRule,
    tamperPattern,
    tamperRuleSpecs,
} from "../../../components/monitoring/tamperAlarms";
import { inputTemplate } from "../../../components/monitoring/backupJobEvents";
import { matchesPattern as matches } from "../../helpers/eventPattern";
import { runComponent } from "../../helpers/engine";

const watched = { tableNames: ["prod-env-receipts"], bucketNames: ["prod-env-backup-exports-111111111111-eu-west-2"] };
const specs = tamperRuleSpecs(watched);
const spec = (key: string) => specs.find((s) => s.key === key)!;

/** A CloudTrail management event as EventBridge delivers it. */
const apiCall = (source: string, eventSource: string, eventName: string, requestParameters: object) => ({
    source,
    "detail-type": "AWS API Call via CloudTrail",
    account: "111111111111",
    region: "eu-west-2",
    detail: {
        eventSource,
        eventName,
        awsRegion: "eu-west-2",
        userIdentity: { type: "AssumedRole", arn: "arn:aws:sts::111111111111:assumed-role/dev/alice" },
        requestParameters,
    },
});

describe("TamperAlarms", () => {
    it("matches PITR switched off, and not PITR switched on", () => {
        const pattern = tamperPattern(spec("pitr-disabled"));
        const call = (enabled: boolean) =>
            apiCall("aws.dynamodb", "dynamodb.amazonaws.com", "UpdateContinuousBackups", {
                tableName: "prod-env-receipts",
                pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: enabled },
            });
        assert.ok(matches(pattern, call(false)));
        assert.ok(!matches(pattern, call(true)));
    });

    it("matches versioning suspended on a watched bucket only", () => {
        const pattern = tamperPattern(spec("versioning-suspended"));
        const call = (bucketName: string, Status: string) =>
            apiCall("aws.s3", "s3.amazonaws.com", "PutBucketVersioning", {
                bucketName,
                VersioningConfiguration: { Status },
            });
        assert.ok(matches(pattern, call(watched.bucketNames[0], "Suspended")));
        assert.ok(!matches(pattern, call(watched.bucketNames[0], "Enabled")));
        assert.ok(!matches(pattern, call("someone-elses-bucket", "Suspended")));
    });

    it("watches only the protected tables' deletion (AWS Backup deletes its restore-test tables itself)", () => {
        const pattern = tamperPattern(spec("table-deleted"));
        const del = (tableName: string) =>
            apiCall("aws.dynamodb", "dynamodb.amazonaws.com", "DeleteTable", { tableName });
        assert.ok(matches(pattern, del("prod-env-receipts")));
        assert.ok(!matches(pattern, del("awsbackup-restore-test-1234")));
    });

    it("covers the calls the issue lists", () => {
        const names = new Set(specs.flatMap((s) => s.eventNames));
        for (const name of [
            "UpdateContinuousBackups",
            "DeleteRecoveryPoint",
            "UpdateRecoveryPointLifecycle",
            "DeleteBackupVaultLockConfiguration",
            "DeleteBackupVaultAccessPolicy",
            "PutBackupVaultAccessPolicy",
            "DeleteBackupPlan",
            "DeleteBackupSelection",
            "DisableKey",
            "ScheduleKeyDeletion",
            "PutBucketVersioning",
            "DeleteBucketReplication",
            "RemoveRegionsFromReplication",
        ])
            assert.ok(names.has(name), `${name} is not watched`);
    });

    it("tells who did what, from where, and whether AWS refused it", () => {
        const rule = tamperEventRule(spec("key-disabled"));
        assert.equal(rule.inputPaths.who, "$.detail.userIdentity.arn");
        assert.equal(rule.inputPaths.parameters, "$.detail.requestParameters");
        assert.equal(rule.inputPaths.errorCode, "$.detail.errorCode");
        const template = JSON.parse(inputTemplate(rule)) as string;
        assert.match(template, /Who: <who> \(<principalType>, via <invokedBy>\) from <sourceIp>/);
        assert.match(template, /CancelKeyDeletion/);
    });

    it("forwards every watched call from a region without a topic", () => {
        const pattern = forwardingPattern(specs);
        const call = apiCall("aws.kms", "kms.amazonaws.com", "ScheduleKeyDeletion", { keyId: "k" });
        assert.ok(matches(pattern, call));
        assert.ok(!matches(pattern, apiCall("aws.kms", "kms.amazonaws.com", "Decrypt", {})));
    });

    it("creates a rule and an alert-topic target per call, or one forwarding rule with a PutEvents-only role", async () => {
        const run = await runComponent((provider) => {
            new TamperAlarms(
                "tamper",
                {
                    namePrefix: "prod-env-backup",
                    watched,
                    destination: { alertTopicArn: "arn:aws:sns:eu-west-2:111111111111:t" },
                },
                { provider },
            );
            new TamperAlarms(
                "dr-tamper",
                {
                    namePrefix: "prod-env-backup",
                    watched: { tableNames: [], bucketNames: [] },
                    destination: {
                        forwardToBusArn: "arn:aws:events:eu-west-2:111111111111:event-bus/default",
                        accountId: "111111111111",
                        forwardingRoleName: "prod-env-backup-tamper-forward-eu-west-1",
                    },
                },
                { provider },
            );
        });
        const targets = run.ofType("aws:cloudwatch/eventTarget:EventTarget");
        assert.equal(
            targets.filter((t) => t.inputs.arn === "arn:aws:sns:eu-west-2:111111111111:t").length,
            specs.length,
        );
        const forward = run.one("aws:cloudwatch/eventTarget:EventTarget", "dr-tamper-forward-target");
        assert.equal(forward.inputs.arn, "arn:aws:events:eu-west-2:111111111111:event-bus/default");
        const policy = JSON.parse(run.one("aws:iam/rolePolicy:RolePolicy").inputs.policy as string);
        assert.deepEqual(policy.Statement[0].Action, "events:PutEvents");
        assert.equal(policy.Statement[0].Resource, "arn:aws:events:eu-west-2:111111111111:event-bus/default");
    });
});
