/**
 * An AWS Backup vault with its key, failure notifications, and optionally an access policy and a
 * vault lock. The same component serves a deployment account's local vault and the backup
 * account's central and DR vaults; only the args differ.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument, toJson } from "../iam/policyDocument";

export interface BackupVaultArgs {
    /** 2 to 50 letters, digits, '-' and '_'. */
    vaultName: string;
    kmsKeyArn: pulumi.Input<string>;
    /** Topic for the vault's failure events; the topic's policy must admit backup.amazonaws.com. */
    notificationTopicArn: pulumi.Input<string>;
    /** Built by the caller from the vault's ARN. */
    accessPolicy?: (vaultArn: pulumi.Output<string>) => PolicyDocument;
    /** A vault lock; `changeableForDays` makes it compliance mode (immutable after the grace period). */
    lock?: VaultLockArgs;
    protect: boolean;
}

export interface VaultLockArgs {
    minRetentionDays: number;
    maxRetentionDays: number;
    /** Grace period in days before the lock becomes immutable (AWS: at least 3); omit for governance mode. */
    changeableForDays?: number;
}

/**
 * The vault events that still notify. AWS lists BACKUP_JOB_FAILED and RESTORE_JOB_FAILED as deprecated
 * ("no longer supported and will not return statuses or notifications", PutBackupVaultNotifications),
 * so backup and restore failures reach the alert topic through EventBridge rules instead.
 */
export const VAULT_FAILURE_EVENTS = ["COPY_JOB_FAILED", "S3_BACKUP_OBJECT_FAILED", "S3_RESTORE_OBJECT_FAILED"];

export class BackupVault extends pulumi.ComponentResource {
    readonly vault: aws.backup.Vault;
    readonly lock?: aws.backup.VaultLockConfiguration;
    readonly arn: pulumi.Output<string>;
    readonly name: pulumi.Output<string>;

    constructor(name: string, args: BackupVaultArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:vault:BackupVault", name, {}, opts);
        this.vault = new aws.backup.Vault(
            `${name}-vault`,
            // forceDestroy stays false: deleting a vault must never delete its recovery points.
            { name: args.vaultName, kmsKeyArn: args.kmsKeyArn, forceDestroy: false },
            { parent: this, protect: args.protect },
        );
        this.arn = this.vault.arn;
        this.name = this.vault.name;

        new aws.backup.VaultNotifications(
            `${name}-notifications`,
            {
                backupVaultName: this.vault.name,
                snsTopicArn: args.notificationTopicArn,
                backupVaultEvents: VAULT_FAILURE_EVENTS,
            },
            { parent: this },
        );
        if (args.accessPolicy) {
            new aws.backup.VaultPolicy(
                `${name}-policy`,
                { backupVaultName: this.vault.name, policy: toJson(args.accessPolicy(this.vault.arn)) },
                { parent: this },
            );
        }
        if (args.lock) {
            // Every lock setting is replace-only in the provider, and a compliance lock cannot be
            // removed after its grace period: protect it whatever the stack says.
            this.lock = new aws.backup.VaultLockConfiguration(
                `${name}-lock`,
                {
                    backupVaultName: this.vault.name,
                    minRetentionDays: args.lock.minRetentionDays,
                    maxRetentionDays: args.lock.maxRetentionDays,
                    changeableForDays: args.lock.changeableForDays,
                },
                { parent: this, protect: true },
            );
        }
        this.registerOutputs({ arn: this.arn, name: this.name });
    }
}
