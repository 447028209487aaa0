/**
 * Measured restore times, read from the JSON reports the DR tool writes (`dr drill --measurement`,
 * `dr restore-from-export --measurement`, format `vat-backup-drill/v1`), so the posture report can
 * cite a measurement beside each assumed RTO (naming/assets.ts RESTORE_PATHS) and judge by it.
 *
 * Where they come from: every `*.json` in docs/drills/ (file a drill's report there with the month's
 * operations review), plus any file named with `npm run plan -- --drill-report FILE`. A report of a
 * dry run (`measured: false`) measures nothing and is skipped.
 *
 * The in-account path's measurement is the restore tests': the restore-validation function
 * (lambdas/validateRestore) publishes each test's restore time as the CloudWatch metric
 * VatBackup/RestoreTests RestoreTimeSeconds; offline, nothing reads CloudWatch, so such a time
 * enters the same way, as a report entry with path `restore-test`.
 */
import * as fs from "fs";
import * as path from "path";
import { RestorePath } from "../naming/assets";

export const DRILL_REPORT_FORMAT = "vat-backup-drill/v1";

/** The DR tool's path ids (aws/recoveryPoints.ts) and the restore tests', as the posture names them. */
const PATH_OF: Record<string, RestorePath> = {
    "copy-back": "backupAccount",
    "restore-in-backup-account-then-import": "backupAccountCold",
    "restore-from-export": "archiveImport",
    "archive-import": "archiveImport",
    "restore-test": "localVault",
    pitr: "pitr",
};

export interface MeasuredRto {
    path: RestorePath;
    table: string;
    hours: number;
    /** `<file> (<date>)`: where the posture says the figure comes from. */
    source: string;
    endedAt: string;
}

export class DrillReportError extends Error {}

interface ReportFile {
    format?: string;
    measured?: boolean;
    endedAt?: string;
    tables?: { table?: string; path?: string; ok?: boolean; elapsedMs?: number }[];
}

/** The measurements of one report file; a successful restore only (a failed one measured nothing useful). */
export function readDrillReport(file: string): MeasuredRto[] {
    let doc: ReportFile;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8")) as ReportFile;
    } catch (err) {
        throw new DrillReportError(
            `--drill-report ${file}: ${err instanceof Error ? err.message : String(err)} (give the JSON a drill wrote)`,
        );
    }
    if (doc.format !== DRILL_REPORT_FORMAT)
        throw new DrillReportError(
            `--drill-report ${file}: format ${String(doc.format)}, expected ${DRILL_REPORT_FORMAT} (the JSON beside a drill's Markdown report)`,
        );
    if (doc.measured === false) return [];
    const endedAt = doc.endedAt ?? "";
    return (doc.tables ?? [])
        .filter((t) => t.ok && t.table && typeof t.elapsedMs === "number" && PATH_OF[t.path ?? "copy-back"])
        .map((t) => ({
            path: PATH_OF[t.path ?? "copy-back"],
            table: t.table as string,
            hours: (t.elapsedMs as number) / 3_600_000,
            source: `${path.basename(file)} (${endedAt.slice(0, 10)})`,
            endedAt,
        }));
}

/** Every report in docs/drills/ and the files named; the newest measurement wins per path and table. */
export function readDrillReports(files: string[], drillsDir?: string): MeasuredRto[] {
    const checkedIn =
        drillsDir && fs.existsSync(drillsDir)
            ? fs
                  .readdirSync(drillsDir)
                  .filter((f) => f.endsWith(".json"))
                  .sort()
                  .map((f) => path.join(drillsDir, f))
            : [];
    return [...checkedIn, ...files].flatMap(readDrillReport);
}

/**
 * The newest measurement of `path` for a table: its own, else one of another table of the estate
 * (the same environment's table of that name, `prod-env-receipts` for `ci-env-receipts` too, is not
 * assumed: only the exact table name counts).
 */
export function measurementFor(
    measurements: MeasuredRto[],
    restorePath: RestorePath | undefined,
    table: string,
): MeasuredRto | undefined {
    if (!restorePath) return undefined;
    const matching = measurements.filter(
        (m) => m.table === table && (m.path === restorePath || (restorePath === "pitr" && m.path === "localVault")),
    );
    return matching.sort((a, b) => b.endedAt.localeCompare(a.endedAt))[0];
}
