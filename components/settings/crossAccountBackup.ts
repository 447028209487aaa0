/**
 * Switches cross-account backup on for the whole organization. Only the management account can, and
 * until it does every copy job into the backup account fails. Every global setting is given
 * explicitly: the provider shows a perpetual diff for any it is not told.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface CrossAccountBackupArgs {
    /** Multi-party approval for logically air-gapped vaults; off unless the organization has set it up. */
    multiPartyApproval?: boolean;
    /** Lets a member account administer AWS Backup for the organization. */
    delegatedAdministrator?: boolean;
}

export class CrossAccountBackup extends pulumi.ComponentResource {
    readonly settings: aws.backup.GlobalSettings;

    constructor(name: string, args: CrossAccountBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:settings:CrossAccountBackup", name, {}, opts);
        this.settings = new aws.backup.GlobalSettings(
            `${name}-settings`,
            {
                globalSettings: {
                    isCrossAccountBackupEnabled: "true",
                    isMpaEnabled: String(args.multiPartyApproval ?? false),
                    isDelegatedAdministratorEnabled: String(args.delegatedAdministrator ?? false),
                },
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
