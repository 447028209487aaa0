/**
 * The deployment stack's scheduled protection (stacks/automation.ts) and the backup account's
 * secret-escrow key, read from the offline plans; the config keys that turn each part off or change
 * its schedule, validated before any resource registers.
 */
import * as assert from "node:assert/strict";
import { schedulerExpression, schedulerIntervalHours } from "../../aws/rules";
import * as naming from "../../naming";
import { ConfigError, parseStackConfig, projectKeys, readStackFile } from "../../stacks/config";
import { automationSchedules, secretChangePattern } from "../../stacks/automation";
import { DeploymentConfig } from "../../stacks/config";
import { policyOf, Registered, runStackOffline } from "../helpers/engine";
import { matchesPattern } from "../helpers/eventPattern";

const SCHEDULE = "aws:scheduler/schedule:Schedule";
const TASKS = ["secret-escrow", "user-pool-export", "table-export", "users-round-trip", "evidence-pack"];
const FUNCTION = "aws:lambda/function:Function";
const prodKeys = () => projectKeys(readStackFile("prod"));
const problems = (change: Record<string, unknown>): string[] => {
    try {
        parseStackConfig({ ...prodKeys(), ...change }, "prod");
    } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.problems;
    }
    return [];
};

describe("scheduled protection in the deployment stack (no person in the loop)", () => {
    let prod: Registered;
    before(async () => {
        prod = new Registered(await runStackOffline("prod"));
    });

    it("runs each function on Node.js 22 with JSON logs kept 400 days, retries then an on-failure queue", () => {
        for (const task of ["secret-escrow", "user-pool-export", "table-export"]) {
            const fn = prod.one(FUNCTION, `${task}-function`).inputs;
            assert.equal(fn.runtime, "nodejs22.x");
            assert.equal(prod.one("aws:cloudwatch/logGroup:LogGroup", `${task}-logs`).inputs.retentionInDays, 400);
            const invoke = prod.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", `${task}-retries`)
                .inputs as {
                destinationConfig: { onFailure: { destination: string } };
            };
            assert.equal(
                invoke.destinationConfig.onFailure.destination,
                prod.one("aws:sqs/queue:Queue", `${task}-dlq`).outputs.arn,
            );
        }
    });

    it("schedules with EventBridge Scheduler, flexible window off, retries and the same dead-letter queue (Scheduler User Guide)", () => {
        const schedules = prod.ofType(SCHEDULE);
        assert.deepEqual(schedules.map((s) => s.inputs.scheduleExpression).sort(), [
            "cron(0 1 ? * SUN *)",
            "cron(0 6 2 * ? *)",
            "cron(0 8 1 * ? *)",
            "cron(10 * * * ? *)",
            "cron(30 1 * * ? *)",
            "rate(12 hours)",
        ]);
        for (const s of schedules) {
            assert.deepEqual(s.inputs.flexibleTimeWindow, { mode: "OFF" });
            const target = s.inputs.target as { deadLetterConfig: { arn: string }; retryPolicy: object };
            assert.match(target.deadLetterConfig.arn, /^arn:aws:sqs:eu-west-2:111111111111:vat-backup-prod-/);
            assert.equal(schedulerExpression(String(s.inputs.scheduleExpression)), undefined);
        }
    });

    it("escrows within minutes of a change: the rule matches Secrets Manager's CloudTrail events on the critical secrets only", () => {
        const rule = prod.one("aws:cloudwatch/eventRule:EventRule", "secret-escrow-on-change").inputs;
        const pattern = JSON.parse(String(rule.eventPattern));
        const event = (eventName: string, secretId: string) => ({
            source: "aws.secretsmanager",
            "detail-type": "AWS API Call via CloudTrail",
            detail: { eventSource: "secretsmanager.amazonaws.com", eventName, requestParameters: { secretId } },
        });
        assert.ok(matchesPattern(pattern, event("PutSecretValue", "prod/submit/user-sub-hash-salt")));
        assert.ok(
            matchesPattern(
                pattern,
                event(
                    "RotateSecret",
                    "arn:aws:secretsmanager:eu-west-2:111111111111:secret:prod/submit/hmrc/client_secret-AbCdEf",
                ),
            ),
        );
        assert.ok(!matchesPattern(pattern, event("PutSecretValue", "prod/other")));
        assert.ok(!matchesPattern(pattern, event("GetSecretValue", "prod/submit/user-sub-hash-salt")));
        assert.deepEqual(
            pattern,
            secretChangePattern(
                ["prod/submit/user-sub-hash-salt", "prod/submit/hmrc/client_secret"],
                "eu-west-2",
                "111111111111",
            ),
        );
    });

    it("lets each function publish only into the protection namespace (cloudwatch:namespace condition)", () => {
        for (const task of ["secret-escrow", "user-pool-export", "table-export"]) {
            const policy = JSON.parse(
                String(prod.one("aws:iam/rolePolicy:RolePolicy", `${task}-policy`).inputs.policy),
            );
            const metrics = policy.Statement.find((s: { Sid: string }) => s.Sid === "PublishFreshnessMetrics");
            assert.deepEqual(metrics.Condition, { StringEquals: { "cloudwatch:namespace": "VatBackup/Protection" } });
        }
    });

    it("alarms when an escrow or an incremental export goes missing (missing data breaches)", () => {
        const alarm = (name: string) => prod.one("aws:cloudwatch/metricAlarm:MetricAlarm", name).inputs;
        const stale = alarm("secret-escrow-stale");
        assert.equal(stale.treatMissingData, "breaching");
        assert.equal(Number(stale.period) * Number(stale.evaluationPeriods), 25 * 3600);
        const missing = alarm("table-export-incremental-missing-0");
        assert.deepEqual(missing.dimensions, { TableName: "prod-env-receipts", ExportType: "incremental" });
    });

    // "Troubleshoot AWS Secrets Manager replication": a failed replication is read with DescribeSecret;
    // no EventBridge event for it is documented, so the escrow run reads it and publishes a metric.
    it("alarms when Secrets Manager reports a critical secret's replica Failed, read by the escrow function", () => {
        const alarms = prod
            .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
            .filter((a) => a.inputs.metricName === "SecretReplicaFailures");
        assert.deepEqual(alarms.map((a) => (a.inputs.dimensions as Record<string, string>).SecretName).sort(), [
            "prod/submit/hmrc/client_secret",
            "prod/submit/user-sub-hash-salt",
        ]);
        for (const a of alarms) {
            assert.equal(a.inputs.comparisonOperator, "GreaterThanOrEqualToThreshold");
            assert.equal(a.inputs.threshold, 1);
            assert.ok((a.inputs.alarmActions as string[]).length > 0, "the alarm notifies the alert topic");
        }
        const read = policyOf(prod.one("aws:iam/rolePolicy:RolePolicy", "secret-escrow-policy")).find(
            (st) => st.Sid === "ReadCriticalSecrets",
        );
        assert.ok(read && (read.Action as string[]).includes("secretsmanager:DescribeSecret"));
    });

    it("config turns each part off: no function, no schedule", async () => {
        const off = new Registered(
            await runStackOffline("prod", {
                automation: {
                    secretEscrow: { enabled: false },
                    userPoolExport: { enabled: false },
                    tableExports: { full: { enabled: false }, incremental: { enabled: false } },
                    // The round trip needs the user-pool export it tries: off with it.
                    evidencePack: { enabled: false },
                },
            }),
        );
        assert.equal(off.ofType(SCHEDULE).length, 0);
        // Other parts of the stack run Lambda functions too (the restore-test validator, on by
        // default): only the scheduled protection's own components and functions must be gone.
        const scheduled = (run: Registered) => [
            ...run.ofType("backup:automation:ScheduledFunction").map((r) => r.name),
            ...run
                .ofType(FUNCTION)
                .map((r) => String(r.inputs.name))
                .filter((name) => TASKS.some((task) => name === naming.scheduledFunctionName("prod", task))),
        ];
        assert.equal(scheduled(prod).length, 10, "the default plan has the five components and their functions");
        assert.deepEqual(scheduled(off), []);
    });

    it("exposes each schedule's runs a month for the cost module", () => {
        const cfg = parseStackConfig(prodKeys(), "prod") as DeploymentConfig;
        assert.deepEqual(
            automationSchedules(cfg).map((s) => [s.name, s.runsPerMonth, s.units]),
            [
                ["secret-escrow", 30.42, 2],
                ["user-pool-export", 60.83, 1],
                ["table-export-full", 4.35, 4],
                ["table-export-incremental", 730, 1],
            ],
        );
    });

    describe("config, rejected before any resource registers", () => {
        it("a schedule that is not an EventBridge Scheduler expression", () => {
            assert.ok(
                problems({ automation: { userPoolExport: { schedule: "every day" } } }).some(
                    (p) =>
                        p.startsWith("vat-backup:automation.userPoolExport.schedule") &&
                        /rate\(value unit\) or cron/.test(p),
                ),
            );
        });
        it("an incremental export minute before PITR data is exportable", () => {
            assert.ok(
                problems({ automation: { tableExports: { incremental: { minute: 2 } } } }).some((p) =>
                    /incremental.minute is 5 to 59/.test(p),
                ),
            );
        });
        it("an exported table that is not one of the stack's tables", () => {
            assert.ok(
                problems({ automation: { tableExports: { full: { tables: ["prod-env-unknown"] } } } }).some(
                    (p) =>
                        p.startsWith("vat-backup:automation.tableExports.full.tables") &&
                        /not one of the stack's tables/.test(p),
                ),
            );
        });
        it("reads Scheduler intervals (rate and cron)", () => {
            assert.deepEqual(
                ["rate(12 hours)", "rate(30 minutes)", "rate(1 day)", "cron(10 * * * ? *)", "cron(0 1 ? * SUN *)"].map(
                    schedulerIntervalHours,
                ),
                [12, 0.5, 24, 1, 168],
            );
            assert.match(
                String(schedulerExpression("cron(0 1 * * * *)")),
                /exactly one of day-of-month and day-of-week/,
            );
        });
    });

    it("the backup account's escrow key lets only the deployment accounts' escrow roles seal, in their own name, and nobody outside decrypt", async () => {
        const backup = new Registered(await runStackOffline("backup"));
        const key = backup.one("aws:kms/key:Key", "secret-escrow-key-key");
        const policy = JSON.parse(String(key.inputs.policy)) as {
            Statement: {
                Sid: string;
                Action: unknown;
                Principal?: unknown;
                Condition?: Record<string, Record<string, unknown>>;
            }[];
        };
        const seal = policy.Statement.find((s) => s.Sid === "DeploymentAccountsSealEscrows")!;
        assert.equal(seal.Action, "kms:GenerateDataKey");
        // Every regional stack's escrow role (naming.scheduledRoleNames): `{env}-env-secret-escrow-{region}`.
        assert.deepEqual(seal.Condition!.ArnLike["aws:PrincipalArn"], [
            "arn:aws:iam::111111111111:role/prod-env-secret-escrow-*",
            "arn:aws:iam::222222222222:role/ci-env-secret-escrow-*",
        ]);
        assert.equal(seal.Condition!.ArnEquals, undefined);
        assert.equal(seal.Condition!.StringEquals["kms:EncryptionContext:sourceAccount"], "${aws:PrincipalAccount}");
        const open = policy.Statement.find((s) => s.Sid === "BackupAccountOpensEscrows")!;
        assert.deepEqual(open.Principal, { AWS: "arn:aws:iam::333333333333:root" });
        assert.ok(
            !policy.Statement.some((s) => s.Sid === "UseThroughAccountServices"),
            "no service uses the escrow key",
        );
        assert.equal(key.protect, true);
    });
});
