import * as assert from "assert";
import { coldStorageMinimum, copyLifecycleExplicit, planRunsDaily, ruleRetention } from "../../policies/backupRules";
import { longestIntervalHours } from "../../policies/lib/schedule";
import { PLAN } from "../../policies/lib/tokens";
import { assertCompliant, assertViolation, resourceArgs, runPolicy, unknown } from "../helpers/policyHarness";

const CENTRAL = "arn:aws:backup:eu-west-2:333333333333:backup-vault:central-backup-vault";
const daily = {
    ruleName: "daily",
    targetVaultName: "prod-env-backup-vault",
    schedule: "cron(0 2 * * ? *)",
    lifecycle: { deleteAfter: 35 },
    copyActions: [{ destinationVaultArn: CENTRAL, lifecycle: { deleteAfter: 35 } }],
};
const weekly = {
    ruleName: "weekly",
    targetVaultName: "prod-env-backup-vault",
    schedule: "cron(0 3 ? * SUN *)",
    lifecycle: { deleteAfter: 90 },
};
const monthly = {
    ruleName: "monthly",
    targetVaultName: "prod-env-backup-vault",
    schedule: "cron(0 4 1 * ? *)",
    lifecycle: { coldStorageAfter: 90, deleteAfter: 2555 },
    copyActions: [{ destinationVaultArn: CENTRAL, lifecycle: { coldStorageAfter: 90, deleteAfter: 2555 } }],
};
const plan = (rules: unknown[], config?: Record<string, unknown>) =>
    resourceArgs(PLAN, { name: "prod-env-backup-plan", rules }, { name: "plan", config });
const THE_PROJECT_PLAN = [daily, weekly, monthly];
/** A copy to a vault created in the same update: its ARN is unknown during preview. */
const toNewVault = (lifecycle: Record<string, number>) => ({ destinationVaultArn: unknown.string, lifecycle });

describe("policies/backupRules", () => {
    describe("schedule intervals", () => {
        it("reads the project's daily, weekly and monthly schedules", () => {
            assert.deepStrictEqual(
                [
                    "cron(0 2 * * ? *)",
                    "cron(0 3 ? * SUN *)",
                    "cron(0 4 1 * ? *)",
                    "cron(0 */6 * * ? *)",
                    "cron(0 5 ? * MON-FRI *)",
                    undefined,
                ].map(longestIntervalHours),
                [24, 168, 744, 6, 72, 24],
            );
        });
    });

    describe("backup-plan-daily", () => {
        it("passes the project's plan (a daily rule beside weekly and monthly ones)", () => {
            assertCompliant(runPolicy(planRunsDaily, plan(THE_PROJECT_PLAN)));
        });
        it("passes a rule without schedule (AWS runs it daily at 05:00)", () => {
            assertCompliant(runPolicy(planRunsDaily, plan([{ ...weekly, schedule: undefined }])));
        });
        it("flags a plan whose most frequent rule is weekly", () => {
            assertViolation(
                runPolicy(planRunsDaily, plan([weekly, monthly])),
                "Backup plan 'plan' has no rule running at least every 24 hours; its most frequent rule, 'weekly', can leave 168 hours",
            );
        });
        it("flags a schedule it cannot read rather than trusting it", () => {
            const outcome = runPolicy(planRunsDaily, plan([daily, { ...weekly, schedule: "rate(7 days)" }]));
            assertViolation(outcome, "rule 'weekly' has a schedule this policy cannot read: rate(7 days)");
        });
    });

    describe("backup-rule-retention", () => {
        it("passes the project's plan at the default minimum of 35 days", () => {
            assertCompliant(runPolicy(ruleRetention, plan(THE_PROJECT_PLAN)));
        });
        it("flags a rule that deletes earlier than the minimum", () => {
            assertViolation(
                runPolicy(ruleRetention, plan([{ ...daily, lifecycle: { deleteAfter: 7 }, copyActions: [] }])),
                "rule 'daily' deletes recovery points after 7 days; at least 35",
            );
        });
        it("flags a copy action that deletes earlier than a configured minimum", () => {
            const outcome = runPolicy(
                ruleRetention,
                plan([{ ...daily, lifecycle: { deleteAfter: 90 } }], { minRetentionDays: 60 }),
            );
            assertViolation(outcome, "copy action 1 of rule 'daily'");
        });
        it("still runs, and flags the rule it can see, when a copy goes to a vault whose ARN is unknown during preview", () => {
            const rules = [{ ...daily, lifecycle: { deleteAfter: 7 }, copyActions: [toNewVault({ deleteAfter: 35 })] }];
            assertViolation(runPolicy(ruleRetention, plan(rules)), "rule 'daily' deletes recovery points after 7 days");
        });
        it("flags a short-lived copy to a vault whose ARN is unknown, naming it without its ARN", () => {
            const outcome = runPolicy(
                ruleRetention,
                plan([{ ...daily, copyActions: [toNewVault({ deleteAfter: 7 })] }]),
            );
            assertViolation(
                outcome,
                "copy action 1 of rule 'daily' (to a vault whose ARN is known only after the update) deletes recovery points after 7 days",
            );
        });
    });

    describe("backup-cold-storage-minimum", () => {
        it("passes cold storage after 90 days with deletion at 2555", () => {
            assertCompliant(runPolicy(coldStorageMinimum, plan(THE_PROJECT_PLAN)));
        });
        it("flags deletion less than 90 days after the move to cold storage", () => {
            const outcome = runPolicy(
                coldStorageMinimum,
                plan([{ ...monthly, lifecycle: { coldStorageAfter: 30, deleteAfter: 100 }, copyActions: [] }]),
            );
            assertViolation(outcome, "deleteAfter must be at least 120");
        });
        it("checks copy action lifecycles too", () => {
            const copy = { destinationVaultArn: CENTRAL, lifecycle: { coldStorageAfter: 90, deleteAfter: 120 } };
            assertViolation(
                runPolicy(coldStorageMinimum, plan([{ ...monthly, copyActions: [copy] }])),
                "copy action 1 of rule 'monthly'",
            );
        });
        it("still runs when a copy goes to a vault whose ARN is unknown during preview", () => {
            const rules = [
                {
                    ...monthly,
                    lifecycle: { coldStorageAfter: 30, deleteAfter: 100 },
                    copyActions: [toNewVault({ coldStorageAfter: 90, deleteAfter: 2555 })],
                },
            ];
            assertViolation(
                runPolicy(coldStorageMinimum, plan(rules)),
                "rule 'monthly' moves recovery points to cold storage after 30 days",
            );
        });
    });

    describe("backup-copy-lifecycle-explicit", () => {
        it("passes copy actions that state deleteAfter", () => {
            assertCompliant(runPolicy(copyLifecycleExplicit, plan(THE_PROJECT_PLAN)));
        });
        it("flags a copy action without lifecycle (kept indefinitely)", () => {
            const outcome = runPolicy(
                copyLifecycleExplicit,
                plan([{ ...daily, copyActions: [{ destinationVaultArn: CENTRAL }] }]),
            );
            assertViolation(outcome, `copy action 1 of rule 'daily' (to ${CENTRAL}) has no lifecycle.deleteAfter`);
        });
        it("flags a copy without lifecycle to a vault whose ARN is unknown during preview", () => {
            const outcome = runPolicy(
                copyLifecycleExplicit,
                plan([{ ...daily, copyActions: [{ destinationVaultArn: unknown.string }] }]),
            );
            assertViolation(
                outcome,
                "copy action 1 of rule 'daily' (to a vault whose ARN is known only after the update) has no lifecycle.deleteAfter",
            );
        });
    });
});
