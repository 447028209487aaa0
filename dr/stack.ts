/**
 * What the DR tool learns from a stack file: tables, secrets, accounts, regions and vault names.
 * It reads the same validated config as the Pulumi program, and never loads a stack program.
 */
import { ConfigError, DeploymentConfig, parseStackConfig, projectKeys, readStackFile } from "../stacks/config";
import { Criticality, DATA_ASSETS } from "../naming/assets";
import { MissingConfigError, UsageError } from "./errors";

export function loadStack(stack: string, projectDir?: string): DeploymentConfig {
    let raw: Record<string, string>;
    try {
        raw = readStackFile(stack, projectDir);
    } catch (err) {
        throw new MissingConfigError(
            err instanceof Error ? err.message : String(err),
            "Pass --stack with one of the stacks listed, from the project folder.",
        );
    }
    let config;
    try {
        config = parseStackConfig(projectKeys(raw), stack);
    } catch (err) {
        if (err instanceof ConfigError)
            throw new MissingConfigError(
                err.message,
                `Fix Pulumi.${stack}.yaml (the same config the Pulumi program reads), then run again.`,
            );
        throw err;
    }
    // The backup and organization stacks hold no application data: every DR command starts from a
    // deployment account (whose config also names its backup account).
    if (config.role !== "deployment") {
        throw new UsageError(
            `stack '${stack}' is the ${config.role} stack; the DR commands work on a deployment stack`,
            "Pass --stack prod or --stack ci: their config names the backup account too.",
        );
    }
    return config;
}

export type { Criticality };

/**
 * The requirements' target for a table, from the asset table both this tool and the posture report
 * read (`naming/assets.ts`). An unknown table counts as high, 4 hours: the safe assumption.
 */
export function tableTarget(tableName: string): { criticality: Criticality; rtoHours: number } {
    const env = tableName.split("-env-")[0];
    const asset = DATA_ASSETS.find((a) => a.kind === "dynamodb-table" && a.matches(tableName, env));
    return asset ? { criticality: asset.criticality, rtoHours: asset.rtoHours } : { criticality: "high", rtoHours: 4 };
}

export function tableCriticality(tableName: string): Criticality {
    return tableTarget(tableName).criticality;
}

export function tableArn(region: string, accountId: string, tableName: string): string {
    return `arn:aws:dynamodb:${region}:${accountId}:table/${tableName}`;
}
