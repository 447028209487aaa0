/**
 * DynamoDB point-in-time recovery: the control that was once silently switched off by a refactor,
 * so every table, and every replica of a global table, is checked on every preview.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults, validateTypes } from "./lib/policy";
import { TABLE, TABLE_PITR, TableProps } from "./lib/tokens";

/** DynamoDB keeps continuous backups for 1 to 35 days; 35 is also the AWS default. */
export const PITR_MAX_DAYS = 35;

export const pitrEnabled: ResourceValidationPolicy = {
    name: "dynamodb-pitr-enabled",
    description: "Every DynamoDB table has point-in-time recovery enabled.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps: "Set `pointInTimeRecovery: { enabled: true }` on the table. A missing block means PITR is off.",
    validateResource: validateTypes<TableProps>(TABLE, (table, args, reportViolation) => {
        const pitr = table.pointInTimeRecovery;
        if (!pitr) {
            reportViolation(
                `Table '${args.name}' has no pointInTimeRecovery block, so point-in-time recovery is off. ` +
                    "Add `pointInTimeRecovery: { enabled: true }`.",
            );
        } else if (pitr.enabled !== true) {
            reportViolation(
                `Table '${args.name}' has point-in-time recovery disabled. Set \`pointInTimeRecovery.enabled\` to true.`,
            );
        }
    }),
};

export interface RecoveryPeriodConfig {
    minRecoveryPeriodDays: number;
}

export const pitrRecoveryPeriod: ResourceValidationPolicy = {
    name: "dynamodb-pitr-recovery-period",
    description:
        "Point-in-time recovery keeps at least the configured number of days (default 35, the DynamoDB maximum), on tables the " +
        "stack defines and on tables whose PITR it keeps through its TablePitr resource.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Raise `pointInTimeRecovery.recoveryPeriodInDays` to at least the configured minimum, or omit it (AWS keeps 35 days).",
    configSchema: {
        properties: {
            minRecoveryPeriodDays: { type: "integer", minimum: 1, maximum: PITR_MAX_DAYS, default: PITR_MAX_DAYS },
        },
    },
    validateResource: validateTypes<TableProps & { tableName?: string; recoveryPeriodDays?: number }>(
        [TABLE, TABLE_PITR],
        (table, args, reportViolation) => {
            const { minRecoveryPeriodDays } = configWithDefaults<RecoveryPeriodConfig>(args, {
                minRecoveryPeriodDays: PITR_MAX_DAYS,
            });
            if (args.type === TABLE_PITR) {
                const days = table.recoveryPeriodDays ?? PITR_MAX_DAYS;
                if (days < minRecoveryPeriodDays) {
                    reportViolation(
                        `PITR of table '${table.tableName}' (TablePitr '${args.name}') keeps ${days} days; at least ${minRecoveryPeriodDays} are required. ` +
                            `Set \`recoveryPeriodDays\` to ${minRecoveryPeriodDays} or more (at most ${PITR_MAX_DAYS}).`,
                    );
                }
                return;
            }
            const pitr = table.pointInTimeRecovery;
            // A disabled PITR is dynamodb-pitr-enabled's violation; one finding per cause.
            if (!pitr || pitr.enabled !== true) return;
            const days = pitr.recoveryPeriodInDays ?? PITR_MAX_DAYS;
            if (days < minRecoveryPeriodDays) {
                reportViolation(
                    `Table '${args.name}' keeps point-in-time recovery for ${days} days; at least ${minRecoveryPeriodDays} are required. ` +
                        `Set \`pointInTimeRecovery.recoveryPeriodInDays\` to ${minRecoveryPeriodDays} or more (at most ${PITR_MAX_DAYS}).`,
                );
            }
        },
    ),
};

export const replicaPitr: ResourceValidationPolicy = {
    name: "dynamodb-replica-pitr",
    description: "Every replica of a DynamoDB global table has point-in-time recovery enabled.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Set `pointInTimeRecovery: true` on each entry of the table's `replicas`; a replica does not inherit the table's setting.",
    validateResource: validateTypes<TableProps>(TABLE, (table, args, reportViolation) => {
        for (const replica of table.replicas ?? []) {
            if (replica.pointInTimeRecovery !== true) {
                reportViolation(
                    `Replica of table '${args.name}' in ${replica.regionName} has point-in-time recovery off. ` +
                        "Set `pointInTimeRecovery: true` on that entry of `replicas`.",
                );
            }
        }
    }),
};

export const dynamodbPolicies = [pitrEnabled, pitrRecoveryPeriod, replicaPitr];
