/**
 * The project's one cost module: the strategy's estimated monthly cost per account and per
 * protection, from the sizes stated in config (`costEstimate`) and a dated price table, with every
 * assumption printed under the table. A pure function of the validated config, so a config change
 * shows its cost difference (`npm run plan -- --stack prod --cost-compare other.yaml`).
 *
 * Extension point: a `CostContributor` adds lines (the schedules' costs, `schedulesContributor`,
 * plug in this way); `estimateCost(stack, cfg, [...DEFAULT_CONTRIBUTORS, mine])`.
 *
 * Prices: from AWS's pricing pages (https://aws.amazon.com/backup/pricing/,
 * https://aws.amazon.com/dynamodb/pricing/, https://aws.amazon.com/s3/pricing/, KMS and CloudWatch
 * pricing), without free tiers, taxes or discounts. The stored copies of those pages available here
 * show the us-east-1 rates (DynamoDB backup warm $0.10, cold storage ~$0.01, PITR $0.20 per GB-month,
 * $0.02/GB between regions); the eu-west-2 and eu-west-1 rows below apply the regions' usual uplift
 * to them and are estimates to compare choices, not a bill: check the live pages before budgeting
 * and update PRICE_TABLE with its date.
 */
import { scheduleIntervalHours, schedulerIntervalHours } from "../aws/rules";
import { exportTables } from "../naming/scheduledProtection";
import type { BackupConfig, DeploymentConfig, StackConfig } from "../stacks/config";

export interface RegionPrices {
    /** DynamoDB continuous backups (PITR), per GB-month of table size. */
    pitrGbMonth: number;
    /** AWS Backup, DynamoDB warm storage, per GB-month. */
    backupWarmGbMonth: number;
    /** AWS Backup, DynamoDB cold storage, per GB-month. */
    backupColdGbMonth: number;
    /** DynamoDB export to S3, per GB exported. */
    exportGb: number;
    /** S3 Standard, per GB-month. */
    s3StandardGbMonth: number;
    /** S3 Glacier Flexible Retrieval, per GB-month. */
    s3GlacierGbMonth: number;
    /** S3 Replication Time Control, per GB replicated. */
    s3RtcGb: number;
    /** Data transfer between regions, per GB (copies and replication to the other region). */
    interRegionGb: number;
    /** A customer-managed KMS key, per month. */
    kmsKeyMonth: number;
    /** A standard-resolution CloudWatch alarm metric, per month. */
    alarmMonth: number;
    /** DynamoDB incremental export, per GB of changed data processed (priced like a full export here: check the live page). */
    incrementalExportGb: number;
    /** DynamoDB restore (a restore test restores the whole table), per GB. */
    restoreGb: number;
    /** Lambda (x86), per GB-second of duration. */
    lambdaGbSecond: number;
    /** Lambda, per request. */
    lambdaRequest: number;
    /** EventBridge Scheduler, per invocation (after the free tier, which this estimate ignores). */
    schedulerInvocation: number;
    /** S3 Standard PUT, COPY, POST or LIST, per request. */
    s3PutRequest: number;
}

export interface PriceTable {
    asOf: string;
    currency: "USD";
    regions: Record<string, RegionPrices>;
}

export const PRICE_TABLE: PriceTable = {
    asOf: "2026-11-29",
    currency: "USD",
    regions: {
        "eu-west-2": {
            pitrGbMonth: 0.2376,
            backupWarmGbMonth: 0.1188,
            backupColdGbMonth: 0.0119,
            exportGb: 0.1188,
            s3StandardGbMonth: 0.024,
            s3GlacierGbMonth: 0.0045,
            s3RtcGb: 0.015,
            interRegionGb: 0.02,
            kmsKeyMonth: 1,
            alarmMonth: 0.1,
            incrementalExportGb: 0.1188,
            restoreGb: 0.1782,
            lambdaGbSecond: 0.0000166667,
            lambdaRequest: 0.0000002,
            schedulerInvocation: 0.000001,
            s3PutRequest: 0.0000053,
        },
        "eu-west-1": {
            pitrGbMonth: 0.22,
            backupWarmGbMonth: 0.11,
            backupColdGbMonth: 0.011,
            exportGb: 0.11,
            s3StandardGbMonth: 0.023,
            s3GlacierGbMonth: 0.0036,
            s3RtcGb: 0.015,
            interRegionGb: 0.02,
            kmsKeyMonth: 1,
            alarmMonth: 0.1,
            incrementalExportGb: 0.11,
            restoreGb: 0.165,
            lambdaGbSecond: 0.0000166667,
            lambdaRequest: 0.0000002,
            schedulerInvocation: 0.000001,
            s3PutRequest: 0.000005,
        },
    },
};

export interface CostLine {
    /** The account that pays. */
    account: string;
    protection: string;
    /** USD per month at month 1 and at the horizon. */
    monthly: number;
    atHorizon: number;
}

export interface CostEstimate {
    stack: string;
    horizonMonths: number;
    lines: CostLine[];
    assumptions: string[];
    priceTable: { asOf: string; regions: string[] };
}

export interface CostContext {
    stack: string;
    cfg: StackConfig;
    prices: (region: string) => RegionPrices;
    /** Growth factor at month m (1 at month 1). */
    grow: (month: number) => number;
    horizonMonths: number;
}

/** Adds lines and the assumptions behind them. */
export type CostContributor = (ctx: CostContext) => { lines: CostLine[]; assumptions: string[] };

const DAYS_PER_MONTH = 30.4;

function pricesFor(table: PriceTable, region: string): RegionPrices {
    const found = table.regions[region];
    if (!found)
        throw new Error(
            `the cost estimate has no prices for ${region}: add the region to PRICE_TABLE (offline/cost.ts) from AWS's pricing pages`,
        );
    return found;
}

/** Warm and cold recovery points a rule keeps in steady state (full backups: DynamoDB backups are not incremental). */
export function retainedPoints(
    intervalHours: number,
    lifecycle: { deleteAfterDays?: number; moveToColdStorageAfterDays?: number },
): { warm: number; cold: number; perMonth: number } {
    const everyDays = intervalHours / 24;
    const keepDays = lifecycle.deleteAfterDays ?? 2557;
    const warmDays = Math.min(keepDays, lifecycle.moveToColdStorageAfterDays ?? keepDays);
    return {
        warm: Math.ceil(warmDays / everyDays),
        cold: Math.max(0, Math.ceil(keepDays / everyDays) - Math.ceil(warmDays / everyDays)),
        perMonth: DAYS_PER_MONTH / everyDays,
    };
}

const round = (n: number) => Math.round(n * 100) / 100;

const HOURS_PER_MONTH = 730;

/** Runs a month of an EventBridge Scheduler expression. */
const runsPerMonth = (expression: string) => HOURS_PER_MONTH / schedulerIntervalHours(expression);

/** One user's record in a user-pool export (attributes, groups), in GB: an assumption, printed. */
const USER_EXPORT_GB = 2 / 1024 / 1024;

/**
 * GB a month the schedules write into the exports bucket, at a size growth factor: each weekly full
 * export writes its tables' size, each hourly incremental export the hour's changed data (the stated
 * daily change share), each user-pool export every user's record.
 */
export function scheduledExportVolume(
    cfg: DeploymentConfig,
    growth = 1,
): { fullGb: number; incrementalGb: number; userPoolGb: number; total: number } {
    const size = (t: string) => (cfg.costEstimate.tableSizesGb[t] ?? cfg.costEstimate.defaultTableSizeGb) * growth;
    const tables = exportTables(cfg);
    const a = cfg.automation;
    const fullGb = tables.full.length
        ? tables.full.reduce((sum, t) => sum + size(t), 0) * runsPerMonth(a.tableExports.full.schedule)
        : 0;
    // Each hour exports that hour's changes: a month of them carries a month of changes.
    const incrementalGb =
        tables.incremental.reduce((sum, t) => sum + size(t), 0) *
        (cfg.costEstimate.dailyChangePercent / 100) *
        DAYS_PER_MONTH;
    const userPoolGb = a.userPoolExport.enabled
        ? cfg.costEstimate.users * USER_EXPORT_GB * runsPerMonth(a.userPoolExport.schedule)
        : 0;
    return { fullGb, incrementalGb, userPoolGb, total: fullGb + incrementalGb + userPoolGb };
}

/** The deployment account: PITR, local vault, copies into the backup account, exports and replication, keys. */
export const deploymentContributor: CostContributor = (ctx) => {
    if (ctx.cfg.role !== "deployment") return { lines: [], assumptions: [] };
    const cfg: DeploymentConfig = ctx.cfg;
    const p = ctx.prices(cfg.region);
    const central = ctx.prices(cfg.backupAccount.region);
    const sizeGb = cfg.tables.reduce(
        (sum, t) => sum + (cfg.costEstimate.tableSizesGb[t] ?? cfg.costEstimate.defaultTableSizeGb),
        0,
    );
    const here = `${cfg.environment} (${cfg.accountId})`;
    const backupAccount = `backup (${cfg.backupAccount.accountId})`;
    const lines: CostLine[] = [];
    const add = (account: string, protection: string, perGbAtSize: (gb: number) => number) =>
        lines.push({
            account,
            protection,
            monthly: round(perGbAtSize(sizeGb * ctx.grow(1))),
            atHorizon: round(perGbAtSize(sizeGb * ctx.grow(ctx.horizonMonths))),
        });

    add(here, "PITR (continuous backups)", (gb) => gb * p.pitrGbMonth);
    let warm = 0;
    let cold = 0;
    let copiedWarm = 0;
    let copiedCold = 0;
    let copiesPerMonth = 0;
    for (const rule of Object.values(cfg.backupRules)) {
        const interval = scheduleIntervalHours(rule.schedule);
        const local = retainedPoints(interval, rule.lifecycle);
        warm += local.warm;
        cold += local.cold;
        if (rule.copyToBackupAccount) {
            const copy = retainedPoints(interval, rule.copyToBackupAccount);
            copiedWarm += copy.warm;
            copiedCold += copy.cold;
            copiesPerMonth += copy.perMonth;
        }
    }
    add(here, "AWS Backup warm storage (local vault)", (gb) => gb * warm * p.backupWarmGbMonth);
    add(here, "AWS Backup cold storage (local vault)", (gb) => gb * cold * p.backupColdGbMonth);
    add(
        backupAccount,
        "copies in the central vault (warm + cold)",
        (gb) => gb * (copiedWarm * central.backupWarmGbMonth + copiedCold * central.backupColdGbMonth),
    );
    if (cfg.backupAccount.region !== cfg.region)
        add(here, "cross-region copy transfer", (gb) => gb * copiesPerMonth * p.interRegionGb);
    // Stated (manual) exports plus what the schedules write, at month 1 and at the horizon's size.
    const exportsAt = (m: number) => cfg.costEstimate.exportsGbPerMonth + scheduledExportVolume(cfg, ctx.grow(m)).total;
    const exportsGb = exportsAt(1);
    const horizonGb = exportsAt(ctx.horizonMonths);
    const retainedMonths = Math.min(cfg.exportsBucket.expireAfterDays / DAYS_PER_MONTH, 84);
    // The exports are replicated into both archives (one RTC rule each); transfer only where a region differs.
    const replicatedGbPrice =
        p.s3RtcGb * 2 +
        (cfg.backupAccount.region !== cfg.region ? p.interRegionGb : 0) +
        (cfg.backupAccount.drRegion !== cfg.region ? p.interRegionGb : 0);
    lines.push({
        account: here,
        protection: "exports bucket + RTC replication",
        monthly: round(exportsGb * replicatedGbPrice + exportsGb * p.s3StandardGbMonth),
        atHorizon: round(
            horizonGb * replicatedGbPrice +
                Math.min(retainedMonths, ctx.horizonMonths) * horizonGb * p.s3GlacierGbMonth,
        ),
    });
    const keys = 3; // backup key, alert topic key, DR-region secrets key
    lines.push({
        account: here,
        protection: "KMS keys",
        monthly: keys * p.kmsKeyMonth,
        atHorizon: keys * p.kmsKeyMonth,
    });
    return {
        lines,
        assumptions: [
            `${cfg.tables.length} tables, ${round(sizeGb)} GB in total (costEstimate.tableSizesGb, else ${cfg.costEstimate.defaultTableSizeGb} GB each), growing ${cfg.costEstimate.monthlyGrowthPercent}% a month`,
            "AWS Backup keeps a full copy per DynamoDB recovery point; points retained = retention ÷ interval, warm until the cold transition",
            `copies into the backup account are priced in ${cfg.backupAccount.region}; a same-region cross-account copy has no transfer charge`,
            `exports: ${round(exportsGb)} GB a month at month 1: ${cfg.costEstimate.exportsGbPerMonth} GB stated (costEstimate.exportsGbPerMonth) plus what the schedules write (weekly full exports of their tables' size, hourly incremental exports of ${cfg.costEstimate.dailyChangePercent}% of the critical tables a day (costEstimate.dailyChangePercent), user-pool exports); RTC per GB into each of the two archives, plus transfer to the archive in another region; archive storage is the backup account's (Object Lock)`,
            "restores other than the restore tests, API requests and EventBridge rules on AWS events are not priced (small or free); the schedules' Lambda, Scheduler and PUT costs are their own lines",
        ],
    };
};

/** The backup account: the DR-region copy, the optional air-gapped vault, the archive replication. */
export const backupAccountContributor: CostContributor = (ctx) => {
    if (ctx.cfg.role !== "backup") return { lines: [], assumptions: [] };
    const cfg: BackupConfig = ctx.cfg;
    const p = ctx.prices(cfg.region);
    const dr = ctx.prices(cfg.drRegion);
    const here = `backup (${cfg.accountId})`;
    const est = cfg.costEstimate;
    const at = (m: number) => ({ stored: est.storedGb * ctx.grow(m), copied: est.copiedGbPerMonth * ctx.grow(m) });
    const line = (protection: string, cost: (s: { stored: number; copied: number }) => number): CostLine => ({
        account: here,
        protection,
        monthly: round(cost(at(1))),
        atHorizon: round(cost(at(ctx.horizonMonths))),
    });
    const lines = [
        line("DR-region vault copy (storage)", (s) => s.stored * dr.backupWarmGbMonth),
        line("DR-region copy transfer", (s) => s.copied * p.interRegionGb),
    ];
    if (cfg.airGappedVault.enabled)
        lines.push(line("logically air-gapped vault", (s) => s.stored * p.backupWarmGbMonth));
    lines.push({ account: here, protection: "KMS keys", monthly: 6 * p.kmsKeyMonth, atHorizon: 6 * p.kmsKeyMonth });
    return {
        lines,
        assumptions: [
            `the central vault holds ${est.storedGb} GB and receives ${est.copiedGbPerMonth} GB a month (costEstimate), growing ${est.monthlyGrowthPercent}% a month; its own storage is priced by each deployment stack`,
            "the DR-region copy is priced as warm storage (the copy runs before any cold transition)",
            cfg.airGappedVault.enabled
                ? "the air-gapped vault is priced like warm AWS Backup storage of the same size"
                : "no air-gapped vault (airGappedVault.enabled is false): enabling it adds its storage",
        ],
    };
};

/** What one scheduled function costs a month: Lambda duration and requests, Scheduler invocations, S3 PUTs, plus its own service charge. */
interface ScheduleCost {
    protection: string;
    runs: number;
    /** Typical seconds a run takes (an assumption, printed), at the function's memory. */
    seconds: number;
    memoryGb: number;
    puts: number;
    /** The service's own charge (DynamoDB exports, restores), at a growth factor. */
    service: (growth: number) => number;
}

/**
 * The monthly cost of each schedule of a deployment stack (issue 16 item 6): secret escrow, user-pool
 * export, weekly full and hourly incremental table exports, the user-pool round trip, the evidence
 * pack and the restore tests. The hourly incremental exports can be switched off
 * (`automation.tableExports.incremental.enabled: false`) and the difference shows line by line.
 */
export const schedulesContributor: CostContributor = (ctx) => {
    if (ctx.cfg.role !== "deployment") return { lines: [], assumptions: [] };
    const cfg: DeploymentConfig = ctx.cfg;
    const p = ctx.prices(cfg.region);
    const a = cfg.automation;
    const here = `${cfg.environment} (${cfg.accountId})`;
    const size = (t: string) => cfg.costEstimate.tableSizesGb[t] ?? cfg.costEstimate.defaultTableSizeGb;
    const tables = exportTables(cfg);
    const critical = cfg.secrets.filter((x) => x.critical);
    const schedules: ScheduleCost[] = [];
    if (a.secretEscrow.enabled && critical.length)
        schedules.push({
            protection: "schedule: secret escrow",
            runs: runsPerMonth(a.secretEscrow.schedule),
            seconds: 5,
            memoryGb: 0.25,
            puts: critical.length * 2,
            service: () => 0,
        });
    if (a.userPoolExport.enabled)
        schedules.push({
            protection: "schedule: user-pool export",
            runs: runsPerMonth(a.userPoolExport.schedule),
            seconds: 30,
            memoryGb: 0.25,
            puts: 1,
            service: () => 0,
        });
    const volume = (g: number) => scheduledExportVolume(cfg, g);
    if (tables.full.length)
        schedules.push({
            protection: "schedule: table exports, weekly full",
            runs: runsPerMonth(a.tableExports.full.schedule),
            seconds: 5,
            memoryGb: 0.25,
            // DynamoDB writes the export's data files and manifests itself (its PUTs are not billed to the account here).
            puts: 0,
            service: (g) => volume(g).fullGb * p.exportGb,
        });
    if (tables.incremental.length)
        schedules.push({
            protection: "schedule: table exports, hourly incremental",
            runs: runsPerMonth(`cron(${a.tableExports.incremental.minute} * * * ? *)`),
            seconds: 5,
            memoryGb: 0.25,
            puts: 0,
            service: (g) => volume(g).incrementalGb * p.incrementalExportGb,
        });
    if (a.userPoolRoundTrip.enabled && a.userPoolExport.enabled)
        schedules.push({
            protection: "schedule: user-pool round trip",
            runs: runsPerMonth(a.userPoolRoundTrip.schedule),
            // The import job is polled until it ends: minutes, at the app's user count.
            seconds: 300,
            memoryGb: 0.25,
            puts: 1,
            // Cognito's CSV import adds no MAU charge (CreateUserImportJob); the scratch pool lives minutes.
            service: () => 0,
        });
    if (a.evidencePack.enabled)
        schedules.push({
            protection: "schedule: evidence pack",
            runs: runsPerMonth(a.evidencePack.schedule),
            seconds: 30,
            memoryGb: 0.25,
            puts: 2,
            service: () => 0,
        });
    const restoreTables = cfg.monitoring.restoreTest.tables ?? cfg.tables.filter((t) => t.endsWith("-receipts"));
    const restoreRuns = HOURS_PER_MONTH / scheduleIntervalHours(cfg.monitoring.restoreTest.schedule);
    if (restoreTables.length)
        schedules.push({
            protection: "schedule: restore tests (restore + validation)",
            runs: restoreRuns,
            // The validator: one check per restore plus the hourly count sweep (lambdas/validateRestore).
            seconds: 10,
            memoryGb: 0.25,
            puts: 0,
            service: (g) => restoreTables.reduce((sum, t) => sum + size(t) * g, 0) * restoreRuns * p.restoreGb,
        });
    const cost = (sc: ScheduleCost, g: number) =>
        sc.runs *
            (sc.seconds * sc.memoryGb * p.lambdaGbSecond +
                p.lambdaRequest +
                p.schedulerInvocation +
                sc.puts * p.s3PutRequest) +
        sc.service(g);
    return {
        lines: schedules.map((sc) => ({
            account: here,
            protection: sc.protection,
            monthly: round(cost(sc, ctx.grow(1))),
            atHorizon: round(cost(sc, ctx.grow(ctx.horizonMonths))),
        })),
        assumptions: schedules.length
            ? [
                  `schedules: Lambda ${p.lambdaGbSecond}/GB-s and ${p.lambdaRequest}/request, EventBridge Scheduler ${p.schedulerInvocation}/invocation (free tier ignored), S3 ${p.s3PutRequest}/PUT; typical run times assumed: escrow 5 s, user-pool export 30 s, export starts 5 s, round trip 300 s, evidence pack 30 s, restore validation 10 s, at 256 MB`,
                  `table exports: full exports priced per GB exported, incremental exports per GB of changed data (${cfg.costEstimate.dailyChangePercent}% of each critical table a day, costEstimate.dailyChangePercent) at the full-export rate; turn the hourly ones off with automation.tableExports.incremental.enabled: false`,
                  `restore tests: each run restores the whole table (AWS Backup restore per GB); user exports ~2 KB per user (costEstimate.users)`,
              ]
            : [],
    };
};

export const DEFAULT_CONTRIBUTORS: CostContributor[] = [
    deploymentContributor,
    schedulesContributor,
    backupAccountContributor,
];

export function estimateCost(
    stack: string,
    cfg: StackConfig,
    contributors: CostContributor[] = DEFAULT_CONTRIBUTORS,
    prices: PriceTable = PRICE_TABLE,
): CostEstimate {
    const growth = cfg.role === "organization" ? 0 : (cfg.costEstimate.monthlyGrowthPercent ?? 0) / 100;
    const horizonMonths = cfg.role === "organization" ? 12 : cfg.costEstimate.horizonMonths;
    const ctx: CostContext = {
        stack,
        cfg,
        prices: (region) => pricesFor(prices, region),
        grow: (month) => (1 + growth) ** (month - 1),
        horizonMonths,
    };
    const parts = contributors.map((c) => c(ctx));
    const regions = cfg.role === "organization" ? [cfg.region] : [cfg.region, cfg.drRegion];
    return {
        stack,
        horizonMonths,
        lines: parts.flatMap((p) => p.lines),
        assumptions: [
            `prices: AWS list prices in USD as of ${prices.asOf} for ${regions.join(", ")} (offline/cost.ts PRICE_TABLE), no free tier, tax or discount`,
            ...parts.flatMap((p) => p.assumptions),
        ],
        priceTable: { asOf: prices.asOf, regions },
    };
}

const usd = (n: number) => `$${n.toFixed(2)}`;

export function renderCost(estimate: CostEstimate): string {
    if (!estimate.lines.length)
        return `Estimated monthly cost (${estimate.stack}): nothing this stack stores is priced`;
    const width = Math.max(...estimate.lines.map((l) => l.account.length + l.protection.length + 3), 40);
    const lines = [
        `Estimated monthly cost (${estimate.stack}), ${PRICE_TABLE.currency}:`,
        `    ${"account / protection".padEnd(width)}  ${"month 1".padStart(10)}  ${`month ${estimate.horizonMonths}`.padStart(10)}`,
    ];
    for (const l of estimate.lines)
        lines.push(
            `    ${`${l.account} / ${l.protection}`.padEnd(width)}  ${usd(l.monthly).padStart(10)}  ${usd(l.atHorizon).padStart(10)}`,
        );
    const accounts = [...new Set(estimate.lines.map((l) => l.account))];
    for (const a of accounts) {
        const of = estimate.lines.filter((l) => l.account === a);
        const sum = (k: "monthly" | "atHorizon") => of.reduce((s, l) => s + l[k], 0);
        lines.push(
            `    ${`total ${a}`.padEnd(width)}  ${usd(sum("monthly")).padStart(10)}  ${usd(sum("atHorizon")).padStart(10)}`,
        );
    }
    lines.push("  Assumptions:", ...estimate.assumptions.map((a) => `    - ${a}`));
    return lines.join("\n");
}

/** Line by line difference of two estimates (a config change), month 1. */
export function renderCostDifference(before: CostEstimate, after: CostEstimate): string {
    const key = (l: CostLine) => `${l.account} / ${l.protection}`;
    const keys = [...new Set([...before.lines, ...after.lines].map(key))];
    const value = (e: CostEstimate, k: string) => e.lines.find((l) => key(l) === k)?.monthly ?? 0;
    const out = ["Cost difference of the change (month 1):"];
    let total = 0;
    for (const k of keys) {
        const d = round(value(after, k) - value(before, k));
        total += d;
        if (d !== 0) out.push(`    ${k}: ${d > 0 ? "+" : "-"}${usd(Math.abs(d))}`);
    }
    out.push(`    total: ${total >= 0 ? "+" : "-"}${usd(Math.abs(round(total)))} a month`);
    return out.join("\n");
}
