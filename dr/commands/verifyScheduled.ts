/**
 * `verify`'s checks of the protection AWS runs on its own schedules (stacks/automation.ts): the
 * newest secret escrow, user-pool export and table exports in the exports bucket are recent enough,
 * and the escrows hold the versions Secrets Manager holds now. Only object keys, times and the
 * escrow's plaintext header (version id) are read: never a value, never a table.
 */
import { GetObjectCommand, ListObjectsV2Command, _Object } from "@aws-sdk/client-s3";
import { ListSecretVersionIdsCommand } from "@aws-sdk/client-secrets-manager";
import * as naming from "../../naming";
import { escrowSecretPrefix, escrowTimeOfKey } from "../../naming/escrowFormat";
import { escrowVersionsOf, exportTables } from "../../naming/scheduledProtection";
import { DeploymentConfig } from "../../stacks/config";
import { readAllPages } from "../aws/gate";
import { DrContext } from "../context";
import { Report } from "../output";
import { ago, guardCheck } from "./common";

const HOUR = 3_600_000;

async function listUnder(ctx: DrContext, stack: DeploymentConfig, prefix: string): Promise<_Object[]> {
    return readAllPages(
        ctx.gate,
        ctx.clients().s3,
        (token) =>
            new ListObjectsV2Command({
                Bucket: naming.exportsBucketName(stack.environment, stack.accountId, stack.region),
                Prefix: prefix,
                ContinuationToken: token,
                ExpectedBucketOwner: stack.accountId,
            }),
        (page) => page.Contents,
        (page) => (page.IsTruncated ? page.NextContinuationToken : undefined),
    );
}

function newest(objects: _Object[], suffix = ""): _Object | undefined {
    return objects
        .filter((o) => o.Key?.endsWith(suffix) && o.LastModified)
        .sort((a, b) => b.LastModified!.getTime() - a.LastModified!.getTime())[0];
}

function ageCheck(
    ctx: DrContext,
    report: Report,
    name: string,
    what: string,
    found: _Object | undefined,
    maxMs: number,
) {
    if (!found?.LastModified) {
        report.check(name, "fail", `no ${what} in the exports bucket: the schedule has never succeeded`);
        return;
    }
    const age = ctx.clock.now() - found.LastModified.getTime();
    report.check(
        name,
        age <= maxMs ? "pass" : "fail",
        `newest ${what} ${ago(age)} (limit ${Math.round(maxMs / HOUR)} h): ${found.Key}`,
    );
}

async function checkEscrow(
    ctx: DrContext,
    report: Report,
    stack: DeploymentConfig,
    secret: { name: string; escrowVersions?: "all" | "current-and-previous" },
    maxMs: number,
) {
    const prefix = escrowSecretPrefix(naming.SECRET_ESCROW_PREFIX, stack.accountId, secret.name);
    const objects = (await listUnder(ctx, stack, prefix)).filter((o) => o.Key && escrowTimeOfKey(o.Key) !== undefined);
    // The current version's escrow is `<time>.json`; recover-secret takes the greatest key.
    const current = objects
        .filter((o) => /\/\d{8}T\d{6}Z\.json$/.test(o.Key!))
        .sort((a, b) => b.Key!.localeCompare(a.Key!))[0];
    if (!current) {
        report.check(`escrow:${secret.name}`, "fail", `no scheduled escrow under ${prefix}`);
        return;
    }
    const at = escrowTimeOfKey(current.Key!)!;
    const age = ctx.clock.now() - at;
    const versions = await readAllPages(
        ctx.gate,
        ctx.clients().secrets,
        (token) =>
            new ListSecretVersionIdsCommand({
                SecretId: secret.name,
                IncludeDeprecated: escrowVersionsOf(secret) === "all",
                NextToken: token,
            }),
        (page) => page.Versions,
        (page) => page.NextToken,
    );
    const live = versions.find((v) => v.VersionStages?.includes("AWSCURRENT"));
    const body = await ctx.gate.read(
        ctx.clients().s3,
        new GetObjectCommand({
            Bucket: naming.exportsBucketName(stack.environment, stack.accountId, stack.region),
            Key: current.Key!,
            ExpectedBucketOwner: stack.accountId,
        }),
    );
    const escrowedVersion = (JSON.parse((await body.Body?.transformToString()) ?? "{}") as { versionId?: string })
        .versionId;
    const problems: string[] = [];
    if (age > maxMs) problems.push(`newest escrow is ${ago(age)}`);
    if (live?.VersionId && escrowedVersion !== live.VersionId)
        problems.push(`it holds version ${escrowedVersion ?? "?"}, Secrets Manager's current is ${live.VersionId}`);
    if (live?.CreatedDate && live.CreatedDate.getTime() > at)
        problems.push("the current version is newer than the newest escrow");
    if (escrowVersionsOf(secret) === "all") {
        const escrowedIds = new Set(objects.map((o) => /-([^/]+)\.json$/.exec(o.Key!)?.[1]).filter(Boolean));
        if (escrowedVersion) escrowedIds.add(escrowedVersion);
        const missing = versions.map((v) => v.VersionId!).filter((id) => id && !escrowedIds.has(id));
        if (missing.length) problems.push(`versions never escrowed: ${missing.join(", ")}`);
    }
    report.check(
        `escrow:${secret.name}`,
        problems.length ? "fail" : "pass",
        problems.length
            ? problems.join("; ")
            : `current version ${escrowedVersion} escrowed ${ago(age)} (${current.Key})`,
    );
}

/** The newest escrow, user-pool export and table exports, each against its schedule. */
export async function checkScheduledProtection(
    ctx: DrContext,
    report: Report,
    stack: DeploymentConfig,
    graceMinutes: number,
): Promise<void> {
    const a = stack.automation;
    const grace = graceMinutes * 60_000;
    if (a.secretEscrow.enabled)
        for (const secret of stack.secrets.filter((s) => s.critical))
            await guardCheck(report, `escrow:${secret.name}`, () =>
                checkEscrow(ctx, report, stack, secret, 24 * HOUR + grace),
            );
    if (a.userPoolExport.enabled)
        await guardCheck(report, "user-pool-export", async () =>
            ageCheck(
                ctx,
                report,
                "user-pool-export",
                "user-pool export",
                newest(await listUnder(ctx, stack, `${naming.USER_POOL_EXPORT_PREFIX}/`), "/users.json"),
                24 * HOUR + grace,
            ),
        );
    const tables = exportTables(stack);
    // DynamoDB writes manifest-summary.json when an export completes.
    for (const [mode, list, maxMs] of [
        ["incremental", tables.incremental, 2 * HOUR + grace],
        ["full", tables.full, 8 * 24 * HOUR + grace],
    ] as const) {
        for (const table of list)
            await guardCheck(report, `table-export:${mode}:${table}`, async () =>
                ageCheck(
                    ctx,
                    report,
                    `table-export:${mode}:${table}`,
                    `${mode} export of ${table}`,
                    newest(
                        await listUnder(ctx, stack, `${naming.TABLE_EXPORT_PREFIX}/${table}/${mode}/`),
                        "manifest-summary.json",
                    ),
                    maxMs,
                ),
            );
    }
}
