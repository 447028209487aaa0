/**
 * DynamoDB point-in-time recovery: the control that was once silently switched off by a refactor,
 * so every table, and every replica of a global table, is checked on every preview.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { knownStrings, readKnown } from "./lib/joins";
import { configWithDefaults, ofTypes, validateRemediateTypes } from "./lib/policy";
import { METRIC_ALARM, RESTORE_TESTING_SELECTION, SELECTION, TABLE, TABLE_PITR, TableProps } from "./lib/tokens";

/** DynamoDB keeps continuous backups for 1 to 35 days; 35 is also the AWS default. */
export const PITR_MAX_DAYS = 35;

/** A plain copy of the (engine-proxied) properties, to return from a remediation. */
function plain<T>(props: T): Record<string, unknown> {
    return { ...(props as Record<string, unknown>) };
}

export const pitrEnabled: ResourceValidationPolicy = {
    name: "dynamodb-pitr-enabled",
    description:
        "Every DynamoDB table has point-in-time recovery enabled. At `remediate` the pack switches PITR on, so any Pulumi program of the estate gets it.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Set `pointInTimeRecovery: { enabled: true }` on the table. A missing block means PITR is off. " +
        'Or run the pack with `{ "dynamodb-pitr-enabled": "remediate" }` and it sets the block itself.',
    ...validateRemediateTypes<TableProps>(TABLE, (table, args, reportViolation) => {
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
        } else return undefined;
        return { ...plain(table), pointInTimeRecovery: { ...plain(pitr ?? {}), enabled: true } };
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
    ...validateRemediateTypes<TableProps & { tableName?: string; recoveryPeriodDays?: number }>(
        [TABLE, TABLE_PITR],
        (table, args, reportViolation) => {
            const { minRecoveryPeriodDays } = configWithDefaults<RecoveryPeriodConfig>(args, {
                minRecoveryPeriodDays: PITR_MAX_DAYS,
            });
            if (args.type === TABLE_PITR) {
                const days = table.recoveryPeriodDays ?? PITR_MAX_DAYS;
                if (days >= minRecoveryPeriodDays) return undefined;
                reportViolation(
                    `PITR of table '${table.tableName}' (TablePitr '${args.name}') keeps ${days} days; at least ${minRecoveryPeriodDays} are required. ` +
                        `Set \`recoveryPeriodDays\` to ${minRecoveryPeriodDays} or more (at most ${PITR_MAX_DAYS}).`,
                );
                return { ...plain(table), recoveryPeriodDays: minRecoveryPeriodDays };
            }
            const pitr = table.pointInTimeRecovery;
            // A disabled PITR is dynamodb-pitr-enabled's violation; one finding per cause.
            if (!pitr || pitr.enabled !== true) return undefined;
            const days = pitr.recoveryPeriodInDays ?? PITR_MAX_DAYS;
            if (days >= minRecoveryPeriodDays) return undefined;
            reportViolation(
                `Table '${args.name}' keeps point-in-time recovery for ${days} days; at least ${minRecoveryPeriodDays} are required. ` +
                    `Set \`pointInTimeRecovery.recoveryPeriodInDays\` to ${minRecoveryPeriodDays} or more (at most ${PITR_MAX_DAYS}).`,
            );
            return {
                ...plain(table),
                pointInTimeRecovery: { ...plain(pitr), recoveryPeriodInDays: minRecoveryPeriodDays },
            };
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
    ...validateRemediateTypes<TableProps>(TABLE, (table, args, reportViolation) => {
        const replicas = table.replicas ?? [];
        const off = replicas.filter((replica) => replica.pointInTimeRecovery !== true);
        for (const replica of off) {
            reportViolation(
                `Replica of table '${args.name}' in ${replica.regionName} has point-in-time recovery off. ` +
                    "Set `pointInTimeRecovery: true` on that entry of `replicas`.",
            );
        }
        if (off.length === 0) return undefined;
        return { ...plain(table), replicas: replicas.map((r) => ({ ...plain(r), pointInTimeRecovery: true })) };
    }),
};

export interface ReferencedTablesConfig {
    /** Tables the stack must keep PITR on although nothing else in it names them (the stack config's `tables`). */
    tables: string[];
    minRecoveryPeriodDays: number;
}

/** A table a resource of the stack refers to, and who refers to it. */
interface TableReference {
    name: string;
    by: string;
}

/** `arn:aws:dynamodb:<region>:<account>:table/<name>` (a literal table, never a pattern), with its account. */
function tableOfArn(arn: string): { account: string; name: string } | undefined {
    const match = /^arn:aws[a-z-]*:dynamodb:[^:]*:(\d*):table\/([A-Za-z0-9_.-]+)$/.exec(arn);
    return match ? { account: match[1], name: match[2] } : undefined;
}

/** The accounts the resource's provider may touch (its `allowedAccountIds`), empty when unknown. */
function providerAccounts(r: PolicyResource): string[] {
    return knownStrings(() => r.provider?.props.allowedAccountIds);
}

/** Tables named by ARN in a list property, in the resource's own account (another account's tables are its stacks' business). */
function tablesByArn(r: PolicyResource, property: string): TableReference[] {
    const accounts = providerAccounts(r);
    const out: TableReference[] = [];
    for (const arn of knownStrings(() => r.props[property])) {
        const table = tableOfArn(arn);
        if (table && (accounts.length === 0 || table.account === "" || accounts.includes(table.account)))
            out.push({ name: table.name, by: `${r.type.split(":").pop()} '${r.name}'` });
    }
    return out;
}

/** Every table the stack refers to: backup selections, restore tests, alarms, and the policy's `tables`. */
function referencedTables(resources: PolicyResource[], configured: string[]): TableReference[] {
    const refs: TableReference[] = configured.map((name) => ({ name, by: "the policy config's `tables`" }));
    for (const r of ofTypes(resources, SELECTION)) refs.push(...tablesByArn(r, "resources"));
    for (const r of ofTypes(resources, RESTORE_TESTING_SELECTION))
        refs.push(...tablesByArn(r, "protectedResourceArns"));
    for (const r of ofTypes(resources, METRIC_ALARM)) {
        const table = readKnown(() => (r.props.dimensions as Record<string, unknown> | undefined)?.TableName);
        if (typeof table === "string") refs.push({ name: table, by: `MetricAlarm '${r.name}'` });
    }
    return refs;
}

/** The PITR window each table of the stack keeps, by table name; 0 where PITR is off. */
function pitrDaysByTable(resources: PolicyResource[]): Map<string, number> {
    const days = new Map<string, number>();
    const keep = (name: unknown, d: number) => {
        if (typeof name === "string") days.set(name, Math.max(days.get(name) ?? 0, d));
    };
    for (const t of ofTypes(resources, TABLE)) {
        const pitr = readKnown(() => t.props.pointInTimeRecovery) as TableProps["pointInTimeRecovery"] | undefined;
        keep(
            readKnown(() => t.props.name),
            pitr?.enabled === true ? (pitr.recoveryPeriodInDays ?? PITR_MAX_DAYS) : 0,
        );
    }
    for (const p of ofTypes(resources, TABLE_PITR)) {
        // The resource keeps PITR on unless its inputs (`enabled`) or its recorded state (`pitrEnabled`) say off.
        const off = readKnown(() => p.props.enabled) === false || readKnown(() => p.props.pitrEnabled) === false;
        const period = readKnown(() => p.props.recoveryPeriodDays);
        keep(
            readKnown(() => p.props.tableName),
            off ? 0 : typeof period === "number" ? period : PITR_MAX_DAYS,
        );
    }
    return days;
}

export const pitrOnEveryReferencedTable: StackValidationPolicy = {
    name: "dynamodb-pitr-every-referenced-table",
    description:
        "Every DynamoDB table the stack refers to anywhere (backup selections, restore tests, alarms, the policy config's `tables`) has " +
        "point-in-time recovery on with at least the required window, through an aws.dynamodb.Table or the project's TablePitr resource.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Give the table PITR in this stack: `pointInTimeRecovery: { enabled: true }` on its aws.dynamodb.Table, or (for a table another " +
        "tool owns) the project's TablePitr resource (`tables` in Pulumi.<stack>.yaml), with a recovery period of at least the minimum.",
    configSchema: {
        properties: {
            tables: { type: "array", items: { type: "string" }, default: [] },
            minRecoveryPeriodDays: { type: "integer", minimum: 1, maximum: PITR_MAX_DAYS, default: PITR_MAX_DAYS },
        },
    },
    validateStack: (args, reportViolation) => {
        const { tables, minRecoveryPeriodDays } = configWithDefaults<ReferencedTablesConfig>(args, {
            tables: [],
            minRecoveryPeriodDays: PITR_MAX_DAYS,
        });
        const refs = referencedTables(args.resources, tables);
        if (refs.length === 0) args.notApplicable("The stack refers to no DynamoDB table");
        const days = pitrDaysByTable(args.resources);
        const byTable = new Map<string, string[]>();
        for (const ref of refs) byTable.set(ref.name, [...(byTable.get(ref.name) ?? []), ref.by]);
        for (const [name, by] of byTable) {
            const kept = days.get(name);
            const who = [...new Set(by)].join(", ");
            if (kept === undefined) {
                reportViolation(
                    `Table '${name}' (referred to by ${who}) has no point-in-time recovery in this stack: no aws.dynamodb.Table or TablePitr keeps it on. ` +
                        "Add it to the stack's `tables` (a TablePitr resource) or give its Table `pointInTimeRecovery: { enabled: true }`.",
                );
            } else if (kept === 0) {
                reportViolation(
                    `Table '${name}' (referred to by ${who}) has point-in-time recovery switched off. Enable it (\`enabled: true\`).`,
                );
            } else if (kept < minRecoveryPeriodDays) {
                reportViolation(
                    `Table '${name}' (referred to by ${who}) keeps point-in-time recovery ${kept} days; at least ${minRecoveryPeriodDays} are required.`,
                );
            }
        }
    },
};

export const dynamodbPolicies = [pitrEnabled, pitrRecoveryPeriod, replicaPitr, pitrOnEveryReferencedTable];
