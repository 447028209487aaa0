/**
 * An AWS Backup plan with its rules, the role AWS Backup assumes, and the selections that put
 * resources under the plan: listed resources by ARN, and everything carrying the selection tag.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrustPolicy, toJson } from "../iam/policyDocument";

export interface BackupPlanArgs {
    planName: string;
    /** Vault the rules write to. */
    vaultName: pulumi.Input<string>;
    rules: BackupPlanRule[];
    /** Resources selected by ARN. */
    resourceArns: string[];
    /** Resources carrying this tag are selected too. */
    selectionTag?: { key: string; value: string };
    /** Name of the role AWS Backup assumes for backup, copy and restore jobs. */
    roleName: string;
}

export interface RuleLifecycle {
    deleteAfterDays: number;
    moveToColdStorageAfterDays?: number;
}

export interface BackupPlanRule {
    name: string;
    schedule: string;
    startWindowMinutes: number;
    completionWindowMinutes: number;
    lifecycle: RuleLifecycle;
    /** Copies to other vaults (another account's or region's), each with its own explicit lifecycle. */
    copies: { destinationVaultArn: pulumi.Input<string>; lifecycle: RuleLifecycle }[];
}

/**
 * AWS managed policies that AWS Backup needs to back up and restore DynamoDB tables (and the other
 * types the console's default role covers). The S3-specific policies are left out: no bucket is
 * backed up by AWS Backup here; the exports bucket is protected by replication and versioning.
 */
export const BACKUP_ROLE_MANAGED_POLICIES = [
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
];

/** AWS Backup: "The maximum number of ARNs is 500 without wildcards" in one selection. */
export const MAX_ARNS_PER_SELECTION = 500;

/** Listed resources split into selections AWS accepts; the first keeps the plain `-listed` name. */
export function listedSelections(planName: string, resourceArns: string[]): { name: string; resources: string[] }[] {
    const out: { name: string; resources: string[] }[] = [];
    for (let i = 0; i < resourceArns.length; i += MAX_ARNS_PER_SELECTION) {
        const n = i / MAX_ARNS_PER_SELECTION;
        out.push({
            name: n === 0 ? `${planName}-listed` : `${planName}-listed-${n + 1}`,
            resources: resourceArns.slice(i, i + MAX_ARNS_PER_SELECTION),
        });
    }
    return out;
}

function lifecycle(lc: RuleLifecycle) {
    return { deleteAfter: lc.deleteAfterDays, coldStorageAfter: lc.moveToColdStorageAfterDays };
}

/** The provider's rule shape. Cold storage of DynamoDB needs advanced DynamoDB backups (region settings). */
export function planRules(args: BackupPlanArgs): aws.types.input.backup.PlanRule[] {
    return args.rules.map((rule) => ({
        ruleName: rule.name,
        targetVaultName: args.vaultName,
        schedule: rule.schedule,
        scheduleExpressionTimezone: "Etc/UTC",
        startWindow: rule.startWindowMinutes,
        completionWindow: rule.completionWindowMinutes,
        lifecycle: lifecycle(rule.lifecycle),
        recoveryPointTags: { "backup-rule": rule.name },
        // Without an explicit lifecycle the provider records a copy as kept forever.
        copyActions: rule.copies.map((copy) => ({
            destinationVaultArn: copy.destinationVaultArn,
            lifecycle: lifecycle(copy.lifecycle),
        })),
    }));
}

export class BackupPlan extends pulumi.ComponentResource {
    readonly plan: aws.backup.Plan;
    readonly role: aws.iam.Role;
    readonly id: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: BackupPlanArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:plan:BackupPlan", name, {}, opts);
        // AWS Backup's documented trust policy carries no source condition; a role cannot be passed
        // to another account's AWS Backup (iam:PassRole is same-account), which bounds the risk.
        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                name: args.roleName,
                assumeRolePolicy: toJson(serviceTrustPolicy("backup.amazonaws.com")),
                description: "Assumed by AWS Backup for backup, copy and restore jobs",
            },
            { parent: this },
        );
        const attachments = BACKUP_ROLE_MANAGED_POLICIES.map(
            (policyArn) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-${policyArn.split("/").pop()}`,
                    { role: this.role.name, policyArn },
                    { parent: this },
                ),
        );
        this.plan = new aws.backup.Plan(
            `${name}-plan`,
            { name: args.planName, rules: planRules(args) },
            { parent: this },
        );

        const selectionOpts = { parent: this, dependsOn: attachments };
        listedSelections(args.planName, args.resourceArns).forEach((selection, i) => {
            new aws.backup.Selection(
                i === 0 ? `${name}-listed` : `${name}-listed-${i + 1}`,
                {
                    name: selection.name,
                    planId: this.plan.id,
                    iamRoleArn: this.role.arn,
                    resources: selection.resources,
                },
                selectionOpts,
            );
        });
        if (args.selectionTag) {
            new aws.backup.Selection(
                `${name}-tagged`,
                {
                    name: `${args.planName}-tagged`,
                    planId: this.plan.id,
                    iamRoleArn: this.role.arn,
                    selectionTags: [
                        { type: "STRINGEQUALS", key: args.selectionTag.key, value: args.selectionTag.value },
                    ],
                },
                selectionOpts,
            );
        }
        this.id = this.plan.id;
        this.arn = this.plan.arn;
        this.registerOutputs({ id: this.id, arn: this.arn, roleArn: this.role.arn });
    }
}
