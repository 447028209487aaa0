/**
 * An AWS Backup Audit Manager framework with the controls of the strategy, and a report plan that
 * writes its compliance report to a bucket. The controls evaluate through AWS Config, so the
 * account must record the AWS Backup resource types (see ConfigRules).
 *
 * Report delivery: Audit Manager writes through its service-linked role AWSServiceRoleForBackupReports.
 * The bucket must let that role put objects (bucket statements below), and, for an SSE-KMS bucket,
 * the key must let it use kms:GenerateDataKey and kms:Decrypt (key statements below) ("Creating report
 * plans using the AWS Backup API"). Audit Manager sends no encryption header, so the bucket's default
 * encryption applies, which is the bucket's own key: the bucket's deny-other-encryption statements use
 * StringNotEqualsIfExists and therefore admit the upload.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement } from "../iam/policyDocument";

export interface AuditFrameworkArgs {
    /** `[a-zA-Z][_a-zA-Z0-9]*`, up to 256 characters: no hyphens. */
    frameworkName: string;
    /** Same rule as the framework name. */
    reportPlanName: string;
    controls: AuditControls;
    /** Resource types the controls evaluate, e.g. ["DynamoDB"]. */
    resourceTypes: string[];
    /** Bucket and prefix of the compliance reports. */
    reportBucketName: pulumi.Input<string>;
    reportKeyPrefix: string;
}

export interface AuditControls {
    /** Controls on the account's own resources and plan; left out where no resource is backed up (the backup account). */
    plan?: PlanControls;
    /** Accounts that must hold a copy (the backup account); omitted in the backup account itself. */
    crossAccountIds?: string[];
    /**
     * Backup account only: manual deletion of recovery points disabled, except by these IAM roles
     * (the break-glass role; "Choosing your controls": up to 5 roles, parameter principalArnList).
     */
    manualDeletionDisabled?: { exemptPrincipalArns: string[] };
    /** Backup account only: vaults locked within these bounds. */
    vaultLock?: { minRetentionDays: number; maxRetentionDays: number };
}

const FRAMEWORK_NAME = /^[a-zA-Z][_a-zA-Z0-9]{0,255}$/;

export const REPORTS_ROLE_NAME = "AWSServiceRoleForBackupReports";
export const reportsRoleArn = (accountId: string) =>
    `arn:aws:iam::${accountId}:role/aws-service-role/reports.backup.amazonaws.com/${REPORTS_ROLE_NAME}`;

export interface PlanControls {
    /** Most frequent rule and shortest retention the plan must have. */
    minimumFrequency: { unit: "hours" | "days"; value: number };
    minimumRetentionDays: number;
    /** The newest recovery point of each resource must be younger than this. */
    lastRecoveryPointMaxAge: { unit: "hours" | "days"; value: number };
}

/** The frequency control's value for a rule that runs every `intervalHours`. */
export function frequencyOf(intervalHours: number): PlanControls["minimumFrequency"] {
    if (intervalHours < 24) return { unit: "hours", value: Math.max(1, Math.round(intervalHours)) };
    return { unit: "days", value: Math.min(7, Math.round(intervalHours / 24)) };
}

/** The controls, with AWS's parameter names and string values. */
export function frameworkControls(
    controls: AuditControls,
    resourceTypes: string[],
): aws.types.input.backup.FrameworkControl[] {
    const scope = { complianceResourceTypes: resourceTypes };
    const params = (p: Record<string, string | number>) =>
        Object.entries(p).map(([name, value]) => ({ name, value: String(value) }));
    const list: aws.types.input.backup.FrameworkControl[] = [{ name: "BACKUP_RECOVERY_POINT_ENCRYPTED", scope }];
    const plan = controls.plan;
    if (plan) {
        list.push(
            { name: "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN", scope },
            {
                name: "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
                inputParameters: params({
                    requiredFrequencyUnit: plan.minimumFrequency.unit,
                    requiredFrequencyValue: plan.minimumFrequency.value,
                    requiredRetentionDays: plan.minimumRetentionDays,
                }),
            },
            {
                name: "BACKUP_LAST_RECOVERY_POINT_CREATED",
                inputParameters: params({
                    recoveryPointAgeUnit: plan.lastRecoveryPointMaxAge.unit,
                    recoveryPointAgeValue: plan.lastRecoveryPointMaxAge.value,
                }),
                scope,
            },
        );
    }
    if (controls.crossAccountIds?.length) {
        list.push({
            name: "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT",
            inputParameters: params({ crossAccountList: controls.crossAccountIds.join(",") }),
            scope,
        });
    }
    if (controls.manualDeletionDisabled) {
        const exempt = controls.manualDeletionDisabled.exemptPrincipalArns;
        list.push({
            name: "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
            ...(exempt.length ? { inputParameters: params({ principalArnList: exempt.join(",") }) } : {}),
        });
    }
    if (controls.vaultLock) {
        list.push({
            name: "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",
            inputParameters: params({
                minRetentionDays: controls.vaultLock.minRetentionDays,
                maxRetentionDays: controls.vaultLock.maxRetentionDays,
            }),
        });
    }
    return list;
}

/** What AWS would reject in the names and control parameters. */
export function auditFrameworkErrors(args: AuditFrameworkArgs): string[] {
    const errors: string[] = [];
    for (const [what, name] of [
        ["framework", args.frameworkName],
        ["report plan", args.reportPlanName],
    ] as const) {
        if (!FRAMEWORK_NAME.test(name))
            errors.push(
                `an AWS Backup ${what} name starts with a letter and has only letters, digits and '_' (no '-'), up to 256: '${name}'`,
            );
    }
    const { plan, crossAccountIds, vaultLock, manualDeletionDisabled } = args.controls;
    if (manualDeletionDisabled && manualDeletionDisabled.exemptPrincipalArns.length > 5)
        errors.push("the manual-deletion control exempts at most 5 IAM roles (principalArnList)");
    if (plan) {
        // Bounds of the console's choices for these controls: a frequency of at most a day or a week, an age of at most 31 days.
        const { minimumFrequency: f, lastRecoveryPointMaxAge: age } = plan;
        const maxFrequency = f.unit === "hours" ? 24 : 7;
        if (!Number.isInteger(f.value) || f.value < 1 || f.value > maxFrequency)
            errors.push(`requiredFrequencyValue in ${f.unit} is 1 to ${maxFrequency}, not ${f.value}`);
        const maxAge = age.unit === "hours" ? 744 : 31;
        if (!Number.isInteger(age.value) || age.value < 1 || age.value > maxAge)
            errors.push(`recoveryPointAgeValue in ${age.unit} is 1 to ${maxAge}, not ${age.value}`);
        if (!Number.isInteger(plan.minimumRetentionDays) || plan.minimumRetentionDays < 1)
            errors.push(
                `requiredRetentionDays must be a whole number of days from 1, not ${plan.minimumRetentionDays}`,
            );
    }
    if (vaultLock && vaultLock.minRetentionDays > vaultLock.maxRetentionDays)
        errors.push("the vault-lock control's minRetentionDays exceeds its maxRetentionDays");
    if (crossAccountIds && (crossAccountIds.length > 5 || crossAccountIds.some((id) => !/^\d{12}$/.test(id))))
        errors.push("crossAccountList is up to 5 twelve-digit account ids");
    if (frameworkControls(args.controls, args.resourceTypes).length > 50)
        errors.push("AWS Backup Audit Manager allows at most 50 controls per account and region");
    if (!/^[^/].*[^/]$|^[^/]$/.test(args.reportKeyPrefix))
        errors.push(`the report key prefix must not start or end with '/': '${args.reportKeyPrefix}'`);
    return errors;
}

/**
 * Bucket statement that lets Audit Manager deliver reports under the prefix, and nothing else. The
 * role is matched by condition, not named as principal: S3 rejects a policy naming a role that does
 * not exist yet, and the service-linked role appears only with the first framework or report plan.
 * The fixed aws:PrincipalArn and aws:PrincipalAccount values keep the statement non-public for S3.
 */
export function reportDeliveryBucketStatements(
    bucketArn: pulumi.Output<string>,
    accountId: string,
    keyPrefix: string,
): PolicyStatement[] {
    return [
        {
            Sid: "BackupAuditReportsDelivery",
            Effect: "Allow",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: pulumi.interpolate`${bucketArn}/${keyPrefix}/*`,
            Condition: {
                ArnEquals: { "aws:PrincipalArn": reportsRoleArn(accountId) },
                StringEquals: { "aws:PrincipalAccount": accountId, "s3:x-amz-acl": "bucket-owner-full-control" },
            },
        },
    ];
}

/**
 * Key statement for the bucket's key. The principal is matched by condition rather than named, because
 * KMS rejects a key policy that names a role that does not exist yet, and the service-linked role
 * only appears with the first framework or report plan.
 */
export function reportDeliveryKeyStatements(accountId: string, region: string): PolicyStatement[] {
    return [
        {
            Sid: "BackupAuditReportsEncrypt",
            Effect: "Allow",
            Principal: "*",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: "*",
            Condition: {
                ArnEquals: { "aws:PrincipalArn": reportsRoleArn(accountId) },
                StringEquals: { "kms:CallerAccount": accountId, "kms:ViaService": `s3.${region}.amazonaws.com` },
            },
        },
    ];
}

export class AuditFramework extends pulumi.ComponentResource {
    readonly framework: aws.backup.Framework;
    readonly reportPlan: aws.backup.ReportPlan;

    constructor(name: string, args: AuditFrameworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:verification:AuditFramework", name, {}, opts);
        const errors = auditFrameworkErrors(args);
        if (errors.length) throw new Error(`Audit framework '${args.frameworkName}':\n  - ${errors.join("\n  - ")}`);
        this.framework = new aws.backup.Framework(
            `${name}-framework`,
            {
                name: args.frameworkName,
                description: "The controls of the backup strategy",
                controls: frameworkControls(args.controls, args.resourceTypes),
            },
            { parent: this },
        );
        this.reportPlan = new aws.backup.ReportPlan(
            `${name}-report`,
            {
                name: args.reportPlanName,
                description: "Daily compliance report of the backup controls",
                reportDeliveryChannel: {
                    s3BucketName: args.reportBucketName,
                    s3KeyPrefix: args.reportKeyPrefix,
                    formats: ["CSV", "JSON"],
                },
                reportSetting: {
                    reportTemplate: "CONTROL_COMPLIANCE_REPORT",
                    frameworkArns: [this.framework.arn],
                    numberOfFrameworks: 1,
                },
            },
            { parent: this },
        );
        this.registerOutputs({ frameworkArn: this.framework.arn, reportPlanArn: this.reportPlan.arn });
    }
}
