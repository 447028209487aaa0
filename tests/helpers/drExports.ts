/**
 * The exports as S3 holds them, and DynamoDB's import of them, for restore-from-export:
 * - S3 ("Archive retrieval options"): an object in GLACIER or DEEP_ARCHIVE cannot be read (GetObject
 *   fails with InvalidObjectState) until RestoreObject has finished; Expedited is refused for Deep
 *   Archive; GLACIER_IR and STANDARD are read directly. ListObjectsV2 honours Prefix and Delimiter.
 * - DynamoDB ("Import from Amazon S3: how it works"): ImportTable creates a new table and fails when
 *   the name exists; it reads every object under the key prefix as GZIP DynamoDB JSON lines of
 *   `{"Item": ...}`, through the same S3 rules (an archived object fails the import).
 * - The layout is DynamoDB's ("Table export output format"): `<label>/AWSDynamoDB/<id>/` with
 *   manifest-summary.json, manifest-files.json and data/*.json.gz.
 */
import { AttributeValue } from "@aws-sdk/client-dynamodb";
import {
    DeleteItemCommand,
    DescribeImportCommand,
    GetItemCommand,
    ImportTableCommand,
    PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, RestoreObjectCommand } from "@aws-sdk/client-s3";
import * as zlib from "zlib";
import { AccountRole } from "../../dr/aws/clients";
import { DrHarness, awsError } from "./drHarness";
import { TablesStandIn } from "./drStandIn";

export type Item = Record<string, AttributeValue>;

export interface StoredObject {
    body: Buffer;
    storageClass: string;
    /** When a restore was asked for: readable `restoreMs` later. */
    restoreAskedAt?: number;
    /** S3's x-amz-replication-status: COMPLETED on a replicated source, REPLICA on the copy (drReplication.ts). */
    replicationStatus?: string;
}

/** `20261126T030000Z` */
export function compact(ms: number): string {
    return new Date(ms)
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d{3}/, "");
}

/** Writes exports as DynamoDB lays them out ("Table export output format"), into whatever `store` keeps. */
export class ExportWriter {
    private exportCount = 0;

    constructor(private readonly store: (key: string, body: Buffer, storageClass: string) => void) {}

    private put(key: string, body: string | Buffer, storageClass: string): void {
        this.store(key, Buffer.isBuffer(body) ? body : Buffer.from(body), storageClass);
    }

    /** Writes one export as DynamoDB lays it out; returns its directory. */
    private writeExport(
        labelPrefix: string,
        summary: Record<string, unknown>,
        lines: unknown[],
        storageClass: string,
    ): string {
        const id = `0176${String(++this.exportCount).padStart(10, "0")}-abcdef`;
        const dir = `${labelPrefix}AWSDynamoDB/${id}`;
        const dataKey = `${dir}/data/part-${this.exportCount}.json.gz`;
        this.put(dataKey, zlib.gzipSync(lines.map((l) => JSON.stringify(l)).join("\n") + "\n"), storageClass);
        this.put(
            `${dir}/manifest-files.json`,
            JSON.stringify({ itemCount: lines.length, dataFileS3Key: dataKey }) + "\n",
            storageClass,
        );
        this.put(
            `${dir}/manifest-summary.json`,
            JSON.stringify({
                version: "2020-06-30",
                outputFormat: "DYNAMODB_JSON",
                manifestFilesS3Key: `${dir}/manifest-files.json`,
                ...summary,
            }),
            storageClass,
        );
        this.put(`${dir}/_started`, "", storageClass);
        return dir;
    }

    /** A full export of `table` (ARN `tableArn`) at `at`, as the scheduled exports name it. */
    full(tableArn: string, at: number, items: Item[], storageClass = "STANDARD", prefix = "dynamodb-exports"): string {
        const table = tableArn.replace(/^.*table\//, "");
        return this.writeExport(
            `${prefix}/${table}/full/${compact(at)}/`,
            { tableArn, exportType: "FULL_EXPORT", exportTime: new Date(at).toISOString(), itemCount: items.length },
            items.map((Item) => ({ Item })),
            storageClass,
        );
    }

    /** An incremental export of the window [from, to): each line `{Keys, NewImage?, OldImage?}`. */
    incremental(
        tableArn: string,
        from: number,
        to: number,
        lines: { Keys: Item; NewImage?: Item; OldImage?: Item }[],
        storageClass = "STANDARD",
        view = "NEW_AND_OLD_IMAGES",
    ): string {
        const table = tableArn.replace(/^.*table\//, "");
        return this.writeExport(
            `dynamodb-exports/${table}/incremental/${compact(from)}-${compact(to)}/`,
            {
                tableArn,
                exportType: "INCREMENTAL_EXPORT",
                exportFromTime: new Date(from).toISOString(),
                exportToTime: new Date(to).toISOString(),
                outputView: view,
            },
            lines,
            storageClass,
        );
    }
}

/** An exports bucket or archive as the tool reads it; `objects` may be a bucket of drReplication.ts's ReplicatingBuckets. */
export class ExportsStandIn extends ExportWriter {
    readonly objects: Map<string, StoredObject>;
    /** How long a Glacier restore takes in the stand-in (Expedited: minutes; Standard: hours). */
    restoreMs = { Expedited: 5 * 60_000, Standard: 4 * 3_600_000, Bulk: 8 * 3_600_000 } as Record<string, number>;
    /**
     * Whether S3 has capacity for Expedited retrievals now: without it, RestoreObject with the
     * Expedited tier fails with 503 GlacierExpeditedRetrievalNotAvailable, which "applies only to
     * Expedited retrievals and not to S3 Standard or Bulk retrievals" (S3 API Reference, RestoreObject,
     * Special errors).
     */
    expeditedAvailable = true;
    /** Keys and common prefixes a ListObjectsV2 page holds (S3: MaxKeys, at most 1,000). */
    pageSize = 1000;
    /**
     * Faults a test injects before the stand-in answers, as in ImportedTables: per operation, a function
     * of the input that returns an answer (or a rejected promise), or undefined to let the stand-in answer.
     */
    readonly hooks = new Map<string, (input: Record<string, unknown>) => unknown>();
    private restoreTier = new Map<string, string>();

    constructor(
        private readonly h: DrHarness,
        readonly bucket: string,
        role: AccountRole = "backup",
        region = "eu-west-2",
        objects: Map<string, StoredObject> = new Map(),
    ) {
        super((key, body, storageClass) => objects.set(key, { body, storageClass }));
        this.objects = objects;
        const s3 = h.mocks(role, region).s3;
        s3.on(ListObjectsV2Command).callsFake(
            (i: {
                Bucket: string;
                Prefix?: string;
                Delimiter?: string;
                StartAfter?: string;
                ContinuationToken?: string;
            }) => {
                if (i.Bucket !== this.bucket) return Promise.reject(awsError("NoSuchBucket"));
                // S3 lists in UTF-8 binary order, after StartAfter when given.
                const keys = [...this.objects.keys()]
                    .filter((k) => k.startsWith(i.Prefix ?? "") && (i.StartAfter === undefined || k > i.StartAfter))
                    .sort();
                // With a delimiter, the keys sharing a prefix up to it roll up into one common prefix.
                const entries: { key?: string; prefix?: string }[] = [];
                for (const k of keys) {
                    const rest = k.slice((i.Prefix ?? "").length);
                    const at = i.Delimiter ? rest.indexOf(i.Delimiter) : -1;
                    if (at < 0) entries.push({ key: k });
                    else {
                        const prefix = (i.Prefix ?? "") + rest.slice(0, at + 1);
                        if (entries.at(-1)?.prefix !== prefix) entries.push({ prefix });
                    }
                }
                // At most MaxKeys (1,000) keys and common prefixes a page; the rest after NextContinuationToken.
                const start = i.ContinuationToken === undefined ? 0 : Number(i.ContinuationToken);
                const page = entries.slice(start, start + this.pageSize);
                const more = start + this.pageSize < entries.length;
                return {
                    Contents: page
                        .filter((e) => e.key !== undefined)
                        .map((e) => ({
                            Key: e.key,
                            StorageClass: i.Delimiter ? undefined : this.objects.get(e.key ?? "")?.storageClass,
                        })),
                    CommonPrefixes: i.Delimiter
                        ? page.filter((e) => e.prefix !== undefined).map((e) => ({ Prefix: e.prefix }))
                        : undefined,
                    IsTruncated: more,
                    NextContinuationToken: more ? String(start + this.pageSize) : undefined,
                };
            },
        );
        s3.on(HeadObjectCommand).callsFake((i: { Key: string }) => {
            const o = this.objects.get(i.Key);
            if (!o) return Promise.reject(awsError("NotFound"));
            const state = this.restoreStateOf(i.Key);
            return {
                StorageClass: o.storageClass,
                ReplicationStatus: o.replicationStatus,
                Restore:
                    state === "none"
                        ? undefined
                        : state === "ongoing"
                          ? 'ongoing-request="true"'
                          : 'ongoing-request="false", expiry-date="Fri, 04 Dec 2026 00:00:00 GMT"',
            };
        });
        s3.on(GetObjectCommand).callsFake((i: { Key: string }) => {
            const o = this.readable(i.Key);
            if (o instanceof Error) return Promise.reject(o);
            return { Body: { transformToByteArray: async () => new Uint8Array(o.body) } };
        });
        s3.on(RestoreObjectCommand).callsFake(
            (i: { Key: string; RestoreRequest: { GlacierJobParameters: { Tier: string } } }) => {
                const instead = this.hooks.get("RestoreObject")?.(i as unknown as Record<string, unknown>);
                if (instead !== undefined) return instead;
                const refused = this.requestRestore(i.Key, i.RestoreRequest.GlacierJobParameters.Tier);
                return refused ? Promise.reject(refused) : {};
            },
        );
    }

    /** A RestoreObject of `key` (by this tool or another operator): S3's refusal, or undefined once started. */
    requestRestore(key: string, tier: string): Error | undefined {
        const o = this.objects.get(key);
        if (!o) return awsError("NoSuchKey");
        if (!["GLACIER", "DEEP_ARCHIVE"].includes(o.storageClass))
            return awsError("InvalidObjectState", "not an archived object");
        if (o.storageClass === "DEEP_ARCHIVE" && tier === "Expedited")
            return awsError("InvalidObjectState", "Expedited is not offered for DEEP_ARCHIVE");
        if (o.restoreAskedAt !== undefined) return awsError("RestoreAlreadyInProgress");
        if (tier === "Expedited" && !this.expeditedAvailable)
            return awsError(
                "GlacierExpeditedRetrievalNotAvailable",
                "expedited retrievals are currently not available",
            );
        o.restoreAskedAt = this.h.clock.now();
        this.restoreTier.set(key, tier);
        return undefined;
    }

    private restoreStateOf(key: string): "none" | "ongoing" | "done" {
        const o = this.objects.get(key);
        if (o?.restoreAskedAt === undefined) return "none";
        const tier = this.restoreTier.get(key) ?? "Standard";
        // S3 "Archive retrieval options": Standard from Deep Archive typically within 12 hours.
        const needed = o.storageClass === "DEEP_ARCHIVE" ? 12 * 3_600_000 : this.restoreMs[tier];
        return this.h.clock.now() - o.restoreAskedAt >= needed ? "done" : "ongoing";
    }

    /** The object, or the error S3 gives for an archived one not (yet) restored. */
    readable(key: string): StoredObject | Error {
        const o = this.objects.get(key);
        if (!o) return awsError("NoSuchKey");
        if (["GLACIER", "DEEP_ARCHIVE"].includes(o.storageClass) && this.restoreStateOf(key) !== "done")
            return awsError("InvalidObjectState", "The operation is not valid for the object's storage class");
        return o;
    }
}

/** A table's items, by its key attributes. */
export class ImportedTables {
    readonly rows = new Map<string, Map<string, Item>>();
    readonly imports = new Map<string, { table: string; status: string; polls: number }>();
    /** The next import fails (its status FAILED, no table), as an import with unreadable data does. */
    failNextImport = false;
    /** Polls of DescribeImport before an import completes. */
    importPolls = 2;
    /**
     * Faults a test injects before the stand-in answers: per operation, a function of the input that
     * returns an answer (or a rejected promise) to use instead, or undefined to let the stand-in answer.
     */
    readonly hooks = new Map<string, (input: Record<string, unknown>) => unknown>();
    /** Operations whose next reply is lost after DynamoDB carried the request out (a dropped connection). */
    readonly lostReplies = new Set<string>();
    /** ImportTable's answers by ClientToken, with when they were given (idempotent for 8 hours). */
    private readonly byToken = new Map<string, { at: number; request: string; answer: unknown }>();

    constructor(
        h: DrHarness,
        private readonly tables: TablesStandIn,
        private readonly exports: ExportsStandIn,
        private readonly keyNames: string[],
        region = "eu-west-2",
    ) {
        const d = h.mocks("target", region).dynamodb;
        const keyOf = (item: Item) => JSON.stringify(this.keyNames.map((k) => item[k]));
        d.on(ImportTableCommand).callsFake(
            this.hooked(
                "ImportTable",
                (i: {
                    ClientToken?: string;
                    S3BucketSource: { S3Bucket: string; S3KeyPrefix: string };
                    TableCreationParameters: { TableName: string };
                }) => {
                    // DynamoDB API Reference, ImportTable, ClientToken: "idempotent, meaning that multiple
                    // identical calls have the same effect as one single call"; valid for 8 hours; the
                    // same token with other parameters is an IdempotentParameterMismatchException.
                    const { ClientToken: token, ...request } = i;
                    const earlier = token === undefined ? undefined : this.byToken.get(token);
                    if (earlier && h.clock.now() - earlier.at < 8 * 3_600_000) {
                        if (earlier.request !== JSON.stringify(request))
                            return Promise.reject(awsError("IdempotentParameterMismatchException"));
                        return earlier.answer;
                    }
                    const name = i.TableCreationParameters.TableName;
                    if (this.tables.tables.has(name)) return Promise.reject(awsError("ResourceInUseException"));
                    if (i.S3BucketSource.S3Bucket !== this.exports.bucket)
                        return Promise.reject(awsError("NoSuchBucket"));
                    const rows = new Map<string, Item>();
                    let status = this.failNextImport ? "FAILED" : "COMPLETED";
                    this.failNextImport = false;
                    for (const key of [...this.exports.objects.keys()].filter((k) =>
                        k.startsWith(i.S3BucketSource.S3KeyPrefix),
                    )) {
                        const o = this.exports.readable(key);
                        if (o instanceof Error) {
                            status = "FAILED";
                            break;
                        }
                        for (const line of zlib.gunzipSync(o.body).toString("utf8").split("\n").filter(Boolean)) {
                            const parsed = JSON.parse(line) as { Item?: Item };
                            if (!parsed.Item) {
                                status = "FAILED";
                                break;
                            }
                            rows.set(keyOf(parsed.Item), parsed.Item);
                        }
                    }
                    const arn = `arn:aws:dynamodb:eu-west-2:${h.accountIds.target}:table/${name}/import/${this.imports.size + 1}`;
                    this.imports.set(arn, { table: name, status, polls: 0 });
                    if (status === "COMPLETED") {
                        this.rows.set(name, rows);
                        this.tables.tables.set(name, {
                            status: "ACTIVE",
                            pitr: false,
                            deletionProtection: false,
                            tags: [],
                            items: rows.size,
                        });
                    }
                    const answer = { ImportTableDescription: { ImportArn: arn, ImportStatus: "IN_PROGRESS" } };
                    if (token !== undefined)
                        this.byToken.set(token, { at: h.clock.now(), request: JSON.stringify(request), answer });
                    return answer;
                },
            ),
        );
        d.on(DescribeImportCommand).callsFake(
            this.hooked("DescribeImport", (i: { ImportArn: string }) => {
                const imp = this.imports.get(i.ImportArn);
                if (!imp) return Promise.reject(awsError("ImportNotFoundException"));
                imp.polls++;
                const status =
                    imp.status !== "COMPLETED"
                        ? imp.status
                        : imp.polls >= this.importPolls
                          ? "COMPLETED"
                          : "IN_PROGRESS";
                return {
                    ImportTableDescription: {
                        ImportArn: i.ImportArn,
                        ImportStatus: status,
                        TableArn: `arn:aws:dynamodb:eu-west-2:${h.accountIds.target}:table/${imp.table}`,
                        ProcessedItemCount: status === "COMPLETED" ? this.rows.get(imp.table)?.size : 0,
                        FailureCode: status === "FAILED" ? "ItemValidationError" : undefined,
                        FailureMessage: status === "FAILED" ? "Some of the items failed validation checks" : undefined,
                    },
                };
            }),
        );
        const table = (name: string) => this.rows.get(name);
        d.on(PutItemCommand).callsFake(
            this.hooked(
                "PutItem",
                (i: {
                    TableName: string;
                    Item: Item;
                    ConditionExpression?: string;
                    ExpressionAttributeNames?: Record<string, string>;
                }) => {
                    const rows = table(i.TableName);
                    if (!rows) return Promise.reject(awsError("ResourceNotFoundException"));
                    if (i.ConditionExpression !== undefined) {
                        // attribute_not_exists(#name), the name from ExpressionAttributeNames: DynamoDB refuses an undefined one.
                        const name = /^attribute_not_exists\((#\w+)\)$/.exec(i.ConditionExpression)?.[1];
                        const attribute = name && i.ExpressionAttributeNames?.[name];
                        if (!attribute)
                            return Promise.reject(
                                awsError(
                                    "ValidationException",
                                    `Invalid ConditionExpression: ${i.ConditionExpression}`,
                                ),
                            );
                        if (rows.get(keyOf(i.Item))?.[attribute] !== undefined)
                            return Promise.reject(awsError("ConditionalCheckFailedException"));
                    }
                    rows.set(keyOf(i.Item), i.Item);
                    this.count(i.TableName);
                    return {};
                },
            ),
        );
        d.on(DeleteItemCommand).callsFake(
            this.hooked("DeleteItem", (i: { TableName: string; Key: Item }) => {
                const rows = table(i.TableName);
                if (!rows) return Promise.reject(awsError("ResourceNotFoundException"));
                rows.delete(keyOf(i.Key));
                this.count(i.TableName);
                return {};
            }),
        );
        d.on(GetItemCommand).callsFake((i: { TableName: string; Key: Item }) => ({
            Item: table(i.TableName)?.get(keyOf(i.Key)),
        }));
    }

    /** CancelImport of the newest import: CANCELLED, and (as for a failed import) no table is left. */
    cancelLatestImport(): void {
        const [arn, imp] = [...this.imports].at(-1) ?? [];
        if (!arn || !imp) return;
        imp.status = "CANCELLED";
        this.rows.delete(imp.table);
        this.tables.tables.delete(imp.table);
    }

    /** The stand-in's answer, unless a test's hook for the operation answers first. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    private hooked<I>(operation: string, answer: (input: I) => any): (input: I) => any {
        return (input: I) => {
            const hook = this.hooks.get(operation);
            const instead = hook?.(input as Record<string, unknown>);
            const result = instead !== undefined ? instead : answer(input);
            if (!this.lostReplies.delete(operation)) return result;
            // Carried out, and then the connection dropped: the caller never hears of it.
            return Promise.resolve(result).then(() => Promise.reject(awsError("NetworkingError", "socket hang up")));
        };
    }

    private count(name: string): void {
        const t = this.tables.tables.get(name);
        if (t) t.items = this.rows.get(name)?.size ?? 0;
    }

    /** The items of a table, by the string value of their first key attribute and second. */
    items(name: string): string[] {
        return [...(this.rows.get(name)?.values() ?? [])]
            .map((i) => `${this.keyNames.map((k) => i[k]?.S ?? i[k]?.N).join("/")}=${i.amount?.N ?? "-"}`)
            .sort();
    }
}
