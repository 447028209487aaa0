/**
 * EventBridge rules that turn AWS Backup job state changes into messages on the alert topic: backup
 * jobs FAILED, ABORTED or EXPIRED, backup jobs "completed with issues", copy jobs FAILED and
 * restore jobs FAILED. AWS no longer sends backup and restore failures as vault notifications
 * (PutBackupVaultNotifications lists BACKUP_JOB_FAILED and RESTORE_JOB_FAILED as deprecated), so
 * these rules are the only path for them.
 *
 * Event shapes (AWS Backup Developer Guide, "Monitoring AWS Backup events using EventBridge"):
 * backup and copy jobs report `detail.state`; restore jobs report `detail.status`. "Completed with
 * issues" is a console label for a COMPLETED backup job that carries a `statusMessage`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface BackupJobEventsArgs {
    /** Prefix of the rule names, e.g. `prod-env-backup`. EventBridge: 1 to 64 of [.-_A-Za-z0-9]. */
    namePrefix: string;
    alertTopicArn: pulumi.Input<string>;
}

/** One rule: its pattern and the message a person reads. */
export interface JobEventRule {
    key: string;
    description: string;
    pattern: { source: string[]; "detail-type": string[]; detail: Record<string, unknown> };
    /** Variable → JSON path into the event. */
    inputPaths: Record<string, string>;
    /** The message, with `<variable>` placeholders. */
    message: string;
}

const consoleLink = (kind: "backup" | "copy" | "restore", idVariable: string) =>
    `https://<region>.console.aws.amazon.com/backup/home?region=<region>#/jobs/${kind}/details/<${idVariable}>`;

const WHERE = { account: "$.account", region: "$.region", time: "$.time" };

export function jobEventRules(): JobEventRule[] {
    const backupPaths = {
        ...WHERE,
        jobId: "$.detail.backupJobId",
        state: "$.detail.state",
        resource: "$.detail.resourceArn",
        resourceType: "$.detail.resourceType",
        vault: "$.detail.backupVaultName",
        statusMessage: "$.detail.statusMessage",
    };
    const backupMessage = (headline: string) =>
        `${headline}\n` +
        "Resource: <resource> (<resourceType>)\nVault: <vault>\nAccount: <account>, region <region>, at <time>\n" +
        "AWS Backup says: <statusMessage>\n" +
        `Job: ${consoleLink("backup", "jobId")}\n` +
        "Until a later job completes, the newest recovery point of this resource is older than the plan promises.";
    return [
        {
            key: "backup-job-failed",
            description: "AWS Backup backup jobs that failed, were aborted or expired before they could start",
            pattern: {
                source: ["aws.backup"],
                "detail-type": ["Backup Job State Change"],
                detail: { state: ["FAILED", "ABORTED", "EXPIRED"] },
            },
            inputPaths: backupPaths,
            message: backupMessage("AWS Backup: a backup job ended <state>."),
        },
        {
            key: "backup-job-issues",
            description: "AWS Backup backup jobs that completed with issues (COMPLETED with a status message)",
            pattern: {
                source: ["aws.backup"],
                "detail-type": ["Backup Job State Change"],
                detail: { state: ["COMPLETED"], statusMessage: [{ exists: true }] },
            },
            inputPaths: backupPaths,
            message: backupMessage(
                "AWS Backup: a backup job completed with issues; check that the recovery point is usable.",
            ),
        },
        {
            key: "copy-job-failed",
            description: "AWS Backup copy jobs that failed (copies to the backup account or another region)",
            pattern: {
                source: ["aws.backup"],
                "detail-type": ["Copy Job State Change"],
                detail: { state: ["FAILED"] },
            },
            inputPaths: {
                ...WHERE,
                jobId: "$.detail.copyJobId",
                resource: "$.detail.resourceArn",
                resourceType: "$.detail.resourceType",
                source: "$.detail.sourceBackupVaultArn",
                destination: "$.detail.destinationBackupVaultArn",
                statusMessage: "$.detail.statusMessage",
            },
            message:
                "AWS Backup: a copy job FAILED.\n" +
                "Resource: <resource> (<resourceType>)\nFrom vault: <source>\nTo vault: <destination>\nAccount: <account>, region <region>, at <time>\n" +
                "AWS Backup says: <statusMessage>\n" +
                `Job: ${consoleLink("copy", "jobId")}\n` +
                "Cross-account copies fail until cross-account backup is on for the organization and while a copy's retention is outside the destination vault lock's bounds.",
        },
        {
            key: "restore-job-failed",
            description: "AWS Backup restore jobs that failed, including restore tests",
            pattern: {
                source: ["aws.backup"],
                "detail-type": ["Restore Job State Change"],
                detail: { status: ["FAILED"] },
            },
            inputPaths: {
                ...WHERE,
                jobId: "$.detail.restoreJobId",
                resourceType: "$.detail.resourceType",
                recoveryPoint: "$.detail.recoveryPointArn",
                testingPlan: "$.detail.restoreTestingPlanArn",
                statusMessage: "$.detail.statusMessage",
            },
            message:
                "AWS Backup: a restore job FAILED.\n" +
                "Recovery point: <recoveryPoint> (<resourceType>)\nRestore testing plan (if a test): <testingPlan>\nAccount: <account>, region <region>, at <time>\n" +
                "AWS Backup says: <statusMessage>\n" +
                `Job: ${consoleLink("restore", "jobId")}\n` +
                "A recovery point that cannot be restored is not a backup: investigate before the next scheduled test.",
        },
    ];
}

/** The rule's input template: a JSON string, so SNS delivers plain text. */
export function inputTemplate(rule: JobEventRule): string {
    const used = [...rule.message.matchAll(/<([A-Za-z]+)>/g)].map((m) => m[1]);
    const unknown = used.filter((v) => !(v in rule.inputPaths));
    if (unknown.length)
        throw new Error(`Event rule '${rule.key}': the message uses <${unknown.join(">, <")}> without an input path`);
    // EventBridge allows at most 100 input paths per transformer.
    if (Object.keys(rule.inputPaths).length > 100)
        throw new Error(`Event rule '${rule.key}': more than 100 input paths`);
    return JSON.stringify(rule.message);
}

export class BackupJobEvents extends pulumi.ComponentResource {
    readonly rules: aws.cloudwatch.EventRule[];

    constructor(name: string, args: BackupJobEventsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:monitoring:BackupJobEvents", name, {}, opts);
        this.rules = jobEventRules().map((spec) => {
            const ruleName = `${args.namePrefix}-${spec.key}`;
            if (!/^[.\-_A-Za-z0-9]{1,64}$/.test(ruleName))
                throw new Error(
                    `EventBridge rule names are 1 to 64 of letters, digits, '.', '-' and '_': '${ruleName}'`,
                );
            const rule = new aws.cloudwatch.EventRule(
                `${name}-${spec.key}`,
                {
                    name: ruleName,
                    description: spec.description,
                    eventPattern: JSON.stringify(spec.pattern),
                    state: "ENABLED",
                },
                { parent: this },
            );
            new aws.cloudwatch.EventTarget(
                `${name}-${spec.key}-alert`,
                {
                    rule: rule.name,
                    targetId: "alert-topic",
                    arn: args.alertTopicArn,
                    inputTransformer: { inputPaths: spec.inputPaths, inputTemplate: inputTemplate(spec) },
                },
                { parent: this },
            );
            return rule;
        });
        this.registerOutputs({ ruleArns: this.rules.map((r) => r.arn) });
    }
}
