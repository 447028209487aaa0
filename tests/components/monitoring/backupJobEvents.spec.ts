import * as assert from "node:assert/strict";
import {
    BackupJobEvents,
    JobEventRule,
    inputTemplate,
    jobEventRules,
} from "../../../components/monitoring/backupJobEvents";
import { runComponent } from "../../helpers/engine";
import { matchesPattern as matches } from "../../helpers/eventPattern";

const TOPIC = "arn:aws:sns:eu-west-2:111111111111:alerts";

/** What EventBridge's input transformer delivers for a string template. */
function transform(
    rule: { inputPaths: Record<string, string>; inputTemplate: string },
    event: Record<string, unknown>,
): string {
    const values: Record<string, string> = {};
    for (const [name, path] of Object.entries(rule.inputPaths)) {
        let cur: unknown = event;
        for (const key of path.replace(/^\$\./, "").split("."))
            cur = cur === undefined ? undefined : (cur as Record<string, unknown>)[key];
        values[name] = cur === undefined ? "" : String(cur);
    }
    const text = JSON.parse(rule.inputTemplate) as string;
    return text.replace(/<([A-Za-z]+)>/g, (_, v: string) => values[v]);
}

// Example events of the AWS Backup Developer Guide ("Monitoring AWS Backup events using EventBridge"), trimmed.
const base = {
    version: "0",
    source: "aws.backup",
    account: "111111111111",
    region: "eu-west-2",
    time: "2026-07-29T20:15:26Z",
    resources: [],
};
const backupJob = (state: string, statusMessage?: string) => ({
    ...base,
    "detail-type": "Backup Job State Change",
    detail: {
        backupJobId: "34176239-e96d-4e1d-9fad-529dbb3c3556",
        backupVaultName: "prod-env-backup-vault",
        backupVaultArn: "arn:aws:backup:eu-west-2:111111111111:backup-vault:prod-env-backup-vault",
        resourceArn: "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-receipts",
        resourceType: "DynamoDB",
        state,
        ...(statusMessage === undefined ? {} : { statusMessage }),
    },
});
const copyJob = (state: string) => ({
    ...base,
    "detail-type": "Copy Job State Change",
    detail: {
        copyJobId: "47C8EF56-74D8-059D-1301-C5BE1D5C926E",
        resourceArn: "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-receipts",
        resourceType: "DynamoDB",
        sourceBackupVaultArn: "arn:aws:backup:eu-west-2:111111111111:backup-vault:prod-env-backup-vault",
        destinationBackupVaultArn: "arn:aws:backup:eu-west-2:333333333333:backup-vault:central-backup-vault",
        state,
        statusMessage: "Access denied exception while trying to copy",
    },
});
const restoreJob = (status: string) => ({
    ...base,
    "detail-type": "Restore Job State Change",
    detail: {
        restoreJobId: "1B234A56-789B-01CD-2A34-4567A08901FD",
        resourceType: "DynamoDB",
        recoveryPointArn: "arn:aws:backup:eu-west-2:111111111111:recovery-point:abc",
        restoreTestingPlanArn: "arn:aws:backup:eu-west-2:111111111111:restore-testing-plan:prod_critical_tables-x",
        status,
        statusMessage: "Table already exists",
    },
});

describe("BackupJobEvents component", () => {
    const rules = jobEventRules();
    const rule = (key: string) => rules.find((r) => r.key === key) as JobEventRule;
    const firing = (event: unknown) => rules.filter((r) => matches(r.pattern, event)).map((r) => r.key);

    it("raises backup jobs that failed, were aborted or expired", () => {
        for (const state of ["FAILED", "ABORTED", "EXPIRED"])
            assert.deepEqual(firing(backupJob(state)), ["backup-job-failed"], state);
    });

    it("raises a backup job that completed with issues, and not one that simply completed", () => {
        assert.deepEqual(firing(backupJob("COMPLETED", "Some items were skipped")), ["backup-job-issues"]);
        assert.deepEqual(firing(backupJob("COMPLETED")), []);
        for (const state of ["CREATED", "PENDING", "RUNNING"]) assert.deepEqual(firing(backupJob(state)), [], state);
    });

    it("raises failed copy jobs, reading `state`", () => {
        assert.deepEqual(firing(copyJob("FAILED")), ["copy-job-failed"]);
        assert.deepEqual(firing(copyJob("COMPLETED")), []);
    });

    it("raises failed restore jobs, reading `status` (restore events have no `state`)", () => {
        assert.deepEqual(firing(restoreJob("FAILED")), ["restore-job-failed"]);
        assert.deepEqual(firing(restoreJob("COMPLETED")), []);
        assert.deepEqual(rule("restore-job-failed").pattern.detail, { status: ["FAILED"] });
    });

    it("tells a person what failed, where, why, and where to look", () => {
        const text = transform(
            {
                inputPaths: rule("backup-job-failed").inputPaths,
                inputTemplate: inputTemplate(rule("backup-job-failed")),
            },
            backupJob("FAILED", "Backup vault does not exist"),
        );
        assert.match(text, /^AWS Backup: a backup job ended FAILED\./);
        assert.match(text, /Resource: arn:aws:dynamodb:eu-west-2:111111111111:table\/prod-env-receipts \(DynamoDB\)/);
        assert.match(text, /Vault: prod-env-backup-vault/);
        assert.match(text, /Account: 111111111111, region eu-west-2/);
        assert.match(text, /AWS Backup says: Backup vault does not exist/);
        assert.match(
            text,
            /https:\/\/eu-west-2\.console\.aws\.amazon\.com\/backup\/home\?region=eu-west-2#\/jobs\/backup\/details\/34176239-e96d-4e1d-9fad-529dbb3c3556/,
        );
    });

    it("names both vaults of a failed copy, and the testing plan of a failed restore test", () => {
        const copy = transform(
            { inputPaths: rule("copy-job-failed").inputPaths, inputTemplate: inputTemplate(rule("copy-job-failed")) },
            copyJob("FAILED"),
        );
        assert.match(copy, /From vault: arn:aws:backup:eu-west-2:111111111111:backup-vault:prod-env-backup-vault/);
        assert.match(copy, /To vault: arn:aws:backup:eu-west-2:333333333333:backup-vault:central-backup-vault/);
        assert.match(copy, /#\/jobs\/copy\/details\/47C8EF56/);
        const restore = transform(
            {
                inputPaths: rule("restore-job-failed").inputPaths,
                inputTemplate: inputTemplate(rule("restore-job-failed")),
            },
            restoreJob("FAILED"),
        );
        assert.match(
            restore,
            /Restore testing plan \(if a test\): arn:aws:backup:eu-west-2:111111111111:restore-testing-plan:prod_critical_tables-x/,
        );
        assert.match(restore, /AWS Backup says: Table already exists/);
        assert.match(restore, /#\/jobs\/restore\/details\/1B234A56/);
    });

    it("refuses a message that uses a variable it has no input path for", () => {
        assert.throws(
            () => inputTemplate({ ...rule("copy-job-failed"), message: "job <nope>" }),
            /uses <nope> without an input path/,
        );
    });

    it("registers one enabled rule per case, each targeting the alert topic with its transformer", async () => {
        const run = await runComponent((provider) => {
            new BackupJobEvents("events", { namePrefix: "test-backup", alertTopicArn: TOPIC }, { provider });
        });
        const registered = run.ofType("aws:cloudwatch/eventRule:EventRule");
        assert.deepEqual(registered.map((r) => r.inputs.name).sort(), [
            "test-backup-backup-job-failed",
            "test-backup-backup-job-issues",
            "test-backup-copy-job-failed",
            "test-backup-restore-job-failed",
        ]);
        for (const r of registered) {
            assert.equal(r.inputs.state, "ENABLED");
            const pattern = JSON.parse(String(r.inputs.eventPattern));
            assert.deepEqual(pattern.source, ["aws.backup"]);
            const target = run
                .ofType("aws:cloudwatch/eventTarget:EventTarget")
                .find((t) => t.inputs.rule === r.outputs.name);
            assert.ok(target, `no target for ${r.name}`);
            assert.equal(target.inputs.arn, TOPIC);
            const transformer = target.inputs.inputTransformer as {
                inputPaths: Record<string, string>;
                inputTemplate: string;
            };
            assert.equal(
                typeof JSON.parse(transformer.inputTemplate),
                "string",
                "the template is a JSON string, so SNS sends text",
            );
            assert.ok(Object.values(transformer.inputPaths).every((p) => p.startsWith("$.")));
        }
    });
});
