/**
 * Small pieces several commands share: who am I, does a table exist, per-item error isolation.
 */
import { DescribeTableCommand, TableDescription } from "@aws-sdk/client-dynamodb";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { AccountRole, AwsClients } from "../aws/clients";
import { AwsGate } from "../aws/gate";
import { DrContext } from "../context";
import { UsageError, errorMessage, isCredentialError, isNotFound } from "../errors";
import { Report } from "../output";

/**
 * The account the credentials belong to. Comparing it with the stack's account catches the worst
 * 3 a.m. mistake (restoring into the wrong account) before anything happens; it is also the first
 * call, so missing credentials stop the command at once with exit code 3.
 */
export async function checkAccount(
    ctx: DrContext,
    account: AccountRole,
    expected: string | undefined,
    region?: string,
): Promise<string> {
    const identity = await ctx.gate.read(ctx.clients(account, region).sts, new GetCallerIdentityCommand({}), account);
    const actual = identity.Account ?? "unknown";
    if (expected && actual !== expected) {
        throw new UsageError(
            `the ${account} credentials are for account ${actual}, but this needs account ${expected}`,
            account === "backup"
                ? "Pass --backup-profile/--backup-role-arn for the backup account."
                : "Pass --profile/--role-arn for the right account (or --target-account-id when restoring into a new account).",
        );
    }
    return actual;
}

/** The table's description, or undefined when it does not exist. */
export async function describeTableIfExists(
    gate: AwsGate,
    clients: AwsClients,
    tableName: string,
    account = "target",
): Promise<TableDescription | undefined> {
    try {
        const out = await gate.read(clients.dynamodb, new DescribeTableCommand({ TableName: tableName }), account);
        return out.Table;
    } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
    }
}

/**
 * Runs one check; a failure becomes a FAIL line and the rest go on. Credential errors still stop
 * the command: every following check would fail the same way.
 */
export async function guardCheck(report: Report, name: string, fn: () => Promise<void>): Promise<void> {
    try {
        await fn();
    } catch (err) {
        if (isCredentialError(err)) throw err;
        report.check(name, "fail", errorMessage(err));
    }
}

export function ago(ms: number): string {
    const minutes = Math.round(ms / 60_000);
    if (minutes < 120) return `${minutes} min ago`;
    return `${(ms / 3_600_000).toFixed(1)} h ago`;
}

export function parseList(value: string | undefined): string[] | undefined {
    return value
        ?.split(",")
        .map((s) => s.trim())
        .filter(Boolean);
}
