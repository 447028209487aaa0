/**
 * `drill`: the whole of restore-account into scratch names in a named account, verify, clean up,
 * and write a Markdown report with the timings, so each drill measures the real RTO.
 */
import { DeleteRecoveryPointCommand } from "@aws-sdk/client-backup";
import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import * as fs from "fs";
import * as naming from "../../naming";
import { DrContext } from "../context";
import { ExitCodeValue, UsageError, errorMessage, isCredentialError } from "../errors";
import { Report } from "../output";
import { compactTimestamp, formatDuration } from "../time";
import {
    RestoreAccountOptions,
    ResourceOutcome,
    pipelineBase,
    printRtoSummary,
    runRestorePipeline,
} from "./restoreAccount";
import { TABLE_NAME } from "./restorePitr";
import { CommandSpec } from "./types";
import * as valid from "../validate";

interface DrillOptions extends RestoreAccountOptions {
    accountId?: string;
    prefix?: string;
    keep?: boolean;
    report?: string;
}

export const drillCommand: CommandSpec = {
    name: "drill",
    summary: "restore-account into scratch tables of a named account, verify, clean up, and write a Markdown report",
    configure(cmd) {
        cmd.option(
            "--account-id <id>",
            "the account to drill in (required; the credentials must belong to it)",
            valid.accountId,
        )
            .option("--prefix <prefix>", "scratch table prefix (default drill-<timestamp>)")
            .option("--as-of <time>", "use the newest recovery point before this time")
            .option("--vault <vault>", "central or dr", "central")
            .option("--only <tables>", "comma-separated tables (default: every table of the stack)", valid.tableList)
            .option("--kms-key-arn <arn>", "encrypt scratch tables with this key", valid.kmsKeyArn)
            .option(
                "--copy-retention-days <n>",
                "how long the copied recovery point may stay in the target vault",
                valid.wholeNumber(1, 36500),
                7,
            )
            .option(
                "--source-region <region>",
                "the region the tables live in (default: the stack's region); the drill restores into --region",
                valid.region,
            )
            .option(
                "--target-env <env>",
                "environment of the drill account's vault and backup role (default: the one the backup stack lists for that account, else the stack's)",
                valid.environment,
            )
            .option("--sentinels <file>", "JSON/YAML file of sentinel item keys per table")
            .option(
                "--backup-stack <name>",
                "the backup stack, whose deploymentAccounts the vault keys admit",
                "backup",
            )
            .option("--keep", "leave the scratch tables and copied recovery points in place")
            .option("--report <file>", "Markdown report (default drill-report-<timestamp>.md)");
    },
    run: (ctx, _args, options) => drill(ctx, options as unknown as DrillOptions),
};

export async function drill(ctx: DrContext, options: DrillOptions): Promise<ExitCodeValue> {
    // --account-id is checked as an account id by its parser; here only its presence.
    if (!options.accountId) {
        throw new UsageError(
            "--account-id with the 12-digit account to drill in is required",
            "Name the account explicitly: a drill creates and deletes tables there.",
        );
    }
    const report = ctx.report();
    const base = pipelineBase(ctx, report, options, "to run a drill", options.accountId, options);
    const startedAt = base.startedAt;
    // The default prefix comes from the first run's start (recorded by pipelineBase): a re-run
    // adopts the same scratch tables.
    const prefix = options.prefix ?? `drill-${compactTimestamp(startedAt).toLowerCase()}`;
    const nameFor = (table: string) => `${prefix}-${table}`;
    const tooLong = base.tables.map(nameFor).filter((n) => !TABLE_NAME.test(n));
    if (tooLong.length)
        throw new UsageError(
            `--prefix '${prefix}' makes scratch names that are not valid table names: ${tooLong.join(", ")}`,
            "Pass a shorter --prefix of letters, digits, '-', '_' or '.'.",
        );
    const outcomes = await runRestorePipeline(ctx, report, {
        ...base,
        nameFor,
        protectRestored: false,
    });
    if (ctx.dryRun) report.line("dry run: nothing was copied or restored, so no RTO was measured");
    else printRtoSummary(report, outcomes);
    if (options.keep)
        report.line(
            `--keep: scratch tables ${
                outcomes
                    .filter((o) => o.created)
                    .map((o) => o.restoredAs)
                    .join(", ") || "(none)"
            } left in place`,
        );
    else await cleanUp(ctx, report, base.targetEnvironment, outcomes);

    const file = options.report ?? `drill-report-${compactTimestamp(startedAt)}.md`;
    // pipelineBase has required a stack.
    const stackName = String(ctx.opts.stack);
    const markdown = drillReport({
        stack: stackName,
        accountId: options.accountId,
        vault: `${base.vaultName} (${base.vaultRegion})`,
        prefix,
        startedAt,
        endedAt: ctx.clock.now(),
        dryRun: ctx.dryRun,
        outcomes,
        report,
    });
    fs.writeFileSync(file, markdown);
    const measured = file.replace(/\.md$/, "") + ".json";
    fs.writeFileSync(
        measured,
        `${JSON.stringify(drillMeasurement(stackName, options.accountId, base, startedAt, ctx.clock.now(), ctx.dryRun, outcomes), null, 2)}\n`,
    );
    report.data.report = file;
    report.data.measurement = measured;
    report.data.outcomes = outcomes;
    report.line(`wrote ${file} and ${measured} (the measured RTOs, for the posture report)`);
    if (!report.failed) base.journal.complete();
    return report.finish(ctx.dryRun, ctx.gate.calls);
}

/** Deletes what this drill created, and only that: scratch tables and the copies made for them. */
async function cleanUp(
    ctx: DrContext,
    report: Report,
    environment: string,
    outcomes: ResourceOutcome[],
): Promise<void> {
    const target = ctx.clients("target");
    for (const o of outcomes) {
        const steps: [string, boolean, () => Promise<unknown>][] = [
            [
                "delete scratch table",
                o.created || ctx.dryRun,
                () => ctx.gate.mutate(target.dynamodb, new DeleteTableCommand({ TableName: o.restoredAs })),
            ],
            [
                "delete copied recovery point",
                Boolean(o.copiedRecoveryPointArn) || ctx.dryRun,
                () =>
                    ctx.gate.mutate(
                        target.backup,
                        new DeleteRecoveryPointCommand({
                            BackupVaultName: naming.localVaultName(environment),
                            RecoveryPointArn: o.copiedRecoveryPointArn ?? `<copy of ${o.recoveryPointArn ?? o.table}>`,
                        }),
                    ),
            ],
        ];
        for (const [step, needed, fn] of steps) {
            if (!needed) continue;
            try {
                await report.step(step, o.restoredAs, fn);
            } catch (err) {
                if (isCredentialError(err)) throw err;
                report.check(`cleanup:${o.restoredAs}`, "fail", `${step}: ${errorMessage(err)} (delete it by hand)`);
            }
        }
    }
}

/** The drill's format version: the posture report reads measured RTOs from files of this shape. */
export const DRILL_MEASUREMENT_FORMAT = "vat-backup-drill/v1";

/**
 * What a drill measured, machine-readable: per table the wall-clock time from "find recovery point"
 * to "verified", against its RTO target. This is the basis of an RTO the runbook states as measured.
 */
export function drillMeasurement(
    stack: string,
    accountId: string,
    base: { vaultName: string; vaultRegion: string },
    startedAt: number,
    endedAt: number,
    dryRun: boolean,
    outcomes: ResourceOutcome[],
) {
    return {
        format: DRILL_MEASUREMENT_FORMAT,
        stack,
        accountId,
        vault: base.vaultName,
        vaultRegion: base.vaultRegion,
        startedAt: new Date(startedAt).toISOString(),
        endedAt: new Date(endedAt).toISOString(),
        // A dry run measures nothing: the posture report must not take its times as a basis.
        measured: !dryRun,
        tables: outcomes.map((o) => ({
            table: o.table,
            criticality: o.criticality,
            rtoHours: o.rtoHours,
            ok: o.ok,
            elapsedMs: o.elapsedMs,
            withinRto: o.ok && o.elapsedMs <= o.rtoHours * 3_600_000,
            recoveryPointCreated: o.recoveryPointCreated ?? null,
            timingsMs: o.timings,
        })),
    };
}

interface DrillReportInput {
    stack: string;
    accountId: string;
    vault: string;
    prefix: string;
    startedAt: number;
    endedAt: number;
    dryRun: boolean;
    outcomes: ResourceOutcome[];
    report: Report;
}

export function drillReport(d: DrillReportInput): string {
    const ok = !d.report.failed;
    const lines = [
        `# DR drill ${new Date(d.startedAt).toISOString()}${d.dryRun ? " (dry run)" : ""}`,
        "",
        `- Result: **${ok ? "PASSED" : "FAILED"}**`,
        `- Stack: ${d.stack}; drilled in account ${d.accountId}; restored from ${d.vault}`,
        `- Scratch prefix: \`${d.prefix}\``,
        `- Duration: ${formatDuration(d.endedAt - d.startedAt)}`,
        "",
        "## Tables",
        "",
        "| table | criticality | recovery point | find | copy | restore | verify | total | RTO target | within RTO | items | sentinel |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ...d.outcomes.map((o) => {
            const t = (step: string) => (o.timings[step] !== undefined ? formatDuration(o.timings[step]) : "-");
            const within = o.ok ? (o.elapsedMs <= o.rtoHours * 3_600_000 ? "yes" : "**no**") : "**failed**";
            return `| ${o.table} | ${o.criticality} | ${o.recoveryPointCreated ?? "-"} | ${t("find recovery point")} | ${t("copy into target vault")} | ${t("restore table")} | ${t("verify")} | ${formatDuration(o.elapsedMs)} | ${o.rtoHours} h | ${within} | ${o.itemCount ?? "-"} | ${o.sentinel} |`;
        }),
        "",
    ];
    const failures = [
        ...d.outcomes.filter((o) => o.error).map((o) => `- ${o.table}: ${o.error}`),
        ...d.report.checks.filter((c) => c.status === "fail").map((c) => `- ${c.name}: ${c.detail}`),
    ];
    if (failures.length) lines.push("## Failures", "", ...[...new Set(failures)], "");
    lines.push("## Steps", "", "| resource | step | started | duration | result |", "|---|---|---|---|---|");
    for (const s of d.report.steps)
        lines.push(
            `| ${s.resource ?? ""} | ${s.step} | ${s.startedAt} | ${formatDuration(s.durationMs)} | ${s.ok ? "ok" : `failed: ${s.detail ?? ""}`} |`,
        );
    lines.push("");
    return lines.join("\n");
}
