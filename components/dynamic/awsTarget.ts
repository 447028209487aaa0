/**
 * Where a dynamic provider acts, and the guard that keeps it there.
 *
 * Dynamic providers run inside the Pulumi engine's provider host with whatever credentials the
 * shell has. The resources they touch (tables, secrets) belong to another tool, so a provider that
 * acted with ambient credentials could silently change the wrong account. Every provider therefore
 * builds its clients for the stack's own region and role, and proves the account with STS before
 * it changes anything.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { ACCOUNT_ID, AWS_REGIONS, iamRoleArn } from "../../aws/rules";

/** The account, region and role a dynamic resource acts in. */
export interface AwsTarget {
    region: string;
    accountId: string;
    /** Role in `accountId` to assume; without it the provider host's own credentials are used (and still checked). */
    assumeRoleArn?: string;
}

/** Configuration shared by every SDK client a provider builds for one target. */
export interface TargetClientConfig {
    region: string;
    credentials?: ReturnType<typeof fromTemporaryCredentials>;
}

export type StsSender = Pick<STSClient, "send">;

/** A property the check step rejects, in the shape Pulumi's dynamic `check` reports. */
export interface InputFailure {
    property: string;
    reason: string;
}

/** Pulumi's marker for a value not yet known at preview time; such values are checked once known. */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isKnown(value: unknown): boolean {
    return value !== undefined && value !== UNKNOWN_VALUE;
}

export function clientConfigFor(target: AwsTarget, sessionName: string): TargetClientConfig {
    if (!target.assumeRoleArn) {
        return { region: target.region };
    }
    return {
        region: target.region,
        credentials: fromTemporaryCredentials({
            params: { RoleArn: target.assumeRoleArn, RoleSessionName: sessionName },
            clientConfig: { region: target.region },
        }),
    };
}

export function stsClientFor(target: AwsTarget, sessionName: string): STSClient {
    return new STSClient(clientConfigFor(target, sessionName));
}

/** Checks region, account and role; values still unknown at preview are skipped. */
export function targetFailures(target: Partial<AwsTarget>): InputFailure[] {
    const failures: InputFailure[] = [];
    const { region, accountId, assumeRoleArn } = target;
    if (isKnown(region) && !(AWS_REGIONS as readonly string[]).includes(String(region))) {
        failures.push({ property: "region", reason: `'${region}' is not a supported AWS region` });
    }
    if (isKnown(accountId) && !ACCOUNT_ID.test(String(accountId))) {
        failures.push({ property: "accountId", reason: `'${accountId}' is not a 12-digit AWS account id` });
    }
    if (isKnown(assumeRoleArn) && assumeRoleArn !== "") {
        const arnRule = iamRoleArn(String(assumeRoleArn));
        if (arnRule) {
            failures.push({ property: "assumeRoleArn", reason: arnRule });
        } else if (isKnown(accountId) && String(assumeRoleArn).split(":")[4] !== accountId) {
            failures.push({
                property: "assumeRoleArn",
                reason: `role ${assumeRoleArn} is not in account ${accountId}; the provider must act with the stack's own role`,
            });
        }
    }
    return failures;
}

export function throwOnFailures(what: string, failures: InputFailure[]): void {
    if (failures.length > 0) {
        throw new Error(`${what}: ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
    }
}

/**
 * Refuses to go on unless the credentials in use belong to the target account. Called before every
 * AWS call a provider makes, so neither a change nor a drift report can come from another account.
 */
export async function assertTargetAccount(sts: StsSender, target: AwsTarget, purpose: string): Promise<void> {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (identity.Account !== target.accountId) {
        const how = target.assumeRoleArn
            ? `after assuming ${target.assumeRoleArn}`
            : "with the provider host's ambient credentials (no assumeRoleArn given)";
        throw new Error(
            `Refusing to ${purpose}: credentials ${how} belong to account ${identity.Account ?? "unknown"}` +
                ` (${identity.Arn ?? "unknown principal"}), but this stack targets account ${target.accountId}.`,
        );
    }
}

/** The AWS error name, for errors thrown by SDK v3 clients. */
export function awsErrorName(error: unknown): string | undefined {
    return typeof error === "object" && error !== null && "name" in error
        ? String((error as { name: unknown }).name)
        : undefined;
}

export function errorMessage(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}
