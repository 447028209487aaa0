/**
 * tamper-alarms-required and restore-validation-required: unit cases with engine-like arguments,
 * then mutations of the real prod and backup plans (a tamper rule or the validation rule removed),
 * each caught.
 *
 * AWS documents: Amazon EventBridge User Guide, "AWS service events delivered via AWS CloudTrail"
 * (detail-type "AWS API Call via CloudTrail", eventSource/eventName in detail); AWS Backup Developer
 * Guide, "Restore testing validation" (a rule on restore jobs reaching COMPLETED, a Lambda target).
 */
import * as assert from "assert";
import { checkPolicies } from "../../offline/policyCheck";
import type { RecordedResource } from "../../offline/types";
import { restoreValidationRequired, tamperAlarmsRequired, TAMPER_CALLS } from "../../policies/continuousProof";
import {
    EVENT_RULE,
    EVENT_TARGET,
    LAMBDA_FUNCTION,
    RESTORE_TESTING_PLAN,
    TABLE,
    VAULT,
} from "../../policies/lib/tokens";
import { assertCompliant, assertNotApplicable, assertViolation, runPolicy, stackArgs } from "../helpers/policyHarness";
import { runStackOffline } from "../helpers/engine";

const PROD = { stackTags: { environment: "prod" } };
const vault = { type: VAULT, name: "local-vault", props: { name: "prod-env-backup-vault" } };
const cloudTrailRule = (name: string, eventNames: string[], state = "ENABLED") => ({
    type: EVENT_RULE,
    name,
    props: {
        name,
        state,
        eventPattern: JSON.stringify({
            source: ["aws.backup"],
            "detail-type": ["AWS API Call via CloudTrail"],
            detail: { eventName: eventNames },
        }),
    },
});
const target = (name: string, rule: string, arn: string) => ({ type: EVENT_TARGET, name, props: { rule, arn } });
const topic = "arn:aws:sns:eu-west-2:111111111111:prod-env-backup-alerts";

describe("policies/continuousProof", () => {
    describe("tamper-alarms-required", () => {
        const always = TAMPER_CALLS.filter((c) => c.when === "always").map((c) => c.eventName);

        it("passes a production stack whose targeted rules cover every call it must watch", () => {
            const stack = [vault, cloudTrailRule("tamper", always), target("tamper-alert", "tamper", topic)];
            assertCompliant(runPolicy(tamperAlarmsRequired, stackArgs(stack, PROD)));
        });
        it("flags a call no rule watches, naming it", () => {
            const stack = [
                vault,
                cloudTrailRule(
                    "tamper",
                    always.filter((n) => n !== "ScheduleKeyDeletion"),
                ),
                target("tamper-alert", "tamper", topic),
            ];
            assertViolation(runPolicy(tamperAlarmsRequired, stackArgs(stack, PROD)), "ScheduleKeyDeletion");
        });
        it("does not count a disabled rule or a rule without a target", () => {
            const disabled = [vault, cloudTrailRule("tamper", always, "DISABLED"), target("t", "tamper", topic)];
            assertViolation(runPolicy(tamperAlarmsRequired, stackArgs(disabled, PROD)), "DeleteRecoveryPoint");
            const untargeted = [vault, cloudTrailRule("tamper", always)];
            assertViolation(runPolicy(tamperAlarmsRequired, stackArgs(untargeted, PROD)), "DeleteRecoveryPoint");
        });
        it("asks for the PITR-off alarm only where the stack protects tables", () => {
            const stack = [
                vault,
                { type: TABLE, name: "receipts", props: {} },
                cloudTrailRule("tamper", always),
                target("tamper-alert", "tamper", topic),
            ];
            assertViolation(runPolicy(tamperAlarmsRequired, stackArgs(stack, PROD)), "UpdateContinuousBackups");
        });
        it("is not applicable outside production, and fails closed when production status is unknown", () => {
            assertNotApplicable(
                runPolicy(tamperAlarmsRequired, stackArgs([vault], { stackTags: { environment: "ci" } })),
                "Not a production stack",
            );
            assertViolation(runPolicy(tamperAlarmsRequired, stackArgs([vault])), "production status is unknown");
        });
    });

    describe("restore-validation-required", () => {
        const plan = { type: RESTORE_TESTING_PLAN, name: "restore-testing-plan", props: { name: "prod_critical" } };
        const fn = { type: LAMBDA_FUNCTION, name: "validator", props: { name: "prod-env-backup-validate-restores" } };
        const rule = (status: string[]) => ({
            type: EVENT_RULE,
            name: "completed",
            props: {
                name: "completed",
                eventPattern: JSON.stringify({
                    source: ["aws.backup"],
                    "detail-type": ["Restore Job State Change"],
                    detail: { status },
                }),
            },
        });
        const lambdaArn = "arn:aws:lambda:eu-west-2:111111111111:function:prod-env-backup-validate-restores";

        it("passes a restore testing plan whose completed jobs go to a Lambda", () => {
            const stack = [vault, plan, fn, rule(["COMPLETED"]), target("t", "completed", lambdaArn)];
            assertCompliant(runPolicy(restoreValidationRequired, stackArgs(stack, PROD)));
        });
        it("flags restore tests nobody validates (a rule on FAILED only, or a topic target)", () => {
            const failedOnly = [vault, plan, fn, rule(["FAILED"]), target("t", "completed", lambdaArn)];
            assertViolation(runPolicy(restoreValidationRequired, stackArgs(failedOnly, PROD)), "nothing checks");
            const toTopic = [vault, plan, rule(["COMPLETED"]), target("t", "completed", topic)];
            assertViolation(runPolicy(restoreValidationRequired, stackArgs(toTopic, PROD)), "nothing checks");
        });
        it("flags a production stack holding backups without any restore testing plan", () => {
            assertViolation(
                runPolicy(restoreValidationRequired, stackArgs([vault], PROD)),
                "no AWS Backup restore testing plan",
            );
        });
    });

    describe("mutations of the real plans are caught", () => {
        const plans = new Map<string, RecordedResource[]>();
        before(async () => {
            for (const stack of ["prod", "backup"]) plans.set(stack, (await runStackOffline(stack)).resources);
        });
        const check = (stack: string, resources: RecordedResource[]) =>
            checkPolicies(resources, { stack, project: "vat-backup", stackTags: { environment: "prod" } }).filter(
                (v) => v.level === "mandatory",
            );
        const without = (resources: RecordedResource[], drop: (r: RecordedResource) => boolean) =>
            structuredClone(resources).filter((r) => !drop(r));

        for (const stack of ["prod", "backup"]) {
            it(`${stack}: the plan as built passes both policies`, () => {
                const found = check(stack, plans.get(stack)!).filter((v) =>
                    ["tamper-alarms-required", "restore-validation-required"].includes(v.policy),
                );
                assert.deepStrictEqual(found, []);
            });
            it(`${stack}: removing the key-deletion tamper rules (both regions) is caught`, () => {
                // The policy reads the stack as a whole; the DR region's rule also sees ScheduleKeyDeletion.
                const mutated = without(
                    plans.get(stack)!,
                    (r) => r.type === EVENT_RULE && String(r.inputs.eventPattern).includes("ScheduleKeyDeletion"),
                );
                const v = check(stack, mutated).find((x) => x.policy === "tamper-alarms-required");
                assert.ok(v, "tamper-alarms-required did not fire");
                assert.match(v.message, /DisableKey, ScheduleKeyDeletion/);
            });
            it(`${stack}: removing the restore-validation rule is caught`, () => {
                const mutated = without(
                    plans.get(stack)!,
                    (r) => r.type === EVENT_RULE && r.name === "restore-validation-completed",
                );
                assert.ok(check(stack, mutated).some((x) => x.policy === "restore-validation-required"));
            });
        }
    });
});
