/**
 * The restore-test validator's resources in the prod plan: trigger pattern (AWS Backup Developer
 * Guide, "Restore testing validation": a rule on restore jobs reaching COMPLETED), retention, the
 * on-failure destination, and the parts of its role the access matrix cannot ask (the simulator
 * drops the cloudwatch:namespace condition key).
 */
import * as assert from "node:assert/strict";
import { restoreValidationErrors } from "../../../components/verification/restoreValidation";
import { Registered, policyOf, runStackOffline } from "../../helpers/engine";

describe("RestoreValidation (prod plan)", () => {
    let prod: Registered;
    before(async () => {
        prod = new Registered(await runStackOffline("prod"));
    });

    it("is triggered by the plan's COMPLETED restore jobs and an hourly sweep", () => {
        const rule = prod.one("aws:cloudwatch/eventRule:EventRule", "restore-validation-completed");
        const pattern = JSON.parse(String(rule.inputs.eventPattern));
        assert.deepEqual(pattern["detail-type"], ["Restore Job State Change"]);
        assert.deepEqual(pattern.detail.status, ["COMPLETED"]);
        assert.match(
            pattern.detail.restoreTestingPlanArn[0],
            /^arn:aws:backup:eu-west-2:111111111111:restore-testing-plan:/,
        );
        const sweep = prod.one("aws:cloudwatch/eventRule:EventRule", "restore-validation-sweep");
        assert.equal(sweep.inputs.scheduleExpression, "rate(1 hour)");
    });

    it("keeps logs 400 days, retries then parks failures in its dead-letter queue", () => {
        assert.equal(
            prod.one("aws:cloudwatch/logGroup:LogGroup", "restore-validation-logs").inputs.retentionInDays,
            400,
        );
        const invoke = prod.one(
            "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
            "restore-validation-retries",
        ).inputs as { destinationConfig: { onFailure: { destination: string } } };
        assert.match(invoke.destinationConfig.onFailure.destination, /prod-env-backup-validate-restores-dlq/);
        const fn = prod.one("aws:lambda/function:Function", "restore-validation-function").inputs;
        assert.equal(fn.runtime, "nodejs22.x");
    });

    it("publishes metrics only to its own namespace and never reads items of protected tables", () => {
        const statements = policyOf(prod.one("aws:iam/rolePolicy:RolePolicy", "restore-validation-policy"));
        const metrics = statements.find((s) => s.Sid === "RestoreMetrics")!;
        assert.deepEqual(metrics.Condition, { StringEquals: { "cloudwatch:namespace": "VatBackup/RestoreTests" } });
        const deny = statements.find((s) => s.Sid === "NeverReadProtectedItems")!;
        assert.equal(deny.Effect, "Deny");
        assert.ok(
            (deny.Resource as string[]).includes("arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-receipts"),
        );
    });

    it("alarms on a failed validation", () => {
        const alarm = prod.one("aws:cloudwatch/metricAlarm:MetricAlarm", "restore-validation-failed").inputs;
        assert.equal(alarm.metricName, "RestoreValidationFailed");
        assert.equal(alarm.namespace, "VatBackup/RestoreTests");
    });

    it("rejects a validation window shorter than DynamoDB's ItemCount refresh plus the sweep", () => {
        const errors = restoreValidationErrors({
            validationWindowHours: 6,
            countCheckAfterHours: 6,
            tables: { receipts: { partitionKey: "hashedSub" } },
        } as never);
        assert.ok(errors.some((e) => /must outlast/.test(e)));
    });
});
