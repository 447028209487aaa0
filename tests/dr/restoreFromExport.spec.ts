/**
 * dr restore-from-export against stand-ins that enforce AWS's rules: ImportTable creates a new table
 * and reads only readable objects (DynamoDB "Import from Amazon S3: how it works"); an object in
 * Glacier Flexible Retrieval or Deep Archive cannot be read until restored (S3 "Archive retrieval
 * options"); an incremental export's lines are compacted changes, no NewImage meaning deleted
 * (DynamoDB "Table export output format").
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    ARCHIVED_CLASSES,
    canonical,
    checkManifest,
    fromCompact,
    keyAttribute,
    needsRestore,
    restoreState,
} from "../../dr/commands/restoreFromExport";
import { DrHarness, NOW, awsError } from "../helpers/drHarness";
import { ExportsStandIn, ImportedTables, Item } from "../helpers/drExports";
import { TablesStandIn } from "../helpers/drStandIn";

const HOUR = 3_600_000;
const TABLE = "prod-env-receipts";
const SOURCE_ARN = `arn:aws:dynamodb:eu-west-2:111111111111:table/${TABLE}`;
const ARCHIVE = "vat-backup-archive-333333333333-eu-west-2";
const EXPORTS = "prod-env-backup-exports-111111111111-eu-west-2";
/** The Sunday full export: 2026-11-22T01:00:00Z. */
const FULL_AT = Date.UTC(2026, 10, 22, 1);
const TO = "2026-11-22T04:00:00Z";
const TARGET = "prod-env-receipts-from-export-20261122t040000z";

const item = (sub: string, id: string, amount: number): Item => ({
    hashedSub: { S: sub },
    receiptId: { S: id },
    amount: { N: String(amount) },
    ttl: { N: "2000000000" },
});
const keys = (i: Item): Item => ({ hashedSub: i.hashedSub, receiptId: i.receiptId });

/** A full export of three receipts, then three hourly incremental exports changing them. */
function history(exports: ExportsStandIn, storageClass = "STANDARD"): void {
    const a = item("u1", "r1", 10);
    const b = item("u1", "r2", 20);
    const c = item("u2", "r3", 30);
    exports.full(SOURCE_ARN, FULL_AT, [a, b, c], storageClass);
    // 01-02: r4 inserted, r1 updated.
    const d = item("u2", "r4", 40);
    exports.incremental(
        SOURCE_ARN,
        FULL_AT,
        FULL_AT + HOUR,
        [
            { Keys: keys(d), NewImage: d },
            { Keys: keys(a), OldImage: a, NewImage: item("u1", "r1", 11) },
        ],
        storageClass,
    );
    // 02-03: r2 deleted, r1 updated again (order matters: applied the other way, r1 would be 11).
    exports.incremental(
        SOURCE_ARN,
        FULL_AT + HOUR,
        FULL_AT + 2 * HOUR,
        [
            { Keys: keys(b), OldImage: b },
            { Keys: keys(a), OldImage: item("u1", "r1", 11), NewImage: item("u1", "r1", 12) },
        ],
        storageClass,
    );
    // 03-04: r2 inserted again.
    const b2 = item("u1", "r2", 21);
    exports.incremental(
        SOURCE_ARN,
        FULL_AT + 2 * HOUR,
        FULL_AT + 3 * HOUR,
        [{ Keys: keys(b2), NewImage: b2 }],
        storageClass,
    );
    // 04-05: after --to, never applied.
    exports.incremental(
        SOURCE_ARN,
        FULL_AT + 3 * HOUR,
        FULL_AT + 4 * HOUR,
        [{ Keys: keys(c), OldImage: c }],
        storageClass,
    );
}

const EXPECTED = ["u1/r1=12", "u1/r2=21", "u2/r3=30", "u2/r4=40"];

/** The command's arguments for TABLE at TO from the prod stack, then `extra`. */
const restoreArgs = (...extra: string[]) => ["restore-from-export", TABLE, "--to", TO, "--stack", "prod", ...extra];

/** Runs `body` against a harness of its own (a second estate beside the spec's), restored after. */
async function inOwnHarness(body: (h: DrHarness) => Promise<void>): Promise<void> {
    const h = new DrHarness();
    try {
        await body(h);
    } finally {
        h.restore();
    }
}

/** A fresh harness with the target account's tables and the archive, importing receipts by its two keys. */
function archiveEstate() {
    const h = new DrHarness();
    const tables = new TablesStandIn(h);
    const archive = new ExportsStandIn(h, ARCHIVE, "target");
    const imported = new ImportedTables(h, tables, archive, ["hashedSub", "receiptId"]);
    return { h, tables, archive, imported };
}

/** The receipts table still live in the target account, described with `described` beside its two keys. */
function liveReceiptsTable(tables: TablesStandIn, described: Record<string, unknown>): void {
    tables.add(TABLE);
    const live = tables.tables.get(TABLE);
    assert.ok(live);
    live.description = {
        KeySchema: [
            { AttributeName: "hashedSub", KeyType: "HASH" },
            { AttributeName: "receiptId", KeyType: "RANGE" },
        ],
        ...described,
    };
}

/** An archive holding one full export of one item, its objects in `storageClass`. */
function oneItemArchive(h: DrHarness, storageClass: string): ExportsStandIn {
    const archive = new ExportsStandIn(h, ARCHIVE, "target");
    archive.full(SOURCE_ARN, FULL_AT, [item("u1", "r1", 10)], storageClass);
    return archive;
}

describe("dr restore-from-export", () => {
    let h: DrHarness;
    let tables: TablesStandIn;
    let archive: ExportsStandIn;
    let imported: ImportedTables;
    const run = (...extra: string[]) => h.run(restoreArgs(...extra));

    beforeEach(() => ({ h, tables, archive, imported } = archiveEstate()));
    afterEach(() => h.restore());

    it("imports the full export from the archive (S3BucketOwner = backup account) into a new table, applies the incremental exports up to --to in order, and protects it", async () => {
        history(archive);
        const r = await run("--json");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const [imp] = h.sentOps("ImportTable") as {
            S3BucketSource: Record<string, string>;
            InputFormat: string;
            InputCompressionType: string;
            TableCreationParameters: { TableName: string; KeySchema: unknown[]; AttributeDefinitions: unknown[] };
        }[];
        assert.equal(imp.S3BucketSource.S3Bucket, ARCHIVE);
        assert.equal(imp.S3BucketSource.S3BucketOwner, "333333333333");
        assert.match(
            imp.S3BucketSource.S3KeyPrefix,
            /^dynamodb-exports\/prod-env-receipts\/full\/20261122T010000Z\/AWSDynamoDB\/[^/]+\/data\/$/,
        );
        assert.equal(imp.InputFormat, "DYNAMODB_JSON");
        assert.equal(imp.InputCompressionType, "GZIP");
        assert.equal(imp.TableCreationParameters.TableName, TARGET);
        assert.deepEqual(imp.TableCreationParameters.KeySchema, [
            { AttributeName: "hashedSub", KeyType: "HASH" },
            { AttributeName: "receiptId", KeyType: "RANGE" },
        ]);
        assert.deepEqual(imp.TableCreationParameters.AttributeDefinitions, [
            { AttributeName: "hashedSub", AttributeType: "S" },
            { AttributeName: "receiptId", AttributeType: "S" },
        ]);
        assert.deepEqual(imported.items(TARGET), EXPECTED, "the state as of 04:00: the 04-05 window is not applied");
        const t = tables.tables.get(TARGET);
        assert.deepEqual(
            { pitr: t?.pitr, ttl: t?.ttl, protection: t?.deletionProtection },
            { pitr: true, ttl: "ttl", protection: true },
        );
        const doc = r.json();
        assert.equal(doc.restoredTo, "2026-11-22T04:00:00.000Z");
        assert.deepEqual(doc.incremental, { put: 4, deleted: 1, already: 0, overwrote: 0, exports: 3 });
        assert.ok(h.sentOps("GetObject").every((i) => i.ExpectedBucketOwner === "333333333333"));
        assert.ok(
            h.sent().every((c) => !c.where.startsWith("backup/")),
            "the archive is read with the target account's DR restore role, as ImportTable reads it",
        );
        assert.equal(h.sentOps("RestoreObject").length, 0, "the archive is in S3 Standard: nothing to restore");
    });

    it("--to picks the newest full export at or before it, and only the incremental exports after that full one", async () => {
        // An older week's full and incremental exports: never used, never listed.
        archive.full(SOURCE_ARN, FULL_AT - 7 * 24 * HOUR, [item("u0", "r0", 1)]);
        archive.incremental(SOURCE_ARN, FULL_AT - HOUR, FULL_AT, [{ Keys: keys(item("u0", "r0", 1)) }]);
        history(archive);
        // A later full export (next Sunday) must not be used for a --to before it.
        archive.full(SOURCE_ARN, FULL_AT + 7 * 24 * HOUR, [item("u9", "r9", 99)]);
        const r = await run("--to", "2026-11-22T02:30:00Z", "--json");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(r.json().restoredTo, "2026-11-22T02:00:00.000Z", "the last whole window before --to");
        const listings = h.sentOps("ListObjectsV2").filter((i) => String(i.Prefix).endsWith("/incremental/"));
        assert.deepEqual(
            listings.map((i) => i.StartAfter),
            ["dynamodb-exports/prod-env-receipts/incremental/20261122T010000Z"],
            "the hourly windows before the full export are never listed",
        );
        assert.deepEqual(imported.items("prod-env-receipts-from-export-20261122t023000z"), [
            "u1/r1=11",
            "u1/r2=20",
            "u2/r3=30",
            "u2/r4=40",
        ]);
    });

    it("--full-only imports the full export alone", async () => {
        history(archive);
        const r = await run("--full-only");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(imported.items(TARGET), ["u1/r1=10", "u1/r2=20", "u2/r3=30"]);
        assert.equal(h.sentOps("PutItem").length, 0);
    });

    it("exports in Glacier Flexible Retrieval are restored first (Expedited), waited for, then imported; ImportTable alone would fail on them", async () => {
        h.mocks().s3.reset();
        const bucket = new ExportsStandIn(h, EXPORTS, "target");
        imported = new ImportedTables(h, tables, bucket, ["hashedSub", "receiptId"]);
        history(bucket, "GLACIER");
        const r = await h.run(["restore-from-export", TABLE, "--to", TO, "--stack", "prod", "--source", "exports"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const restores = h.sentOps("RestoreObject") as {
            Key: string;
            RestoreRequest: { Days: number; GlacierJobParameters: { Tier: string } };
        }[];
        assert.ok(restores.length >= 12, `every manifest and data file restored (${restores.length})`);
        assert.ok(restores.every((x) => x.RestoreRequest.GlacierJobParameters.Tier === "Expedited"));
        assert.ok(restores.every((x) => x.RestoreRequest.Days === 3));
        assert.ok(h.clock.sleeps.length > 0, "it waited for the restores");
        assert.deepEqual(imported.items(TARGET), EXPECTED);
        assert.equal(
            h.sentOps("ImportTable")[0] &&
                (h.sentOps("ImportTable")[0].S3BucketSource as { S3BucketOwner: string }).S3BucketOwner,
            "111111111111",
        );
    });

    it("Deep Archive exports are restored with the Standard tier (Expedited is not offered for Deep Archive); Glacier Instant Retrieval needs no restore", async () => {
        history(archive, "GLACIER_IR");
        const r = await run("--full-only");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(h.sentOps("RestoreObject").length, 0, "GLACIER_IR objects are read directly");

        await inOwnHarness(async (h2) => {
            const t2 = new TablesStandIn(h2);
            const deep = oneItemArchive(h2, "DEEP_ARCHIVE");
            const i2 = new ImportedTables(h2, t2, deep, ["hashedSub", "receiptId"]);
            const r2 = await h2.run(
                restoreArgs("--timeout-minutes", "1440", "--measurement", path.join(h2.tmp, "m.json")),
            );
            // Standard from Deep Archive takes about 12 hours (S3 "Archive retrieval options"): over the 4 h RTO.
            assert.equal(r2.code, 1, r2.stdout + r2.stderr);
            assert.match(
                r2.stdout,
                /FAIL {2}rto:prod-env-receipts {2}restored from exports in 72\d min \(target 4 h\)/,
            );
            assert.match(r2.stdout, /PASS {2}restore-from-export:/);
            assert.ok(
                h2
                    .sentOps("RestoreObject")
                    .every(
                        (x) =>
                            (x.RestoreRequest as { GlacierJobParameters: { Tier: string } }).GlacierJobParameters
                                .Tier === "Standard",
                    ),
            );
            assert.deepEqual(i2.items(TARGET), ["u1/r1=10"]);
            const m = JSON.parse(fs.readFileSync(path.join(h2.tmp, "m.json"), "utf8"));
            assert.deepEqual(
                { ok: m.tables[0].ok, withinRto: m.tables[0].withinRto },
                { ok: false, withinRto: false },
                "the measurement records the miss",
            );
        });
    });

    it("throttling slows it down, it does not fail it", async () => {
        history(archive);
        let imports = 0;
        let puts = 0;
        imported.hooks.set("ImportTable", () =>
            imports++ === 0 ? Promise.reject(awsError("ThrottlingException")) : undefined,
        );
        imported.hooks.set("PutItem", () =>
            puts++ === 0 ? Promise.reject(awsError("ProvisionedThroughputExceededException")) : undefined,
        );
        const r = await run();
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stderr, /throttled on DynamoDB.ImportTable/);
        assert.match(r.stderr, /throttled on DynamoDB.PutItem/);
        assert.equal(h.sentOps("ImportTable").length, 2);
        assert.deepEqual(imported.items(TARGET), EXPECTED);
    });

    it("a crash mid-way, then the same command again: adopts its import and applies only the exports not yet applied", async () => {
        history(archive);
        // The second incremental export's first write fails (the laptop lid closes).
        let failed = false;
        imported.hooks.set("PutItem", (i) => {
            if (failed || (i.Item as Item).amount?.N !== "12") return undefined;
            failed = true;
            return Promise.reject(awsError("NetworkingError", "socket hang up"));
        });
        const crashed = await run();
        assert.equal(crashed.code, 1, crashed.stdout + crashed.stderr);
        assert.equal(h.sentOps("ImportTable").length, 1);
        const putsBefore = h.sentOps("PutItem").length;

        const again = await run("--json");
        assert.equal(again.code, 0, again.stdout + again.stderr);
        assert.equal(h.sentOps("ImportTable").length, 1, "the import is adopted, not started again");
        assert.ok(h.sentOps("DescribeImport").length > 0);
        assert.deepEqual(imported.items(TARGET), EXPECTED);
        assert.deepEqual(
            again.json().incremental,
            { put: 2, deleted: 1, already: 0, overwrote: 0, exports: 2 },
            "the first incremental export is not applied again; the interrupted one is, whole",
        );
        assert.equal(h.sentOps("PutItem").length - putsBefore, 2);
        assert.deepEqual(fs.readdirSync(h.stateDir), [], "the journal is removed once the restore completed");
    });

    // DynamoDB API Reference, ImportTable, ClientToken: identical calls within 8 hours "have the same
    // effect as one single call". A re-run whose first ImportTable reply was lost asks again and adopts.
    it("a re-run after ImportTable's reply was lost adopts the import the first run started (same ClientToken), and finishes", async () => {
        history(archive);
        imported.lostReplies.add("ImportTable");
        const crashed = await run();
        assert.equal(crashed.code, 1, crashed.stdout + crashed.stderr);
        assert.ok(tables.tables.has(TARGET), "DynamoDB created the table although the reply never arrived");

        const again = await run();
        assert.equal(again.code, 0, again.stdout + again.stderr);
        const tokens = h.sentOps("ImportTable").map((i) => i.ClientToken);
        assert.equal(tokens.length, 2);
        assert.equal(tokens[0], tokens[1], "the re-run asks with the first run's token");
        assert.equal(imported.imports.size, 1, "one import, adopted");
        assert.deepEqual(imported.items(TARGET), EXPECTED);
    });

    it("a re-run whose target exists but is not its import (past the 8 hours, or another table) still refuses", async () => {
        history(archive);
        imported.lostReplies.add("ImportTable");
        assert.equal((await run()).code, 1);
        await h.clock.sleep(9 * HOUR);
        const again = await run();
        assert.equal(again.code, 2, again.stdout + again.stderr);
        assert.match(again.stderr, /target table prod-env-receipts-from-export-20261122t040000z already exists/);
        assert.equal(imported.imports.size, 1);
    });

    it("re-applying an export is recognised (conditional puts of inserted items); a divergent item keeps the export's image and is reported", async () => {
        history(archive);
        assert.equal((await run()).code, 0);
        const { applyLine } = await import("../../dr/commands/restoreFromExport");
        const second = await run("--target", "second");
        assert.equal(second.code, 0);
        const d = item("u2", "r4", 40);
        const ctx = h.context("restore-from-export");
        const clients = ctx.clients();
        assert.equal(
            await applyLine(ctx, clients, "second", "hashedSub", { Keys: keys(d), NewImage: d }, "NEW_AND_OLD_IMAGES"),
            "already",
        );
        const other = item("u2", "r4", 41);
        assert.equal(
            await applyLine(
                ctx,
                clients,
                "second",
                "hashedSub",
                { Keys: keys(d), NewImage: other },
                "NEW_AND_OLD_IMAGES",
            ),
            "overwrote",
        );
        assert.ok(imported.items("second").includes("u2/r4=41"));
        assert.equal(
            await applyLine(ctx, clients, "second", "hashedSub", { Keys: keys(d) }, "NEW_AND_OLD_IMAGES"),
            "deleted",
        );
        assert.equal(
            await applyLine(ctx, clients, "second", "hashedSub", { Keys: keys(d) }, "NEW_AND_OLD_IMAGES"),
            "deleted",
            "a delete applied twice is a delete",
        );
        // NEW_IMAGE view: no OldImage to tell an insert from an update: an unconditional put.
        assert.equal(
            await applyLine(ctx, clients, "second", "hashedSub", { Keys: keys(d), NewImage: d }, "NEW_IMAGE"),
            "put",
        );
        const last = h.sentOps("PutItem").at(-1);
        assert.equal(last?.ConditionExpression, undefined);
        await assert.rejects(
            applyLine(ctx, clients, "second", "hashedSub", { NewImage: d }, "NEW_IMAGE"),
            /an incremental export line without Keys: \{"NewImage":\{"hashedSub":\{"S":"u2"\}/,
        );
    });

    it("refuses a manifest of another table (a rebuilt account's exports share the prefix) before importing anything", async () => {
        // The newest full export under the receipts prefix was written by another account's table.
        archive.full("arn:aws:dynamodb:eu-west-2:999999999999:table/prod-env-receipts", FULL_AT, [item("x", "y", 1)]);
        const r = await run();
        assert.equal(r.code, 1);
        assert.match(
            r.stderr,
            /exports arn:aws:dynamodb:eu-west-2:999999999999:table\/prod-env-receipts, not arn:aws:dynamodb:eu-west-2:111111111111:table\/prod-env-receipts/,
        );
        assert.match(r.stderr, /--source-account-id/);
        assert.equal(h.sentOps("ImportTable").length, 0);
        // With the account that wrote it named, the same export is accepted.
        const ok = await run("--source-account-id", "999999999999", "--full-only");
        assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    });

    it("a gap in the incremental exports stops it, naming the missing window and the --to that still works", async () => {
        archive.full(SOURCE_ARN, FULL_AT, [item("u1", "r1", 10)]);
        archive.incremental(SOURCE_ARN, FULL_AT + HOUR, FULL_AT + 2 * HOUR, []);
        const r = await run();
        assert.equal(r.code, 1);
        assert.match(r.stderr, /gap from 2026-11-22T01:00:00.000Z to 2026-11-22T02:00:00.000Z/);
        assert.match(r.stderr, /--to 2026-11-22T01:00:00.000Z/);
        assert.equal(h.sentOps("ImportTable").length, 0);
    });

    it("no full export before --to, an export without a summary, and an existing target are refused before any import", async () => {
        archive.full(SOURCE_ARN, FULL_AT, [item("u1", "r1", 10)]);
        const early = await run("--to", "2026-11-21T00:00:00Z");
        assert.equal(early.code, 2);
        assert.match(early.stderr, /no full export of prod-env-receipts at or before 2026-11-21T00:00:00.000Z/);

        tables.add(TARGET);
        const exists = await run("--full-only");
        assert.equal(exists.code, 2);
        assert.match(exists.stderr, /already exists; ImportTable creates a new table/);

        for (const k of [...archive.objects.keys()]) if (k.endsWith("manifest-summary.json")) archive.objects.delete(k);
        const incomplete = await run("--target", "other");
        assert.equal(incomplete.code, 1);
        assert.match(incomplete.stderr, /holds no manifest-summary.json/);
        assert.equal(h.sentOps("ImportTable").length, 0);
    });

    it("--dry-run reads the exports and writes nothing: no restore, no import, no item, no journal", async () => {
        history(archive);
        const r = await run("--dry-run", "--json");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(h.mutatingSent(), []);
        assert.ok(!fs.existsSync(h.stateDir) || fs.readdirSync(h.stateDir).length === 0);
        const planned = (r.json().calls as { operation: string; skipped: boolean }[]).filter((c) => c.skipped);
        assert.deepEqual([...new Set(planned.map((c) => c.operation))].sort(), [
            "DeleteItem",
            "ImportTable",
            "PutItem",
            "UpdateContinuousBackups",
            "UpdateTable",
            "UpdateTimeToLive",
        ]);
        assert.equal(tables.tables.size, 0);
    });

    it("--dry-run over Glacier exports shows the RestoreObject calls and stops there (the manifests are unreadable before)", async () => {
        history(archive, "GLACIER");
        const r = await run("--dry-run");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(h.mutatingSent(), []);
        assert.match(r.stdout, /would change something/);
        assert.match(r.stdout, /S3.RestoreObject/);
        assert.match(r.stdout, /objects of the exports are in Glacier/);
        assert.match(r.stdout, /find exports {2}0s {2}12 archived objects to restore first/);
    });

    it("checks its input offline (exit 2 naming the flag, no AWS call), with a JSON error document under --json", async () => {
        for (const [flags, pattern] of [
            [["--to", "2026-02-30T02:00:00Z"], /--to '2026-02-30T02:00:00Z' is not a date and time that exists/],
            [["--retrieval-tier", "Fast"], /--retrieval-tier/],
            [["--source", "tape"], /--source/],
            [["--partition-key", "hashedSub"], /<attribute>:<S\|N\|B>/],
            [["--restore-days", "0"], /--restore-days|whole number/],
            [["--target", "x"], /DynamoDB table name/],
        ] as [string[], RegExp][]) {
            const r = await run(...flags);
            assert.equal(r.code, 2, flags.join(" "));
            assert.match(r.stdout + r.stderr, pattern);
        }
        const json = await run("--to", "2026-02-30T02:00:00Z", "--json");
        assert.equal(json.json().exitCode, 2);
        assert.deepEqual(h.sent(), []);
    });

    it("a live table gives the schema (keys, GSIs) and the settings (TTL, tags, protection) the new table gets", async () => {
        archive.full(SOURCE_ARN, FULL_AT, [item("u1", "r1", 10)]);
        liveReceiptsTable(tables, {
            AttributeDefinitions: [
                { AttributeName: "hashedSub", AttributeType: "S" },
                { AttributeName: "receiptId", AttributeType: "S" },
                { AttributeName: "issuedBy", AttributeType: "S" },
            ],
            GlobalSecondaryIndexes: [
                {
                    IndexName: "issuedBy-index",
                    KeySchema: [{ AttributeName: "issuedBy", KeyType: "HASH" }],
                    Projection: { ProjectionType: "ALL" },
                    IndexStatus: "ACTIVE",
                },
            ],
        });
        const r = await h.run(["restore-from-export", TABLE, "--to", TO, "--stack", "prod", "--full-only"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const imp = h.sentOps("ImportTable")[0] as {
            TableCreationParameters: { GlobalSecondaryIndexes: unknown[]; AttributeDefinitions: unknown[] };
        };
        assert.deepEqual(imp.TableCreationParameters.GlobalSecondaryIndexes, [
            {
                IndexName: "issuedBy-index",
                KeySchema: [{ AttributeName: "issuedBy", KeyType: "HASH" }],
                Projection: { ProjectionType: "ALL" },
            },
        ]);
        assert.equal(imp.TableCreationParameters.AttributeDefinitions.length, 3);
        const t = tables.tables.get(TARGET);
        assert.deepEqual(
            { ttl: t?.ttl, tags: t?.tags, protection: t?.deletionProtection },
            { ttl: "expiresAt", tags: [{ Key: "app", Value: "vat" }], protection: true },
        );
    });

    it("writes the measured step times for the posture report (--measurement), with the path it took", async () => {
        history(archive);
        const file = path.join(h.tmp, "measured.json");
        const r = await run("--measurement", file, "--json");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const m = JSON.parse(fs.readFileSync(file, "utf8"));
        assert.equal(m.format, "vat-backup-drill/v1");
        assert.equal(m.stack, "prod");
        assert.equal(m.measured, true);
        assert.equal(m.startedAt, new Date(NOW).toISOString());
        assert.equal(m.endedAt, new Date(h.clock.now()).toISOString());
        assert.equal(m.tables.length, 1);
        assert.equal(m.tables[0].path, "archive-import");
        assert.equal(m.tables[0].table, TABLE);
        assert.equal(m.tables[0].criticality, "critical");
        assert.equal(m.tables[0].rtoHours, 4);
        assert.equal(m.tables[0].ok, true);
        assert.equal(m.tables[0].withinRto, true);
        assert.equal(m.tables[0].elapsedMs, h.clock.now() - NOW);
        assert.ok(m.tables[0].elapsedMs > 0);
        assert.ok(m.tables[0].timingsMs["import full export"] > 0);
        const steps = r.json().steps as { step: string; durationMs: number }[];
        const total: Record<string, number> = {};
        for (const st of steps) total[st.step] = (total[st.step] ?? 0) + st.durationMs;
        assert.deepEqual(m.tables[0].timingsMs, total, "each step's time, a repeated step's added up");
    });

    it("a failed import is reported with its failure code and started again on the re-run", async () => {
        history(archive);
        imported.failNextImport = true;
        const failed = await run("--full-only");
        assert.equal(failed.code, 1);
        assert.match(
            failed.stderr,
            /import into prod-env-receipts-from-export-20261122t040000z ended FAILED \(0 items\): ItemValidationError Some of the items failed validation checks/,
        );
        assert.match(
            failed.stderr,
            /next: Read the import's CloudWatch log \(DescribeImport arn:aws:dynamodb:eu-west-2:111111111111:table\/prod-env-receipts-from-export-20261122t040000z\/import\/1\)/,
        );
        assert.ok(!tables.tables.has(TARGET), "a failed import leaves no table");
        assert.equal(fs.readdirSync(h.stateDir).length, 1, "a failed run keeps its journal for the re-run");
        const again = await run("--full-only");
        assert.equal(again.code, 0, again.stdout + again.stderr);
        assert.equal(h.sentOps("ImportTable").length, 2, "a FAILED import is started again");
        const [first, second] = h.sentOps("ImportTable").map((i) => i.ClientToken);
        assert.notEqual(first, second, "with a new ClientToken: the old one would answer with the failed import");
        assert.match(
            again.stderr,
            /import into prod-env-receipts-from-export-20261122t040000z: COMPLETED \(3 items\) \(done\)/,
        );
        assert.deepEqual(fs.readdirSync(h.stateDir), [], "done: the journal is removed");
    });
});

describe("dr restore-from-export: schema, Glacier tiers and warnings", () => {
    let h: DrHarness;
    let tables: TablesStandIn;
    let archive: ExportsStandIn;
    let imported: ImportedTables;
    const run = (...extra: string[]) => h.run(restoreArgs(...extra));
    type Import = {
        TableCreationParameters: {
            KeySchema: unknown[];
            AttributeDefinitions: unknown[];
            GlobalSecondaryIndexes?: unknown[];
        };
    };
    type Check = { name: string; status: string; detail: string };

    beforeEach(() => ({ h, tables, archive, imported } = archiveEstate()));
    afterEach(() => h.restore());

    it('a <table> too long to name its default copy is refused before any AWS call, naming --target (DynamoDB "Supported data types and naming rules": table names are 3-255 characters of a-z A-Z 0-9 _ - .)', async () => {
        // 227 characters: a valid table name, but `-from-export-20261122t040000z` (29) makes 256.
        const long = `prod-env-${"r".repeat(218)}`;
        const r = await h.run(["restore-from-export", long, "--to", TO, "--stack", "prod"]);
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(
            r.stderr,
            new RegExp(
                `<table> '${long}' is too long to name its restored copy '${long}-from-export-20261122t040000z' \\(at most 255 characters\\)`,
            ),
        );
        assert.match(r.stderr, /next: Pass a shorter --target/);
        assert.deepEqual(h.sent(), []);
        // One character less, the default name is 255 characters: a valid name, so the restore goes on (to the exports).
        const fits = await h.run(["restore-from-export", long.slice(0, -1), "--to", TO, "--stack", "prod"]);
        assert.equal(fits.code, 2);
        assert.match(fits.stderr, /no full export of prod-env-r+ at or before/);
        // And with --target, the long table's exports are looked for under its own name.
        const named = await h.run(["restore-from-export", long, "--to", TO, "--stack", "prod", "--target", "short"]);
        assert.equal(named.code, 2);
        assert.match(named.stderr, new RegExp(`no full export of ${long} at or before`));
    });

    for (const [type, value] of [
        ["N", { N: "7" }],
        ["B", { B: "AAE=" }],
    ] as const) {
        it(`after account loss the key schema is the config's (monitoring.restoreValidation.tables) with each key's type read from an exported item (${type}), and GSIs it cannot recreate are a warning`, async () => {
            h.projectWithConfig("prod", {
                "vat-backup:monitoring": {
                    restoreValidation: {
                        tables: {
                            receipts: {
                                partitionKey: "hashedSub",
                                sortKey: "receiptId",
                                ttlAttribute: "expiresAt",
                                globalSecondaryIndexes: ["issuedBy-index", "byAmount"],
                            },
                        },
                    },
                },
            });
            // DynamoDB JSON as the export writes it: a binary value is base64 text.
            const row = { hashedSub: { S: "u1" }, receiptId: value, amount: { N: "10" } } as unknown as Item;
            archive.full(SOURCE_ARN, FULL_AT, [row]);
            const r = await run("--json");
            assert.equal(r.code, 0, r.stdout + r.stderr);
            const [imp] = h.sentOps("ImportTable") as Import[];
            assert.deepEqual(imp.TableCreationParameters.KeySchema, [
                { AttributeName: "hashedSub", KeyType: "HASH" },
                { AttributeName: "receiptId", KeyType: "RANGE" },
            ]);
            assert.deepEqual(imp.TableCreationParameters.AttributeDefinitions, [
                { AttributeName: "hashedSub", AttributeType: "S" },
                { AttributeName: "receiptId", AttributeType: type },
            ]);
            assert.equal(
                imp.TableCreationParameters.GlobalSecondaryIndexes,
                undefined,
                "no GSI without its key schema",
            );
            const doc = r.json();
            const gsi = (doc.checks as Check[]).find((c) => c.name === `gsi:${TARGET}`);
            assert.deepEqual(gsi, {
                name: `gsi:${TARGET}`,
                status: "warn",
                detail: "issuedBy-index, byAmount not recreated (their key schema is not in the exports): redeploy the application stack that defines them",
            });
            assert.equal(doc.summary.warn, 1);
            assert.equal(tables.tables.get(TARGET)?.ttl, "expiresAt", "the config's TTL attribute");
        });
    }

    it("a full export with no item gives no key type to read: the keys default to strings", async () => {
        archive.full(SOURCE_ARN, FULL_AT, []);
        const r = await run("--full-only");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const [imp] = h.sentOps("ImportTable") as Import[];
        assert.deepEqual(imp.TableCreationParameters.AttributeDefinitions, [
            { AttributeName: "hashedSub", AttributeType: "S" },
            { AttributeName: "receiptId", AttributeType: "S" },
        ]);
        assert.doesNotMatch(r.stdout, /gsi:/, "the default config names no GSI: no warning");
    });

    it("a table neither live nor in the config needs --partition-key (exit 2 naming it, no import); with the flags its schema is theirs", async () => {
        const bundles = "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-bundles";
        imported = new ImportedTables(h, tables, archive, ["bundleId", "version"]);
        archive.full(bundles, FULL_AT, [{ bundleId: { S: "b1" }, version: { N: "1" } }]);
        const cmd = ["restore-from-export", "prod-env-bundles", "--to", TO, "--stack", "prod", "--full-only"];
        const none = await h.run(cmd);
        assert.equal(none.code, 2, none.stdout + none.stderr);
        assert.match(
            none.stderr,
            /no key schema for prod-env-bundles: the table is gone and the stack's monitoring.restoreValidation.tables does not describe it/,
        );
        assert.match(none.stderr, /--partition-key <attr>:<S\|N\|B> \(and --sort-key\)/);
        assert.equal(h.sentOps("ImportTable").length, 0);

        const hashOnly = await h.run([...cmd, "--partition-key", "bundleId:S", "--target", "bundles-a"]);
        assert.equal(hashOnly.code, 0, hashOnly.stdout + hashOnly.stderr);
        const both = await h.run([
            ...cmd,
            "--partition-key",
            "bundleId:S",
            "--sort-key",
            "version:N",
            "--target",
            "bundles-b",
        ]);
        assert.equal(both.code, 0, both.stdout + both.stderr);
        const [a, b] = h.sentOps("ImportTable") as Import[];
        assert.deepEqual(a.TableCreationParameters.KeySchema, [{ AttributeName: "bundleId", KeyType: "HASH" }]);
        assert.deepEqual(a.TableCreationParameters.AttributeDefinitions, [
            { AttributeName: "bundleId", AttributeType: "S" },
        ]);
        assert.deepEqual(b.TableCreationParameters.KeySchema, [
            { AttributeName: "bundleId", KeyType: "HASH" },
            { AttributeName: "version", KeyType: "RANGE" },
        ]);
        assert.deepEqual(b.TableCreationParameters.AttributeDefinitions, [
            { AttributeName: "bundleId", AttributeType: "S" },
            { AttributeName: "version", AttributeType: "N" },
        ]);
        assert.equal(h.sentOps("UpdateTimeToLive").length, 0, "no config, no TTL attribute to set");
    });

    it('Expedited without capacity (503 GlacierExpeditedRetrievalNotAvailable, S3 API Reference RestoreObject "Special errors") falls back to Standard, object by object', async () => {
        history(archive, "GLACIER");
        archive.expeditedAvailable = false;
        // S3 "Archive retrieval options": Standard typically finishes within 3-5 hours.
        archive.restoreMs.Standard = 3 * HOUR;
        const r = await run("--json", "--poll-seconds", "600");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const byKey = new Map<string, string[]>();
        for (const x of h.sentOps("RestoreObject") as {
            Key: string;
            RestoreRequest: { GlacierJobParameters: { Tier: string } };
        }[])
            byKey.set(x.Key, [...(byKey.get(x.Key) ?? []), x.RestoreRequest.GlacierJobParameters.Tier]);
        // Four exports of three objects each (data, manifest-files, manifest-summary); the empty `_started` marker is never read.
        assert.equal(byKey.size, 12);
        assert.ok([...byKey.keys()].every((k) => !k.endsWith("/_started")));
        for (const [key, tiers] of byKey) assert.deepEqual(tiers, ["Expedited", "Standard"], key);
        assert.deepEqual(imported.items(TARGET), EXPECTED);
        assert.ok(h.clock.now() - NOW >= 3 * HOUR, "it waited for the Standard restores");
    });

    it("--retrieval-tier and --restore-days are what RestoreObject asks for; Deep Archive turns only Expedited into Standard", async () => {
        const tiersOf = (doc: { calls: { operation: string; input: Record<string, unknown> }[] }) =>
            doc.calls
                .filter((c) => c.operation === "RestoreObject")
                .map((c) => c.input.RestoreRequest as { Days: number; GlacierJobParameters: { Tier: string } })
                .map((x) => `${x.GlacierJobParameters.Tier}/${x.Days}`);
        archive.full(SOURCE_ARN, FULL_AT, [item("u1", "r1", 10)], "DEEP_ARCHIVE");
        const bulk = await run("--full-only", "--dry-run", "--json", "--retrieval-tier", "Bulk", "--restore-days", "7");
        assert.equal(bulk.code, 0, bulk.stdout + bulk.stderr);
        const bulkTiers = tiersOf(bulk.json());
        assert.ok(bulkTiers.length >= 3);
        assert.ok(
            bulkTiers.every((t) => t === "Bulk/7"),
            bulkTiers.join(" "),
        );

        await inOwnHarness(async (h2) => {
            oneItemArchive(h2, "GLACIER");
            const std = await h2.run(restoreArgs("--full-only", "--dry-run", "--json", "--retrieval-tier", "Standard"));
            assert.equal(std.code, 0, std.stdout + std.stderr);
            const stdTiers = tiersOf(std.json());
            assert.ok(stdTiers.length >= 3);
            assert.ok(
                stdTiers.every((t) => t === "Standard/3"),
                stdTiers.join(" "),
            );
        });
    });

    it("a restore another operator started between our HEAD and our RestoreObject (409 RestoreAlreadyInProgress) is waited for, not retried or fatal", async () => {
        history(archive, "GLACIER");
        const raced = new Set<string>();
        archive.hooks.set("RestoreObject", (i) => {
            const key = String(i.Key);
            if (!raced.has(key)) {
                raced.add(key);
                archive.requestRestore(key, "Expedited");
            }
            return undefined;
        });
        const r = await run();
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const keys = h.sentOps("RestoreObject").map((x) => String(x.Key));
        assert.equal(new Set(keys).size, keys.length, "one RestoreObject per object");
        assert.equal(keys.length, raced.size);
        assert.deepEqual(imported.items(TARGET), EXPECTED);
    });

    it("any other RestoreObject refusal (AccessDenied) stops the restore before the import, naming it", async () => {
        history(archive, "GLACIER");
        archive.hooks.set("RestoreObject", () => Promise.reject(awsError("AccessDenied", "Access Denied")));
        const r = await run();
        assert.notEqual(r.code, 0);
        assert.match(r.stderr + r.stdout, /Access ?Denied/);
        assert.equal(h.sentOps("RestoreObject").length, 1, "no fallback to another tier");
        assert.equal(h.sentOps("ImportTable").length, 0);
    });

    it("the JSON document names the table, the target, the time, the source and each export; its checks say what was restored and within which RTO", async () => {
        history(archive);
        const r = await run("--json");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const doc = r.json();
        assert.equal(doc.table, TABLE);
        assert.equal(doc.target, TARGET);
        assert.equal(doc.to, "2026-11-22T04:00:00.000Z");
        assert.equal(doc.source, `s3://${ARCHIVE} (account 333333333333)`);
        assert.equal(doc.exports.length, 4);
        assert.match(
            doc.exports[0],
            /^dynamodb-exports\/prod-env-receipts\/full\/20261122T010000Z\/AWSDynamoDB\/[^/]+$/,
        );
        assert.match(
            doc.exports[3],
            /^dynamodb-exports\/prod-env-receipts\/incremental\/20261122T030000Z-20261122T040000Z\/AWSDynamoDB\/[^/]+$/,
        );
        const checks = doc.checks as Check[];
        assert.deepEqual(
            checks.find((c) => c.name === `restore-from-export:${TARGET}`),
            {
                name: `restore-from-export:${TARGET}`,
                status: "pass",
                detail: `${TABLE} as of 2026-11-22T04:00:00.000Z (full export of 2026-11-22T01:00:00.000Z, 3 incremental exports) into ${TARGET}`,
            },
        );
        const rto = checks.find((c) => c.name === `rto:${TABLE}`);
        assert.equal(rto?.status, "pass");
        assert.match(rto?.detail ?? "", /^restored from exports in \d+ min \(target 4 h\)$/);
        const find = (doc.steps as { step: string; detail?: string }[]).find((st) => st.step === "find exports");
        assert.match(
            find?.detail ?? "",
            /^dynamodb-exports\/prod-env-receipts\/full\/20261122T010000Z\/AWSDynamoDB\/[^ ]+ and 3 incremental exports up to 2026-11-22T04:00:00.000Z$/,
        );
        assert.deepEqual(
            (doc.steps as { step: string }[]).map((st) => st.step),
            [
                "find exports",
                "restore archived objects",
                "import full export",
                "apply incremental export",
                "apply incremental export",
                "apply incremental export",
                "enable PITR",
                "enable TTL",
                "deletion protection",
            ],
        );
        assert.equal(doc.summary.warn, 0, "nothing diverged, no GSI missing");
    });

    it("--bucket and --prefix read the exports from elsewhere; the owner stays the --source's account", async () => {
        const copy = new ExportsStandIn(h, "dr-copy-of-exports", "target");
        imported = new ImportedTables(h, tables, copy, ["hashedSub", "receiptId"]);
        copy.full(SOURCE_ARN, FULL_AT, [item("u1", "r1", 10)], "STANDARD", "old/exports");
        const r = await run("--bucket", "dr-copy-of-exports", "--prefix", "old/exports/", "--full-only", "--json");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(r.json().source, "s3://dr-copy-of-exports (account 333333333333)");
        const [imp] = h.sentOps("ImportTable") as { S3BucketSource: Record<string, string> }[];
        assert.equal(imp.S3BucketSource.S3Bucket, "dr-copy-of-exports");
        assert.equal(imp.S3BucketSource.S3BucketOwner, "333333333333");
        assert.match(imp.S3BucketSource.S3KeyPrefix, /^old\/exports\/prod-env-receipts\/full\/20261122T010000Z\//);
        assert.deepEqual(imported.items(TARGET), ["u1/r1=10"]);

        const mine = await run(
            "--source",
            "exports",
            "--bucket",
            "dr-copy-of-exports",
            "--prefix",
            "old/exports",
            "--full-only",
            "--target",
            "mine",
            "--json",
        );
        assert.equal(mine.code, 0, mine.stdout + mine.stderr);
        assert.equal(mine.json().source, "s3://dr-copy-of-exports (account 111111111111)");
        assert.equal(
            (h.sentOps("ImportTable")[1].S3BucketSource as Record<string, string>).S3BucketOwner,
            "111111111111",
        );
    });

    it("the archive is read in the backup region (--backup-region), this account's exports in --region", async () => {
        const west = new ExportsStandIn(h, "vat-backup-archive-333333333333-eu-west-1", "target", "eu-west-1");
        imported = new ImportedTables(h, tables, west, ["hashedSub", "receiptId"]);
        west.full(SOURCE_ARN, FULL_AT, [item("u1", "r1", 10)]);
        const r = await run("--backup-region", "eu-west-1", "--full-only");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const s3 = h.sent().filter((c) => c.where.endsWith("eu-west-1"));
        assert.ok(s3.length > 0 && s3.every((c) => c.where === "target/eu-west-1"));
        assert.deepEqual([...new Set(s3.map((c) => c.operation))].sort(), ["GetObject", "HeadObject", "ListObjectsV2"]);
        assert.deepEqual(imported.items(TARGET), ["u1/r1=10"]);
    });

    it("--source-region names the region the table was exported from (a lost region's exports)", async () => {
        archive.full("arn:aws:dynamodb:eu-west-1:111111111111:table/prod-env-receipts", FULL_AT, [
            item("u1", "r1", 10),
        ]);
        const refused = await run("--full-only");
        assert.equal(refused.code, 1);
        assert.match(
            refused.stderr,
            /exports arn:aws:dynamodb:eu-west-1:111111111111:table\/prod-env-receipts, not arn:aws:dynamodb:eu-west-2:/,
        );
        const ok = await run("--full-only", "--source-region", "eu-west-1");
        assert.equal(ok.code, 0, ok.stdout + ok.stderr);
        assert.deepEqual(imported.items(TARGET), ["u1/r1=10"]);
    });

    it("--help describes the argument and every option, with its choices", async () => {
        const r = await h.run(["restore-from-export", "--help"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const help = r.stdout + r.stderr;
        for (const text of [
            "the table whose exports to restore (its name in the exports)",
            "archive: the backup account's Object Lock archive (after account loss); exports: this account's exports bucket",
            '(choices: "archive", "exports", default: "archive")',
            "S3 restore tier for archived (Glacier) exports",
            '(choices: "Expedited", "Standard", "Bulk", default: "Expedited")',
        ])
            assert.ok(help.replace(/\s+/g, " ").includes(text), text);
        for (const flags of [
            ["--source", "archive"],
            ["--retrieval-tier", "Expedited"],
        ]) {
            const ok = await run(...flags, "--dry-run");
            assert.match(ok.stderr, /no full export of/, `${flags.join(" ")} is a choice: ${ok.stderr}`);
        }
    });

    it("without --stack it says what the stack is needed for", async () => {
        const r = await h.run(["restore-from-export", TABLE, "--to", TO, "--region", "eu-west-2"]);
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stderr, /--stack is required to find the table's exports and the archive/);
    });

    it("each refusal says what to do next", async () => {
        const early = await run("--to", "2026-11-21T00:00:00Z");
        assert.match(
            early.stderr,
            /next: A full export is taken weekly; pass a later --to, the other --source, or --bucket\/--prefix where the exports are./,
        );
        archive.full(SOURCE_ARN, FULL_AT, [item("u1", "r1", 10)]);
        tables.add(TARGET);
        const exists = await run("--full-only");
        assert.match(
            exists.stderr,
            /next: Pass another --target, or delete the old table first if you are sure it is not needed./,
        );
        const dir = [...archive.objects.keys()].find((k) => k.endsWith("manifest-summary.json"));
        archive.objects.delete(String(dir));
        const incomplete = await run("--target", "other");
        assert.match(
            incomplete.stderr,
            /s3:\/\/vat-backup-archive-333333333333-eu-west-2\/dynamodb-exports\/prod-env-receipts\/full\/20261122T010000Z\/ holds no manifest-summary.json: the export did not complete/,
        );
        assert.match(
            incomplete.stderr,
            /next: Pick an earlier --to \(the export before it\), or check the table export function's alarms for that window./,
        );
    });

    it("a manifest of another table is named by its S3 address", async () => {
        const dir = archive.full("arn:aws:dynamodb:eu-west-2:999999999999:table/prod-env-receipts", FULL_AT, [
            item("x", "y", 1),
        ]);
        const r = await run();
        assert.equal(r.code, 1);
        assert.ok(
            r.stderr.includes(
                `error: s3://${ARCHIVE}/${dir}/manifest-summary.json is not an export this restore can use: it exports arn:aws:dynamodb:eu-west-2:999999999999:table/prod-env-receipts, not ${SOURCE_ARN}`,
            ),
            r.stderr,
        );
    });

    it("a live table with a number sort key and no GSI gives its own key types and no GSI, and no warning", async () => {
        archive.full(SOURCE_ARN, FULL_AT, [{ hashedSub: { S: "u1" }, receiptId: { N: "1" } }]);
        liveReceiptsTable(tables, {
            AttributeDefinitions: [
                { AttributeName: "receiptId", AttributeType: "N" },
                { AttributeName: "hashedSub", AttributeType: "S" },
            ],
        });
        const r = await run("--full-only", "--json");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const [imp] = h.sentOps("ImportTable") as Import[];
        assert.deepEqual(imp.TableCreationParameters.KeySchema, [
            { AttributeName: "hashedSub", KeyType: "HASH" },
            { AttributeName: "receiptId", KeyType: "RANGE" },
        ]);
        assert.deepEqual(imp.TableCreationParameters.AttributeDefinitions, [
            { AttributeName: "receiptId", AttributeType: "N" },
            { AttributeName: "hashedSub", AttributeType: "S" },
        ]);
        assert.equal(imp.TableCreationParameters.GlobalSecondaryIndexes, undefined);
        assert.equal(
            (h.sentOps("ImportTable")[0] as { TableCreationParameters: { BillingMode: string } })
                .TableCreationParameters.BillingMode,
            "PAY_PER_REQUEST",
        );
        assert.deepEqual(r.json().summary.warn, 0);
    });

    it("a different --to, --target or --bucket is another restore: it never adopts the journal of the one that crashed", async () => {
        history(archive);
        let fail = true;
        imported.hooks.set("PutItem", () =>
            fail ? Promise.reject(awsError("NetworkingError", "socket hang up")) : undefined,
        );
        assert.equal((await run()).code, 1);
        fail = false;
        const other = await run("--to", "2026-11-22T03:00:00Z", "--json");
        assert.equal(other.code, 0, other.stdout + other.stderr);
        assert.equal(other.json().target, "prod-env-receipts-from-export-20261122t030000z");
        assert.equal(other.json().restoredTo, "2026-11-22T03:00:00.000Z");
        const named = await run("--target", "named", "--json");
        assert.equal(named.code, 0, named.stdout + named.stderr);
        assert.equal(named.json().target, "named");
        const copy = new ExportsStandIn(h, "dr-copy", "target");
        imported = new ImportedTables(h, tables, copy, ["hashedSub", "receiptId"]);
        copy.full(SOURCE_ARN, FULL_AT, [item("u7", "r7", 70)]);
        const elsewhere = await run("--bucket", "dr-copy", "--full-only", "--json");
        assert.equal(elsewhere.code, 2, "the crashed restore's target exists, and this is not that restore");
        assert.match(elsewhere.stderr, /target table prod-env-receipts-from-export-20261122t040000z already exists/);
    });

    it("without --to, a re-run after a crash restores the state the first run chose, into the same table", async () => {
        history(archive);
        let fail = true;
        imported.hooks.set("PutItem", () =>
            fail ? Promise.reject(awsError("NetworkingError", "socket hang up")) : undefined,
        );
        const cmd = ["restore-from-export", TABLE, "--stack", "prod", "--json"];
        const crashed = await h.run(cmd);
        assert.equal(crashed.code, 1);
        const imports = () =>
            h.sentOps("ImportTable").map((i) => (i.TableCreationParameters as { TableName: string }).TableName);
        const firstTarget = "prod-env-receipts-from-export-20261126t030000z";
        assert.deepEqual(imports(), [firstTarget], "--to defaults to now");
        fail = false;
        await h.clock.sleep(2 * HOUR);
        const again = await h.run(cmd);
        assert.equal(again.code, 0, again.stdout + again.stderr);
        assert.equal(again.json().target, firstTarget);
        assert.equal(again.json().to, "2026-11-26T03:00:00.000Z");
        assert.equal(again.json().restoredTo, "2026-11-22T05:00:00.000Z", "the newest window then");
        assert.deepEqual(imports(), [firstTarget], "its import adopted");
        assert.deepEqual(imported.items(firstTarget), ["u1/r1=12", "u1/r2=21", "u2/r4=40"]);
    });

    it("archived objects already restored are read at once; restores under way are waited for, not asked again; the wait's deadline says what to do", async () => {
        history(archive, "GLACIER");
        for (const k of archive.objects.keys()) archive.requestRestore(k, "Expedited");
        await h.clock.sleep(10 * 60_000); // Expedited: typically 1-5 minutes (S3 "Archive retrieval options")
        const done = await run("--full-only");
        assert.equal(done.code, 0, done.stdout + done.stderr);
        assert.equal(h.sentOps("RestoreObject").length, 0);
        assert.doesNotMatch(done.stderr, /restore of/, "nothing to wait for");

        await inOwnHarness(async (h2) => {
            const t2 = new TablesStandIn(h2);
            const ongoing = oneItemArchive(h2, "GLACIER");
            const i2 = new ImportedTables(h2, t2, ongoing, ["hashedSub", "receiptId"]);
            for (const k of ongoing.objects.keys()) ongoing.requestRestore(k, "Expedited");
            const cmd = restoreArgs("--full-only");
            const waited = await h2.run(cmd);
            assert.equal(waited.code, 0, waited.stdout + waited.stderr);
            assert.equal(h2.sentOps("RestoreObject").length, 0, "a restore under way is not asked for again");
            assert.match(
                waited.stderr,
                /restore of 3 archived objects from s3:\/\/vat-backup-archive-333333333333-eu-west-2: 3 restoring/,
            );
            assert.deepEqual(i2.items(TARGET), ["u1/r1=10"]);
        });

        await inOwnHarness(async (h3) => {
            oneItemArchive(h3, "GLACIER");
            const r = await h3.run(restoreArgs("--retrieval-tier", "Standard", "--timeout-minutes", "60"));
            assert.notEqual(r.code, 0);
            assert.equal(r.code, 1);
            assert.match(
                r.stderr,
                /error: restore of 3 archived objects from s3:\/\/vat-backup-archive-333333333333-eu-west-2 still 3 restoring after 60 minutes/,
            );
            // Not the generic "the job may still finish": S3 restores never fail, they only take time.
            assert.match(r.stderr, /still in Glacier; run the same command again later/);
        });
    });

    it("--dry-run checks no RTO and writes no measurement", async () => {
        history(archive);
        const file = path.join(h.tmp, "m.json");
        const r = await run("--dry-run", "--json", "--measurement", file);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const names = (r.json().checks as Check[]).map((c) => c.name);
        assert.deepEqual(names, [`restore-from-export:${TARGET}`]);
        assert.ok(!fs.existsSync(file));
    });

    it("reads every page of a long listing (ListObjectsV2 returns at most MaxKeys a page, then NextContinuationToken)", async () => {
        history(archive);
        archive.pageSize = 1;
        const r = await run("--json");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(imported.items(TARGET), EXPECTED);
        assert.ok(h.sentOps("ListObjectsV2").some((i) => i.ContinuationToken !== undefined));
    });

    it("the chain: a full export exactly at --to is used; stray folders are ignored; an overlapping window adds nothing; a window past --to is left out", async () => {
        archive.full(SOURCE_ARN, FULL_AT, [item("u1", "r1", 10)]);
        const at = await run("--to", "2026-11-22T01:00:00Z", "--json");
        assert.equal(at.code, 0, at.stdout + at.stderr);
        assert.equal(at.json().restoredTo, "2026-11-22T01:00:00.000Z");

        const a = item("u1", "r1", 11);
        archive.incremental(SOURCE_ARN, FULL_AT, FULL_AT + HOUR, [
            { Keys: keys(a), OldImage: item("u1", "r1", 10), NewImage: a },
        ]);
        // A catch-up export of 01:00-03:00 next to the hourly ones: its changes are in them.
        archive.incremental(SOURCE_ARN, FULL_AT, FULL_AT + 2 * HOUR, [{ Keys: keys(a) }]);
        const b = item("u1", "r1", 12);
        archive.incremental(SOURCE_ARN, FULL_AT + HOUR, FULL_AT + 2 * HOUR, [
            { Keys: keys(b), OldImage: a, NewImage: b },
        ]);
        archive.incremental(SOURCE_ARN, FULL_AT + 2 * HOUR, FULL_AT + 4 * HOUR, [{ Keys: keys(b) }]);
        // Folders that are not an export's label: a hand copy, and one whose end is not a time.
        for (const stray of ["manual-copy", "20261122T010000Z-latest"])
            archive.objects.set(`dynamodb-exports/prod-env-receipts/incremental/${stray}/x.json`, {
                body: Buffer.from("{}"),
                storageClass: "STANDARD",
            });
        archive.objects.set("dynamodb-exports/prod-env-receipts/full/latest/x.json", {
            body: Buffer.from("{}"),
            storageClass: "STANDARD",
        });
        const r = await run("--to", "2026-11-22T03:30:00Z", "--target", "chain", "--json");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const doc = r.json();
        assert.equal(doc.restoredTo, "2026-11-22T03:00:00.000Z");
        assert.deepEqual(
            doc.exports.map((d: string) => d.split("/")[3]),
            ["20261122T010000Z", "20261122T010000Z-20261122T020000Z", "20261122T020000Z-20261122T030000Z"],
        );
        assert.deepEqual(imported.items("chain"), ["u1/r1=12"]);
        assert.deepEqual(
            (doc.steps as { step: string; resource: string }[])
                .filter((st) => st.step === "apply incremental export")
                .map((st) => st.resource),
            [
                "chain 2026-11-22T01:00:00.000Z..2026-11-22T02:00:00.000Z",
                "chain 2026-11-22T02:00:00.000Z..2026-11-22T03:00:00.000Z",
            ],
        );
    });

    it("applies an export of many lines in batches, every line once", async () => {
        archive.full(SOURCE_ARN, FULL_AT, []);
        const many = Array.from({ length: 40 }, (_, n) => item(`u${n}`, "r", n));
        archive.incremental(
            SOURCE_ARN,
            FULL_AT,
            FULL_AT + HOUR,
            many.map((i) => ({ Keys: keys(i), NewImage: i })),
        );
        const r = await run("--json");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(r.json().incremental, { put: 40, deleted: 0, already: 0, overwrote: 0, exports: 1 });
        assert.equal(h.sentOps("PutItem").length, 40);
        assert.equal(imported.items(TARGET).length, 40);
    });

    it("a conditional put refused for another reason than the condition is an error, not an item already there", async () => {
        archive.full(SOURCE_ARN, FULL_AT, []);
        const d = item("u2", "r4", 40);
        archive.incremental(SOURCE_ARN, FULL_AT, FULL_AT + HOUR, [{ Keys: keys(d), NewImage: d }]);
        imported.hooks.set("PutItem", (i) =>
            i.ConditionExpression
                ? Promise.reject(awsError("AccessDeniedException", "not authorized to perform: dynamodb:PutItem"))
                : undefined,
        );
        const r = await run();
        assert.equal(r.code, 1, r.stdout + r.stderr);
        assert.match(r.stderr, /error: AccessDeniedException: not authorized to perform: dynamodb:PutItem/);
        assert.equal(h.sentOps("GetItem").length, 0);
        assert.deepEqual(imported.items(TARGET), []);
    });

    it("an import cancelled (CancelImport) ends the run; the same command starts a new one", async () => {
        history(archive);
        imported.importPolls = 3;
        imported.hooks.set("DescribeImport", () => {
            imported.cancelLatestImport();
            imported.hooks.delete("DescribeImport");
            return undefined;
        });
        const cancelled = await run("--full-only");
        assert.equal(cancelled.code, 1);
        assert.match(cancelled.stderr, /ended CANCELLED/);
        const again = await run("--full-only");
        assert.equal(again.code, 0, again.stdout + again.stderr);
        assert.equal(h.sentOps("ImportTable").length, 2);
        assert.deepEqual(imported.items(TARGET), ["u1/r1=10", "u1/r2=20", "u2/r3=30"]);
    });

    it("an inserted item already in the table with other values (deleted and put again inside the window) takes the export's image, and the run warns", async () => {
        const a = item("u1", "r1", 10);
        archive.full(SOURCE_ARN, FULL_AT, [a]);
        const again = item("u1", "r1", 15);
        const fresh = item("u2", "r2", 20);
        archive.incremental(SOURCE_ARN, FULL_AT, FULL_AT + HOUR, [
            { Keys: keys(again), NewImage: again },
            { Keys: keys(fresh), NewImage: fresh },
        ]);
        const r = await run("--json");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const doc = r.json();
        assert.deepEqual(doc.incremental, { put: 1, deleted: 0, already: 0, overwrote: 1, exports: 1 });
        assert.deepEqual(
            (doc.checks as Check[]).find((c) => c.name === `incremental:${TARGET}`),
            {
                name: `incremental:${TARGET}`,
                status: "warn",
                detail: "1 inserted items were already in the table with other values: the export's image was kept",
            },
        );
        assert.deepEqual(imported.items(TARGET), ["u1/r1=15", "u2/r2=20"]);
    });
});

describe("restore-from-export's rules, one by one", () => {
    it("Glacier Flexible Retrieval and Deep Archive need RestoreObject; Glacier Instant Retrieval and the rest do not (S3, Archive retrieval options)", () => {
        assert.deepEqual(ARCHIVED_CLASSES, ["GLACIER", "DEEP_ARCHIVE"]);
        assert.deepEqual(
            ["GLACIER", "DEEP_ARCHIVE", "GLACIER_IR", "STANDARD", "STANDARD_IA", undefined].map(needsRestore),
            [true, true, false, false, false, false],
        );
    });

    it("reads the x-amz-restore header: no restore, under way, or done", () => {
        assert.equal(restoreState(undefined), "none");
        assert.equal(restoreState('ongoing-request="true"'), "ongoing");
        assert.equal(restoreState('ongoing-request="false", expiry-date="Fri, 04 Dec 2026 00:00:00 GMT"'), "done");
    });

    it("parses key attributes and export labels", () => {
        assert.deepEqual(keyAttribute("hashedSub:S"), { name: "hashedSub", type: "S" });
        assert.deepEqual(keyAttribute("n:N"), { name: "n", type: "N" });
        assert.throws(() => keyAttribute("hashedSub:X"), /<attribute>:<S\|N\|B>/);
        assert.throws(() => keyAttribute(":S"));
        assert.throws(() => keyAttribute("a:b:S"), /<attribute>:<S\|N\|B>/, "one colon");
        assert.throws(() => keyAttribute("hashedSub:SS"), /<attribute>:<S\|N\|B>/, "one type letter");
        assert.equal(fromCompact("20261122T010000Z")?.toISOString(), "2026-11-22T01:00:00.000Z");
        assert.equal(fromCompact("20261122T0100Z"), undefined);
        assert.equal(fromCompact("x20261122T010000Z"), undefined);
        assert.equal(fromCompact("20261122T010000Zx"), undefined);
        assert.equal(fromCompact("20261399T010000Z"), undefined);
    });

    it("canonical JSON ignores key order and keeps values apart", () => {
        assert.equal(canonical({ b: { N: "1" }, a: { S: "x" } }), canonical({ a: { S: "x" }, b: { N: "1" } }));
        assert.notEqual(canonical({ a: { N: "1" } }), canonical({ a: { N: "2" } }));
        assert.equal(canonical([1, { b: 2, a: 1 }]), '[1,{"a":1,"b":2}]');
        assert.equal(canonical(undefined), undefined);
    });

    it("a manifest is checked for table, kind, format and window", () => {
        const expected = {
            type: "INCREMENTAL_EXPORT" as const,
            tableArn: SOURCE_ARN,
            from: new Date(FULL_AT),
            to: new Date(FULL_AT + HOUR),
        };
        const good = {
            tableArn: SOURCE_ARN,
            exportType: "INCREMENTAL_EXPORT",
            outputFormat: "DYNAMODB_JSON",
            exportFromTime: new Date(FULL_AT).toISOString(),
            exportToTime: new Date(FULL_AT + HOUR).toISOString(),
        };
        assert.doesNotThrow(() => checkManifest(good, "m", expected));
        assert.doesNotThrow(
            () => checkManifest({ tableArn: SOURCE_ARN, exportType: "INCREMENTAL_EXPORT" }, "m", expected),
            "a manifest without times: the window its key names stands",
        );
        assert.throws(() => checkManifest({ ...good, outputFormat: "ION" }, "m", expected), /format is ION/);
        assert.throws(
            () => checkManifest({ ...good, exportType: "FULL_EXPORT" }, "m", expected),
            /is a FULL_EXPORT, not a INCREMENTAL_EXPORT/,
        );
        assert.throws(
            () => checkManifest({ ...good, exportToTime: new Date(FULL_AT + 2 * HOUR).toISOString() }, "m", expected),
            /window/,
        );
        assert.throws(
            () => checkManifest({ ...good, exportFromTime: new Date(FULL_AT - HOUR).toISOString() }, "m", expected),
            /window/,
        );
        const full = {
            type: "FULL_EXPORT" as const,
            tableArn: SOURCE_ARN,
            from: new Date(FULL_AT),
            to: new Date(FULL_AT),
        };
        assert.doesNotThrow(
            () => checkManifest({ tableArn: SOURCE_ARN, exportTime: new Date(FULL_AT).toISOString() }, "m", full),
            "exportType defaults to a full export",
        );
        assert.throws(
            () =>
                checkManifest({ tableArn: SOURCE_ARN, exportTime: new Date(FULL_AT + 1000).toISOString() }, "m", full),
            /is after/,
        );
    });
});
