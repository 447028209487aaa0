/**
 * The user-pool round trip, monthly in each deployment account: the newest user-pool export (the
 * `users.json` of lambdas/userPoolExport) is imported into a scratch pool with Cognito's CSV import
 * job, the imported users are compared with the export (count, and a sample of attributes), every
 * failure is reported by kind, and the scratch pool is deleted, always, also when a step failed.
 *
 * Cognito Developer Guide, "Importing users into a user pool" (and "Creating the CSV file"):
 * - the CSV's columns are exactly the target pool's GetCSVHeader; `cognito:username` and
 *   `cognito:mfa_enabled` are required columns; `sub` is never imported (the pool assigns a new one);
 * - a user is imported only with `email_verified` or `phone_number_verified` true (others are
 *   counted here as not importable, as `dr import-users` creates them one by one instead);
 * - CreateUserImportJob needs a CloudWatch Logs role Cognito assumes to log the job
 *   (`CloudWatchLogsRoleArn`); the CSV is uploaded with PUT to the job's pre-signed URL, signed for
 *   SSE-KMS (`x-amz-server-side-encryption: aws:kms`), then StartUserImportJob, then
 *   DescribeUserImportJob until Succeeded, Failed, Stopped or Expired.
 *
 * The scratch pool carries the tag that the function's role requires on every pool it creates or
 * touches (aws:RequestTag on CreateUserPool, aws:ResourceTag on the rest): it can never act on the
 * production pool. Passwords are never exported, so none is compared.
 */
import {
    CognitoIdentityProviderClient,
    CreateUserImportJobCommand,
    CreateUserPoolCommand,
    DeleteUserPoolCommand,
    DescribeUserImportJobCommand,
    GetCSVHeaderCommand,
    ListUsersCommand,
    SchemaAttributeType,
    StartUserImportJobCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { compactTimestamp } from "../../naming/escrowFormat";
import { userImportCsv } from "../../naming/userImportCsv";
import type { UserExportDocument } from "../userPoolExport/handler";
import {
    CloudWatchClient,
    RetryOptions,
    Sender,
    errorName,
    publishMetrics,
    requireEnv,
    withThrottleRetry,
} from "../shared/runtime";

export type RoundTripFailureKind =
    | "no-export"
    | "import-job-failed"
    | "import-timeout"
    | "users-failed"
    | "count-mismatch"
    | "missing-user"
    | "attribute-mismatch"
    | "scratch-pool-not-deleted"
    | "error";

export interface RoundTripFailure {
    kind: RoundTripFailureKind;
    detail: string;
}

export interface UserPoolRoundTripConfig {
    /** The production pool's name: the metric's dimension. */
    userPoolName: string;
    bucket: string;
    /** Where lambdas/userPoolExport writes `<prefix>/<pool id>/<time>/users.json`. */
    exportPrefix: string;
    /** Scratch pools are named `<prefix><time>` and tagged `scratchTagKey=scratchTagValue`. */
    scratchPoolPrefix: string;
    scratchTagKey: string;
    scratchTagValue: string;
    /** The role Cognito assumes to write the import job's CloudWatch logs. */
    importLogsRoleArn: string;
    sampleSize: number;
    accountId: string;
    metricNamespace: string;
}

export type Uploader = (url: string, body: string, headers: Record<string, string>) => Promise<void>;

export interface UserPoolRoundTripDeps extends UserPoolRoundTripConfig {
    cognito: Sender;
    s3: Sender;
    cloudwatch: Sender;
    upload: Uploader;
    now?: () => Date;
    sleep?: (ms: number) => Promise<void>;
    /** Polls of DescribeUserImportJob before the run gives up (every `pollMs`). */
    maxPolls?: number;
    pollMs?: number;
    log?: (entry: Record<string, unknown>) => void;
    retry?: RetryOptions;
}

export interface RoundTripOutcome {
    exportKey?: string;
    scratchPoolId?: string;
    exported: number;
    importable: number;
    imported: number;
    sampled: number;
    failures: RoundTripFailure[];
    scratchPoolDeleted: boolean;
}

export function configFromEnv(env: Record<string, string | undefined>): UserPoolRoundTripConfig {
    requireEnv(
        env,
        [
            "USER_POOL_NAME",
            "EXPORT_BUCKET",
            "EXPORT_PREFIX",
            "SCRATCH_POOL_PREFIX",
            "SCRATCH_TAG_KEY",
            "SCRATCH_TAG_VALUE",
            "IMPORT_LOGS_ROLE_ARN",
            "ACCOUNT_ID",
            "METRIC_NAMESPACE",
        ],
        "userPoolRoundTrip",
    );
    return {
        userPoolName: env.USER_POOL_NAME!,
        bucket: env.EXPORT_BUCKET!,
        exportPrefix: env.EXPORT_PREFIX!,
        scratchPoolPrefix: env.SCRATCH_POOL_PREFIX!,
        scratchTagKey: env.SCRATCH_TAG_KEY!,
        scratchTagValue: env.SCRATCH_TAG_VALUE!,
        importLogsRoleArn: env.IMPORT_LOGS_ROLE_ARN!,
        sampleSize: Number(env.SAMPLE_SIZE ?? "25") || 25,
        accountId: env.ACCOUNT_ID!,
        metricNamespace: env.METRIC_NAMESPACE!,
    };
}

/** Columns the import sets itself or that cannot be imported: never compared. */
const NOT_COMPARED = new Set(["sub", "cognito:mfa_enabled", "cognito:username"]);

type ExportedUser = UserExportDocument["users"][number];

export const isImportable = (u: ExportedUser) =>
    u.attributes.email_verified === "true" || u.attributes.phone_number_verified === "true";

/** The import CSV in exactly the pool's GetCSVHeader columns (naming/userImportCsv.ts). */
export const importCsv = (header: string[], users: ExportedUser[]): string => userImportCsv(header, users);

/** Every `sampleSize`-th user, spread over the whole export (deterministic: the same export, the same sample). */
export function sampleOf<T>(items: T[], size: number): T[] {
    if (items.length <= size) return items;
    const step = items.length / size;
    return Array.from({ length: size }, (_, i) => items[Math.floor(i * step)]);
}

/** The newest `users.json` under the export prefix, by its time. */
async function newestExport(deps: UserPoolRoundTripDeps): Promise<string | undefined> {
    let newest: { key: string; at: number } | undefined;
    let token: string | undefined;
    do {
        const page = await withThrottleRetry(
            () =>
                deps.s3.send(
                    new ListObjectsV2Command({
                        Bucket: deps.bucket,
                        Prefix: `${deps.exportPrefix}/`,
                        ContinuationToken: token,
                        ExpectedBucketOwner: deps.accountId,
                    }),
                ),
            deps.retry,
        );
        for (const o of (page.Contents ?? []) as { Key?: string; LastModified?: Date }[]) {
            if (!o.Key?.endsWith("/users.json")) continue;
            const at = o.LastModified ? new Date(o.LastModified).getTime() : 0;
            if (!newest || at > newest.at) newest = { key: o.Key, at };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return newest?.key;
}

/** Custom attributes of the source pool (its CSV header): the scratch pool must offer the same columns. */
export function customAttributes(header: string[]): SchemaAttributeType[] {
    return header
        .filter((c) => c.startsWith("custom:"))
        .map((c) => ({ Name: c.slice("custom:".length), AttributeDataType: "String", Mutable: true }));
}

const TERMINAL = new Set(["Succeeded", "Failed", "Stopped", "Expired"]);

export function makeHandler(deps: UserPoolRoundTripDeps): (event?: unknown) => Promise<RoundTripOutcome> {
    const now = deps.now ?? (() => new Date());
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const send = <T = any>(client: Sender, command: unknown): Promise<T> =>
        withThrottleRetry(() => client.send(command), deps.retry);

    return async () => {
        const at = now();
        const outcome: RoundTripOutcome = {
            exported: 0,
            importable: 0,
            imported: 0,
            sampled: 0,
            failures: [],
            scratchPoolDeleted: false,
        };
        const fail = (kind: RoundTripFailureKind, detail: string) => outcome.failures.push({ kind, detail });
        let thrown: unknown;
        try {
            outcome.exportKey = await newestExport(deps);
            if (!outcome.exportKey) {
                fail("no-export", `no users.json under s3://${deps.bucket}/${deps.exportPrefix}/`);
            } else {
                const object = await send(
                    deps.s3,
                    new GetObjectCommand({
                        Bucket: deps.bucket,
                        Key: outcome.exportKey,
                        ExpectedBucketOwner: deps.accountId,
                    }),
                );
                const doc = JSON.parse(await object.Body.transformToString()) as UserExportDocument;
                outcome.exported = doc.users.length;
                const importable = doc.users.filter(isImportable);
                outcome.importable = importable.length;

                const created = await send(
                    deps.cognito,
                    new CreateUserPoolCommand({
                        PoolName: `${deps.scratchPoolPrefix}${compactTimestamp(at.getTime())}`,
                        UserPoolTags: { [deps.scratchTagKey]: deps.scratchTagValue },
                        Schema: customAttributes(doc.csvHeader),
                        DeletionProtection: "INACTIVE",
                    }),
                );
                outcome.scratchPoolId = created.UserPool?.Id;
                if (!outcome.scratchPoolId) throw new Error("CreateUserPool returned no pool id");
                const poolId = outcome.scratchPoolId;
                await roundTrip(poolId, doc, importable);
            }
        } catch (error) {
            thrown = error;
            fail("error", errorName(error));
        } finally {
            if (outcome.scratchPoolId) {
                try {
                    await send(deps.cognito, new DeleteUserPoolCommand({ UserPoolId: outcome.scratchPoolId }));
                    outcome.scratchPoolDeleted = true;
                } catch (error) {
                    fail("scratch-pool-not-deleted", `${outcome.scratchPoolId}: ${errorName(error)}`);
                }
            }
        }

        const dimensions = { UserPool: deps.userPoolName };
        const byKind = new Map<string, number>();
        for (const f of outcome.failures) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
        await publishMetrics(
            deps.cloudwatch,
            deps.metricNamespace,
            [
                { name: "UserPoolRoundTripRuns", value: 1, unit: "Count", dimensions },
                { name: "UserPoolRoundTripFailures", value: outcome.failures.length, unit: "Count", dimensions },
                { name: "UserPoolRoundTripImportedUsers", value: outcome.imported, unit: "Count", dimensions },
                ...[...byKind].map(([kind, n]) => ({
                    name: "UserPoolRoundTripFailuresByKind",
                    value: n,
                    unit: "Count" as const,
                    dimensions: { ...dimensions, Kind: kind },
                })),
            ],
            at,
            deps.retry,
        );
        log({ action: "user-pool-round-trip", ...outcome });
        // An unexpected error fails the invocation too (Lambda's error alarm, the dead-letter queue).
        if (thrown) throw thrown;
        return outcome;

        async function roundTrip(poolId: string, doc: UserExportDocument, importable: ExportedUser[]) {
            const header = (await send(deps.cognito, new GetCSVHeaderCommand({ UserPoolId: poolId }))).CSVHeader ?? [];
            const job = (
                await send(
                    deps.cognito,
                    new CreateUserImportJobCommand({
                        UserPoolId: poolId,
                        JobName: `round-trip-${compactTimestamp(at.getTime())}`,
                        CloudWatchLogsRoleArn: deps.importLogsRoleArn,
                    }),
                )
            ).UserImportJob;
            const jobId: string | undefined = job?.JobId;
            if (!jobId || !job?.PreSignedUrl) throw new Error("CreateUserImportJob returned no job id or URL");
            await deps.upload(job.PreSignedUrl, importCsv(header, importable), {
                "Content-Type": "text/csv",
                "x-amz-server-side-encryption": "aws:kms",
            });
            await send(deps.cognito, new StartUserImportJobCommand({ UserPoolId: poolId, JobId: jobId }));
            let status = "Pending";
            let described: Record<string, unknown> = {};
            for (let poll = 0; poll < (deps.maxPolls ?? 60) && !TERMINAL.has(status); poll++) {
                await sleep(deps.pollMs ?? 10_000);
                described =
                    (await send(deps.cognito, new DescribeUserImportJobCommand({ UserPoolId: poolId, JobId: jobId })))
                        .UserImportJob ?? {};
                status = String(described.Status ?? "Unknown");
            }
            if (!TERMINAL.has(status)) {
                fail("import-timeout", `import job ${jobId} still ${status} when the run gave up`);
                return;
            }
            if (status !== "Succeeded") {
                fail(
                    "import-job-failed",
                    `import job ${jobId} ${status}: ${String(described.CompletionMessage ?? "")}`,
                );
                return;
            }
            const failedUsers = Number(described.FailedUsers ?? 0);
            if (failedUsers > 0)
                fail("users-failed", `${failedUsers} users failed to import (the job's CloudWatch log names them)`);

            type UsersPage = {
                Users?: { Username?: string; Attributes?: { Name?: string; Value?: string }[] }[];
                PaginationToken?: string;
            };
            const imported: NonNullable<UsersPage["Users"]> = [];
            let token: string | undefined;
            do {
                const page: UsersPage = await send(
                    deps.cognito,
                    new ListUsersCommand({ UserPoolId: poolId, Limit: 60, PaginationToken: token }),
                );
                imported.push(...(page.Users ?? []));
                token = page.PaginationToken;
            } while (token);
            outcome.imported = imported.length;
            if (imported.length !== importable.length)
                fail(
                    "count-mismatch",
                    `${importable.length} importable users exported (${doc.users.length} in all), ${imported.length} in the scratch pool`,
                );
            const byName = new Map(imported.map((u) => [u.Username ?? "", u]));
            const sample = sampleOf(importable, deps.sampleSize);
            outcome.sampled = sample.length;
            // Details name the sampled user's position in the export, never a username or a value (user data).
            sample.forEach((u, i) => {
                const found = byName.get(u.username);
                if (!found) {
                    fail(
                        "missing-user",
                        `sampled user ${i + 1} of ${sample.length} was exported but is not in the scratch pool`,
                    );
                    return;
                }
                const attrs = Object.fromEntries((found.Attributes ?? []).map((a) => [a.Name ?? "", a.Value ?? ""]));
                for (const [name, value] of Object.entries(u.attributes)) {
                    if (NOT_COMPARED.has(name) || !header.includes(name)) continue;
                    if ((attrs[name] ?? "") !== value)
                        fail(
                            "attribute-mismatch",
                            `sampled user ${i + 1} of ${sample.length}: ${name} differs after the round trip`,
                        );
                }
            });
        }
    };
}

/** PUT to the import job's pre-signed URL (Node's fetch: Node 20 and 22 have it). */
export const fetchUpload: Uploader = async (url, body, headers) => {
    const response = await fetch(url, { method: "PUT", body, headers });
    if (!response.ok) throw new Error(`upload to the import job's URL failed: HTTP ${response.status}`);
};

let configured: ((event?: unknown) => Promise<RoundTripOutcome>) | undefined;

export async function handler(event?: unknown): Promise<RoundTripOutcome> {
    if (!configured) {
        const config = configFromEnv(process.env);
        configured = makeHandler({
            ...config,
            cognito: new CognitoIdentityProviderClient({}),
            s3: new S3Client({}),
            cloudwatch: new CloudWatchClient({}),
            upload: fetchUpload,
        });
    }
    return configured(event);
}
