/**
 * The posture report: for every data asset of the requirements that the planned stacks protect,
 * what protects it and how well, against the asset's targets (offline/assets.ts).
 *
 * Everything here is read from the recorded resources of one or more offline runs: the backup
 * plans, selections, vaults, vault locks, PITR and secret-replica resources, buckets, Object Lock
 * and replication configurations, and the second-region copy. Nothing is typed in beside them.
 */
import { scheduleIntervalHours } from "../aws/rules";
import { AWS_BACKUP_NAMESPACE, isPublishedDimensionSet, vaultNameOfArn } from "../aws/backupMetrics";
import { CROSS_ACCOUNT_RESTORE_PATHS, s3RetrievalHours, storageClassOfObjectAt } from "../aws/recoveryPoints";
import {
    assetFor,
    AssetKind,
    Criticality,
    DATA_ASSETS,
    DataAsset,
    PITR_WINDOW_DAYS,
    RESTORE_PATHS,
    RestorePath,
    RPO_INSIDE_MINUTES,
    RPO_OUTSIDE_HOURS,
} from "../naming/assets";
import { OrganizationPosture, organizationPosture } from "./postureOrganization";
import { RecordedResource } from "./types";
import {
    ScheduledProtection,
    duration,
    proofScheduleGaps,
    proofScheduleLines,
    scheduledProtection,
} from "./postureSchedules";
import { MeasuredRto, measurementFor } from "./drillReports";

/** What the posture needs of a run: an OfflineRun and a PlanDocument both fit. */
export interface PlannedStack {
    stack: string;
    resources: RecordedResource[];
}

/** Type tokens of the resources the posture reads. */
export const TYPES = {
    plan: "aws:backup/plan:Plan",
    selection: "aws:backup/selection:Selection",
    vault: "aws:backup/vault:Vault",
    airGappedVault: "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault",
    vaultLock: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    globalSettings: "aws:backup/globalSettings:GlobalSettings",
    bucket: "aws:s3/bucket:Bucket",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    objectLock: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    replication: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    lambda: "aws:lambda/function:Function",
    eventRule: "aws:cloudwatch/eventRule:EventRule",
    restoreTestingPlan: "aws:backup/restoreTestingPlan:RestoreTestingPlan",
    secondRegionCopy: "backup:copy:SecondRegionCopy",
    tablePitr: "pulumi-nodejs:dynamic/backup:TablePitr",
    secretReplica: "pulumi-nodejs:dynamic/backup:SecretReplica",
    metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    kmsKey: "aws:kms/key:Key",
    awsProvider: "pulumi:providers:aws",
} as const;

export interface Placement {
    accountId: string;
    region: string;
}

export interface VaultLock {
    /** Compliance once `changeableForDays` have passed (nobody can remove it); governance otherwise. */
    mode: "compliance" | "governance";
    minRetentionDays?: number;
    maxRetentionDays?: number;
    changeableForDays?: number;
}

export interface VaultView extends Placement {
    stack: string;
    name: string;
    arn: string;
    airGapped: boolean;
    lock?: VaultLock;
}

export interface BucketView extends Placement {
    stack: string;
    name: string;
    arn: string;
    versioned: boolean;
    objectLock?: { mode: string; days?: number; years?: number };
    expireAfterDays?: number;
    /** Lifecycle transitions of current versions (S3 storage classes), by age in days. */
    transitions: { days: number; storageClass: string }[];
    /** `storageClass`: the class replicas are written in (S3 keeps the source's class when unset). */
    replicatesTo: { bucketArn: string; rtcMinutes?: number; storageClass?: string }[];
}

export type FlowKind = "copy-action" | "second-region-copy" | "replication" | "secret-replica";

export interface Flow {
    kind: FlowKind;
    stack: string;
    /** ARNs, or `secret:<account>:<region>:<name>` for a secret and its replica. */
    from: string;
    to: string;
    label: string;
}

export interface BackupRuleView {
    rule: string;
    schedule: string;
    intervalHours: number;
    completionWindowMinutes?: number;
    retentionDays?: number;
    coldAfterDays?: number;
    vaultName: string;
}

export interface CopyView extends BackupRuleView {
    destinationVaultArn: string;
    destination: Placement & { vaultName: string };
    /** The destination vault, when the planned stacks create it. */
    destinationVault?: VaultView;
    /** Where the destination vault's copies go on (the backup account's second-region copy). */
    onward?: VaultView | { arn: string };
}

export interface Measure {
    /** What the report prints, e.g. "5 min (PITR)". */
    value: string;
    target: string;
    ok: boolean;
    /** A drill's (or a restore test's) measurement of this path: cited beside the assumption, and judged by. */
    measured?: MeasuredRto;
}

export interface AssetPosture {
    /** True when the resource is not an asset of the requirements (naming/assets.ts): judged with a default criticality. */
    unlisted?: boolean;
    stack: string;
    environment: string;
    placement: Placement;
    /** The table, secret or bucket name. */
    resource: string;
    asset: {
        id: string;
        kind: AssetKind;
        criticality: Criticality;
        rtoHours: number;
        retention: string;
        retentionDays?: number;
    };
    pitr?: { windowDays: number };
    localBackups: BackupRuleView[];
    copies: CopyView[];
    /**
     * Other regions or buckets holding a live replica (secret replicas, S3 replication). Only the
     * source's own rules count: S3 does not replicate a replica onward.
     */
    replicas: { target: string; placement?: Placement; detail: string; bucket?: BucketView }[];
    /** Where a copy of the data really is, per account and region (source first), for replicated assets. */
    heldIn?: (Placement & { how: string })[];
    immutability: string[];
    rpoInside?: Measure;
    rpoOutside: Measure;
    rtoInAccount: Measure & { path?: RestorePath };
    rtoAccountLoss: Measure & { path?: RestorePath };
    /**
     * Restoring, after account loss, a point older than `olderThanDays`: only cold copies exist
     * then, AWS Backup cannot copy them, so the cold-point path applies (aws/recoveryPoints.ts).
     * Set when the asset's retention requires such points.
     */
    rtoColdPoints?: Measure & { path?: RestorePath; olderThanDays: number };
    gaps: string[];
    notes: string[];
}

export interface Posture {
    stacks: string[];
    assets: AssetPosture[];
    /** Assets of the requirements that a deployment stack does not protect at all. */
    unprotected: { stack: string; environment: string; asset: string; criticality: Criticality }[];
    vaults: VaultView[];
    buckets: BucketView[];
    flows: Flow[];
    /** Every gap of the estate, one sentence each (asset gaps prefixed with stack and resource). */
    gaps: string[];
    /** Which restore path each RTO assumes, how long it is assumed to take, and the basis of that figure. */
    assumptions: { path: RestorePath; hours: number; assumption: string; basis: string; measured?: MeasuredRto }[];
    /** For every copy between vaults, the alarm that would see it fail, under the name AWS counts it. */
    copyAlarms: CopyAlarmView[];
    /** The organization backup policy's coverage and the restore path without the backup account. */
    organization?: OrganizationPosture;
    /** The monthly proofs' schedules (user-pool round trip, evidence pack), one line each, per stack. */
    proofSchedules: string[];
}

export interface CopyAlarmView {
    stack: string;
    from: string;
    to: string;
    /** The `BackupVaultName` AWS publishes these copy jobs under: the destination vault's name. */
    metricVaultName: string;
    /** The alarm watching it, in the account and region where the copy job runs (the source's). */
    alarm?: string;
    ok: boolean;
}

// ---------------------------------------------------------------------------------------------
// Reading the resources

interface Located {
    stack: string;
    r: RecordedResource;
    placement?: Placement;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined =>
    typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined;
const obj = (v: unknown): Record<string, unknown> =>
    v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The account and region a resource lives in: its explicit provider's, or its own inputs' (dynamic resources). */
function placementOf(r: RecordedResource, providers: Map<string, RecordedResource>): Placement | undefined {
    const provider = r.provider ? providers.get(r.provider) : undefined;
    if (provider) {
        const accountId = str(arr(provider.inputs.allowedAccountIds)[0]);
        const region = str(provider.inputs.region);
        if (accountId && region) return { accountId, region };
    }
    const accountId = str(r.inputs.accountId);
    const region = str(r.inputs.region);
    return accountId && region ? { accountId, region } : undefined;
}

/** `arn:aws:backup:<region>:<account>:backup-vault:<name>` → its parts. */
export function parseVaultArn(arn: string): (Placement & { vaultName: string }) | undefined {
    const m = /^arn:aws[\w-]*:backup:([a-z0-9-]+):(\d{12}):backup-vault:(.+)$/.exec(arn);
    return m ? { region: m[1], accountId: m[2], vaultName: m[3] } : undefined;
}

function tableNameOfArn(arn: string): string | undefined {
    return /^arn:aws[\w-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/([^/]+)$/.exec(arn)?.[1];
}

/** The environment a stack deploys: its AWS provider's `environment` default tag, else the stack name. */
function environmentOf(run: PlannedStack): string {
    for (const r of run.resources) {
        if (r.type !== TYPES.awsProvider) continue;
        const env = str(obj(obj(r.inputs.defaultTags).tags).environment);
        if (env) return env;
    }
    return run.stack;
}

class Estate {
    readonly all: Located[] = [];
    readonly vaults: VaultView[] = [];
    readonly buckets: BucketView[] = [];
    readonly flows: Flow[] = [];
    /** Resources by type, so that a stack with thousands of tables stays linear. */
    private readonly byType = new Map<string, Located[]>();

    constructor(readonly runs: PlannedStack[]) {
        for (const run of runs) {
            const providers = new Map(
                run.resources.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.urn, r]),
            );
            for (const r of run.resources) {
                const located = { stack: run.stack, r, placement: placementOf(r, providers) };
                this.all.push(located);
                const list = this.byType.get(r.type) ?? [];
                list.push(located);
                this.byType.set(r.type, list);
            }
        }
        this.readVaults();
        this.readBuckets();
        this.readFlows();
    }

    ofType(type: string, stack?: string): Located[] {
        const ofType = this.byType.get(type) ?? [];
        return stack === undefined ? ofType : ofType.filter((l) => l.stack === stack);
    }

    vaultByArn(arn: string): VaultView | undefined {
        return this.vaults.find((v) => v.arn === arn);
    }

    private readVaults(): void {
        const locks = this.ofType(TYPES.vaultLock);
        for (const l of [...this.ofType(TYPES.vault), ...this.ofType(TYPES.airGappedVault)]) {
            const name = str(l.r.inputs.name) ?? l.r.name;
            const airGapped = l.r.type === TYPES.airGappedVault;
            const kind = airGapped ? "logically-air-gapped-backup-vault" : "backup-vault";
            const arn =
                str(l.r.outputs.arn) ??
                (l.placement ? `arn:aws:backup:${l.placement.region}:${l.placement.accountId}:${kind}:${name}` : name);
            const lockResource = locks.find(
                (k) =>
                    k.stack === l.stack && k.r.inputs.backupVaultName === name && samePlace(k.placement, l.placement),
            );
            let lock: VaultLock | undefined;
            if (lockResource) {
                const changeableForDays = num(lockResource.r.inputs.changeableForDays);
                lock = {
                    mode: changeableForDays === undefined ? "governance" : "compliance",
                    minRetentionDays: num(lockResource.r.inputs.minRetentionDays),
                    maxRetentionDays: num(lockResource.r.inputs.maxRetentionDays),
                    changeableForDays,
                };
            } else if (airGapped) {
                // A logically air-gapped vault is always locked in compliance mode by AWS.
                lock = {
                    mode: "compliance",
                    minRetentionDays: num(l.r.inputs.minRetentionDays),
                    maxRetentionDays: num(l.r.inputs.maxRetentionDays),
                };
            }
            this.vaults.push({
                stack: l.stack,
                name,
                arn,
                airGapped,
                lock,
                ...(l.placement ?? { accountId: "?", region: "?" }),
            });
        }
    }

    private readBuckets(): void {
        const byBucket = (type: string, stack: string, name: string) =>
            this.ofType(type, stack).filter((l) => l.r.inputs.bucket === name);
        for (const l of this.ofType(TYPES.bucket)) {
            const name = str(l.r.inputs.bucket) ?? l.r.name;
            const versioned = byBucket(TYPES.versioning, l.stack, name).some(
                (v) => obj(v.r.inputs.versioningConfiguration).status === "Enabled",
            );
            const lockRule = obj(obj(byBucket(TYPES.objectLock, l.stack, name)[0]?.r.inputs.rule).defaultRetention);
            const objectLock = str(lockRule.mode)
                ? { mode: str(lockRule.mode)!.toLowerCase(), days: num(lockRule.days), years: num(lockRule.years) }
                : undefined;
            const lifecycleRules = byBucket(TYPES.lifecycle, l.stack, name)
                .flatMap((c) => arr(c.r.inputs.rules).map(obj))
                .filter((rule) => rule.status === "Enabled");
            const expirations = lifecycleRules
                .map((rule) => num(obj(rule.expiration).days))
                .filter((d): d is number => d !== undefined);
            const transitions = lifecycleRules
                .flatMap((rule) => arr(rule.transitions).map(obj))
                .map((t) => ({ days: num(t.days), storageClass: str(t.storageClass) }))
                .filter((t): t is { days: number; storageClass: string } => t.days !== undefined && !!t.storageClass);
            const replicatesTo = byBucket(TYPES.replication, l.stack, name).flatMap((c) =>
                arr(c.r.inputs.rules)
                    .map(obj)
                    .filter((rule) => rule.status === "Enabled")
                    .map((rule) => {
                        const destination = obj(rule.destination);
                        const rtc = obj(destination.replicationTime);
                        return {
                            bucketArn: str(destination.bucket) ?? "?",
                            rtcMinutes: rtc.status === "Enabled" ? num(obj(rtc.time).minutes) : undefined,
                            storageClass: str(destination.storageClass),
                        };
                    }),
            );
            this.buckets.push({
                stack: l.stack,
                name,
                arn: str(l.r.outputs.arn) ?? `arn:aws:s3:::${name}`,
                versioned,
                objectLock,
                expireAfterDays: expirations.length ? Math.min(...expirations) : undefined,
                transitions,
                replicatesTo,
                ...(l.placement ?? { accountId: "?", region: "?" }),
            });
        }
    }

    private readFlows(): void {
        for (const l of this.ofType(TYPES.plan)) {
            const vaultArn = (name: string) =>
                this.vaults.find((v) => v.stack === l.stack && v.name === name)?.arn ?? name;
            const byPair = new Map<string, string[]>();
            for (const rule of arr(l.r.inputs.rules).map(obj)) {
                for (const copy of arr(rule.copyActions).map(obj)) {
                    const key = `${vaultArn(str(rule.targetVaultName) ?? "?")}\n${str(copy.destinationVaultArn) ?? "?"}`;
                    byPair.set(key, [
                        ...(byPair.get(key) ?? []),
                        `${str(rule.ruleName)} ${num(obj(copy.lifecycle).deleteAfter) ?? "∞"} d`,
                    ]);
                }
            }
            for (const [key, rules] of byPair) {
                const [from, to] = key.split("\n");
                this.flows.push({ kind: "copy-action", stack: l.stack, from, to, label: `copy: ${rules.join(", ")}` });
            }
        }
        for (const c of this.ofType(TYPES.secondRegionCopy)) {
            for (const fn of this.all.filter(
                (l) => l.stack === c.stack && l.r.type === TYPES.lambda && l.r.parent === c.r.urn,
            )) {
                const env = obj(obj(fn.r.inputs.environment).variables);
                const from = str(env.CENTRAL_VAULT_ARN);
                const to = str(env.DR_VAULT_ARN);
                if (from && to)
                    this.flows.push({
                        kind: "second-region-copy",
                        stack: c.stack,
                        from,
                        to,
                        label: "second-region copy (Lambda, same retention)",
                    });
            }
        }
        const receivesReplicas = new Set(this.buckets.flatMap((b) => b.replicatesTo.map((d) => d.bucketArn)));
        for (const b of this.buckets) {
            for (const dest of b.replicatesTo) {
                const rtc = dest.rtcMinutes ? `S3 replication, RTC ${dest.rtcMinutes} min` : "S3 replication";
                this.flows.push({
                    kind: "replication",
                    stack: b.stack,
                    from: b.arn,
                    to: dest.bucketArn,
                    // S3 does not replicate a replica onward: say so on the edge that looks like it would.
                    label: receivesReplicas.has(b.arn) ? `${rtc} (objects written here only, not replicas)` : rtc,
                });
            }
        }
        for (const s of this.ofType(TYPES.secretReplica)) {
            const name = str(s.r.inputs.secretId) ?? s.r.name;
            const from = secretNode(s.placement, name);
            const to = secretNode(
                { accountId: s.placement?.accountId ?? "?", region: str(s.r.inputs.replicaRegion) ?? "?" },
                name,
            );
            this.flows.push({ kind: "secret-replica", stack: s.stack, from, to, label: "secret replica" });
        }
    }
}

export function secretNode(placement: Placement | undefined, name: string): string {
    return `secret:${placement?.accountId ?? "?"}:${placement?.region ?? "?"}:${name}`;
}

function samePlace(a?: Placement, b?: Placement): boolean {
    return a?.accountId === b?.accountId && a?.region === b?.region;
}

// ---------------------------------------------------------------------------------------------
// Judging each asset

const days = (d: number | undefined) => (d === undefined ? "kept" : `${d} d`);
const hours = (h: number) => (h < 1 ? `${Math.round(h * 60)} min` : `${h} h`);

function lockText(v: VaultView): string {
    if (!v.lock) return `${v.name} (${v.accountId} ${v.region}): no vault lock`;
    const range = `${v.lock.minRetentionDays ?? "-"}-${v.lock.maxRetentionDays ?? "-"} d`;
    const grace = v.lock.changeableForDays !== undefined ? `, fixed after ${v.lock.changeableForDays} d` : "";
    return `${v.name} (${v.accountId} ${v.region}): ${v.lock.mode} lock ${range}${grace}${v.airGapped ? ", air-gapped" : ""}`;
}

interface Context {
    estate: Estate;
    stack: string;
    environment: string;
    /** The stack's scheduled escrow and exports (offline/postureSchedules.ts). */
    protections: ScheduledProtection[];
    /** Measured restore times (offline/drillReports.ts). */
    measurements: MeasuredRto[];
}

/** The measure with the newest measurement of its path for this table cited beside it, and judged by it. */
function cite<M extends Measure & { path?: RestorePath }>(ctx: Context, m: M, table: string, targetHours: number): M {
    const found = measurementFor(ctx.measurements, m.path, table);
    if (!found) return m;
    return {
        ...m,
        value: `${m.value}; measured ${duration(found.hours)} in ${found.source}`,
        ok: found.hours <= targetHours,
        measured: found,
    };
}

/** Where a scheduled run's output leaves the account: its bucket's replication outside, with RTC. */
interface ScheduledOutside {
    protection: ScheduledProtection;
    bucket: BucketView;
    rtcMinutes?: number;
    destination: string;
}

function scheduledOutside(ctx: Context, task: ScheduledProtection["task"], subject: string): ScheduledOutside[] {
    const out: ScheduledOutside[] = [];
    for (const protection of ctx.protections) {
        if (protection.task !== task || !protection.subjects.includes(subject)) continue;
        const bucket = ctx.estate.buckets.find((b) => b.stack === ctx.stack && b.name === protection.bucket);
        if (!bucket) continue;
        for (const dest of bucket.replicatesTo) {
            const target = ctx.estate.buckets.find((b) => b.arn === dest.bucketArn);
            if (target && target.accountId === bucket.accountId) continue;
            out.push({ protection, bucket, rtcMinutes: dest.rtcMinutes, destination: target?.name ?? dest.bucketArn });
        }
    }
    return out.sort((a, b) => a.protection.intervalHours - b.protection.intervalHours);
}

/** The worst case of a scheduled run reaching the archive: its interval plus the replication's RTC. */
const scheduledRpoHours = (s: ScheduledOutside) => s.protection.intervalHours + (s.rtcMinutes ?? 15) / 60;

/** A stack's backup selections by each ARN they list, built once per estate and stack: tables × selections of 500 ARNs stays linear. */
const selectionIndex = new WeakMap<Estate, Map<string | undefined, Map<string, Located[]>>>();
function selectionsListing(estate: Estate, stack: string | undefined): Map<string, Located[]> {
    let byStack = selectionIndex.get(estate);
    if (!byStack) selectionIndex.set(estate, (byStack = new Map()));
    let index = byStack.get(stack);
    if (!index) {
        index = new Map();
        for (const sel of estate.ofType(TYPES.selection, stack)) {
            for (const arn of new Set(arr(sel.r.inputs.resources))) {
                if (typeof arn !== "string") continue;
                const listing = index.get(arn);
                if (listing) listing.push(sel);
                else index.set(arn, [sel]);
            }
        }
        byStack.set(stack, index);
    }
    return index;
}

/** The rules of every backup plan whose selections list `tableArn`, with the copies they make. */
function rulesFor(ctx: Context, tableArn: string): { local: BackupRuleView[]; copies: CopyView[] } {
    const { estate, stack } = ctx;
    const plans = estate.ofType(TYPES.plan, stack);
    const local: BackupRuleView[] = [];
    const copies: CopyView[] = [];
    for (const sel of selectionsListing(estate, stack).get(tableArn) ?? []) {
        // A selection belongs to the plan registered under the same component (or the only plan).
        const plan = plans.find((p) => p.r.parent === sel.r.parent) ?? (plans.length === 1 ? plans[0] : undefined);
        if (!plan) continue;
        for (const rule of arr(plan.r.inputs.rules).map(obj)) {
            const lifecycle = obj(rule.lifecycle);
            const view: BackupRuleView = {
                rule: str(rule.ruleName) ?? "?",
                schedule: str(rule.schedule) ?? "?",
                intervalHours: scheduleIntervalHours(str(rule.schedule) ?? ""),
                completionWindowMinutes: num(rule.completionWindow),
                retentionDays: num(lifecycle.deleteAfter),
                coldAfterDays: num(lifecycle.coldStorageAfter),
                vaultName: str(rule.targetVaultName) ?? "?",
            };
            if (local.some((l) => l.rule === view.rule && l.vaultName === view.vaultName)) continue;
            local.push(view);
            for (const copy of arr(rule.copyActions).map(obj)) {
                const destinationVaultArn = str(copy.destinationVaultArn) ?? "?";
                const copyLifecycle = obj(copy.lifecycle);
                const destinationVault = estate.vaultByArn(destinationVaultArn);
                const onwardFlow = estate.flows.find(
                    (f) => f.kind === "second-region-copy" && f.from === destinationVaultArn,
                );
                copies.push({
                    ...view,
                    retentionDays: num(copyLifecycle.deleteAfter),
                    coldAfterDays: num(copyLifecycle.coldStorageAfter),
                    destinationVaultArn,
                    destination: parseVaultArn(destinationVaultArn) ?? {
                        accountId: "?",
                        region: "?",
                        vaultName: destinationVaultArn,
                    },
                    destinationVault,
                    onward: onwardFlow ? (estate.vaultByArn(onwardFlow.to) ?? { arn: onwardFlow.to }) : undefined,
                });
            }
        }
    }
    return { local, copies };
}

function assetView(a: DataAsset): AssetPosture["asset"] {
    return {
        id: a.id,
        kind: a.kind,
        criticality: a.criticality,
        rtoHours: a.rtoHours,
        retention: a.retention,
        retentionDays: a.retentionDays,
    };
}

function rtoMeasure(target: number, path: RestorePath | undefined, what: string): Measure & { path?: RestorePath } {
    if (!path) return { value: `no ${what} path`, target: `${hours(target)}`, ok: false };
    const h = RESTORE_PATHS[path].hours;
    return { value: `${hours(h)} (${path})`, target: `${hours(target)}`, ok: h <= target, path };
}

/** Gaps and notes common to every asset that has copies in the backup account. */
function judgeCopies(p: AssetPosture, stackIsAlone: boolean): void {
    for (const c of p.copies) {
        const v = c.destinationVault;
        if (!v) {
            p.notes.push(
                `${c.destination.vaultName} (${c.destination.accountId} ${c.destination.region}) is not in this plan: its lock and onward copy are unverified (plan with --all)`,
            );
            continue;
        }
        if (!v.lock) p.gaps.push(`copies of '${c.rule}' land in ${v.name}, which has no vault lock (not immutable)`);
        else if (c.retentionDays !== undefined) {
            if (v.lock.maxRetentionDays !== undefined && c.retentionDays > v.lock.maxRetentionDays) {
                p.gaps.push(
                    `'${c.rule}' copies keep ${c.retentionDays} d but ${v.name}'s lock allows at most ${v.lock.maxRetentionDays} d: AWS fails the copy job`,
                );
            }
            if (v.lock.minRetentionDays !== undefined && c.retentionDays < v.lock.minRetentionDays) {
                p.gaps.push(
                    `'${c.rule}' copies keep ${c.retentionDays} d but ${v.name}'s lock requires at least ${v.lock.minRetentionDays} d: AWS fails the copy job`,
                );
            }
        }
    }
    const dedupe = [...new Set(p.notes)];
    p.notes.length = 0;
    p.notes.push(...dedupe);
    if (!stackIsAlone && p.copies.length && !p.copies.some((c) => c.onward)) {
        p.notes.push("no second-region copy of the backup-account copies is in the plan");
    }
}

function immutabilityOf(p: AssetPosture, estate: Estate, stack: string): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    const add = (text: string) => {
        if (!seen.has(text)) out.push(text);
        seen.add(text);
    };
    for (const l of p.localBackups) {
        const v = estate.vaults.find((x) => x.stack === stack && x.name === l.vaultName);
        if (v) add(lockText(v));
    }
    for (const c of p.copies) {
        if (c.destinationVault) add(lockText(c.destinationVault));
        else
            add(
                `${c.destination.vaultName} (${c.destination.accountId} ${c.destination.region}): lock not in this plan`,
            );
        if (c.onward && "name" in c.onward) add(lockText(c.onward));
    }
    return out;
}

function judgeTable(
    ctx: Context,
    name: string,
    asset: DataAsset,
    placement: Placement,
    pitr: Located | undefined,
    alone: boolean,
): AssetPosture {
    const tableArn = `arn:aws:dynamodb:${placement.region}:${placement.accountId}:table/${name}`;
    const { local, copies } = rulesFor(ctx, tableArn);
    const p: AssetPosture = {
        stack: ctx.stack,
        environment: ctx.environment,
        placement,
        resource: name,
        asset: assetView(asset),
        pitr: pitr ? { windowDays: num(pitr.r.inputs.recoveryPeriodDays) ?? 35 } : undefined,
        localBackups: local,
        copies,
        replicas: [],
        immutability: [],
        rpoOutside: { value: "", target: "", ok: false },
        rtoInAccount: { value: "", target: "", ok: false },
        rtoAccountLoss: { value: "", target: "", ok: false },
        gaps: [],
        notes: [],
    };
    if (!p.pitr) p.gaps.push("PITR is not enabled by this stack");
    else if (p.pitr.windowDays < PITR_WINDOW_DAYS)
        p.gaps.push(`PITR keeps ${p.pitr.windowDays} d, the requirements ask for ${PITR_WINDOW_DAYS} d`);
    if (!local.length) p.gaps.push("no AWS Backup rule selects this table");

    const shortestLocal = local.length ? Math.min(...local.map((l) => l.intervalHours)) : undefined;
    p.rpoInside = p.pitr
        ? { value: `${RPO_INSIDE_MINUTES} min (PITR)`, target: `${RPO_INSIDE_MINUTES} min`, ok: true }
        : {
              value: shortestLocal !== undefined ? `${hours(shortestLocal)} (backup rule)` : "none",
              target: `${RPO_INSIDE_MINUTES} min`,
              ok: false,
          };
    if (!p.rpoInside.ok) p.gaps.push(`RPO inside the account is ${p.rpoInside.value}, target ${p.rpoInside.target}`);

    const fastestCopy = copies.length
        ? copies.reduce((a, b) => (b.intervalHours < a.intervalHours ? b : a))
        : undefined;
    if (fastestCopy) {
        const worst = fastestCopy.intervalHours + (fastestCopy.completionWindowMinutes ?? 0) / 60;
        p.rpoOutside = {
            value: `${hours(fastestCopy.intervalHours)} ('${fastestCopy.rule}' copy; up to ${hours(worst)} with its job window)`,
            target: `${RPO_OUTSIDE_HOURS} h`,
            ok: fastestCopy.intervalHours <= RPO_OUTSIDE_HOURS,
        };
    } else {
        p.rpoOutside = { value: "no copy outside the account", target: `${RPO_OUTSIDE_HOURS} h`, ok: false };
    }
    const exported = scheduledOutside(ctx, "table-export", name);
    for (const e of exported)
        p.replicas.push({
            target: e.destination,
            detail: `${e.protection.mode ?? ""} export ${e.protection.expression} into ${e.bucket.name}, replicated to ${e.destination}${e.rtcMinutes ? ` (RTC ${e.rtcMinutes} min)` : ""}`,
        });
    if (exported.length && (!fastestCopy || scheduledRpoHours(exported[0]) < fastestCopy.intervalHours)) {
        const e = exported[0];
        p.rpoOutside = {
            value: `${duration(scheduledRpoHours(e))} (${e.protection.mode ?? ""} export every ${duration(e.protection.intervalHours)} + S3 RTC ${e.rtcMinutes ?? "?"} min, plus the export job's own minutes)`,
            target: `${RPO_OUTSIDE_HOURS} h`,
            ok: scheduledRpoHours(e) <= RPO_OUTSIDE_HOURS,
        };
    }
    if (!p.rpoOutside.ok) p.gaps.push(`RPO outside the account: ${p.rpoOutside.value}, target ${p.rpoOutside.target}`);

    p.rtoInAccount = cite(
        ctx,
        rtoMeasure(asset.rtoHours, p.pitr ? "pitr" : local.length ? "localVault" : undefined, "in-account restore"),
        name,
        asset.rtoHours,
    );
    p.rtoAccountLoss = cite(
        ctx,
        rtoMeasure(asset.rtoHours, copies.length ? "backupAccount" : undefined, "restore after account loss"),
        name,
        asset.rtoHours,
    );
    if (!p.rtoInAccount.ok) p.gaps.push(`RTO in the account: ${p.rtoInAccount.value}, target ${p.rtoInAccount.target}`);
    if (!p.rtoAccountLoss.ok)
        p.gaps.push(`RTO after account loss: ${p.rtoAccountLoss.value}, target ${p.rtoAccountLoss.target}`);

    if (asset.retentionDays !== undefined) {
        const longestCopy = Math.max(0, ...copies.map((c) => c.retentionDays ?? Infinity));
        const longestAny = Math.max(
            longestCopy,
            p.pitr?.windowDays ?? 0,
            ...local.map((l) => l.retentionDays ?? Infinity),
        );
        if (longestAny < asset.retentionDays)
            p.gaps.push(
                `recovery points keep at most ${longestAny} d < ${asset.retentionDays} d required (${asset.retention})`,
            );
        if (copies.length && longestCopy < asset.retentionDays) {
            p.gaps.push(
                `copies outside the account keep at most ${longestCopy} d < ${asset.retentionDays} d required (${asset.retention})`,
            );
        }
    }
    judgeColdPoints(ctx, p, archiveImport(ctx, name, asset));
    judgeCopies(p, alone);
    p.immutability = immutabilityOf(p, ctx.estate, ctx.stack);
    if (
        asset.criticality === "critical" &&
        copies.length &&
        copies.every((c) => c.destinationVault) &&
        !copies.some((c) => c.destinationVault?.lock?.mode === "compliance")
    ) {
        p.gaps.push("no copy of this critical asset is in a compliance-locked vault");
    }
    return p;
}

/** The archive-import path of a table's old points, as the resources make it. */
export interface ArchiveImportPath {
    hours: number;
    archive: string;
    /** The class the oldest export has in the archive, and the retrieval time that adds. */
    storageClass: string;
    retrievalHours: number;
    fullExport: string;
    incrementalExport?: string;
    /** False when the archive is not in the plan: its Object Lock and lifecycle are unverified. */
    verified: boolean;
}

/**
 * Restoring an old point from the exports instead (dr restore-from-export): a weekly full export of
 * the table replicated outside the account into an archive that keeps it for the asset's retention
 * (Object Lock days and expiration), read in the storage class it has at the end of that retention
 * (the replication rule's class, then the archive's lifecycle transitions). The fastest such archive.
 */
function archiveImport(ctx: Context, table: string, asset: DataAsset): ArchiveImportPath | undefined {
    const retention = asset.retentionDays;
    if (retention === undefined) return undefined;
    const exported = scheduledOutside(ctx, "table-export", table);
    const incremental = exported.find((e) => e.protection.mode === "incremental");
    const paths: ArchiveImportPath[] = [];
    for (const e of exported.filter((x) => x.protection.mode === "full")) {
        const name = e.destination.replace(/^arn:aws[\w-]*:s3:::/, "");
        const archive = ctx.estate.buckets.find((b) => b.name === name);
        const rule = e.bucket.replicatesTo.find((d) => d.bucketArn.endsWith(`:::${name}`));
        if (archive) {
            const lockDays = archive.objectLock?.days ?? (archive.objectLock?.years ?? 0) * 365;
            if (lockDays < retention) continue;
            if (archive.expireAfterDays !== undefined && archive.expireAfterDays < retention) continue;
        }
        const storageClass = storageClassOfObjectAt(
            rule?.storageClass ?? "STANDARD",
            archive?.transitions ?? [],
            retention,
        );
        const retrievalHours = s3RetrievalHours(storageClass);
        paths.push({
            hours: RESTORE_PATHS.archiveImport.hours + retrievalHours,
            archive: name,
            storageClass,
            retrievalHours,
            fullExport: e.protection.expression,
            incrementalExport: incremental?.protection.expression,
            verified: archive !== undefined,
        });
    }
    return paths.sort((a, b) => a.hours - b.hours || Number(b.verified) - Number(a.verified))[0];
}

/**
 * Copies kept past their move to cold storage cannot be copied back ("Backup and tag copy"), so
 * after account loss a point older than every copy's warm period takes the cold-point path, or the
 * archive-import path where the table's exports reach an archive that keeps them: the faster one.
 * Judged against the asset's RTO where its retention requires such points; a note otherwise.
 */
function judgeColdPoints(ctx: Context, p: AssetPosture, archive: ArchiveImportPath | undefined): void {
    const { copies, asset } = p;
    const warmDays = (c: CopyView) => c.coldAfterDays ?? c.retentionDays ?? Infinity;
    const coldCopies = copies.filter(
        (c) => c.coldAfterDays !== undefined && (c.retentionDays ?? Infinity) > c.coldAfterDays,
    );
    if (!coldCopies.length) return;
    const warmWindow = Math.max(...copies.map(warmDays));
    const oldestCold = Math.max(...coldCopies.map((c) => c.retentionDays ?? Infinity));
    if (oldestCold <= warmWindow) return;
    const coldHours = RESTORE_PATHS.backupAccountCold.hours;
    const rules = coldCopies.map((c) => `'${c.rule}'`).join(", ");
    const steps = CROSS_ACCOUNT_RESTORE_PATHS.coldPoint.id;
    if (asset.retentionDays !== undefined && asset.retentionDays > warmWindow) {
        const viaArchive = archive !== undefined && archive.hours < coldHours;
        const h = viaArchive ? archive.hours : coldHours;
        const path: RestorePath = viaArchive ? "archiveImport" : "backupAccountCold";
        p.rtoColdPoints = cite(
            ctx,
            {
                value: viaArchive
                    ? `${duration(h)} (archiveImport: ${CROSS_ACCOUNT_RESTORE_PATHS.archiveImport.id} of the ${archive.fullExport} full export${archive.incrementalExport ? ` and the ${archive.incrementalExport} incremental ones` : ""} from ${archive.archive}, ${archive.storageClass}${archive.retrievalHours ? ` + ${archive.retrievalHours} h S3 retrieval` : ", no S3 retrieval"}; the cold-point path takes ${hours(coldHours)}) for points older than ${warmWindow} d`
                    : `${hours(h)} (${path}: ${steps}) for points older than ${warmWindow} d`,
                target: hours(asset.rtoHours),
                ok: h <= asset.rtoHours,
                path,
                olderThanDays: warmWindow,
            },
            p.resource,
            asset.rtoHours,
        );
        if (archive && !archive.verified)
            p.notes.push(
                `${archive.archive} is not in this plan: its Object Lock retention and lifecycle, which the old points' archive path relies on, are unverified (plan with --all)`,
            );
        if (archive && !archive.incrementalExport)
            p.notes.push(
                `old points restored from the archive are at the weekly full exports' times (${archive.fullExport}): no incremental exports of this table`,
            );
        if (!p.rtoColdPoints.ok)
            p.gaps.push(
                p.rtoColdPoints.measured
                    ? `RTO after account loss for points older than ${warmWindow} d: measured ${duration(p.rtoColdPoints.measured.hours)} (${path}, ${p.rtoColdPoints.measured.source}), target ${hours(asset.rtoHours)}`
                    : viaArchive
                      ? `RTO after account loss for points older than ${warmWindow} d: ${duration(h)} from the archive (${archive.storageClass} in ${archive.archive}), target ${hours(asset.rtoHours)}`
                      : `RTO after account loss for points older than ${warmWindow} d: ${hours(h)}, target ${hours(asset.rtoHours)} (${rules} copies are cold then, and AWS Backup cannot copy a cold point${archive ? `; the archive path takes ${duration(archive.hours)}` : "; no full export of this table reaches an archive that keeps it that long"})`,
            );
    } else {
        p.notes.push(
            `${rules} copies are cold after ${warmWindow} d: AWS Backup cannot copy them back, so restoring one after account loss takes the cold-point path (${hours(coldHours)})`,
        );
    }
}

/**
 * Whether the replica's key lets the secret's writers encrypt through Secrets Manager in the
 * primary region: every later write is replicated with the writer's identity, which needs
 * kms:GenerateDataKey and kms:Encrypt on the replica key ("ReplicateSecretToRegions", Secrets Manager
 * API Reference). Undefined when the key is not one the plans create.
 */
function replicaKeyAdmitsWriters(ctx: Context, replica: Located): boolean | undefined {
    const keyArn = str(replica.r.inputs.replicaKmsKeyId);
    const key = ctx.estate.ofType(TYPES.kmsKey).find((k) => k.r.outputs.arn === keyArn);
    const text = str(key?.r.outputs.policy) ?? str(key?.r.inputs.policy);
    const primary = str(replica.r.inputs.region);
    if (!text || !primary) return undefined;
    const endpoint = `secretsmanager.${primary}.amazonaws.com`;
    const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
    interface KeyStatement {
        Effect?: string;
        Action?: unknown;
        Condition?: { StringEquals?: Record<string, unknown> };
    }
    const statements = (JSON.parse(text) as { Statement: KeyStatement[] }).Statement;
    return ["kms:GenerateDataKey", "kms:Encrypt"].every((action) =>
        statements.some(
            (st) =>
                st.Effect === "Allow" &&
                list(st.Action).some((a) => a === action || a === "kms:*" || a === `${action}*`) &&
                list(st.Condition?.StringEquals?.["kms:ViaService"]).includes(endpoint),
        ),
    );
}

function judgeSecret(ctx: Context, replica: Located, asset: DataAsset): AssetPosture {
    const name = str(replica.r.inputs.secretId) ?? replica.r.name;
    const region = str(replica.r.inputs.replicaRegion) ?? "?";
    const placement = replica.placement ?? { accountId: "?", region: "?" };
    const p: AssetPosture = {
        stack: ctx.stack,
        environment: ctx.environment,
        placement,
        resource: name,
        asset: assetView(asset),
        localBackups: [],
        copies: [],
        replicas: [
            {
                target: region,
                placement: { accountId: placement.accountId, region },
                detail: `replica in ${region} (same account)`,
            },
        ],
        immutability: [],
        rpoOutside: {
            value: "no copy outside the account (the replica is in the same account)",
            target: `${RPO_OUTSIDE_HOURS} h`,
            ok: false,
        },
        rtoInAccount: rtoMeasure(asset.rtoHours, "secretReplica", "in-account restore"),
        rtoAccountLoss: rtoMeasure(asset.rtoHours, undefined, "restore after account loss"),
        gaps: [],
        notes: [
            "the replica follows the primary within seconds: a region loss loses nothing, a deleted or overwritten value is lost in both",
        ],
    };
    if (replicaKeyAdmitsWriters(ctx, replica) === false)
        p.gaps.push(
            `the replica key does not let the secret's writers encrypt through Secrets Manager in ${placement.region}: later writes fail to replicate`,
        );
    const escrows = scheduledOutside(ctx, "secret-escrow", name);
    if (escrows.length) {
        const e = escrows[0];
        p.replicas.push({
            target: e.destination,
            detail: `escrow (envelope-encrypted under the backup account's key) ${e.protection.expression}${e.protection.onChange ? " and on every change" : ""} into ${e.bucket.name}, replicated to ${e.destination}`,
        });
        const worst = scheduledRpoHours(e);
        p.rpoOutside = e.protection.onChange
            ? {
                  value: `minutes after a change (EventBridge on CloudTrail events) + S3 RTC ${e.rtcMinutes ?? "?"} min; ${duration(worst)} at worst if an event is lost`,
                  target: `${RPO_OUTSIDE_HOURS} h`,
                  ok: true,
              }
            : {
                  value: `${duration(worst)} (escrow ${e.protection.expression} + S3 RTC ${e.rtcMinutes ?? "?"} min)`,
                  target: `${RPO_OUTSIDE_HOURS} h`,
                  ok: worst <= RPO_OUTSIDE_HOURS,
              };
        p.rtoAccountLoss = rtoMeasure(asset.rtoHours, "escrow", "restore after account loss");
        if (e.protection.onChange)
            p.notes.push(
                "change events come from CloudTrail: the stack assumes a trail logging this account's management events (the organization trail)",
            );
    } else {
        p.gaps.push("no encrypted export of the secret outside the account (the requirements' second protection)");
    }
    if (!p.rpoOutside.ok) p.gaps.push(`RPO outside the account: ${p.rpoOutside.value}, target ${p.rpoOutside.target}`);
    if (!p.rtoAccountLoss.ok)
        p.gaps.push(`RTO after account loss: ${p.rtoAccountLoss.value}, target ${p.rtoAccountLoss.target}`);
    return p;
}

function judgeUserPool(ctx: Context, poolName: string, exports: ScheduledOutside[], asset: DataAsset): AssetPosture {
    const e = exports[0];
    const worst = scheduledRpoHours(e);
    const p: AssetPosture = {
        stack: ctx.stack,
        environment: ctx.environment,
        placement: { accountId: e.bucket.accountId, region: e.bucket.region },
        resource: poolName,
        asset: assetView(asset),
        localBackups: [],
        copies: [],
        replicas: exports.map((x) => ({
            target: x.destination,
            detail: `export ${x.protection.expression} into ${x.bucket.name}, replicated to ${x.destination}${x.rtcMinutes ? ` (RTC ${x.rtcMinutes} min)` : ""}`,
        })),
        immutability: [],
        rpoOutside: {
            value: `${duration(worst)} (export ${e.protection.expression} + S3 RTC ${e.rtcMinutes ?? "?"} min)`,
            target: `${RPO_OUTSIDE_HOURS} h`,
            ok: worst <= RPO_OUTSIDE_HOURS,
        },
        rtoInAccount: rtoMeasure(asset.rtoHours, "userPoolImport", "in-account restore"),
        rtoAccountLoss: rtoMeasure(asset.rtoHours, "userPoolImport", "restore after account loss"),
        gaps: [],
        notes: ["passwords can never be exported: after an import every user resets their password"],
    };
    if (!p.rpoOutside.ok) p.gaps.push(`RPO outside the account: ${p.rpoOutside.value}, target ${p.rpoOutside.target}`);
    if (!p.rtoAccountLoss.ok)
        p.gaps.push(`RTO after account loss: ${p.rtoAccountLoss.value}, target ${p.rtoAccountLoss.target}`);
    return p;
}

function judgeBucket(ctx: Context, bucket: BucketView, asset: DataAsset): AssetPosture {
    const replicas = bucket.replicatesTo.map((dest) => {
        const target = ctx.estate.buckets.find((b) => b.arn === dest.bucketArn);
        return {
            target: dest.bucketArn,
            placement: target ? { accountId: target.accountId, region: target.region } : undefined,
            detail: `S3 replication to ${target?.name ?? dest.bucketArn}${dest.rtcMinutes ? ` (RTC ${dest.rtcMinutes} min)` : ""}`,
            bucket: target,
        };
    });
    const outside = replicas.filter((r) => !r.placement || r.placement.accountId !== bucket.accountId);
    const p: AssetPosture = {
        stack: ctx.stack,
        environment: ctx.environment,
        placement: { accountId: bucket.accountId, region: bucket.region },
        resource: bucket.name,
        asset: assetView(asset),
        localBackups: [],
        copies: [],
        replicas,
        immutability: [],
        rpoOutside: { value: "", target: `${RPO_OUTSIDE_HOURS} h`, ok: false },
        rtoInAccount: rtoMeasure(asset.rtoHours, undefined, "in-account restore"),
        rtoAccountLoss: rtoMeasure(
            asset.rtoHours,
            outside.length ? "archive" : undefined,
            "restore after account loss",
        ),
        gaps: [],
        notes: [],
    };
    if (bucket.versioned) {
        p.rtoInAccount = {
            value: "0 h (previous versions stay in the bucket)",
            target: hours(asset.rtoHours),
            ok: true,
        };
        p.notes.push("versioned: an overwritten or deleted export is recovered from its previous version");
    } else p.gaps.push("the bucket is not versioned");
    const rtc = outside
        .map((r) => bucket.replicatesTo.find((d) => d.bucketArn === r.target)?.rtcMinutes)
        .filter((m): m is number => m !== undefined);
    p.rpoOutside = outside.length
        ? {
              value: rtc.length ? `${Math.min(...rtc)} min (S3 RTC)` : "minutes (S3 replication, no RTC)",
              target: `${RPO_OUTSIDE_HOURS} h`,
              ok: true,
          }
        : { value: "no replication outside the account", target: `${RPO_OUTSIDE_HOURS} h`, ok: false };
    if (!p.rpoOutside.ok) p.gaps.push(`RPO outside the account: ${p.rpoOutside.value}, target ${p.rpoOutside.target}`);
    if (!p.rtoAccountLoss.ok)
        p.gaps.push(`RTO after account loss: ${p.rtoAccountLoss.value}, target ${p.rtoAccountLoss.target}`);
    if (
        asset.retentionDays !== undefined &&
        bucket.expireAfterDays !== undefined &&
        bucket.expireAfterDays < asset.retentionDays
    ) {
        p.gaps.push(
            `exports expire after ${bucket.expireAfterDays} d < ${asset.retentionDays} d required (${asset.retention})`,
        );
    }
    p.immutability.push(
        bucket.objectLock
            ? `${bucket.name}: Object Lock ${bucket.objectLock.mode} ${days(bucket.objectLock.days)}`
            : `${bucket.name}: no Object Lock`,
    );
    // The onward replicas pushed below join p.replicas (the same list): walk the direct ones only.
    for (const r of [...replicas]) {
        if (!r.bucket) {
            p.notes.push(`${r.target} is not in this plan: its Object Lock is unverified (plan with --all)`);
            continue;
        }
        const lock = r.bucket.objectLock;
        p.immutability.push(
            lock ? `${r.bucket.name}: Object Lock ${lock.mode} ${days(lock.days)}` : `${r.bucket.name}: no Object Lock`,
        );
        if (asset.retentionDays !== undefined && lock?.days !== undefined && lock.days < asset.retentionDays) {
            p.gaps.push(`${r.bucket.name}'s Object Lock keeps ${lock.days} d < ${asset.retentionDays} d required`);
        }
        // S3 User Guide, "What does Amazon S3 replicate?": a replica is not replicated onward. The
        // destination's own rules carry only what is written into it, never these exports.
        for (const onward of r.bucket.replicatesTo) {
            if (bucket.replicatesTo.some((d) => d.bucketArn === onward.bucketArn)) continue;
            const name = onward.bucketArn.replace(/^arn:aws[\w-]*:s3:::/, "");
            p.gaps.push(
                `${name} never receives these exports: ${r.bucket.name} replicates there, but S3 does not replicate a replica onward; replicate into it from ${bucket.name} directly`,
            );
        }
    }
    p.heldIn = [
        { accountId: bucket.accountId, region: bucket.region, how: "source" },
        ...replicas.map((r) => ({
            ...(r.placement ?? placementFromBucketName(r.target)),
            how: `replica in ${r.bucket?.name ?? r.target.replace(/^arn:aws[\w-]*:s3:::/, "")}`,
        })),
    ];
    return p;
}

const ACCOUNT_REGION_IN_BUCKET_NAME = /-(\d{12})-([a-z]{2}(?:-[a-z]+)+-\d)$/;

/** Buckets of another stack: account and region from the name, which every bucket here carries. */
function placementFromBucketName(arn: string): Placement {
    const m = ACCOUNT_REGION_IN_BUCKET_NAME.exec(arn.replace(/^arn:aws[\w-]*:s3:::/, ""));
    return { accountId: m?.[1] ?? "?", region: m?.[2] ?? "?" };
}

/** The criticality an unlisted table is judged with: high, so that its gaps show rather than hide. */
export const UNLISTED_TABLE_CRITICALITY = "high";

function unlistedTable(name: string): DataAsset {
    return {
        id: name,
        kind: "dynamodb-table",
        criticality: UNLISTED_TABLE_CRITICALITY,
        rtoHours: 4,
        retention: "unknown (not an asset of the requirements)",
        matches: (n) => n === name,
    };
}

/** True for a stack that deploys the application's data protection (a backup plan or PITR). */
function isDeploymentStack(estate: Estate, stack: string): boolean {
    return estate.ofType(TYPES.plan, stack).length > 0 || estate.ofType(TYPES.tablePitr, stack).length > 0;
}

function stackAssets(
    estate: Estate,
    run: PlannedStack,
    alone: boolean,
    measurements: MeasuredRto[],
): { assets: AssetPosture[]; unprotected: Posture["unprotected"]; unknown: string[] } {
    const ctx: Context = {
        estate,
        stack: run.stack,
        environment: environmentOf(run),
        protections: scheduledProtection(run.resources),
        measurements,
    };
    const assets: AssetPosture[] = [];
    const unknown: string[] = [];
    // Tables: every table a selection lists or a PITR resource covers.
    const tables = new Map<string, { placement: Placement; pitr?: Located }>();
    for (const sel of estate.ofType(TYPES.selection, run.stack)) {
        for (const arn of arr(sel.r.inputs.resources).map(str)) {
            const name = arn && tableNameOfArn(arn);
            const m = arn ? /^arn:aws[\w-]*:dynamodb:([a-z0-9-]+):(\d{12}):/.exec(arn) : null;
            if (name && m && !tables.has(name)) tables.set(name, { placement: { region: m[1], accountId: m[2] } });
        }
    }
    for (const pitr of estate.ofType(TYPES.tablePitr, run.stack)) {
        const name = str(pitr.r.inputs.tableName);
        if (!name) continue;
        const entry = tables.get(name) ?? { placement: pitr.placement ?? { accountId: "?", region: "?" } };
        tables.set(name, { ...entry, pitr });
    }
    for (const [name, { placement, pitr }] of tables) {
        const asset = assetFor(name, ctx.environment);
        if (!asset || asset.kind !== "dynamodb-table") {
            unknown.push(`${run.stack}: table ${name} is protected but is not an asset of the requirements`);
            // Still shown, judged as a high-criticality table, and marked: a backed-up table never disappears from the report.
            assets.push({ ...judgeTable(ctx, name, unlistedTable(name), placement, pitr, alone), unlisted: true });
        } else assets.push(judgeTable(ctx, name, asset, placement, pitr, alone));
    }
    for (const replica of estate.ofType(TYPES.secretReplica, run.stack)) {
        const name = str(replica.r.inputs.secretId) ?? replica.r.name;
        const asset = assetFor(name, ctx.environment);
        if (asset?.kind === "secret") assets.push(judgeSecret(ctx, replica, asset));
        else unknown.push(`${run.stack}: secret ${name} is replicated but is not an asset of the requirements`);
    }
    for (const pool of new Set(
        ctx.protections.filter((x) => x.task === "user-pool-export").flatMap((x) => x.subjects),
    )) {
        const asset = assetFor(pool, ctx.environment);
        const exports = scheduledOutside(ctx, "user-pool-export", pool);
        if (asset?.kind === "user-pool" && exports.length) assets.push(judgeUserPool(ctx, pool, exports, asset));
    }
    for (const bucket of estate.buckets.filter((b) => b.stack === run.stack)) {
        const asset = assetFor(bucket.name, ctx.environment);
        if (asset?.kind === "exports-bucket") assets.push(judgeBucket(ctx, bucket, asset));
    }
    const unprotected: Posture["unprotected"] = [];
    if (isDeploymentStack(estate, run.stack)) {
        for (const a of DATA_ASSETS) {
            if (!assets.some((p) => p.asset.id === a.id))
                unprotected.push({
                    stack: run.stack,
                    environment: ctx.environment,
                    asset: a.id,
                    criticality: a.criticality,
                });
        }
    }
    return { assets, unprotected, unknown };
}

/** API calls whose tamper alarm every stack holding backups needs (and, with tables, PITR switched off). */
export const TAMPER_CALLS_WATCHED = ["DeleteRecoveryPoint", "DeleteBackupVaultAccessPolicy", "ScheduleKeyDeletion"];

/**
 * Continuous proof of a stack holding backups: tamper alarms on the calls that weaken it (EventBridge
 * "AWS API Call via CloudTrail" rules, which need the organization trail) and a validator of its
 * restore tests (a rule on COMPLETED restore jobs). Read from the rules' event patterns.
 */
function proofGaps(estate: Estate, stack: string): string[] {
    if (estate.ofType(TYPES.vault, stack).length === 0) return [];
    const patterns = estate.ofType(TYPES.eventRule, stack).map((r) => {
        try {
            return JSON.parse(str(r.r.inputs.eventPattern) ?? "{}") as {
                "detail-type"?: string[];
                detail?: { eventName?: string[]; status?: string[] };
            };
        } catch {
            return {};
        }
    });
    const watched = new Set(
        patterns
            .filter((p) => arr(p["detail-type"]).includes("AWS API Call via CloudTrail"))
            .flatMap((p) => arr(p.detail?.eventName).map(String)),
    );
    const needed = [...TAMPER_CALLS_WATCHED, ...(isDeploymentStack(estate, stack) ? ["UpdateContinuousBackups"] : [])];
    const gaps: string[] = [];
    const missing = needed.filter((n) => !watched.has(n));
    if (missing.length)
        gaps.push(
            `${stack}: no tamper alarm on ${missing.join(", ")}: a change that weakens the backups goes unnoticed for a day`,
        );
    const validated = patterns.some(
        (p) =>
            arr(p["detail-type"]).includes("Restore Job State Change") && arr(p.detail?.status).includes("COMPLETED"),
    );
    if (estate.ofType(TYPES.restoreTestingPlan, stack).length === 0)
        gaps.push(`${stack}: no restore testing plan: no restore is ever tried`);
    else if (!validated) gaps.push(`${stack}: restore tests run but nothing validates what they restored`);
    return gaps;
}

/** Estate-wide checks that only a plan of several stacks can make. */
function estateGaps(estate: Estate, assets: AssetPosture[]): string[] {
    const gaps: string[] = [];
    const crossAccount = assets.some((a) => a.copies.some((c) => c.destination.accountId !== a.placement.accountId));
    const switchedOn = estate
        .ofType(TYPES.globalSettings)
        .some((g) => String(obj(g.r.inputs.globalSettings).isCrossAccountBackupEnabled) === "true");
    if (crossAccount && !switchedOn && estate.runs.length > 1) {
        gaps.push(
            "no planned stack switches cross-account backup on for the organization: every copy job into the backup account fails",
        );
    }
    return gaps;
}

/**
 * The posture of the planned stacks. One stack: what it protects, with what lives in other stacks
 * marked unverified. Several (`--all`): the backup stack's vault locks, Object Lock and
 * second-region copy complete the deployment stacks' copies.
 */
export function posture(runs: PlannedStack[], options: { measurements?: MeasuredRto[] } = {}): Posture {
    const estate = new Estate(runs);
    const measurements = options.measurements ?? [];
    const alone = runs.length === 1;
    const assets: AssetPosture[] = [];
    const unprotected: Posture["unprotected"] = [];
    const gaps: string[] = [];
    for (const run of runs) {
        const s = stackAssets(estate, run, alone, measurements);
        assets.push(...s.assets);
        unprotected.push(...s.unprotected);
        gaps.push(...s.unknown);
    }
    for (const a of assets)
        for (const g of a.gaps) gaps.push(`${a.stack}: ${a.resource} (${a.asset.criticality}): ${g}`);
    for (const u of unprotected) gaps.push(`${u.stack}: ${u.asset} (${u.criticality}) is not protected by this stack`);
    gaps.push(...estateGaps(estate, assets));
    const copyAlarms = judgeCopyAlarms(estate);
    for (const c of copyAlarms.filter((x) => !x.ok))
        gaps.push(
            `${c.stack}: no alarm sees copy jobs ${c.from} -> ${c.to} fail: AWS publishes them under BackupVaultName '${c.metricVaultName}' (the destination vault) in the source's account and region`,
        );
    gaps.push(...unpublishedDimensionGaps(estate));
    gaps.push(...replicationDestinationGaps(estate));
    const deploymentAccounts = runs
        .filter((r) => isDeploymentStack(estate, r.stack))
        .flatMap((r) => r.resources.filter((x) => x.type === TYPES.awsProvider))
        .map((p) => str(arr(p.inputs.allowedAccountIds)[0]))
        .filter((a): a is string => a !== undefined);
    const organization = organizationPosture(runs, deploymentAccounts);
    if (organization) gaps.push(...organization.gaps.map((g) => `organization: ${g}`));
    for (const run of runs) gaps.push(...proofGaps(estate, run.stack));
    for (const run of runs)
        if (isDeploymentStack(estate, run.stack)) gaps.push(...proofScheduleGaps(run.stack, run.resources));
    const used = new Set<RestorePath>();
    for (const a of assets)
        for (const m of [a.rtoInAccount, a.rtoAccountLoss, a.rtoColdPoints]) if (m?.path) used.add(m.path);
    return {
        stacks: runs.map((r) => r.stack),
        assets,
        unprotected,
        vaults: estate.vaults,
        buckets: estate.buckets,
        flows: estate.flows,
        gaps,
        assumptions: [...used].map((path) => ({
            path,
            ...RESTORE_PATHS[path],
            measured: measurements.filter((m) => m.path === path).sort((a, b) => b.endedAt.localeCompare(a.endedAt))[0],
        })),
        copyAlarms,
        organization,
        proofSchedules: runs.flatMap((r) => proofScheduleLines(r.resources).map((l) => `${r.stack}: ${l}`)),
    };
}

/**
 * Every copy between vaults (copy actions, the second-region copy) and the alarm that sees it
 * fail. AWS Backup, "Metrics with CloudWatch": "the vault name of copy jobs is that of their
 * destination vault"; the job, and so its metric, is in the source vault's account and region.
 */
function judgeCopyAlarms(estate: Estate): CopyAlarmView[] {
    const alarms = estate.ofType(TYPES.metricAlarm);
    return estate.flows
        .filter((f) => f.kind === "copy-action" || f.kind === "second-region-copy")
        .map((f) => {
            const metricVaultName = vaultNameOfArn(f.to) ?? f.to;
            const source = parseVaultArn(f.from);
            const alarm = alarms.find(
                (a) =>
                    a.stack === f.stack &&
                    a.r.inputs.namespace === AWS_BACKUP_NAMESPACE &&
                    a.r.inputs.metricName === "NumberOfCopyJobsFailed" &&
                    obj(a.r.inputs.dimensions).BackupVaultName === metricVaultName &&
                    (!source || samePlace(a.placement, source)),
            );
            return {
                stack: f.stack,
                from: f.from,
                to: f.to,
                metricVaultName,
                alarm: alarm ? (str(alarm.r.inputs.name) ?? alarm.r.name) : undefined,
                ok: alarm !== undefined,
            };
        });
}

/**
 * What S3 needs of a replication destination in the plan (S3 User Guide, "Amazon S3 replication
 * failure reasons"): versioning on (DstBucketUnversioned), and Object Lock when the source has it
 * (DstBucketObjectLockConfigMissing). A destination outside the plan is left to `--all`.
 */
function replicationDestinationGaps(estate: Estate): string[] {
    const gaps: string[] = [];
    for (const source of estate.buckets) {
        for (const dest of source.replicatesTo) {
            const target = estate.buckets.find((b) => b.arn === dest.bucketArn);
            if (!target) continue;
            if (!target.versioned)
                gaps.push(
                    `${source.stack}: ${source.name} replicates into ${target.name}, which is not versioned: S3 fails every replication (DstBucketUnversioned)`,
                );
            if (source.objectLock && !target.objectLock)
                gaps.push(
                    `${source.stack}: ${source.name} has Object Lock but ${target.name} has none: S3 fails the replication (DstBucketObjectLockConfigMissing)`,
                );
        }
    }
    return gaps;
}

/** CloudWatch, AWS/Backup supported metrics: an alarm on another dimension set matches no series. */
function unpublishedDimensionGaps(estate: Estate): string[] {
    return estate
        .ofType(TYPES.metricAlarm)
        .filter((a) => a.r.inputs.namespace === AWS_BACKUP_NAMESPACE)
        .filter((a) => !isPublishedDimensionSet(Object.keys(obj(a.r.inputs.dimensions))))
        .map(
            (a) =>
                `${a.stack}: alarm ${str(a.r.inputs.name) ?? a.r.name} watches ${String(a.r.inputs.metricName)} by {${Object.keys(obj(a.r.inputs.dimensions)).join(", ")}}, a dimension set AWS/Backup does not publish: it never fires`,
        );
}
