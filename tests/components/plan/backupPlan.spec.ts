import * as assert from "node:assert/strict";
import {
    BackupPlan,
    BackupPlanArgs,
    MAX_ARNS_PER_SELECTION,
    listedSelections,
    planRules,
} from "../../../components/plan/backupPlan";
import { runComponent } from "../../helpers/engine";

const args: BackupPlanArgs = {
    planName: "test-plan",
    vaultName: "test-vault",
    roleName: "test-backup-service",
    resourceArns: ["arn:aws:dynamodb:eu-west-2:111111111111:table/t"],
    rules: [
        {
            name: "hourly",
            schedule: "cron(0 * * * ? *)",
            startWindowMinutes: 60,
            completionWindowMinutes: 120,
            lifecycle: { deleteAfterDays: 2 },
            copies: [],
        },
    ],
};

describe("BackupPlan component", () => {
    it("writes every rule to the vault in UTC, tagging recovery points with their rule", () => {
        const [rule] = planRules(args);
        assert.equal(rule.targetVaultName, "test-vault");
        assert.equal(rule.scheduleExpressionTimezone, "Etc/UTC");
        assert.deepEqual(rule.recoveryPointTags, { "backup-rule": "hourly" });
        assert.deepEqual(rule.lifecycle, { deleteAfter: 2, coldStorageAfter: undefined });
    });

    it("gives every copy action an explicit lifecycle", () => {
        const [rule] = planRules({
            ...args,
            rules: [
                { ...args.rules[0], copies: [{ destinationVaultArn: "arn:x", lifecycle: { deleteAfterDays: 9 } }] },
            ],
        });
        assert.deepEqual(rule.copyActions, [
            { destinationVaultArn: "arn:x", lifecycle: { deleteAfter: 9, coldStorageAfter: undefined } },
        ]);
    });

    it("creates only the listed selection when no tag is configured, after the role's policies are attached", async () => {
        const run = await runComponent((provider) => {
            new BackupPlan("p", args, { provider });
        });
        const selections = run.ofType("aws:backup/selection:Selection");
        assert.deepEqual(
            selections.map((s) => s.inputs.name),
            ["test-plan-listed"],
        );
        assert.equal(
            run.one("aws:backup/plan:Plan").outputs.arn,
            `arn:aws:backup:eu-west-2:111111111111:backup-plan:${String(selections[0].inputs.planId)}`,
        );
        assert.equal(run.one("aws:iam/role:Role").inputs.name, "test-backup-service");
    });

    it("splits listed resources into selections of at most 500 ARNs, as AWS Backup requires", () => {
        const arns = Array.from({ length: 1001 }, (_, i) => `arn:aws:dynamodb:eu-west-2:111111111111:table/t${i}`);
        const selections = listedSelections("p", arns);
        assert.deepEqual(
            selections.map((s) => [s.name, s.resources.length]),
            [
                ["p-listed", 500],
                ["p-listed-2", 500],
                ["p-listed-3", 1],
            ],
        );
        assert.deepEqual(
            selections.flatMap((s) => s.resources),
            arns,
        );
        assert.ok(selections.every((s) => s.resources.length <= MAX_ARNS_PER_SELECTION));
    });
});
