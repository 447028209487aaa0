/**
 * `restore-account`: rebuild the data of a lost account from the backup account.
 *
 * A vault access policy can only grant `backup:CopyIntoBackupVault` to other accounts, so a restore
 * in another account takes two hands: with the backup account's credentials, the newest recovery
 * point (or the newest before --as-of) of each table is copied from the central (or DR) vault into
 * the target account's local vault, by the copy-back role; with the target account's credentials,
 * each copy is restored under its original name. Then item counts and sentinels are checked, and
 * every step is timed against the RTO targets of the requirements.
 */
import {
    DescribeCopyJobCommand,
    DescribeRecoveryPointCommand,
    DescribeRestoreJobCommand,
    GetRecoveryPointRestoreMetadataCommand,
    ListRecoveryPointsByBackupVaultCommand,
    RecoveryPointByBackupVault,
    StartCopyJobCommand,
    StartRestoreJobCommand,
} from "@aws-sdk/client-backup";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as naming from "../../naming";
import {
    ConfigError,
    DeploymentConfig,
    StackConfig,
    parseStackConfig,
    projectKeys,
    readStackFile,
} from "../../stacks/config";
import { readAllPages } from "../aws/gate";
import { waitFor } from "../aws/waiter";
import { DrContext } from "../context";
import {
    DrError,
    ExitCode,
    ExitCodeValue,
    MissingConfigError,
    UsageError,
    errorMessage,
    isCredentialError,
} from "../errors";
import { Journal } from "../journal";
import { Report } from "../output";
import { Sentinels } from "../sentinels";
import { Criticality, tableArn, tableCriticality, tableTarget } from "../stack";
import { compactTimestamp, formatDuration, parseTime } from "../time";
import { checkAccount, describeTableIfExists, parseList } from "./common";
import { applyTableSettings, waitTableActive } from "./tableSettings";
import { CommandSpec } from "./types";
import * as valid from "../validate";

export interface RestoreAccountOptions {
    asOf?: string;
    vault: string;
    only?: string;
    targetAccountId?: string;
    kmsKeyArn?: string;
    copyRetentionDays: number;
    sentinels?: string;
    sourceRegion?: string;
    sourceAccountId?: string;
    targetEnv?: string;
    backupStack: string;
}

/** What one table's restore has started, recorded so that the same command run again resumes it. */
export interface TableProgress {
    recoveryPointArn?: string;
    recoveryPointCreated?: string;
    copyJobId?: string;
    copiedRecoveryPointArn?: string;
    restoreJobId?: string;
}

/** The run's journal: times resolved once (a relative --as-of, the drill prefix) and each table's progress. */
export interface PipelineState {
    startedAt: number;
    asOf?: string;
    tables: Record<string, TableProgress>;
}

/** What happened to one table, start to finish. */
export interface ResourceOutcome {
    table: string;
    restoredAs: string;
    criticality: Criticality;
    rtoHours: number;
    ok: boolean;
    error?: string;
    /** What to do about the error. */
    hint?: string;
    recoveryPointArn?: string;
    recoveryPointCreated?: string;
    copyJobId?: string;
    copiedRecoveryPointArn?: string;
    restoreJobId?: string;
    /** True once a table was created by this run (so a drill knows what to clean up). */
    created: boolean;
    itemCount?: number;
    sentinel: "present" | "missing" | "not configured" | "not checked";
    timings: Record<string, number>;
    elapsedMs: number;
}

export interface PipelineOptions {
    stack: DeploymentConfig;
    targetAccountId: string;
    vaultName: string;
    vaultRegion: string;
    /** Where the lost tables lived: their ARNs name the recovery points. */
    sourceRegion: string;
    /** Where they are restored (differs from sourceRegion after a region loss). */
    targetRegion: string;
    /** The lost account: its table ARNs name the recovery points (the stack may already name the new one). */
    sourceAccountId: string;
    /** The environment whose vault and backup role the target account has (differs in a drill elsewhere). */
    targetEnvironment: string;
    asOf?: Date;
    tables: string[];
    /** The name each table is restored under: the original, or a scratch name in a drill. */
    nameFor: (table: string) => string;
    kmsKeyArn?: string;
    copyRetentionDays: number;
    sentinels: Sentinels;
    /** PITR and deletion protection on the restored tables (off for a drill's scratch tables). */
    protectRestored: boolean;
    /** The backup stack whose deploymentAccounts the vault keys admit (read for the preflight). */
    backupStack: string;
    /** When this run started (the first run, when resuming): part of the copy jobs' idempotency tokens. */
    startedAt: number;
    /** What earlier runs of the same command started. */
    journal: Journal<PipelineState>;
}

export const restoreAccountCommand: CommandSpec = {
    name: "restore-account",
    summary:
        "rebuild a lost account's tables from the backup account's vault (copy back, restore, verify, time against RTO)",
    configure(cmd) {
        cmd.option("--as-of <time>", "use the newest recovery point created before this time (default: the newest)")
            .option("--vault <vault>", "central (primary region) or dr (second region)", "central")
            .option("--only <tables>", "comma-separated tables (default: every table of the stack)", valid.tableList)
            .option(
                "--target-account-id <id>",
                "the account to restore into (default: the stack's account; a rebuilt account has a new id)",
                valid.accountId,
            )
            .option(
                "--kms-key-arn <arn>",
                "encrypt restored tables with this key in the target account (default: the DynamoDB-owned key)",
                valid.kmsKeyArn,
            )
            .option(
                "--copy-retention-days <n>",
                "how long the copied recovery point stays in the target vault",
                valid.wholeNumber(1, 36500),
                35,
            )
            .option(
                "--source-region <region>",
                "the region the lost tables lived in (default: the stack's region); restores go to --region",
                valid.region,
            )
            .option(
                "--source-account-id <id>",
                "the lost account, whose table ARNs name the recovery points (default: the stack's account)",
                valid.accountId,
            )
            .option(
                "--target-env <env>",
                "environment of the target account's vault and backup role (default: the one the backup stack lists for that account, else the stack's)",
                valid.environment,
            )
            .option("--sentinels <file>", "JSON/YAML file of sentinel item keys per table")
            .option(
                "--backup-stack <name>",
                "the backup stack, whose deploymentAccounts the vault keys admit",
                "backup",
            );
    },
    run: (ctx, _args, options) => restoreAccount(ctx, options as unknown as RestoreAccountOptions),
};

/** Resolves options shared by restore-account and drill into a pipeline plan. */
export function pipelineBase(
    ctx: DrContext,
    report: Report,
    options: RestoreAccountOptions,
    why: string,
    targetAccountId: string,
    journalIdentity: unknown,
): Omit<PipelineOptions, "nameFor" | "protectRestored"> {
    const stack = ctx.requireStack(why);
    ctx.requireBackupCredentials(why);
    if (options.vault !== "central" && options.vault !== "dr")
        throw new UsageError(`--vault must be central or dr, not '${options.vault}'`);
    const only = parseList(options.only);
    const unknown = (only ?? []).filter((t) => !stack.tables.includes(t));
    if (unknown.length)
        throw new UsageError(
            `--only names tables that are not tables of stack ${ctx.opts.stack}: ${unknown.join(", ")}`,
            `The stack's tables are: ${stack.tables.join(", ")}`,
        );
    const journal = new Journal<PipelineState>(ctx, journalIdentity);
    const previous = journal.previous;
    // A relative --as-of is resolved once, by the first run: the re-run restores the same points.
    const asOf = previous?.asOf
        ? new Date(previous.asOf)
        : options.asOf
          ? parseTime(options.asOf, ctx.clock.now(), "--as-of")
          : undefined;
    const sentinels = options.sentinels ? Sentinels.fromFile(options.sentinels) : Sentinels.none();
    const backupStack = options.backupStack;
    const listedEnvironment = checkVaultKeysAdmit(ctx, report, backupStack, targetAccountId);
    const startedAt = previous?.startedAt ?? ctx.clock.now();
    if (!previous) journal.save({ startedAt, asOf: asOf?.toISOString(), tables: {} });
    else report.line(`resuming the run started ${new Date(startedAt).toISOString()} (${journal.file})`);
    return {
        stack,
        targetAccountId,
        vaultName: options.vault === "central" ? stack.backupAccount.vaultName : naming.DR_VAULT_NAME,
        vaultRegion: options.vault === "central" ? ctx.backupRegion : stack.drRegion,
        sourceRegion: options.sourceRegion ?? stack.region,
        sourceAccountId: options.sourceAccountId ?? stack.accountId,
        // The vault and backup role the target account has are named after the environment the
        // backup stack lists it under (a drill account is listed as `drill`, not as prod).
        targetEnvironment: options.targetEnv ?? listedEnvironment ?? stack.environment,
        targetRegion: ctx.region,
        asOf,
        tables: only ?? stack.tables,
        kmsKeyArn: options.kmsKeyArn,
        copyRetentionDays: options.copyRetentionDays,
        sentinels,
        backupStack,
        startedAt,
        journal,
    };
}

export async function restoreAccount(ctx: DrContext, options: RestoreAccountOptions): Promise<ExitCodeValue> {
    const stack = ctx.requireStack("to restore an account");
    const targetAccountId = options.targetAccountId ?? stack.accountId;
    const report = ctx.report();
    const base = pipelineBase(ctx, report, options, "to restore an account", targetAccountId, options);
    const outcomes = await runRestorePipeline(ctx, report, {
        ...base,
        nameFor: (t) => t,
        protectRestored: true,
    });
    report.data.outcomes = outcomes;
    if (ctx.dryRun) report.line("dry run: nothing was copied or restored, so no RTO was measured");
    else printRtoSummary(report, outcomes);
    if (!report.failed) base.journal.complete();
    return report.finish(ctx.dryRun, ctx.gate.calls);
}

/** Checks both identities, then runs every table through find → copy → restore → verify, side by side. */
export async function runRestorePipeline(
    ctx: DrContext,
    report: Report,
    plan: PipelineOptions,
): Promise<ResourceOutcome[]> {
    await checkAccount(ctx, "backup", plan.stack.backupAccount.accountId, plan.vaultRegion);
    await checkAccount(ctx, "target", plan.targetAccountId);
    report.line(
        `restoring ${plan.tables.length} tables of ${plan.stack.environment} (${plan.sourceRegion}) from ${plan.vaultName} (${plan.vaultRegion}) into account ${plan.targetAccountId} (${plan.targetRegion})` +
            (plan.asOf ? `, as of ${plan.asOf.toISOString()}` : ", newest recovery points"),
    );
    return Promise.all(plan.tables.map((table) => restoreOne(ctx, report, plan, table)));
}

/**
 * The central and DR vault keys grant kms:Decrypt (which the copy back needs) only to the backup
 * stack's deploymentAccounts: a copy into any other account (a rebuilt one, a drill account) fails
 * hours later with an access error, so it is refused here, before anything starts. Returns the
 * environment the backup stack lists the account under (undefined without a backup stack file).
 */
export function checkVaultKeysAdmit(
    ctx: DrContext,
    report: Report,
    backupStack: string,
    targetAccountId: string,
): string | undefined {
    const projectDir = ctx.deps.projectDir ?? path.resolve(__dirname, "../..");
    if (!fs.existsSync(path.join(projectDir, `Pulumi.${backupStack}.yaml`))) {
        report.check(
            "preflight:vault-keys",
            "warn",
            `no Pulumi.${backupStack}.yaml here: cannot check that the vault keys admit account ${targetAccountId} (pass --backup-stack)`,
        );
        return undefined;
    }
    let config: StackConfig;
    try {
        config = parseStackConfig(projectKeys(readStackFile(backupStack, projectDir)), backupStack);
    } catch (err) {
        if (err instanceof ConfigError)
            throw new MissingConfigError(
                err.message,
                `Fix Pulumi.${backupStack}.yaml, or pass --backup-stack with the backup stack's name.`,
            );
        throw err;
    }
    if (config.role !== "backup")
        throw new UsageError(
            `stack '${backupStack}' is the ${config.role} stack, not the backup stack`,
            "Pass --backup-stack with the backup stack's name.",
        );
    const listed = config.deploymentAccounts.find((a) => a.accountId === targetAccountId);
    if (!listed) {
        throw new UsageError(
            `account ${targetAccountId} is not one of the deploymentAccounts of stack ${backupStack}: the vault keys would refuse it kms:Decrypt and every copy back would fail`,
            `Add it to vat-backup:deploymentAccounts in Pulumi.${backupStack}.yaml and deploy the backup stack (as the break-glass role: the vault policy changes), then run again.`,
        );
    }
    return listed.environment;
}

/** An idempotency token of at most 64 characters that stays unique when the parts are long. */
export function idempotencyToken(...parts: (string | number)[]): string {
    const joined = parts.join("-");
    if (joined.length <= 64) return joined;
    return `${joined.slice(0, 47)}-${crypto.createHash("sha256").update(joined).digest("hex").slice(0, 16)}`;
}

async function restoreOne(
    ctx: DrContext,
    report: Report,
    plan: PipelineOptions,
    table: string,
): Promise<ResourceOutcome> {
    const started = ctx.clock.now();
    const criticality = tableCriticality(table);
    const outcome: ResourceOutcome = {
        table,
        restoredAs: plan.nameFor(table),
        criticality,
        rtoHours: tableTarget(table).rtoHours,
        ok: false,
        created: false,
        sentinel: "not checked",
        timings: {},
        elapsedMs: 0,
    };
    const timed = async <T>(step: string, fn: () => Promise<T>, detail?: (v: T) => string): Promise<T> => {
        const t0 = ctx.clock.now();
        try {
            return await report.step(step, table, fn, detail);
        } finally {
            outcome.timings[step] = ctx.clock.now() - t0;
        }
    };
    try {
        await restoreSteps(ctx, report, plan, table, outcome, timed);
        outcome.ok = outcome.sentinel !== "missing";
    } catch (err) {
        if (isCredentialError(err)) throw err;
        outcome.error = errorMessage(err);
        report.check(`restore:${table}`, "fail", outcome.error);
        // The table's own advice (the copy's, the restore's, the cold point's), as a failed command gives it.
        if (err instanceof DrError) {
            outcome.hint = err.hint;
            report.line(`  next: ${err.hint}`);
        }
    }
    outcome.elapsedMs = ctx.clock.now() - started;
    return outcome;
}

type Timed = <T>(step: string, fn: () => Promise<T>, detail?: (v: T) => string) => Promise<T>;

async function restoreSteps(
    ctx: DrContext,
    report: Report,
    plan: PipelineOptions,
    table: string,
    outcome: ResourceOutcome,
    timed: Timed,
): Promise<void> {
    const { stack, journal } = plan;
    const backup = ctx.clients("backup", plan.vaultRegion);
    const target = ctx.clients("target", plan.targetRegion);
    const localVault = naming.localVaultName(plan.targetEnvironment);
    // pipelineBase saved the journal, tables included, before any table started.
    const tables = (): Record<string, TableProgress> => journal.previous?.tables ?? {};
    const progress = (): TableProgress => tables()[table] ?? {};
    const record = (update: Partial<TableProgress>) =>
        journal.save({ tables: { ...tables(), [table]: { ...progress(), ...update } } });
    const earlier = progress();

    if (await describeTableIfExists(ctx.gate, target, outcome.restoredAs)) {
        // Only a table whose restore job an earlier run of this command started is adopted.
        if (!earlier.restoreJobId)
            throw new UsageError(
                `table ${outcome.restoredAs} already exists in account ${plan.targetAccountId}; a restore never overwrites a table`,
                "Leave it out with --only, or delete it first if it does not hold data to keep.",
            );
        report.line(
            `${table}: resuming, ${outcome.restoredAs} was restored by an earlier run (${earlier.restoreJobId})`,
        );
    }
    const point = earlier.recoveryPointArn
        ? { RecoveryPointArn: earlier.recoveryPointArn, CreationDate: dateOrUndefined(earlier.recoveryPointCreated) }
        : await timed(
              "find recovery point",
              () => newestRecoveryPoint(ctx, plan, table),
              (p) => `${p.RecoveryPointArn} of ${p.CreationDate?.toISOString()}`,
          );
    outcome.recoveryPointArn = point.RecoveryPointArn;
    outcome.recoveryPointCreated = point.CreationDate?.toISOString();
    record({ recoveryPointArn: point.RecoveryPointArn, recoveryPointCreated: outcome.recoveryPointCreated });
    if (!earlier.copyJobId) await refuseColdPoint(ctx, plan, table, point.RecoveryPointArn as string);

    const copied = await timed("copy into target vault", async () => {
        if (progress().copiedRecoveryPointArn) return progress().copiedRecoveryPointArn;
        let copyJobId = progress().copyJobId;
        if (copyJobId) {
            const state = (
                await ctx.gate.read(backup.backup, new DescribeCopyJobCommand({ CopyJobId: copyJobId }), "backup")
            ).CopyJob?.State;
            // A copy that failed in an earlier run is started again; one still running is waited for.
            if (state === "FAILED" || state === "PARTIAL" || (state as string) === "ABORTED") copyJobId = undefined;
            else report.line(`${table}: resuming, waiting for copy job ${copyJobId} started by an earlier run`);
        }
        if (!copyJobId) {
            const started = await ctx.gate.mutate(
                backup.backup,
                new StartCopyJobCommand({
                    RecoveryPointArn: point.RecoveryPointArn,
                    SourceBackupVaultName: plan.vaultName,
                    DestinationBackupVaultArn: naming.localVaultArn(
                        plan.targetAccountId,
                        plan.targetRegion,
                        plan.targetEnvironment,
                    ),
                    // AWS Backup assumes this role for the copy, so it must trust backup.amazonaws.com: the
                    // backup account's service role, which the copy-back role may pass (iam:PassRole).
                    IamRoleArn: naming.backupAccountServiceRoleArn(stack.backupAccount.accountId),
                    // A re-run after a FAILED copy must start a new job, not get the old one back.
                    IdempotencyToken: idempotencyToken(
                        outcome.restoredAs,
                        point.CreationDate?.getTime() ?? 0,
                        compactTimestamp(progress().copyJobId ? ctx.clock.now() : plan.startedAt),
                    ),
                    Lifecycle: { DeleteAfterDays: plan.copyRetentionDays },
                }),
                "backup",
            );
            if (!started?.CopyJobId) return undefined;
            copyJobId = started.CopyJobId;
            record({ copyJobId });
        }
        const jobId = copyJobId;
        outcome.copyJobId = jobId;
        const { value } = await waitFor(
            `copy ${table}`,
            async () => {
                const job = (
                    await ctx.gate.read(backup.backup, new DescribeCopyJobCommand({ CopyJobId: jobId }), "backup")
                ).CopyJob;
                const state = job?.State ?? "UNKNOWN";
                const bad = state === "FAILED" || state === "PARTIAL" || (state as string) === "ABORTED";
                return {
                    status: state,
                    done: state === "COMPLETED",
                    failed: bad ? { reason: job?.StatusMessage } : undefined,
                    value: job?.DestinationRecoveryPointArn,
                };
            },
            ctx.waitOptions(
                `Check that cross-account backup is on for the organization, that ${naming.BACKUP_ACCOUNT_SERVICE_ROLE_NAME} exists in the backup account, and that the target vault ${localVault} exists with the stack deployed; then run the same command again.`,
            ),
        );
        if (value) record({ copiedRecoveryPointArn: value });
        return value;
    });
    outcome.copiedRecoveryPointArn = copied;
    outcome.copyJobId = outcome.copyJobId ?? progress().copyJobId;

    const restored = await timed("restore table", async () => {
        let restoreJobId = progress().restoreJobId;
        if (restoreJobId) {
            const status = (
                await ctx.gate.read(target.backup, new DescribeRestoreJobCommand({ RestoreJobId: restoreJobId }))
            ).Status;
            // A restore that failed in an earlier run is started again (else every re-run would wait on
            // the same failed job); one still running is waited for.
            if (status === "FAILED" || status === "ABORTED") restoreJobId = undefined;
        }
        if (!restoreJobId) {
            const recoveryPointArn = copied ?? `<copy of ${point.RecoveryPointArn}>`;
            const metadata = copied
                ? ((
                      await ctx.gate.read(
                          target.backup,
                          new GetRecoveryPointRestoreMetadataCommand({
                              BackupVaultName: localVault,
                              RecoveryPointArn: copied,
                          }),
                      )
                  ).RestoreMetadata ?? {})
                : {};
            const started = await ctx.gate.mutate(
                target.backup,
                new StartRestoreJobCommand({
                    RecoveryPointArn: recoveryPointArn,
                    ResourceType: "DynamoDB",
                    IamRoleArn: naming.iamRoleArn(
                        plan.targetAccountId,
                        naming.backupServiceRoleName(plan.targetEnvironment, plan.targetRegion),
                    ),
                    // A re-run after a FAILED restore must start a new job, not get the old one back.
                    IdempotencyToken:
                        `${outcome.restoredAs}-restore-${compactTimestamp(progress().restoreJobId ? ctx.clock.now() : plan.startedAt)}`.slice(
                            0,
                            64,
                        ),
                    // The source account's key is gone with the account: encrypt with a key of the target
                    // account, or the DynamoDB-owned key.
                    Metadata: {
                        ...withoutKey(metadata),
                        targetTableName: outcome.restoredAs,
                        ...(plan.kmsKeyArn
                            ? { encryptionType: "KMS", kmsMasterKeyArn: plan.kmsKeyArn }
                            : { encryptionType: "Default" }),
                    },
                }),
            );
            if (!started?.RestoreJobId) return false;
            restoreJobId = started.RestoreJobId;
            record({ restoreJobId });
        }
        const jobId = restoreJobId;
        outcome.restoreJobId = jobId;
        await waitFor(
            `restore ${outcome.restoredAs}`,
            async () => {
                const job = await ctx.gate.read(target.backup, new DescribeRestoreJobCommand({ RestoreJobId: jobId }));
                const status = job.Status ?? "UNKNOWN";
                const bad = status === "FAILED" || status === "ABORTED";
                return {
                    status,
                    done: status === "COMPLETED",
                    failed: bad ? { reason: job.StatusMessage } : undefined,
                };
            },
            ctx.waitOptions(
                `Read the restore job's message in the AWS Backup console of account ${plan.targetAccountId}; check the role ${naming.backupServiceRoleName(plan.targetEnvironment, plan.targetRegion)} there; then run again with --only ${table}.`,
            ),
        );
        outcome.created = true;
        await waitTableActive(ctx, target, outcome.restoredAs, `table ${outcome.restoredAs}`);
        return true;
    });

    // Reached only once the restore completed, or under --dry-run, where the settings are shown too.
    if (plan.protectRestored) {
        const arn = tableArn(plan.targetRegion, plan.targetAccountId, outcome.restoredAs);
        await applyTableSettings(ctx, target, report, outcome.restoredAs, arn, {
            pitrDays: stack.pitrRecoveryPeriodDays,
            tags: [],
            deletionProtection: stack.protectData,
            streamEnabled: false,
        });
    }
    if (!restored) return;
    await timed(
        "verify",
        () => verifyRestored(ctx, plan, table, outcome),
        () => `${outcome.itemCount ?? "?"} items, sentinel ${outcome.sentinel}`,
    );
}

function dateOrUndefined(iso: string | undefined): Date | undefined {
    return iso ? new Date(iso) : undefined;
}

/**
 * AWS Backup cannot copy a recovery point in cold storage ("Backup and tag copy": backups in cold
 * storage or archive tiers cannot be copied), and after 90 days only the monthly points remain,
 * all cold. Such a point is restored where it lies, in the backup account, and brought over as an
 * export imported with DynamoDB ImportTable (docs/runbook.md, "Recovery points in cold storage").
 */
async function refuseColdPoint(ctx: DrContext, plan: PipelineOptions, table: string, pointArn: string): Promise<void> {
    const described = await ctx.gate.read(
        ctx.clients("backup", plan.vaultRegion).backup,
        new DescribeRecoveryPointCommand({ BackupVaultName: plan.vaultName, RecoveryPointArn: pointArn }),
        "backup",
    );
    if (described.StorageClass !== "COLD") return;
    const to = plan.asOf?.toISOString() ?? "<time>";
    throw new DrError(
        `the recovery point of ${table} (${pointArn}) is in cold storage, and AWS Backup cannot copy a cold recovery point: restore that time from the archive's exports instead: npm run dr -- restore-from-export ${table} --to ${to} --source-account-id ${plan.sourceAccountId} --stack ${ctx.opts.stack}`,
        ExitCode.FAILED,
        `docs/runbook.md, scenario 8 ("Old records after account loss"); or restore the point inside the backup account, export it and ImportTable it into account ${plan.targetAccountId}, several hours longer.`,
    );
}

/** Restore metadata without the source's key (it lived in the lost account). */
function withoutKey(metadata: Record<string, string>): Record<string, string> {
    const rest = { ...metadata };
    delete rest.kmsMasterKeyArn;
    delete rest.encryptionType;
    return rest;
}

async function newestRecoveryPoint(
    ctx: DrContext,
    plan: PipelineOptions,
    table: string,
): Promise<RecoveryPointByBackupVault> {
    const points = await readAllPages(
        ctx.gate,
        ctx.clients("backup", plan.vaultRegion).backup,
        (token) =>
            new ListRecoveryPointsByBackupVaultCommand({
                BackupVaultName: plan.vaultName,
                ByResourceArn: tableArn(plan.sourceRegion, plan.sourceAccountId, table),
                ByCreatedBefore: plan.asOf,
                NextToken: token,
            }),
        (page) => page.RecoveryPoints,
        (page) => page.NextToken,
        "backup",
    );
    const newest = points
        .filter((p) => p.Status === "COMPLETED" && p.RecoveryPointArn)
        .sort((a, b) => (b.CreationDate?.getTime() ?? 0) - (a.CreationDate?.getTime() ?? 0))[0];
    if (!newest) {
        throw new UsageError(
            `no completed recovery point of ${table} in ${plan.vaultName} (${plan.vaultRegion})${plan.asOf ? ` before ${plan.asOf.toISOString()}` : ""}`,
            "Try the other vault (--vault dr or central) or a later --as-of.",
        );
    }
    return newest;
}

async function verifyRestored(
    ctx: DrContext,
    plan: PipelineOptions,
    table: string,
    outcome: ResourceOutcome,
): Promise<void> {
    const target = ctx.clients("target", plan.targetRegion);
    const description = await describeTableIfExists(ctx.gate, target, outcome.restoredAs);
    outcome.itemCount = description?.ItemCount;
    const key = plan.sentinels.keyFor(table);
    if (!key) {
        outcome.sentinel = "not configured";
        return;
    }
    const item = await ctx.gate.read(
        target.dynamodb,
        new GetItemCommand({ TableName: outcome.restoredAs, Key: key, ConsistentRead: true }),
    );
    outcome.sentinel = item.Item ? "present" : "missing";
}

/** One line per table: the time it took against its RTO target; failures and misses as FAIL lines. */
export function printRtoSummary(report: Report, outcomes: ResourceOutcome[]): void {
    for (const o of outcomes) {
        if (!o.ok) {
            if (o.sentinel === "missing")
                report.check(
                    `sentinel:${o.restoredAs}`,
                    "fail",
                    "the restored table lacks its sentinel item: the recovery point does not hold the expected data",
                );
            continue;
        }
        const withinRto = o.elapsedMs <= o.rtoHours * 3_600_000;
        report.check(
            `rto:${o.table}`,
            withinRto ? "pass" : "fail",
            `restored as ${o.restoredAs} in ${formatDuration(o.elapsedMs)} (target ${o.rtoHours} h, ${o.criticality}); ${o.itemCount ?? "?"} items; sentinel ${o.sentinel}`,
        );
    }
}
