import { alarmsNotify, backupEventRulesEnabled, restoreTestsSelectSomething } from "../../policies/monitoring";
import {
    assertCompliant,
    assertNotApplicable,
    assertViolation,
    FakeResource,
    resourceArgs,
    runPolicy,
    stackArgs,
    unknown,
} from "../helpers/policyHarness";

describe("policies/monitoring", () => {
    describe("backup-alarms-notify", () => {
        const alarm = (props: Record<string, unknown>, config: Record<string, unknown> = {}) =>
            runPolicy(
                alarmsNotify,
                resourceArgs(
                    "aws:cloudwatch/metricAlarm:MetricAlarm",
                    { namespace: "AWS/Backup", alarmActions: ["arn:aws:sns:eu-west-2:1:alerts"], ...props },
                    { name: "copy-failed", config },
                ),
            );
        it("passes an alarm with actions", () => {
            assertCompliant(alarm({}));
            assertCompliant(alarm({ actionsEnabled: true }));
            assertCompliant(alarm({ alarmActions: [unknown.string] }));
        });
        it("flags an alarm without actions, or with an empty list", () => {
            assertViolation(
                alarm({ alarmActions: [] }),
                "Alarm 'copy-failed' has no alarm actions, so it notifies nobody",
            );
            assertViolation(alarm({ alarmActions: undefined }), "Alarm 'copy-failed' has no alarm actions");
        });
        it("flags actions disabled", () => {
            assertViolation(
                alarm({ actionsEnabled: false }),
                "Alarm 'copy-failed' has its actions disabled, so it notifies nobody",
            );
        });
        it("applies to the configured namespaces only", () => {
            assertNotApplicable(
                alarm({ namespace: "AWS/EC2", alarmActions: [] }),
                "Alarms of AWS/EC2 are not among the configured namespaces",
            );
            assertViolation(
                alarm({ namespace: "AWS/EC2", alarmActions: [] }, { namespaces: [] }),
                "has no alarm actions",
            );
            for (const namespace of ["AWS/S3", "AWS/Lambda", "AWS/SQS", "AWS/Events"])
                assertViolation(alarm({ namespace, alarmActions: [] }), "has no alarm actions");
        });
    });

    describe("backup-event-rules-enabled", () => {
        const rule = (props: Record<string, unknown>) =>
            runPolicy(
                backupEventRulesEnabled,
                resourceArgs(
                    "aws:cloudwatch/eventRule:EventRule",
                    { eventPattern: JSON.stringify({ source: ["aws.backup"] }), ...props },
                    { name: "copy-job-failed" },
                ),
            );
        it("passes an enabled rule, and one without a state", () => {
            assertCompliant(rule({ state: "ENABLED" }));
            assertCompliant(rule({}));
        });
        it("flags a disabled rule, by state or by the deprecated isEnabled", () => {
            assertViolation(
                rule({ state: "DISABLED" }),
                "EventBridge rule 'copy-job-failed' on AWS Backup events is disabled",
            );
            assertViolation(rule({ isEnabled: false }), "is disabled");
        });
        it("leaves rules on other sources, and unreadable patterns, alone", () => {
            assertNotApplicable(
                rule({ eventPattern: JSON.stringify({ source: ["aws.s3"] }), state: "DISABLED" }),
                "does not match AWS Backup events",
            );
            assertNotApplicable(rule({ eventPattern: "{", state: "DISABLED" }), "does not match AWS Backup events");
            assertNotApplicable(rule({ eventPattern: undefined, scheduleExpression: "rate(1 day)" }), "does not match");
        });
    });

    describe("backup-restore-testing-selects", () => {
        const plan: FakeResource = {
            type: "aws:backup/restoreTestingPlan:RestoreTestingPlan",
            name: "rtp",
            props: { name: "critical" },
        };
        const selection = (props: Record<string, unknown>): FakeResource => ({
            type: "aws:backup/restoreTestingSelection:RestoreTestingSelection",
            name: "rts",
            props: { restoreTestingPlanName: "critical", ...props },
        });
        const run = (resources: FakeResource[]) => runPolicy(restoreTestsSelectSomething, stackArgs(resources));
        it("passes a selection naming tables by ARN or by conditions", () => {
            assertCompliant(
                run([plan, selection({ protectedResourceArns: ["arn:aws:dynamodb:eu-west-2:1:table/t"] })]),
            );
            assertCompliant(
                run([
                    plan,
                    selection({
                        protectedResourceConditions: { stringEquals: [{ key: "aws:ResourceTag/a", value: "b" }] },
                    }),
                ]),
            );
        });
        it("flags a plan without selection, and a selection that names nothing", () => {
            assertViolation(run([plan]), "Restore testing plan 'critical' has no selection, so it restores nothing");
            assertViolation(
                run([plan, selection({ protectedResourceArns: [] })]),
                "Restore testing plan 'critical' has selections that name no resource",
            );
            assertViolation(
                run([plan, selection({ protectedResourceArns: [], protectedResourceConditions: {} })]),
                "name no resource",
            );
        });
        it("joins by the plan's name, or by dependency when the name is unknown", () => {
            assertViolation(
                run([plan, selection({ restoreTestingPlanName: "other", protectedResourceArns: ["x"] })]),
                "has no selection",
            );
            assertCompliant(
                run([
                    { ...plan, props: { name: unknown.string } },
                    {
                        ...selection({ restoreTestingPlanName: unknown.string, protectedResourceArns: ["x"] }),
                        propertyDependencies: { restoreTestingPlanName: ["rtp"] },
                    },
                ]),
            );
        });
        it("is not applicable without restore testing plans", () => {
            assertNotApplicable(run([]), "aws:backup/restoreTestingPlan:RestoreTestingPlan");
        });
    });
});
