/**
 * `restore-from-export TABLE --to TIME`: a table rebuilt from its exports, into a new table.
 *
 * The scheduled exports (lambdas/tableExport) write a weekly full export and hourly incremental
 * exports of each critical table under `dynamodb-exports/<table>/full/<exportTime>/` and
 * `dynamodb-exports/<table>/incremental/<from>-<to>/` of the exports bucket, which replicates them,
 * keys unchanged, into the backup account's Object Lock archive. After an account loss that archive
 * is all there is; it also outlives every recovery point (seven years).
 *
 * AWS's rules the command follows, each from its document:
 * - DynamoDB "Import from Amazon S3: how it works": ImportTable always creates a NEW table ("Import
 *   into existing tables is not currently supported"), reads DYNAMODB_JSON, GZIP-compressed, from
 *   every object under a key prefix, and takes `S3BucketOwner` for a bucket of another account.
 *   ImportTable's ClientToken is idempotent for 8 hours (API reference); up to 50 imports run at once
 *   per account (LimitExceededException).
 * - DynamoDB "Table export output format": an export is `<prefix>/AWSDynamoDB/<ExportId>/` with
 *   `manifest-summary.json` (tableArn, exportType, outputFormat, the times) and `manifest-files.json`
 *   (one `dataFileS3Key` per line), its data under `data/`. A full export's line is `{"Item": …}`,
 *   the shape ImportTable reads; an incremental export's line is `{"Keys", "NewImage"?, "OldImage"?}`
 *   (NEW_AND_OLD_IMAGES or NEW_IMAGE), one line per changed item, compacted to its last change in the
 *   window: no NewImage means the item was deleted. ImportTable cannot read that shape, so this tool
 *   applies the incremental exports itself, in window order, after the import.
 * - S3 "Archive retrieval options": objects in S3 Glacier Flexible Retrieval (`GLACIER`) or Deep
 *   Archive (`DEEP_ARCHIVE`) must be restored (RestoreObject) before anything can read them;
 *   Expedited typically 1-5 minutes (not for Deep Archive), Standard 3-5 hours (Deep Archive 12 h).
 *   Glacier Instant Retrieval (`GLACIER_IR`) and the other classes are read directly.
 *
 * Safe to re-run: the journal records the export chain, the import and how many incremental exports
 * were applied; the same command adopts the import it started (DescribeImport names the table) and
 * goes on from the next unapplied export. Applying an export twice changes nothing (each line is the
 * item's final state in its window), and the puts of inserted items are conditional, so a second
 * application is recognised rather than counted as a change.
 */
import {
    AttributeDefinition,
    AttributeValue,
    DeleteItemCommand,
    DescribeImportCommand,
    GetItemCommand,
    GlobalSecondaryIndex,
    ImportTableCommand,
    KeySchemaElement,
    PutItemCommand,
    ScalarAttributeType,
    TableDescription,
} from "@aws-sdk/client-dynamodb";
import {
    HeadObjectCommand,
    GetObjectCommand,
    ListObjectsV2Command,
    RestoreObjectCommand,
    Tier,
} from "@aws-sdk/client-s3";
import { Option, InvalidArgumentError } from "commander";
import * as crypto from "crypto";
import * as fs from "fs";
import * as zlib from "zlib";
import * as naming from "../../naming";
import { DeploymentConfig } from "../../stacks/config";
import { AccountRole, AwsClients } from "../aws/clients";
import { readAllPages } from "../aws/gate";
import { waitFor } from "../aws/waiter";
import { DrContext } from "../context";
import { DrError, ExitCode, ExitCodeValue, UsageError } from "../errors";
import { Journal } from "../journal";
import { Report } from "../output";
import { tableArn, tableTarget } from "../stack";
import { compactTimestamp, parseTime } from "../time";
import * as valid from "../validate";
import { checkAccount, describeTableIfExists } from "./common";
import { TableSettings, applyTableSettings, readTableSettings, waitTableActive } from "./tableSettings";
import { CommandSpec } from "./types";

export interface RestoreFromExportOptions {
    to?: string;
    target?: string;
    source: "archive" | "exports";
    bucket?: string;
    prefix: string;
    sourceAccountId?: string;
    sourceRegion?: string;
    retrievalTier: Tier;
    restoreDays: number;
    partitionKey?: KeyAttribute;
    sortKey?: KeyAttribute;
    fullOnly?: boolean;
    measurement?: string;
}

export interface KeyAttribute {
    name: string;
    type: ScalarAttributeType;
}

/** One export of the chain, as the listing and its manifest describe it. */
export interface ChainLink {
    type: "FULL_EXPORT" | "INCREMENTAL_EXPORT";
    /** `<prefix>/<table>/<full|incremental>/<label>/AWSDynamoDB/<ExportId>` */
    dir: string;
    /** Full: the export time; incremental: its window [from, to). */
    from: string;
    to: string;
    dataKeys: string[];
    view?: string;
}

interface RestoreFromExportState {
    to: string;
    target: string;
    startedAt: number;
    chain?: ChainLink[];
    importArn?: string;
    /** How many incremental exports of the chain are applied. */
    applied?: number;
}

/** S3 storage classes whose objects must be restored before a GET (S3 "Archive retrieval options"). */
export const ARCHIVED_CLASSES = ["GLACIER", "DEEP_ARCHIVE"];

export function needsRestore(storageClass: string | undefined): boolean {
    return ARCHIVED_CLASSES.some((c) => c === storageClass);
}

/** `hashedSub:S`: a key attribute and its DynamoDB scalar type. */
export function keyAttribute(value: string): KeyAttribute {
    const m = /^([^:\s]{1,255}):(S|N|B)$/.exec(value);
    if (!m) throw new InvalidArgumentError(`'${value}' is not <attribute>:<S|N|B> (e.g. hashedSub:S)`);
    return { name: m[1], type: m[2] as ScalarAttributeType };
}

export const restoreFromExportCommand: CommandSpec = {
    name: "restore-from-export",
    summary:
        "rebuild a table from its exports (the archive after account loss): import the full export into a new table, apply the incremental ones, put back keys, GSIs, TTL, PITR, protection and tags",
    configure(cmd) {
        cmd.argument("<table>", "the table whose exports to restore (its name in the exports)", valid.tableName)
            .option("--to <time>", "the state to restore: the newest exports up to this time (default: now)")
            .option("--target <name>", "name of the new table (default <table>-from-export-<time>)", valid.tableName)
            .addOption(
                new Option(
                    "--source <where>",
                    "archive: the backup account's Object Lock archive (after account loss); exports: this account's exports bucket",
                )
                    .choices(["archive", "exports"])
                    .default("archive"),
            )
            .option("--bucket <name>", "read the exports from this bucket instead", valid.bucketName)
            .option("--prefix <prefix>", "top-level key prefix of the exports", naming.TABLE_EXPORT_PREFIX)
            .option(
                "--source-account-id <id>",
                "the account whose table was exported (default: the stack's account; the lost one after account loss)",
                valid.accountId,
            )
            .option(
                "--source-region <region>",
                "the region the table was exported from (default: the stack's)",
                valid.region,
            )
            .addOption(
                new Option("--retrieval-tier <tier>", "S3 restore tier for archived (Glacier) exports")
                    .choices(["Expedited", "Standard", "Bulk"])
                    .default("Expedited"),
            )
            .addOption(
                new Option("--restore-days <n>", "days a restored Glacier copy stays readable")
                    .argParser(valid.wholeNumber(1, 30))
                    .default(3),
            )
            .addOption(
                new Option(
                    "--partition-key <attr:type>",
                    "the table's partition key, when no live table or config names it",
                ).argParser(keyAttribute),
            )
            .addOption(new Option("--sort-key <attr:type>", "the table's sort key, likewise").argParser(keyAttribute))
            .option("--full-only", "import the full export only; apply no incremental exports")
            .option("--measurement <file>", "write the measured step times (JSON) for the posture report");
    },
    run: (ctx, args, options) => restoreFromExport(ctx, args[0], options as unknown as RestoreFromExportOptions),
};

/** Where the exports are read from: which bucket in which region, whose credentials, whose account owns it. */
interface ExportSource {
    role: AccountRole;
    region: string;
    bucket: string;
    owner: string;
}

function exportSource(ctx: DrContext, stack: DeploymentConfig, options: RestoreFromExportOptions): ExportSource {
    if (options.source === "archive") {
        // Read with the target account's credentials (its DR restore role), as ImportTable reads it:
        // the archive admits that role for the table exports (components/storage/archiveGrants.ts exportReaderStatements).
        const owner = stack.backupAccount.accountId;
        return {
            role: "target",
            region: ctx.backupRegion,
            bucket: options.bucket ?? naming.archiveBucketName(owner, ctx.backupRegion),
            owner,
        };
    }
    return {
        role: "target",
        region: ctx.region,
        bucket: options.bucket ?? naming.exportsBucketName(stack.environment, stack.accountId, stack.region),
        owner: stack.accountId,
    };
}

export async function restoreFromExport(
    ctx: DrContext,
    table: string,
    options: RestoreFromExportOptions,
): Promise<ExitCodeValue> {
    const stack = ctx.requireStack("to find the table's exports and the archive");
    const journal = new Journal<RestoreFromExportState>(ctx, {
        table,
        to: options.to ?? null,
        target: options.target ?? null,
        source: options.source,
        bucket: options.bucket ?? null,
    });
    const previous = journal.previous;
    const to = previous?.to
        ? new Date(previous.to)
        : options.to
          ? parseTime(options.to, ctx.clock.now(), "--to")
          : new Date(ctx.clock.now());
    const target =
        previous?.target ?? options.target ?? `${table}-from-export-${compactTimestamp(to.getTime()).toLowerCase()}`;
    if (!valid.TABLE_NAME.test(target))
        throw new UsageError(
            `<table> '${table}' is too long to name its restored copy '${target}' (at most 255 characters)`,
            "Pass a shorter --target.",
        );
    const source = exportSource(ctx, stack, options);
    const report = ctx.report();
    await checkAccount(ctx, "target", stack.accountId);
    const sourceTableArn = tableArn(
        options.sourceRegion ?? stack.region,
        options.sourceAccountId ?? stack.accountId,
        table,
    );
    const startedAt = previous?.startedAt ?? ctx.clock.now();
    report.data.table = table;
    report.data.target = target;
    report.data.to = to.toISOString();
    report.data.source = `s3://${source.bucket} (account ${source.owner})`;

    const found =
        previous?.chain ??
        (await report.step(
            "find exports",
            table,
            () => findChain(ctx, source, options, table, sourceTableArn, to).catch(dryRunStop),
            (c) =>
                c instanceof DryRunStop
                    ? `${c.archived} archived objects to restore first`
                    : `${c[0].dir} and ${c.length - 1} incremental exports up to ${c[c.length - 1].to}`,
        ));
    if (found instanceof DryRunStop) {
        report.line(
            `dry run: ${found.archived} objects of the exports are in Glacier; the restore starts with a RestoreObject of each (above); their manifests cannot be read before that, so the rest is not planned`,
        );
        return report.finish(ctx.dryRun, ctx.gate.calls);
    }
    const chain = found;
    journal.save({ to: to.toISOString(), target, startedAt, chain });
    report.data.restoredTo = chain[chain.length - 1].to;
    report.data.exports = chain.map((l) => l.dir);

    await report.step("restore archived objects", table, () =>
        makeReadable(
            ctx,
            source,
            options,
            chain.flatMap((l) => l.dataKeys),
        ),
    );

    const clients = ctx.clients();
    const live = await describeTableIfExists(ctx.gate, clients, table);
    const schema = await tableSchema(ctx, stack, table, live, options, source, chain[0]);
    const settings = live ? await readTableSettings(ctx, clients, live) : configSettings(stack, table);

    await report.step("import full export", target, () =>
        importFull(ctx, journal, source, chain[0], target, schema, { startedAt, resumed: previous !== undefined }),
    );
    if (!ctx.dryRun) await waitTableActive(ctx, clients, target, `table ${target}`);

    const applied = await applyIncrementals(ctx, report, journal, source, chain, target, schema);
    report.data.incremental = applied;

    const arn = tableArn(ctx.region, stack.accountId, target);
    await applyTableSettings(ctx, clients, report, target, arn, settings);
    if (schema.missingIndexes.length)
        report.check(
            `gsi:${target}`,
            "warn",
            `${schema.missingIndexes.join(", ")} not recreated (their key schema is not in the exports): redeploy the application stack that defines them`,
        );
    report.check(
        `restore-from-export:${target}`,
        report.failed ? "fail" : "pass",
        `${table} as of ${chain[chain.length - 1].to} (full export of ${chain[0].to}, ${chain.length - 1} incremental exports) into ${target}`,
    );
    const elapsedMs = ctx.clock.now() - startedAt;
    const rto = tableTarget(table).rtoHours;
    if (!ctx.dryRun)
        report.check(
            `rto:${table}`,
            elapsedMs <= rto * 3_600_000 ? "pass" : "fail",
            `restored from exports in ${Math.round(elapsedMs / 60_000)} min (target ${rto} h)`,
        );
    if (options.measurement && !ctx.dryRun)
        fs.writeFileSync(
            options.measurement,
            `${JSON.stringify(measurement(ctx, report, table, startedAt), null, 2)}\n`,
        );
    if (!report.failed) journal.complete();
    return report.finish(ctx.dryRun, ctx.gate.calls);
}

/** The measured times in the drill report's format (offline/drillReports.ts reads it), path `archive-import`. */
function measurement(ctx: DrContext, report: Report, table: string, startedAt: number) {
    const timingsMs: Record<string, number> = {};
    for (const s of report.steps) timingsMs[s.step] = (timingsMs[s.step] ?? 0) + s.durationMs;
    const elapsedMs = ctx.clock.now() - startedAt;
    const target = tableTarget(table);
    return {
        format: "vat-backup-drill/v1",
        stack: ctx.opts.stack ?? "",
        startedAt: new Date(startedAt).toISOString(),
        endedAt: new Date(ctx.clock.now()).toISOString(),
        measured: true,
        tables: [
            {
                table,
                path: "archive-import",
                criticality: target.criticality,
                rtoHours: target.rtoHours,
                ok: !report.failed,
                elapsedMs,
                withinRto: !report.failed && elapsedMs <= target.rtoHours * 3_600_000,
                timingsMs,
            },
        ],
    };
}

// ---------------------------------------------------------------------------------------------
// Finding the chain: the newest full export up to --to, then every incremental export after it.

const TIMESTAMP = /^\d{8}T\d{6}Z$/;

/** `20261126T030000Z` → Date. */
export function fromCompact(label: string): Date | undefined {
    if (!TIMESTAMP.test(label)) return undefined;
    const iso = `${label.slice(0, 4)}-${label.slice(4, 6)}-${label.slice(6, 8)}T${label.slice(9, 11)}:${label.slice(11, 13)}:${label.slice(13, 15)}Z`;
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * The labels under `prefix` (S3 common prefixes with a `/` delimiter), without the prefix and slash.
 * Labels are UTC timestamps, so S3's lexicographic order is time order: `startAfter` skips the
 * years of hourly windows before the full export.
 */
async function labels(ctx: DrContext, source: ExportSource, prefix: string, startAfter?: string): Promise<string[]> {
    const s3 = ctx.clients(source.role, source.region).s3;
    const prefixes = await readAllPages(
        ctx.gate,
        s3,
        (token) =>
            new ListObjectsV2Command({
                Bucket: source.bucket,
                Prefix: prefix,
                Delimiter: "/",
                StartAfter: startAfter === undefined ? undefined : `${prefix}${startAfter}`,
                ContinuationToken: token,
                ExpectedBucketOwner: source.owner,
            }),
        (page) => page.CommonPrefixes,
        (page) => page.NextContinuationToken,
        source.role,
    );
    // A common prefix is `prefix` + label + the delimiter.
    return prefixes.map((p) => String(p.Prefix).slice(prefix.length, -1));
}

/** Every object under an export's label, with its storage class. */
async function objectsUnder(
    ctx: DrContext,
    source: ExportSource,
    prefix: string,
): Promise<{ key: string; storageClass?: string }[]> {
    const objects = await readAllPages(
        ctx.gate,
        ctx.clients(source.role, source.region).s3,
        (token) =>
            new ListObjectsV2Command({
                Bucket: source.bucket,
                Prefix: prefix,
                ContinuationToken: token,
                ExpectedBucketOwner: source.owner,
            }),
        (page) => page.Contents,
        (page) => page.NextContinuationToken,
        source.role,
    );
    return objects.map((o) => ({ key: String(o.Key), storageClass: o.StorageClass }));
}

/** One export to read: its label's key prefix, kind and window. */
interface PlannedLink {
    prefix: string;
    type: ChainLink["type"];
    from: Date;
    to: Date;
}

/** Under --dry-run, archived exports cannot be read before the restore it does not start. */
export class DryRunStop extends Error {
    constructor(readonly archived: number) {
        super(`${archived} archived objects would be restored first`);
    }
}

function dryRunStop(err: unknown): DryRunStop {
    if (err instanceof DryRunStop) return err;
    throw err;
}

/** The export under one label: its manifest read and checked, its data files listed. */
async function readLink(
    ctx: DrContext,
    source: ExportSource,
    planned: PlannedLink,
    objects: { key: string }[],
    tableArnExpected: string,
): Promise<ChainLink> {
    const summary = objects.find((o) => o.key.endsWith("/manifest-summary.json"));
    if (!summary)
        throw new DrError(
            `s3://${source.bucket}/${planned.prefix} holds no manifest-summary.json: the export did not complete`,
            ExitCode.FAILED,
            "Pick an earlier --to (the export before it), or check the table export function's alarms for that window.",
        );
    const dir = summary.key.slice(0, -"/manifest-summary.json".length);
    const manifest = JSON.parse(await readText(ctx, source, summary.key)) as Record<string, unknown>;
    checkManifest(manifest, `s3://${source.bucket}/${summary.key}`, { ...planned, tableArn: tableArnExpected });
    const dataKeys = (await readText(ctx, source, `${dir}/manifest-files.json`))
        .split("\n")
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { dataFileS3Key?: string }).dataFileS3Key)
        .filter((k): k is string => Boolean(k));
    return {
        type: planned.type,
        dir,
        from: planned.from.toISOString(),
        to: planned.to.toISOString(),
        dataKeys,
        view: manifest.outputView as string | undefined,
    };
}

/**
 * The manifest must describe this table's export of the expected kind and window, in DynamoDB JSON:
 * a prefix shared by two accounts' exports (a rebuilt account writes under the same table name) or a
 * file copied by hand must never be imported as this table.
 */
export function checkManifest(
    manifest: Record<string, unknown>,
    where: string,
    expected: { type: ChainLink["type"]; tableArn: string; from: Date; to: Date },
): void {
    const problems: string[] = [];
    if (manifest.tableArn !== expected.tableArn)
        problems.push(`it exports ${String(manifest.tableArn)}, not ${expected.tableArn}`);
    const type = manifest.exportType ?? "FULL_EXPORT";
    if (type !== expected.type) problems.push(`it is a ${String(type)}, not a ${expected.type}`);
    if (manifest.outputFormat !== undefined && manifest.outputFormat !== "DYNAMODB_JSON")
        problems.push(`its format is ${String(manifest.outputFormat)}, not DYNAMODB_JSON`);
    const time = (k: string) =>
        typeof manifest[k] === "string" ? new Date(manifest[k] as string).getTime() : undefined;
    if (expected.type === "FULL_EXPORT") {
        const at = time("exportTime");
        if (at !== undefined && at > expected.to.getTime())
            problems.push(`its export time ${String(manifest.exportTime)} is after ${expected.to.toISOString()}`);
    } else {
        const from = time("exportFromTime");
        const to = time("exportToTime");
        if (
            (from !== undefined && from !== expected.from.getTime()) ||
            (to !== undefined && to !== expected.to.getTime())
        )
            problems.push(
                `its window ${String(manifest.exportFromTime)} to ${String(manifest.exportToTime)} is not the one its key names`,
            );
    }
    if (problems.length)
        throw new DrError(
            `${where} is not an export this restore can use: ${problems.join("; ")}`,
            ExitCode.FAILED,
            "Pass --source-account-id/--source-region for the account and region the table was exported from, or an earlier --to; never import another table's export.",
        );
}

/**
 * The newest full export at or before `to`, then the incremental exports that tile time from it to
 * `to`, chosen from the keys' labels; every object of the chosen exports is restored from Glacier at
 * once (one wait, not one per export), then each manifest is read and checked.
 */
async function findChain(
    ctx: DrContext,
    source: ExportSource,
    options: RestoreFromExportOptions,
    table: string,
    sourceTableArn: string,
    to: Date,
): Promise<ChainLink[]> {
    const base = `${options.prefix.replace(/\/+$/, "")}/${table}`;
    const fulls = (await labels(ctx, source, `${base}/full/`))
        .map((label) => ({ label, at: fromCompact(label) }))
        .filter((f): f is { label: string; at: Date } => f.at !== undefined && f.at.getTime() <= to.getTime())
        .sort((a, b) => b.at.getTime() - a.at.getTime());
    if (!fulls.length)
        throw new UsageError(
            `no full export of ${table} at or before ${to.toISOString()} under s3://${source.bucket}/${base}/full/`,
            "A full export is taken weekly; pass a later --to, the other --source, or --bucket/--prefix where the exports are.",
        );
    const full = fulls[0];
    const planned: PlannedLink[] = [
        { prefix: `${base}/full/${full.label}/`, type: "FULL_EXPORT", from: full.at, to: full.at },
    ];
    if (!options.fullOnly) planned.push(...(await incrementalsAfter(ctx, source, base, table, full.at, to)));
    const listed = [];
    for (const link of planned) listed.push(await objectsUnder(ctx, source, link.prefix));
    const all = listed.flat().filter((o) => !o.key.endsWith("/_started"));
    const pending = await makeReadable(
        ctx,
        source,
        options,
        all.map((o) => o.key),
        all,
    );
    if (pending > 0) throw new DryRunStop(pending);
    const chain: ChainLink[] = [];
    for (let i = 0; i < planned.length; i++)
        chain.push(await readLink(ctx, source, planned[i], listed[i], sourceTableArn));
    return chain;
}

/** The incremental windows from `from` up to `to`, contiguous: a gap is an error naming it. */
async function incrementalsAfter(
    ctx: DrContext,
    source: ExportSource,
    base: string,
    table: string,
    from: Date,
    to: Date,
): Promise<PlannedLink[]> {
    const windows = (await labels(ctx, source, `${base}/incremental/`, compactTimestamp(from.getTime())))
        .map((label) => {
            const [start, end] = label.split("-").map(fromCompact);
            return { label, from: start, to: end };
        })
        // S3 lists the labels in order, and a label starts with its window's start: they come in time order.
        .filter(
            (w): w is { label: string; from: Date; to: Date } =>
                w.from !== undefined && w.to !== undefined && w.to.getTime() <= to.getTime(),
        );
    const planned: PlannedLink[] = [];
    let reached = from.getTime();
    for (const w of windows) {
        // Overlapping (or before the full export): its changes are in the full export or the windows before.
        if (w.from.getTime() < reached) continue;
        if (w.from.getTime() > reached)
            throw new DrError(
                `the incremental exports of ${table} have a gap from ${new Date(reached).toISOString()} to ${w.from.toISOString()}`,
                ExitCode.FAILED,
                `Restore to the start of the gap (--to ${new Date(reached).toISOString()}), or from the next full export after it; the table export function's alarms name the failed run.`,
            );
        planned.push({ prefix: `${base}/incremental/${w.label}/`, type: "INCREMENTAL_EXPORT", from: w.from, to: w.to });
        reached = w.to.getTime();
    }
    return planned;
}

async function readObject(ctx: DrContext, source: ExportSource, key: string): Promise<Uint8Array> {
    const out = await ctx.gate.read(
        ctx.clients(source.role, source.region).s3,
        new GetObjectCommand({ Bucket: source.bucket, Key: key, ExpectedBucketOwner: source.owner }),
        source.role,
    );
    return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
}

async function readText(ctx: DrContext, source: ExportSource, key: string): Promise<string> {
    return Buffer.from(await readObject(ctx, source, key)).toString("utf8");
}

/** The lines of a (gzipped) DynamoDB JSON data file. */
async function readLines(ctx: DrContext, source: ExportSource, key: string): Promise<Record<string, unknown>[]> {
    // Every data file of an export is gzipped (DynamoDB "Table export output format": data/*.json.gz).
    return zlib
        .gunzipSync(await readObject(ctx, source, key))
        .toString("utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
}

// ---------------------------------------------------------------------------------------------
// Glacier: restore what is archived, wait until all of it can be read.

/** `ongoing-request="false"` (restored, readable), `"true"` (under way), or no restore at all. */
export function restoreState(header: string | undefined): "none" | "ongoing" | "done" {
    if (!header) return "none";
    return /ongoing-request="true"/.test(header) ? "ongoing" : "done";
}

async function makeReadable(
    ctx: DrContext,
    source: ExportSource,
    options: RestoreFromExportOptions,
    keys: string[],
    listed?: { key: string; storageClass?: string }[],
): Promise<number> {
    const s3 = ctx.clients(source.role, source.region).s3;
    const classes = new Map((listed ?? []).map((o) => [o.key, o.storageClass]));
    const archived: string[] = [];
    for (const key of keys) {
        const storageClass = classes.has(key)
            ? classes.get(key)
            : (
                  await ctx.gate.read(
                      s3,
                      new HeadObjectCommand({ Bucket: source.bucket, Key: key, ExpectedBucketOwner: source.owner }),
                      source.role,
                  )
              ).StorageClass;
        if (needsRestore(storageClass)) archived.push(key);
    }
    const pending = new Set<string>();
    for (const key of archived) {
        const head = await ctx.gate.read(
            s3,
            new HeadObjectCommand({ Bucket: source.bucket, Key: key, ExpectedBucketOwner: source.owner }),
            source.role,
        );
        const state = restoreState(head.Restore);
        if (state === "done") continue;
        pending.add(key);
        if (state === "none") await startRestore(ctx, source, options, key, head.StorageClass);
    }
    if (!pending.size) return 0;
    if (ctx.dryRun) return pending.size;
    await waitFor(
        `restore of ${pending.size} archived objects from s3://${source.bucket}`,
        async () => {
            for (const key of [...pending]) {
                const head = await ctx.gate.read(
                    s3,
                    new HeadObjectCommand({ Bucket: source.bucket, Key: key, ExpectedBucketOwner: source.owner }),
                    source.role,
                );
                if (restoreState(head.Restore) === "done") pending.delete(key);
            }
            return { status: `${pending.size} restoring`, done: pending.size === 0 };
        },
        // S3 restores never fail once accepted: the wait ends done, or runs out of time.
        {
            ...ctx.waitOptions("Run the same command again: it waits for the restores it started."),
            timeoutHint:
                "The objects are still in Glacier; run the same command again later (it waits for the restores it started).",
        },
    );
    return 0;
}

/** RestoreObject; Expedited is not offered for Deep Archive, and may lack capacity: then Standard. */
async function startRestore(
    ctx: DrContext,
    source: ExportSource,
    options: RestoreFromExportOptions,
    key: string,
    storageClass: string | undefined,
): Promise<void> {
    const s3 = ctx.clients(source.role, source.region).s3;
    const send = (tier: Tier) =>
        ctx.gate.mutate(
            s3,
            new RestoreObjectCommand({
                Bucket: source.bucket,
                Key: key,
                ExpectedBucketOwner: source.owner,
                RestoreRequest: { Days: options.restoreDays, GlacierJobParameters: { Tier: tier } },
            }),
            source.role,
        );
    const tier: Tier =
        storageClass === "DEEP_ARCHIVE" && options.retrievalTier === "Expedited" ? "Standard" : options.retrievalTier;
    try {
        await send(tier);
    } catch (err) {
        const name = err instanceof Error ? err.name : "";
        if (name === "RestoreAlreadyInProgress") return;
        // Only an Expedited request gets this 503 (S3 API Reference, RestoreObject, "Special errors").
        if (name === "GlacierExpeditedRetrievalNotAvailable") {
            await send("Standard");
            return;
        }
        throw err;
    }
}

// ---------------------------------------------------------------------------------------------
// The new table: its schema, the import, the incremental exports.

interface Schema {
    /** The key attributes' names, partition key first; their types are in `definitions`. */
    keys: string[];
    indexes: GlobalSecondaryIndex[];
    definitions: AttributeDefinition[];
    /** GSIs the config names that could not be recreated (no key schema known). */
    missingIndexes: string[];
}

function expectationFor(stack: DeploymentConfig, table: string) {
    const tables = stack.monitoring.restoreValidation.tables;
    return tables[table] ?? tables[table.replace(/^.*?-env-/, "")];
}

/** The scalar type of an attribute in an item (DynamoDB JSON), if it is a key type. */
function scalarType(value: AttributeValue | undefined): ScalarAttributeType | undefined {
    if (!value) return undefined;
    const type = Object.keys(value)[0];
    return type === "S" || type === "N" || type === "B" ? type : undefined;
}

/**
 * The key schema and GSIs of the new table: the live table's (an in-account restore), else the key
 * flags, else the stack config's restore expectation (names) with types read from an exported item.
 */
async function tableSchema(
    ctx: DrContext,
    stack: DeploymentConfig,
    table: string,
    live: TableDescription | undefined,
    options: RestoreFromExportOptions,
    source: ExportSource,
    full: ChainLink,
): Promise<Schema> {
    if (live?.KeySchema && live.AttributeDefinitions) {
        // The partition key first (CreateTable takes HASH, then RANGE); every key attribute has a definition.
        const keys = live.KeySchema.map((k: KeySchemaElement) => String(k.AttributeName));
        const indexes = (live.GlobalSecondaryIndexes ?? []).map((g) => ({
            IndexName: g.IndexName,
            KeySchema: g.KeySchema,
            Projection: g.Projection,
        }));
        return { keys, indexes, definitions: live.AttributeDefinitions, missingIndexes: [] };
    }
    const expectation = expectationFor(stack, table);
    const names = options.partitionKey
        ? [options.partitionKey, ...(options.sortKey ? [options.sortKey] : [])]
        : expectation
          ? [expectation.partitionKey, ...(expectation.sortKey ? [expectation.sortKey] : [])]
          : [];
    if (!names.length)
        throw new UsageError(
            `no key schema for ${table}: the table is gone and the stack's monitoring.restoreValidation.tables does not describe it`,
            "Pass --partition-key <attr>:<S|N|B> (and --sort-key).",
        );
    const sample = await firstItem(ctx, source, full);
    const keys = names.map((n) =>
        typeof n === "string" ? { name: n, type: scalarType(sample?.[n]) ?? ("S" as ScalarAttributeType) } : n,
    );
    return {
        keys: keys.map((k) => k.name),
        indexes: [],
        definitions: keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type })),
        missingIndexes: expectation?.globalSecondaryIndexes ?? [],
    };
}

async function firstItem(
    ctx: DrContext,
    source: ExportSource,
    full: ChainLink,
): Promise<Record<string, AttributeValue> | undefined> {
    for (const key of full.dataKeys) {
        const line = (await readLines(ctx, source, key))[0];
        if (line?.Item) return line.Item as Record<string, AttributeValue>;
    }
    return undefined;
}

/** A table gone with its account: the strategy's baseline settings and the config's TTL attribute. */
function configSettings(stack: DeploymentConfig, table: string): TableSettings {
    return {
        pitrDays: stack.pitrRecoveryPeriodDays,
        ttlAttribute: expectationFor(stack, table)?.ttlAttribute,
        tags: [],
        deletionProtection: stack.protectData,
        streamEnabled: false,
    };
}

/** ImportTable's answers to a table that exists and is not the import of this ClientToken. */
const IMPORT_REFUSALS = new Set([
    "ResourceInUseException",
    "IdempotentParameterMismatchException",
    "ImportConflictException",
]);

async function importFull(
    ctx: DrContext,
    journal: Journal<RestoreFromExportState>,
    source: ExportSource,
    full: ChainLink,
    target: string,
    schema: Schema,
    run: { startedAt: number; resumed: boolean },
): Promise<void> {
    const { startedAt } = run;
    const dynamodb = ctx.clients().dynamodb;
    let importArn = journal.previous?.importArn;
    const existing = await describeTableIfExists(ctx.gate, ctx.clients(), target);
    const targetExists = () =>
        new UsageError(
            `target table ${target} already exists; ImportTable creates a new table and never imports into an existing one`,
            "Pass another --target, or delete the old table first if you are sure it is not needed.",
        );
    // A re-run whose earlier run never recorded its import (the reply was lost) asks again with the
    // same ClientToken: within 8 hours ImportTable answers with that same import, which is ours.
    const unrecorded = existing !== undefined && !importArn;
    if (unrecorded && !run.resumed) throw targetExists();
    if (importArn) {
        const described = (await ctx.gate.read(dynamodb, new DescribeImportCommand({ ImportArn: importArn })))
            .ImportTableDescription;
        const status = described?.ImportStatus;
        // A failed or cancelled import left no table: start it again. Anything else is ours to wait for.
        if (status === "FAILED" || status === "CANCELLED") importArn = undefined;
        else if (!described?.TableArn?.endsWith(`:table/${target}`))
            throw new UsageError(
                `the recorded import ${importArn} is not of ${target}; a restore never adopts a table it did not start`,
                "Pass another --target.",
            );
    }
    if (!importArn) {
        const started = await ctx.gate
            .mutate(
                dynamodb,
                new ImportTableCommand({
                    ClientToken: crypto
                        .createHash("sha256")
                        .update(`${target}\n${full.dir}\n${startedAt}\n${journal.previous?.importArn ?? ""}`)
                        .digest("hex")
                        .slice(0, 36),
                    S3BucketSource: {
                        S3Bucket: source.bucket,
                        S3BucketOwner: source.owner,
                        S3KeyPrefix: `${full.dir}/data/`,
                    },
                    InputFormat: "DYNAMODB_JSON",
                    InputCompressionType: "GZIP",
                    TableCreationParameters: {
                        TableName: target,
                        KeySchema: schema.keys.map((name, i) => ({
                            AttributeName: name,
                            KeyType: i === 0 ? "HASH" : "RANGE",
                        })),
                        AttributeDefinitions: schema.definitions,
                        BillingMode: "PAY_PER_REQUEST",
                        GlobalSecondaryIndexes: schema.indexes.length ? schema.indexes : undefined,
                    },
                }),
            )
            .catch((err: unknown) => {
                // Not the earlier run's import after all (another token, or older than 8 hours).
                if (unrecorded && err instanceof Error && IMPORT_REFUSALS.has(err.name)) throw targetExists();
                throw err;
            });
        importArn = started?.ImportTableDescription?.ImportArn;
        if (!importArn) return; // dry run
        journal.save({ importArn });
    }
    const arn = importArn;
    await waitFor(
        `import into ${target}`,
        async () => {
            const d = (await ctx.gate.read(dynamodb, new DescribeImportCommand({ ImportArn: arn })))
                .ImportTableDescription;
            const status = d?.ImportStatus ?? "UNKNOWN";
            return {
                status: `${status}${d?.ProcessedItemCount !== undefined ? ` (${d.ProcessedItemCount} items)` : ""}`,
                done: status === "COMPLETED",
                failed:
                    status === "FAILED" || status === "CANCELLED"
                        ? { reason: `${d?.FailureCode ?? ""} ${d?.FailureMessage ?? ""}`.trim() }
                        : undefined,
            };
        },
        ctx.waitOptions(
            `Read the import's CloudWatch log (DescribeImport ${arn}); a permissions failure means the bucket or its key does not let this account read the exports; then run the same command again.`,
        ),
    );
}

/** What applying one line of an incremental export did. */
export type Applied = "put" | "deleted" | "already" | "overwrote";

/** Canonical JSON (sorted keys) of a DynamoDB item, to tell "already applied" from "diverged". */
export function canonical(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
    if (value && typeof value === "object")
        return `{${Object.keys(value)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
            .join(",")}}`;
    return JSON.stringify(value);
}

/**
 * One changed item: no NewImage means deleted (DeleteItem, idempotent). An insert (NEW_AND_OLD_IMAGES
 * with no OldImage) is put only where the key is absent; if the item is already there and equal, the
 * line was applied before (a re-run); if it differs, the export's image wins and the divergence is
 * counted. Every other new image is put as it is: the final state of the item in its window.
 */
export async function applyLine(
    ctx: DrContext,
    clients: AwsClients,
    target: string,
    partitionKey: string,
    line: Record<string, unknown>,
    view: string | undefined,
): Promise<Applied> {
    const keys = line.Keys as Record<string, AttributeValue> | undefined;
    const next = line.NewImage as Record<string, AttributeValue> | undefined;
    if (!keys) throw new Error(`an incremental export line without Keys: ${JSON.stringify(line).slice(0, 120)}`);
    if (!next) {
        await ctx.gate.mutate(clients.dynamodb, new DeleteItemCommand({ TableName: target, Key: keys }));
        return "deleted";
    }
    const insert = view === "NEW_AND_OLD_IMAGES" && line.OldImage === undefined;
    if (!insert) {
        await ctx.gate.mutate(clients.dynamodb, new PutItemCommand({ TableName: target, Item: next }));
        return "put";
    }
    try {
        await ctx.gate.mutate(
            clients.dynamodb,
            new PutItemCommand({
                TableName: target,
                Item: next,
                ConditionExpression: "attribute_not_exists(#pk)",
                ExpressionAttributeNames: { "#pk": partitionKey },
            }),
        );
        return "put";
    } catch (err) {
        if (!(err instanceof Error && err.name === "ConditionalCheckFailedException")) throw err;
    }
    const current = (
        await ctx.gate.read(
            clients.dynamodb,
            new GetItemCommand({ TableName: target, Key: keys, ConsistentRead: true }),
        )
    ).Item;
    if (canonical(current) === canonical(next)) return "already";
    await ctx.gate.mutate(clients.dynamodb, new PutItemCommand({ TableName: target, Item: next }));
    return "overwrote";
}

/** Lines applied at once: each is its own item, so their order inside one export does not matter. */
export const APPLY_CONCURRENCY = 16;

async function applyIncrementals(
    ctx: DrContext,
    report: Report,
    journal: Journal<RestoreFromExportState>,
    source: ExportSource,
    chain: ChainLink[],
    target: string,
    schema: Schema,
): Promise<Record<Applied, number> & { exports: number }> {
    const counts: Record<Applied, number> & { exports: number } = {
        put: 0,
        deleted: 0,
        already: 0,
        overwrote: 0,
        exports: 0,
    };
    const clients = ctx.clients();
    const from = journal.previous?.applied ?? 0;
    const incrementals = chain.slice(1);
    for (let i = from; i < incrementals.length; i++) {
        const link = incrementals[i];
        await report.step("apply incremental export", `${target} ${link.from}..${link.to}`, async () => {
            for (const key of link.dataKeys) {
                const lines = await readLines(ctx, source, key);
                for (let j = 0; j < lines.length; j += APPLY_CONCURRENCY) {
                    const results = await Promise.all(
                        lines
                            .slice(j, j + APPLY_CONCURRENCY)
                            .map((l) => applyLine(ctx, clients, target, schema.keys[0], l, link.view)),
                    );
                    for (const r of results) counts[r]++;
                }
            }
        });
        counts.exports++;
        journal.save({ applied: i + 1 });
    }
    if (counts.overwrote)
        report.check(
            `incremental:${target}`,
            "warn",
            `${counts.overwrote} inserted items were already in the table with other values: the export's image was kept`,
        );
    return counts;
}
