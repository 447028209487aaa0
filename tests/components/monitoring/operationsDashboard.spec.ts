import * as assert from "node:assert/strict";
import type { Widget } from "../../helpers/dashboard";
import * as aws from "@pulumi/aws";
import {
    OperationsDashboard,
    OperationsDashboardArgs,
    dashboardWidgets,
} from "../../../components/monitoring/operationsDashboard";
import { Registered, runComponent } from "../../helpers/engine";

const CENTRAL = "arn:aws:backup:eu-west-2:333333333333:backup-vault:central-backup-vault";
const ALARMS = [
    "arn:aws:cloudwatch:eu-west-2:111111111111:alarm:a",
    "arn:aws:cloudwatch:eu-west-2:111111111111:alarm:b",
];

async function dashboard(
    extra: Partial<OperationsDashboardArgs> = {},
): Promise<{ run: Registered; widgets: Widget[] }> {
    const run = await runComponent((provider) => {
        const vault = new aws.backup.Vault("v", { name: "test-vault" }, { provider });
        new OperationsDashboard(
            "ops",
            {
                dashboardName: "test-backup-operations",
                title: "# test",
                vaultName: vault.name,
                alarmArns: ALARMS,
                ...extra,
            },
            { provider },
        );
    });
    const body = JSON.parse(String(run.one("aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody)) as {
        widgets: Widget[];
    };
    return { run, widgets: body.widgets };
}

const titled = (widgets: Widget[], title: string) => {
    const w = widgets.find((x) => x.properties.title === title);
    assert.ok(w, `no widget '${title}' among ${widgets.map((x) => x.properties.title).join(", ")}`);
    return w;
};
/** A metric line as CloudWatch reads it: namespace, name, dimension pairs, then rendering options. */
const line = (m: unknown[]) => ({
    namespace: m[0],
    name: m[1],
    dimensions: Object.fromEntries(Array.from({ length: (m.length - 3) / 2 }, (_, i) => [m[2 + 2 * i], m[3 + 2 * i]])),
    options: m[m.length - 1] as Record<string, unknown>,
});

describe("OperationsDashboard component", () => {
    it("is valid CloudWatch dashboard JSON: widgets on the 24-column grid, none overlapping", async () => {
        const { run, widgets } = await dashboard({
            replication: { sourceBucket: "src", destinationBucket: "dst", ruleId: "r" },
        });
        assert.equal(run.one("aws:cloudwatch/dashboard:Dashboard").inputs.dashboardName, "test-backup-operations");
        const cells = new Set<string>();
        for (const w of widgets) {
            assert.ok(["text", "metric", "alarm"].includes(w.type), w.type);
            assert.ok(w.x >= 0 && w.width >= 1 && w.x + w.width <= 24, `${w.properties.title} leaves the grid`);
            for (let x = w.x; x < w.x + w.width; x++) {
                for (let y = w.y; y < w.y + w.height; y++) {
                    assert.ok(!cells.has(`${x},${y}`), `${w.properties.title} overlaps another widget at ${x},${y}`);
                    cells.add(`${x},${y}`);
                }
            }
            if (w.type === "metric") {
                assert.equal(w.properties.region, "eu-west-2");
                for (const m of w.properties.metrics as unknown[][]) {
                    assert.equal((m.length - 3) % 2, 0, "dimension names and values come in pairs");
                    assert.equal(Number(line(m).options.period) % 60, 0, "dashboard periods are multiples of 60");
                }
            }
        }
    });

    it("shows backup jobs of the vault it was given, and copy jobs under their destination vault, completed against failed", async () => {
        const { run, widgets } = await dashboard({ copyDestinationVaultArn: CENTRAL });
        const vaultName = String(run.one("aws:backup/vault:Vault").outputs.name);
        for (const [title, completed, failed, dimensionVault] of [
            ["Backup jobs: completed vs failed", "NumberOfBackupJobsCompleted", "NumberOfBackupJobsFailed", vaultName],
            // AWS Backup, "Metrics with CloudWatch": the vault name of copy jobs is their destination's.
            [
                "Copy jobs from the vault (counted under their destination vault): completed vs failed",
                "NumberOfCopyJobsCompleted",
                "NumberOfCopyJobsFailed",
                "central-backup-vault",
            ],
        ]) {
            const lines = (titled(widgets, title).properties.metrics as unknown[][]).map(line);
            assert.ok(
                lines.some((l) => l.name === completed && l.options.label === "completed"),
                title,
            );
            assert.ok(
                lines.some((l) => l.name === failed && l.options.label === "failed"),
                title,
            );
            for (const l of lines) {
                assert.equal(l.namespace, "AWS/Backup");
                assert.deepEqual(l.dimensions, { BackupVaultName: dimensionVault });
                assert.equal(l.options.stat, "Sum");
            }
        }
    });

    it("leaves out the copy widget for a vault that copies nowhere", async () => {
        const { widgets } = await dashboard();
        assert.ok(!widgets.some((w) => String(w.properties.title).startsWith("Copy jobs")));
    });

    // CloudWatch, AWS/Backup supported metrics: restore metrics exist per {BackupVaultName} and
    // {BackupVaultName, ResourceType}; {ResourceType} alone matches no series.
    it("shows restore jobs, recovery points and restore-test totals over 30 days", async () => {
        const { run, widgets } = await dashboard();
        const vaultName = run.one("aws:backup/vault:Vault").outputs.name;
        const restores = (titled(widgets, "Restore jobs: completed vs failed").properties.metrics as unknown[][]).map(
            line,
        );
        assert.deepEqual(
            restores.map((l) => l.name),
            ["NumberOfRestoreJobsCompleted", "NumberOfRestoreJobsFailed"],
        );
        assert.deepEqual(restores[0].dimensions, { BackupVaultName: vaultName, ResourceType: "DynamoDB" });
        const points = (titled(widgets, "Recovery points created in the vault").properties.metrics as unknown[][]).map(
            line,
        );
        assert.ok(points.some((l) => l.name === "NumberOfRecoveryPointsCompleted"));
        const tests = titled(widgets, "Restore-test results, last 30 days");
        assert.equal(tests.properties.view, "singleValue");
        assert.equal(tests.properties.period, 30 * 24 * 3600);
    });

    it("lists every alarm of the stack in the alarm-status widget", async () => {
        const { widgets } = await dashboard();
        const alarms = widgets.find((w) => w.type === "alarm");
        assert.deepEqual(alarms?.properties.alarms, ALARMS);
        assert.equal(alarms?.properties.title, "Alarms of this stack");
    });

    it("adds replication latency, with the 15-minute RTC line, and failures only when the stack replicates", async () => {
        const without = await dashboard();
        assert.ok(!without.widgets.some((w) => /Replication/.test(String(w.properties.title))));
        const { widgets } = await dashboard({
            replication: { sourceBucket: "src", destinationBucket: "dst", ruleId: "r" },
        });
        const latency = titled(widgets, "Replication latency to the archive (seconds)");
        const [l] = (latency.properties.metrics as unknown[][]).map(line);
        assert.equal(l.namespace, "AWS/S3");
        assert.equal(l.name, "ReplicationLatency");
        assert.deepEqual(l.dimensions, { SourceBucket: "src", DestinationBucket: "dst", RuleId: "r" });
        assert.equal(l.options.stat, "Maximum");
        assert.equal(latency.properties.annotations?.horizontal?.[0].value, 900);
        const failures = (titled(widgets, "Replication: operations failed").properties.metrics as unknown[][]).map(
            line,
        );
        assert.equal(failures[0].name, "OperationsFailedReplication");
    });

    it("shows one line per replication rule, S3 publishing replication metrics by rule (one rule per archive)", async () => {
        const { widgets } = await dashboard({
            replication: [
                { sourceBucket: "src", destinationBucket: "archive", ruleId: "to-archive" },
                { sourceBucket: "src", destinationBucket: "dr-archive", ruleId: "to-dr-archive" },
            ],
        });
        for (const title of ["Replication latency to the archive (seconds)", "Replication: operations failed"]) {
            const lines = (titled(widgets, title).properties.metrics as unknown[][]).map(line);
            assert.deepEqual(
                lines.map((l) => [l.dimensions.DestinationBucket, l.dimensions.RuleId, l.options.label]),
                [
                    ["archive", "to-archive", "to-archive"],
                    ["dr-archive", "to-dr-archive", "to-dr-archive"],
                ],
                title,
            );
        }
    });

    it("shows a copy function's work and dead letters, and can leave out backup jobs for a vault that only receives copies", async () => {
        const { widgets } = await dashboard({
            backupJobs: false,
            copyFunction: { functionName: "copy-fn", deadLetterQueueName: "copy-dlq" },
        });
        assert.ok(!widgets.some((w) => w.properties.title === "Backup jobs: completed vs failed"));
        const fn = (titled(widgets, "Copy function: invocations vs errors").properties.metrics as unknown[][]).map(
            line,
        );
        assert.deepEqual(
            fn.map((l) => l.name),
            ["Invocations", "Errors", "Throttles"],
        );
        for (const l of fn) assert.deepEqual(l.dimensions, { FunctionName: "copy-fn" });
        const [dlq] = (titled(widgets, "Copy function: dead letters waiting").properties.metrics as unknown[][]).map(
            line,
        );
        assert.equal(dlq.namespace, "AWS/SQS");
        assert.deepEqual(dlq.dimensions, { QueueName: "copy-dlq" });
    });

    it("refuses more alarms than one alarm widget shows, and a dashboard name CloudWatch rejects", async () => {
        const many = Array.from({ length: 101 }, (_, i) => `arn:aws:cloudwatch:eu-west-2:111111111111:alarm:a${i}`);
        assert.throws(
            () => dashboardWidgets({ dashboardName: "d", title: "t", vaultName: "v", alarmArns: many }),
            /at most 100 alarms/,
        );
        await assert.rejects(dashboard({ dashboardName: "has space" }), /dashboard name is 1 to 255 letters/);
    });
});
