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
import {
    evidencePackRequired,
    restoreValidationRequired,
    tamperAlarmsRequired,
    TAMPER_CALLS,
    userPoolRoundTripRequired,
} from "../../policies/continuousProof";
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
    describe("user-pool-round-trip-required and evidence-pack-required (the monthly proofs)", () => {
        const fnArn = (task: string) => `arn:aws:lambda:eu-west-2:111111111111:function:vat-backup-prod-${task}`;
        const fn = (task: string) => ({
            type: LAMBDA_FUNCTION,
            name: `${task}-function`,
            props: { name: `vat-backup-prod-${task}`, arn: fnArn(task) },
        });
        /** An EventBridge Scheduler schedule as the engine sends it: target ARN and the input JSON string. */
        const schedule = (task: string, state = "ENABLED") => ({
            type: "aws:scheduler/schedule:Schedule",
            name: `${task}-schedule`,
            props: { state, target: { arn: fnArn(task), input: JSON.stringify({ task }) } },
        });
        const exporting = [vault, fn("user-pool-export"), schedule("user-pool-export")];

        it("round trip: passes a stack whose scheduled user-pool export is also tried monthly", () => {
            const stack = [...exporting, fn("users-round-trip"), schedule("users-round-trip")];
            assertCompliant(runPolicy(userPoolRoundTripRequired, stackArgs(stack, PROD)));
        });
        it("round trip: flags an exported pool with no round trip, and one whose schedule is disabled", () => {
            assertViolation(runPolicy(userPoolRoundTripRequired, stackArgs(exporting, PROD)), "users-round-trip");
            const disabled = [...exporting, fn("users-round-trip"), schedule("users-round-trip", "DISABLED")];
            assertViolation(runPolicy(userPoolRoundTripRequired, stackArgs(disabled, PROD)), "users-round-trip");
        });
        it("round trip: not applicable where no user pool is exported on a schedule, nor outside production", () => {
            assertNotApplicable(
                runPolicy(userPoolRoundTripRequired, stackArgs([vault, fn("x"), schedule("table-export")], PROD)),
                "No scheduled user-pool export",
            );
            assertNotApplicable(
                runPolicy(userPoolRoundTripRequired, stackArgs(exporting, { stackTags: { environment: "ci" } })),
                "Not a production stack",
            );
        });
        it("round trip: a schedule whose target is not a function does not count", () => {
            const toQueue = {
                ...schedule("users-round-trip"),
                props: {
                    state: "ENABLED",
                    target: {
                        arn: "arn:aws:sqs:eu-west-2:111111111111:q",
                        input: JSON.stringify({ task: "users-round-trip" }),
                    },
                },
            };
            assertViolation(
                runPolicy(userPoolRoundTripRequired, stackArgs([...exporting, toQueue], PROD)),
                "users-round-trip",
            );
        });
        it("evidence pack: passes a production stack holding backups with an enabled monthly evidence schedule", () => {
            assertCompliant(
                runPolicy(
                    evidencePackRequired,
                    stackArgs([vault, fn("evidence-pack"), schedule("evidence-pack")], PROD),
                ),
            );
        });
        it("evidence pack: flags a stack holding backups without one", () => {
            assertViolation(runPolicy(evidencePackRequired, stackArgs(exporting, PROD)), "evidence pack");
        });
        it("evidence pack: not applicable to a stack without a vault", () => {
            assertNotApplicable(runPolicy(evidencePackRequired, stackArgs([fn("x")], PROD)));
        });
    });
});
