/**
 * The monthly evidence pack of one account: one document an auditor reads (Markdown, and the same
 * facts as JSON) with the period's
 * - restore tests (AWS Backup ListRestoreJobs, those a restore testing plan created), each with its
 *   measured time (creation to completion) and its validation status (what lambdas/validateRestore
 *   reported with PutRestoreValidationResult);
 * - copy jobs (ListCopyJobs) and their lag (creation to completion), failures listed;
 * - AWS Backup Audit Manager report jobs (ListReportJobs): status and the report objects written;
 * - the drift section: the drift workflow's summaries of the period (S3, `drift-reports/<stack>/`);
 * - the open gaps: everything above that is not as it should be.
 *
 * Where it is written decides how it comes under Object Lock:
 * - a deployment account (`exports-bucket`): into the exports bucket (SSE-KMS under its key), whose
 *   replication carries it into both Object Lock archives of the backup account;
 * - the backup account (`archives`): directly into each archive bucket. S3 refuses a PUT into a
 *   bucket with Object Lock default retention unless it carries Content-MD5 or an x-amz-checksum
 *   (S3 API Reference, PutObject: "The Content-MD5 or x-amz-sdk-checksum-algorithm header is required
 *   for any request to upload an object with a retention period configured using Amazon S3 Object
 *   Lock"), so every PUT names its SHA-256 (ChecksumSHA256, computed here over the body).
 */
import { createHash } from "node:crypto";
import {
    BackupClient,
    ListCopyJobsCommand,
    ListReportJobsCommand,
    ListRestoreJobsCommand,
} from "@aws-sdk/client-backup";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
    CloudWatchClient,
    RetryOptions,
    Sender,
    publishMetrics,
    requireEnv,
    withThrottleRetry,
} from "../shared/runtime";

export interface ArchiveTarget {
    bucket: string;
    region: string;
    /** The archive's key, when its policy requires SSE-KMS naming it. */
    kmsKeyArn?: string;
}

export type EvidenceDestination =
    { mode: "exports-bucket"; bucket: string; kmsKeyArn: string } | { mode: "archives"; archives: ArchiveTarget[] };

export interface EvidencePackConfig {
    /** The stack (environment) the account belongs to: the drift summaries' folder. */
    stack: string;
    accountId: string;
    region: string;
    destination: EvidenceDestination;
    prefix: string;
    driftBucket: string;
    driftPrefix: string;
    maxCopyLagHours: number;
    metricNamespace: string;
}

export interface EvidencePackDeps extends EvidencePackConfig {
    backup: Sender;
    /** The S3 client of the account's region (drift summaries, the exports bucket). */
    s3: Sender;
    /** An S3 client for an archive's region (backup-account mode). */
    s3For?: (region: string) => Sender;
    cloudwatch: Sender;
    now?: () => Date;
    log?: (entry: Record<string, unknown>) => void;
    retry?: RetryOptions;
}

export interface RestoreTestEvidence {
    restoreJobId: string;
    resourceArn?: string;
    restoreTestingPlanArn?: string;
    status: string;
    validationStatus?: string;
    createdAt?: string;
    completedAt?: string;
    minutes?: number;
}

export interface CopyEvidence {
    copyJobId: string;
    state: string;
    destinationVaultArn?: string;
    lagHours?: number;
    message?: string;
}

export interface ReportEvidence {
    reportJobId: string;
    reportPlanArn?: string;
    status: string;
    objects: string[];
}

export interface DriftEvidence {
    key: string;
    at?: string;
    drifted?: boolean;
    summary?: string;
}

export interface EvidencePack {
    account: string;
    stack: string;
    region: string;
    period: { month: string; from: string; to: string };
    generatedAt: string;
    restoreTests: RestoreTestEvidence[];
    copies: { jobs: CopyEvidence[]; completed: number; failed: number; maxLagHours?: number; medianLagHours?: number };
    auditReports: ReportEvidence[];
    drift: DriftEvidence[];
    openGaps: string[];
}

export interface EvidencePackOutcome {
    period: string;
    keys: string[];
    openGaps: number;
}

export function configFromEnv(env: Record<string, string | undefined>): EvidencePackConfig {
    requireEnv(
        env,
        [
            "STACK",
            "ACCOUNT_ID",
            "REGION",
            "EVIDENCE_MODE",
            "EVIDENCE_PREFIX",
            "DRIFT_BUCKET",
            "DRIFT_PREFIX",
            "METRIC_NAMESPACE",
        ],
        "evidencePack",
    );
    let destination: EvidenceDestination;
    if (env.EVIDENCE_MODE === "archives") {
        requireEnv(env, ["ARCHIVES"], "evidencePack");
        destination = { mode: "archives", archives: JSON.parse(env.ARCHIVES!) as ArchiveTarget[] };
    } else {
        requireEnv(env, ["EVIDENCE_BUCKET", "EVIDENCE_KMS_KEY_ARN"], "evidencePack");
        destination = { mode: "exports-bucket", bucket: env.EVIDENCE_BUCKET!, kmsKeyArn: env.EVIDENCE_KMS_KEY_ARN! };
    }
    return {
        stack: env.STACK!,
        accountId: env.ACCOUNT_ID!,
        region: env.REGION!,
        destination,
        prefix: env.EVIDENCE_PREFIX!,
        driftBucket: env.DRIFT_BUCKET!,
        driftPrefix: env.DRIFT_PREFIX!,
        maxCopyLagHours: Number(env.MAX_COPY_LAG_HOURS ?? "24") || 24,
        metricNamespace: env.METRIC_NAMESPACE!,
    };
}

/** The calendar month before `at` (UTC), or the one the event names (`{"period": "2026-11"}`). */
export function periodOf(at: Date, requested?: unknown): { month: string; from: Date; to: Date } {
    const m = typeof requested === "string" ? /^(\d{4})-(\d{2})$/.exec(requested) : null;
    const year = m ? Number(m[1]) : at.getUTCMonth() === 0 ? at.getUTCFullYear() - 1 : at.getUTCFullYear();
    const month0 = m ? Number(m[2]) - 1 : (at.getUTCMonth() + 11) % 12;
    const from = new Date(Date.UTC(year, month0, 1));
    const to = new Date(Date.UTC(year, month0 + 1, 1));
    return { month: `${year}-${String(month0 + 1).padStart(2, "0")}`, from, to };
}

const hoursBetween = (a?: Date, b?: Date) =>
    a && b ? Math.round(((new Date(b).getTime() - new Date(a).getTime()) / 3_600_000) * 100) / 100 : undefined;
const iso = (d?: Date) => (d ? new Date(d).toISOString() : undefined);

async function allPages<T>(
    deps: EvidencePackDeps,
    client: Sender,
    command: (token: string | undefined) => unknown,
    items: (page: Record<string, unknown>) => T[] | undefined,
): Promise<T[]> {
    const out: T[] = [];
    let token: string | undefined;
    do {
        const page = (await withThrottleRetry(() => client.send(command(token)), deps.retry)) as Record<
            string,
            unknown
        >;
        out.push(...(items(page) ?? []));
        token = page.NextToken as string | undefined;
    } while (token);
    return out;
}

type RestoreJob = {
    RestoreJobId?: string;
    SourceResourceArn?: string;
    CreatedResourceArn?: string;
    Status?: string;
    ValidationStatus?: string;
    CreationDate?: Date;
    CompletionDate?: Date;
    CreatedBy?: { RestoreTestingPlanArn?: string };
};
type CopyJob = {
    CopyJobId?: string;
    State?: string;
    DestinationBackupVaultArn?: string;
    CreationDate?: Date;
    CompletionDate?: Date;
    StatusMessage?: string;
};
type ReportJob = {
    ReportJobId?: string;
    ReportPlanArn?: string;
    Status?: string;
    ReportDestination?: { S3BucketName?: string; S3Keys?: string[] };
};

export async function gatherEvidence(deps: EvidencePackDeps, at: Date, requested?: unknown): Promise<EvidencePack> {
    const period = periodOf(at, requested);
    const window = { ByCreatedAfter: period.from, ByCreatedBefore: period.to };

    const restores = await allPages<RestoreJob>(
        deps,
        deps.backup,
        (token) => new ListRestoreJobsCommand({ ...window, NextToken: token }),
        (p) => p.RestoreJobs as RestoreJob[],
    );
    const restoreTests: RestoreTestEvidence[] = restores
        .filter((r) => r.CreatedBy?.RestoreTestingPlanArn)
        .map((r) => ({
            restoreJobId: r.RestoreJobId ?? "?",
            resourceArn: r.SourceResourceArn,
            restoreTestingPlanArn: r.CreatedBy?.RestoreTestingPlanArn,
            status: r.Status ?? "UNKNOWN",
            validationStatus: r.ValidationStatus,
            createdAt: iso(r.CreationDate),
            completedAt: iso(r.CompletionDate),
            minutes:
                r.CreationDate && r.CompletionDate
                    ? Math.round((new Date(r.CompletionDate).getTime() - new Date(r.CreationDate).getTime()) / 60_000)
                    : undefined,
        }));

    const copyJobs = await allPages<CopyJob>(
        deps,
        deps.backup,
        (token) => new ListCopyJobsCommand({ ...window, NextToken: token }),
        (p) => p.CopyJobs as CopyJob[],
    );
    const jobs: CopyEvidence[] = copyJobs.map((c) => ({
        copyJobId: c.CopyJobId ?? "?",
        state: c.State ?? "UNKNOWN",
        destinationVaultArn: c.DestinationBackupVaultArn,
        lagHours: c.State === "COMPLETED" ? hoursBetween(c.CreationDate, c.CompletionDate) : undefined,
        message: c.StatusMessage,
    }));
    const lags = jobs.flatMap((j) => (j.lagHours === undefined ? [] : [j.lagHours])).sort((a, b) => a - b);

    const reports = await allPages<ReportJob>(
        deps,
        deps.backup,
        (token) =>
            new ListReportJobsCommand({ ByCreationAfter: period.from, ByCreationBefore: period.to, NextToken: token }),
        (p) => p.ReportJobs as ReportJob[],
    );
    const auditReports: ReportEvidence[] = reports.map((r) => ({
        reportJobId: r.ReportJobId ?? "?",
        reportPlanArn: r.ReportPlanArn,
        status: r.Status ?? "UNKNOWN",
        objects: (r.ReportDestination?.S3Keys ?? []).map(
            (k) => `s3://${r.ReportDestination?.S3BucketName ?? "?"}/${k}`,
        ),
    }));

    const drift = await driftOf(deps, period);

    const pack: EvidencePack = {
        account: deps.accountId,
        stack: deps.stack,
        region: deps.region,
        period: { month: period.month, from: period.from.toISOString(), to: period.to.toISOString() },
        generatedAt: at.toISOString(),
        restoreTests,
        copies: {
            jobs,
            completed: jobs.filter((j) => j.state === "COMPLETED").length,
            failed: jobs.filter((j) => ["FAILED", "ABORTED", "EXPIRED"].includes(j.state)).length,
            maxLagHours: lags.length ? lags[lags.length - 1] : undefined,
            medianLagHours: lags.length ? lags[Math.floor(lags.length / 2)] : undefined,
        },
        auditReports,
        drift,
        openGaps: [],
    };
    pack.openGaps = openGaps(pack, deps.maxCopyLagHours);
    return pack;
}

/** The drift workflow's summaries written during the period (keys carry the run's time). */
async function driftOf(deps: EvidencePackDeps, period: { from: Date; to: Date }): Promise<DriftEvidence[]> {
    const prefix = `${deps.driftPrefix}/${deps.stack}/`;
    const objects = await allPages<{ Key?: string; LastModified?: Date }>(
        deps,
        deps.s3,
        (token) =>
            new ListObjectsV2Command({
                Bucket: deps.driftBucket,
                Prefix: prefix,
                ContinuationToken: token,
                ExpectedBucketOwner: deps.accountId,
            }),
        (p) => p.Contents as { Key?: string; LastModified?: Date }[],
    );
    const inPeriod = objects.filter((o) => {
        const t = o.LastModified ? new Date(o.LastModified).getTime() : NaN;
        return o.Key?.endsWith(".json") && t >= period.from.getTime() && t < period.to.getTime();
    });
    const out: DriftEvidence[] = [];
    for (const o of inPeriod) {
        const object = await withThrottleRetry(
            () =>
                deps.s3.send(
                    new GetObjectCommand({ Bucket: deps.driftBucket, Key: o.Key, ExpectedBucketOwner: deps.accountId }),
                ),
            deps.retry,
        );
        let summary: { drifted?: unknown; summary?: unknown } = {};
        try {
            summary = JSON.parse(await object.Body.transformToString()) as typeof summary;
        } catch {
            summary = {};
        }
        out.push({
            key: o.Key!,
            at: iso(o.LastModified),
            drifted: typeof summary.drifted === "boolean" ? summary.drifted : undefined,
            summary: typeof summary.summary === "string" ? summary.summary : undefined,
        });
    }
    return out.sort((a, b) => (a.at ?? "").localeCompare(b.at ?? ""));
}

export function openGaps(pack: EvidencePack, maxCopyLagHours: number): string[] {
    const gaps: string[] = [];
    if (!pack.restoreTests.length) gaps.push("no restore test ran in the period");
    for (const t of pack.restoreTests) {
        if (t.status !== "COMPLETED") gaps.push(`restore test ${t.restoreJobId} ended ${t.status}`);
        else if (t.validationStatus !== "SUCCESSFUL")
            gaps.push(`restore test ${t.restoreJobId} has validation ${t.validationStatus ?? "not reported"}`);
    }
    for (const c of pack.copies.jobs) {
        if (["FAILED", "ABORTED", "EXPIRED"].includes(c.state)) gaps.push(`copy job ${c.copyJobId} ${c.state}`);
        else if ((c.lagHours ?? 0) > maxCopyLagHours)
            gaps.push(`copy job ${c.copyJobId} took ${c.lagHours} h (more than ${maxCopyLagHours} h)`);
    }
    if (!pack.auditReports.length) gaps.push("no Audit Manager report job in the period");
    for (const r of pack.auditReports)
        if (r.status === "FAILED") gaps.push(`Audit Manager report job ${r.reportJobId} FAILED`);
    if (!pack.drift.length) gaps.push("no drift check ran in the period (the drift workflow wrote no summary)");
    const drifted = pack.drift.filter((d) => d.drifted !== false);
    if (drifted.length)
        gaps.push(`${drifted.length} drift check(s) found the stack differing from its program or did not say`);
    return gaps;
}

const cell = (v: unknown) => String(v ?? "-").replace(/\|/g, "\\|");

export function renderMarkdown(p: EvidencePack): string {
    const lines = [
        `# Backup evidence: ${p.stack} (${p.account}, ${p.region}), ${p.period.month}`,
        "",
        `Period ${p.period.from} to ${p.period.to} (end exclusive); generated ${p.generatedAt}.`,
        "",
        `## Open gaps (${p.openGaps.length})`,
        "",
        ...(p.openGaps.length ? p.openGaps.map((g) => `- ${g}`) : ["None."]),
        "",
        `## Restore tests (${p.restoreTests.length})`,
        "",
        "| restore job | resource | status | validation | minutes |",
        "|---|---|---|---|---|",
        ...p.restoreTests.map(
            (t) =>
                `| ${cell(t.restoreJobId)} | ${cell(t.resourceArn)} | ${cell(t.status)} | ${cell(t.validationStatus)} | ${cell(t.minutes)} |`,
        ),
        "",
        `## Copies (${p.copies.completed} completed, ${p.copies.failed} failed; lag median ${cell(p.copies.medianLagHours)} h, max ${cell(p.copies.maxLagHours)} h)`,
        "",
        "| copy job | state | destination | lag (h) |",
        "|---|---|---|---|",
        ...p.copies.jobs.map(
            (c) => `| ${cell(c.copyJobId)} | ${cell(c.state)} | ${cell(c.destinationVaultArn)} | ${cell(c.lagHours)} |`,
        ),
        "",
        `## Audit Manager reports (${p.auditReports.length})`,
        "",
        "| report job | plan | status | objects |",
        "|---|---|---|---|",
        ...p.auditReports.map(
            (r) =>
                `| ${cell(r.reportJobId)} | ${cell(r.reportPlanArn)} | ${cell(r.status)} | ${cell(r.objects.join(" "))} |`,
        ),
        "",
        `## Drift (${p.drift.length} checks)`,
        "",
        "| run | drifted | summary |",
        "|---|---|---|",
        ...p.drift.map((d) => `| ${cell(d.at)} | ${cell(d.drifted)} | ${cell(d.summary)} |`),
        "",
    ];
    return lines.join("\n");
}

/** x-amz-checksum-sha256: the base64 SHA-256 of the body. */
export const sha256 = (body: string) => createHash("sha256").update(body).digest("base64");

export function makeHandler(deps: EvidencePackDeps): (event?: unknown) => Promise<EvidencePackOutcome> {
    const now = deps.now ?? (() => new Date());
    const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
    return async (event) => {
        const at = now();
        const requested = (event as { period?: unknown } | undefined)?.period;
        const pack = await gatherEvidence(deps, at, requested);
        const base = `${deps.prefix}/${deps.accountId}/${pack.period.month}/evidence`;
        const documents = [
            { key: `${base}.json`, body: `${JSON.stringify(pack, null, 2)}\n`, type: "application/json" },
            { key: `${base}.md`, body: renderMarkdown(pack), type: "text/markdown; charset=utf-8" },
        ];
        const keys: string[] = [];
        const d = deps.destination;
        for (const doc of documents) {
            if (d.mode === "exports-bucket") {
                await withThrottleRetry(
                    () =>
                        deps.s3.send(
                            new PutObjectCommand({
                                Bucket: d.bucket,
                                Key: doc.key,
                                Body: doc.body,
                                ContentType: doc.type,
                                ExpectedBucketOwner: deps.accountId,
                                ServerSideEncryption: "aws:kms",
                                SSEKMSKeyId: d.kmsKeyArn,
                                ChecksumSHA256: sha256(doc.body),
                            }),
                        ),
                    deps.retry,
                );
                keys.push(`s3://${d.bucket}/${doc.key}`);
            } else {
                for (const archive of d.archives) {
                    const s3 = deps.s3For ? deps.s3For(archive.region) : deps.s3;
                    await withThrottleRetry(
                        () =>
                            s3.send(
                                new PutObjectCommand({
                                    Bucket: archive.bucket,
                                    Key: doc.key,
                                    Body: doc.body,
                                    ContentType: doc.type,
                                    ExpectedBucketOwner: deps.accountId,
                                    // Object Lock default retention: S3 requires a checksum (or Content-MD5) on the PUT.
                                    ChecksumSHA256: sha256(doc.body),
                                    ...(archive.kmsKeyArn
                                        ? { ServerSideEncryption: "aws:kms", SSEKMSKeyId: archive.kmsKeyArn }
                                        : {}),
                                }),
                            ),
                        deps.retry,
                    );
                    keys.push(`s3://${archive.bucket}/${doc.key}`);
                }
            }
        }
        const dimensions = { Account: deps.accountId };
        await publishMetrics(
            deps.cloudwatch,
            deps.metricNamespace,
            [
                { name: "EvidencePackRuns", value: 1, unit: "Count", dimensions },
                { name: "EvidencePackOpenGaps", value: pack.openGaps.length, unit: "Count", dimensions },
            ],
            at,
            deps.retry,
        );
        const outcome = { period: pack.period.month, keys, openGaps: pack.openGaps.length };
        log({ action: "evidence-pack", ...outcome });
        return outcome;
    };
}

let configured: ((event?: unknown) => Promise<EvidencePackOutcome>) | undefined;

export async function handler(event?: unknown): Promise<EvidencePackOutcome> {
    if (!configured) {
        const config = configFromEnv(process.env);
        const clients = new Map<string, S3Client>();
        configured = makeHandler({
            ...config,
            backup: new BackupClient({}),
            s3: new S3Client({}),
            s3For: (region) => {
                if (!clients.has(region)) clients.set(region, new S3Client({ region }));
                return clients.get(region)!;
            },
            cloudwatch: new CloudWatchClient({}),
        });
    }
    return configured(event);
}
