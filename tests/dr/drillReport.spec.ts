/**
 * What a drill leaves behind for people and for the posture report: the Markdown report (read on
 * GitHub: headings and tables surrounded by blank lines, markdownlint MD022/MD058), the JSON
 * measurement, the lines on stdout, and nothing left to clean up or resume.
 */
import { DeleteRecoveryPointCommand, DescribeCopyJobCommand, DescribeRestoreJobCommand } from "@aws-sdk/client-backup";
import { DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { formatDuration } from "../../dr/time";
import { COMMON, DrHarness, awsError } from "../helpers/drHarness";
import { recoverableEstate } from "../helpers/drEstate";

const ACCOUNT = "222222222222";
const TABLES = "prod-env-receipts,prod-env-passes";

/** The report's sections by heading, each checked to be surrounded by blank lines. */
function sections(md: string): Map<string, string[]> {
    const lines = md.split("\n");
    const out = new Map<string, string[]>();
    let current: string[] = [];
    lines.forEach((line, i) => {
        if (/^#{1,2} /.test(line)) {
            assert.ok(i === 0 || lines[i - 1] === "", `blank line before '${line}'`);
            assert.equal(lines[i + 1], "", `blank line after '${line}'`);
            current = [];
            out.set(line, current);
        } else current.push(line);
    });
    return out;
}

/** The one table of a section, as rows keyed by its header; the table is surrounded by blank lines. */
function table(section: string[] | undefined): Record<string, string>[] {
    assert.ok(section, "section present");
    const start = section.findIndex((l) => l.startsWith("|"));
    assert.ok(start > 0 && section[start - 1] === "", "blank line before the table");
    const cells = (l: string) =>
        l
            .replace(/^\||\|$/g, "")
            .split("|")
            .map((c) => c.trim());
    const header = cells(section[start]);
    assert.deepEqual(
        cells(section[start + 1]),
        header.map(() => "---"),
    );
    const rows: Record<string, string>[] = [];
    let i = start + 2;
    for (; i < section.length && section[i].startsWith("|"); i++) {
        const row = cells(section[i]);
        assert.equal(row.length, header.length, section[i]);
        rows.push(Object.fromEntries(header.map((k, j) => [k, row[j]])));
    }
    assert.equal(section[i], "", "blank line after the table");
    return rows;
}

describe("dr drill: the report, the measurement and what is told", () => {
    let h: DrHarness;
    let created: Set<string>;
    let report: string;
    beforeEach(() => {
        h = new DrHarness();
        h.accountIds.target = ACCOUNT;
        created = recoverableEstate(h, ACCOUNT);
        h.mocks().dynamodb.on(DeleteTableCommand).resolves({});
        h.mocks().backup.on(DeleteRecoveryPointCommand).resolves({});
        report = path.join(h.tmp, "drill.md");
    });
    afterEach(() => h.restore());

    const drill = (...extra: string[]) =>
        h.run(["drill", ...COMMON, "--account-id", ACCOUNT, "--prefix", "drill-1", "--report", report, ...extra]);
    const measurement = () => JSON.parse(fs.readFileSync(report.replace(/\.md$/, ".json"), "utf8"));

    it("needs --account-id, and says why, before any AWS call", async () => {
        const r = await h.run(["drill", ...COMMON]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /^error: --account-id with the 12-digit account to drill in is required$/m);
        assert.match(r.stderr, /^next: Name the account explicitly: a drill creates and deletes tables there\.$/m);
        assert.deepEqual(h.sent(), []);
    });

    it("names the scratch tables a bad --prefix would make, and what a prefix may hold", async () => {
        const r = await h.run([
            "drill",
            ...COMMON,
            "--account-id",
            ACCOUNT,
            "--prefix",
            "bad prefix!",
            "--only",
            TABLES,
        ]);
        assert.equal(r.code, 2);
        assert.match(
            r.stderr,
            /^error: --prefix 'bad prefix!' makes scratch names that are not valid table names: bad prefix!-prod-env-receipts, bad prefix!-prod-env-passes$/m,
        );
        assert.match(r.stderr, /^next: Pass a shorter --prefix of letters, digits, '-', '_' or '\.'\.$/m);
        assert.deepEqual(h.mutatingSent(), []);
    });

    it("writes a report whose header, tables and steps say what was drilled, and leaves nothing to resume", async () => {
        const r = await drill("--only", TABLES);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const md = fs.readFileSync(report, "utf8");
        const s = sections(md);
        assert.deepEqual([...s.keys()], ["# DR drill 2026-11-26T03:00:00.000Z", "## Tables", "## Steps"]);
        assert.deepEqual(s.get("# DR drill 2026-11-26T03:00:00.000Z")?.filter(Boolean), [
            "- Result: **PASSED**",
            `- Stack: prod; drilled in account ${ACCOUNT}; restored from central-backup-vault (eu-west-2)`,
            "- Scratch prefix: `drill-1`",
            `- Duration: ${formatDuration(h.clock.sleeps.reduce((a, b) => a + b, 0))}`,
        ]);
        const tables = table(s.get("## Tables"));
        assert.deepEqual(
            tables.map((t) => [t.table, t.criticality, t["recovery point"], t["RTO target"], t["within RTO"], t.items]),
            [
                ["prod-env-receipts", "critical", "2026-11-25T21:00:00.000Z", "4 h", "yes", "100"],
                ["prod-env-passes", "high", "2026-11-25T21:00:00.000Z", "4 h", "yes", "100"],
            ],
        );
        for (const t of tables)
            for (const step of ["find", "copy", "restore", "verify", "total"]) assert.match(t[step], /^\d+s$/, step);
        const steps = table(s.get("## Steps"));
        assert.deepEqual(
            steps.filter((st) => st.resource === "drill-1-prod-env-receipts").map((st) => [st.step, st.result]),
            [
                ["delete scratch table", "ok"],
                ["delete copied recovery point", "ok"],
            ],
        );
        assert.ok(steps.every((st) => st.started === "2026-11-26T03:00:00.000Z" && st.result === "ok"));
        assert.ok(
            r.stdout
                .split("\n")
                .includes(
                    `wrote ${report} and ${report.replace(/\.md$/, ".json")} (the measured RTOs, for the posture report)`,
                ),
        );
        assert.match(r.stdout, /^PASS {2}rto:prod-env-receipts {2}restored as drill-1-prod-env-receipts in /m);
        assert.doesNotMatch(r.stdout, /no RTO was measured/);
        assert.equal(measurement().stack, "prod");
        assert.deepEqual(fs.readdirSync(h.stateDir), [], "a completed drill leaves nothing to resume");
    });

    it("lists every failure, a clean-up's included, and marks failed steps with AWS's reason", async () => {
        h.mocks()
            .backup.on(DescribeRestoreJobCommand, { RestoreJobId: "restore-drill-1-prod-env-passes" })
            .resolves({ Status: "FAILED", StatusMessage: "Insufficient privileges" });
        h.mocks()
            .dynamodb.on(DeleteTableCommand, { TableName: "drill-1-prod-env-receipts" })
            .rejects(awsError("ResourceInUseException", "table is being updated"));
        const r = await drill("--only", TABLES);
        assert.equal(r.code, 1);
        const s = sections(fs.readFileSync(report, "utf8"));
        assert.deepEqual([...s.keys()].slice(1), ["## Tables", "## Failures", "## Steps"]);
        const failures = s.get("## Failures")?.filter(Boolean) ?? [];
        for (const failure of [
            "- prod-env-passes: restore drill-1-prod-env-passes ended FAILED: Insufficient privileges",
            "- cleanup:drill-1-prod-env-receipts: delete scratch table: ResourceInUseException: table is being updated (delete it by hand)",
        ])
            assert.ok(failures.includes(failure), failures.join("\n"));
        assert.ok(!failures.some((f) => f.startsWith("- rto:")), "a passed check is not a failure");
        const steps = table(s.get("## Steps"));
        assert.equal(
            steps.find((st) => st.resource === "prod-env-passes" && st.step === "restore table")?.result,
            "failed: restore drill-1-prod-env-passes ended FAILED: Insufficient privileges",
        );
        const passes = table(s.get("## Tables")).find((t) => t.table === "prod-env-passes");
        assert.equal(passes?.["within RTO"], "**failed**");
        assert.equal(passes?.verify, "-", "never verified");
        const measured = measurement().tables.find((t: { table: string }) => t.table === "prod-env-passes");
        assert.equal(measured.ok, false);
        assert.equal(measured.withinRto, false, "a failed restore is not within its RTO, however quick");
        assert.equal(fs.readdirSync(h.stateDir).length, 1, "a failed drill can be run again to finish");
    });

    it("marks a table restored slower than its RTO as not within it, in the report and the measurement", async () => {
        let polls = 0;
        h.mocks("backup", "eu-west-2")
            .backup.on(DescribeCopyJobCommand, { CopyJobId: "copy-prod-env-receipts-new" })
            .callsFake(() =>
                ++polls < 6
                    ? { CopyJob: { State: "RUNNING" } }
                    : {
                          CopyJob: {
                              State: "COMPLETED",
                              DestinationRecoveryPointArn: `arn:aws:backup:eu-west-2:${ACCOUNT}:recovery-point:slow`,
                          },
                      },
            );
        const r = await drill("--only", "prod-env-receipts", "--poll-seconds", "3600");
        assert.equal(r.code, 1);
        const row = table(sections(fs.readFileSync(report, "utf8")).get("## Tables"))[0];
        assert.equal(row.total, "5h00m");
        assert.equal(row["within RTO"], "**no**");
        const measured = measurement().tables[0];
        assert.equal(measured.elapsedMs, 5 * 3_600_000);
        assert.equal(measured.withinRto, false);
        assert.equal(
            h.sentOps("DeleteRecoveryPoint")[0].RecoveryPointArn,
            `arn:aws:backup:eu-west-2:${ACCOUNT}:recovery-point:slow`,
        );
    });

    it("counts a table restored in exactly its RTO as within it (an RTO is the longest tolerable time)", async () => {
        let polls = 0;
        h.mocks("backup", "eu-west-2")
            .backup.on(DescribeCopyJobCommand, { CopyJobId: "copy-prod-env-receipts-new" })
            .callsFake(() =>
                ++polls < 5
                    ? { CopyJob: { State: "RUNNING" } }
                    : {
                          CopyJob: {
                              State: "COMPLETED",
                              DestinationRecoveryPointArn: `arn:aws:backup:eu-west-2:${ACCOUNT}:recovery-point:slow`,
                          },
                      },
            );
        const r = await drill("--only", "prod-env-receipts", "--poll-seconds", "3600");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const row = table(sections(fs.readFileSync(report, "utf8")).get("## Tables"))[0];
        assert.deepEqual([row.total, row["within RTO"]], ["4h00m", "yes"]);
        assert.equal(measurement().tables[0].withinRto, true);
    });

    it("deletes only copies it made: a table whose copy failed leaves no recovery point to delete", async () => {
        h.mocks("backup", "eu-west-2")
            .backup.on(DescribeCopyJobCommand, { CopyJobId: "copy-prod-env-passes-new" })
            .resolves({ CopyJob: { State: "FAILED", StatusMessage: "Access denied to the destination vault" } });
        const r = await drill("--only", TABLES);
        assert.equal(r.code, 1);
        assert.deepEqual(
            h.sentOps("DeleteRecoveryPoint").map((i) => i.RecoveryPointArn),
            [`arn:aws:backup:eu-west-2:${ACCOUNT}:recovery-point:copy-prod-env-receipts-new`],
        );
        assert.deepEqual(
            h.sentOps("DeleteTable").map((i) => i.TableName),
            ["drill-1-prod-env-receipts"],
        );
        const measured = measurement().tables.find((t: { table: string }) => t.table === "prod-env-passes");
        assert.equal(measured.recoveryPointCreated, "2026-11-25T21:00:00.000Z");
    });

    it("stops at expired credentials during the clean-up (exit 3) instead of reporting every deletion as failed", async () => {
        h.mocks().dynamodb.on(DeleteTableCommand).rejects(awsError("ExpiredTokenException"));
        const r = await drill("--only", TABLES);
        assert.equal(r.code, 3);
        assert.equal(h.sentOps("DeleteTable").length, 1);
    });

    it("under --dry-run says no RTO was measured, plans deleting the copy it would make, and with --keep keeps nothing", async () => {
        const r = await drill("--only", "prod-env-receipts", "--dry-run", "--json");
        assert.equal(r.code, 0, r.stderr);
        assert.equal(measurement().measured, false);
        // The copy does not exist yet: the plan names the recovery point it would be a copy of.
        const planned = r.json().calls.filter((c: { operation: string }) => c.operation === "DeleteRecoveryPoint");
        assert.deepEqual(
            planned.map((c: { input: { RecoveryPointArn: string } }) => c.input.RecoveryPointArn),
            ["<copy of arn:aws:backup:eu-west-2:333333333333:recovery-point:prod-env-receipts-new>"],
        );
        const text = await drill("--only", "prod-env-receipts", "--dry-run");
        assert.match(text.stdout, /^dry run: nothing was copied or restored, so no RTO was measured$/m);
        assert.doesNotMatch(text.stdout, /rto:/);
        const keep = await drill("--only", "prod-env-receipts", "--dry-run", "--keep");
        assert.match(keep.stdout, /^--keep: scratch tables \(none\) left in place$/m);
        assert.equal(created.size, 0);
    });

    it("names the report after the drill's start when --report is not given", async () => {
        const cwd = process.cwd();
        process.chdir(h.tmp);
        try {
            const r = await h.run(["drill", ...COMMON, "--account-id", ACCOUNT, "--only", "prod-env-receipts"]);
            assert.equal(r.code, 0, r.stdout + r.stderr);
        } finally {
            process.chdir(cwd);
        }
        assert.ok(fs.existsSync(path.join(h.tmp, "drill-report-20261126T030000Z.md")));
        assert.ok(fs.existsSync(path.join(h.tmp, "drill-report-20261126T030000Z.json")));
        assert.deepEqual(
            h.sentOps("DeleteTable").map((i) => i.TableName),
            ["drill-20261126t030000z-prod-env-receipts"],
        );
    });
});
