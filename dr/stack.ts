/**
 * What the DR tool learns from a stack file: tables, secrets, accounts, regions and vault names.
 * It reads the same validated config as the Pulumi program, and never loads a stack program.
 */
import { ConfigError, DeploymentConfig, parseStackConfig, projectKeys, readStackFile } from "../stacks/config";
import { MissingConfigError, UsageError } from "./errors";

export function loadStack(stack: string, projectDir?: string): DeploymentConfig {
    let raw: Record<string, string>;
    try {
        raw = readStackFile(stack, projectDir);
    } catch (err) {
        throw new MissingConfigError(err instanceof Error ? err.message : String(err), "Pass --stack with one of the stacks listed, from the project folder.");
    }
    let config;
    try {
        config = parseStackConfig(projectKeys(raw), stack);
    } catch (err) {
        if (err instanceof ConfigError) throw new MissingConfigError(err.message, `Fix Pulumi.${stack}.yaml (the same config the Pulumi program reads), then run again.`);
        throw err;
    }
    // The backup and organization stacks hold no application data: every DR command starts from a
    // deployment account (whose config also names its backup account).
    if (config.role !== "deployment") {
        throw new UsageError(`stack '${stack}' is the ${config.role} stack; the DR commands work on a deployment stack`, "Pass --stack prod or --stack ci: their config names the backup account too.");
    }
    return config;
}

export type Criticality = "critical" | "high" | "medium" | "low";

/** RTO targets of the requirements, in hours. */
export const RTO_HOURS: Record<Criticality, number> = { critical: 4, high: 4, medium: 24, low: 24 };

/**
 * The criticality of a table from its `{env}-env-{name}` name, per the requirements' asset table.
 * An unknown table counts as high: a 4-hour target is the safe assumption.
 */
export function tableCriticality(tableName: string): Criticality {
    const name = tableName.replace(/^.*?-env-/, "");
    if (name === "receipts") return "critical";
    if (["bundles", "passes", "subscriptions"].includes(name)) return "high";
    if (name === "hmrc-api-requests") return "medium";
    if (name.endsWith("-async-requests")) return "low";
    return "high";
}

export function tableArn(region: string, accountId: string, tableName: string): string {
    return `arn:aws:dynamodb:${region}:${accountId}:table/${tableName}`;
}
