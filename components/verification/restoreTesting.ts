/**
 * An AWS Backup restore testing plan: on a schedule, AWS Backup restores the latest recovery point
 * of each selected table into a new, temporary table, waits for a validation result within the
 * validation window, then deletes the restored table. A restore that fails raises the
 * restore-job-failed event and alarm; a restore that is never tested is not a backup.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrustPolicy, toJson } from "../iam/policyDocument";

export interface RestoreTestingArgs {
    /** Letters, digits and underscores only (CreateRestoreTestingPlan). */
    planName: string;
    /** Letters, digits and underscores only (CreateRestoreTestingSelection). */
    selectionName: string;
    /** Vaults whose recovery points may be tested (their ARN outputs). */
    vaultArns: pulumi.Input<string>[];
    /** The tables to restore, by ARN. */
    tableArns: string[];
    /** When tests start: an AWS Backup cron expression (UTC). */
    schedule: string;
    /** Hours after the scheduled time within which the test must start (AWS: 1 to 168). */
    startWindowHours: number;
    /** Only recovery points created within this many days are candidates (AWS: 1 to 365). */
    selectionWindowDays: number;
    /** Hours the restored table is kept for validation before AWS Backup deletes it (AWS: 0 to 168). */
    validationWindowHours: number;
    /** Name of the role AWS Backup assumes to restore. */
    roleName: string;
}

/** The managed policy AWS Backup documents for restore roles (it covers DynamoDB restores). */
export const RESTORE_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores";

const RESTORE_TESTING_NAME = /^[A-Za-z0-9_]{1,50}$/;

/** Every value AWS would reject, as one list of sentences. */
export function restoreTestingErrors(args: RestoreTestingArgs): string[] {
    const errors: string[] = [];
    for (const [what, name] of [
        ["restore testing plan", args.planName],
        ["restore testing selection", args.selectionName],
    ] as const) {
        if (!RESTORE_TESTING_NAME.test(name))
            errors.push(`a ${what} name is 1 to 50 letters, digits and underscores (no '-'): '${name}'`);
    }
    const range = (what: string, v: number, min: number, max: number) => {
        if (!Number.isInteger(v) || v < min || v > max)
            errors.push(`${what} must be a whole number from ${min} to ${max}, not ${v}`);
    };
    range("startWindowHours", args.startWindowHours, 1, 168);
    range("selectionWindowDays", args.selectionWindowDays, 1, 365);
    range("validationWindowHours", args.validationWindowHours, 0, 168);
    if (args.tableArns.length === 0) errors.push("a restore testing selection needs at least one table");
    for (const tableArn of args.tableArns) {
        if (!/^arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/.test(tableArn))
            errors.push(`not a DynamoDB table ARN: '${tableArn}'`);
    }
    return errors;
}

/** Name-safe form of an environment for names that allow only letters, digits and underscores. */
export function underscored(text: string): string {
    return text.replace(/[^A-Za-z0-9_]/g, "_");
}

export class RestoreTesting extends pulumi.ComponentResource {
    readonly plan: aws.backup.RestoreTestingPlan;
    readonly selection: aws.backup.RestoreTestingSelection;
    readonly role: aws.iam.Role;

    constructor(name: string, args: RestoreTestingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:verification:RestoreTesting", name, {}, opts);
        const errors = restoreTestingErrors(args);
        if (errors.length) throw new Error(`Restore testing '${args.planName}':\n  - ${errors.join("\n  - ")}`);

        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                name: args.roleName,
                assumeRolePolicy: toJson(serviceTrustPolicy("backup.amazonaws.com")),
                description: "Assumed by AWS Backup to run restore tests",
            },
            { parent: this },
        );
        const attachment = new aws.iam.RolePolicyAttachment(
            `${name}-restores`,
            { role: this.role.name, policyArn: RESTORE_ROLE_POLICY },
            { parent: this },
        );
        this.plan = new aws.backup.RestoreTestingPlan(
            `${name}-plan`,
            {
                name: args.planName,
                scheduleExpression: args.schedule,
                scheduleExpressionTimezone: "Etc/UTC",
                startWindowHours: args.startWindowHours,
                recoveryPointSelection: {
                    algorithm: "LATEST_WITHIN_WINDOW",
                    includeVaults: args.vaultArns,
                    // AWS Backup's DynamoDB recovery points are snapshots (continuous backup is PITR, outside AWS Backup).
                    recoveryPointTypes: ["SNAPSHOT"],
                    selectionWindowDays: args.selectionWindowDays,
                },
            },
            { parent: this },
        );
        this.selection = new aws.backup.RestoreTestingSelection(
            `${name}-selection`,
            {
                name: args.selectionName,
                restoreTestingPlanName: this.plan.name,
                protectedResourceType: "DynamoDB",
                protectedResourceArns: args.tableArns,
                iamRoleArn: this.role.arn,
                validationWindowHours: args.validationWindowHours,
            },
            { parent: this, dependsOn: [attachment] },
        );
        this.registerOutputs({ planArn: this.plan.arn, planName: this.plan.name, roleArn: this.role.arn });
    }
}
