/**
 * AWS Backup's settings for one region of one account: the resource types it may protect, and
 * full AWS Backup management (advanced backups) for DynamoDB. Cross-account copies and cold
 * storage of DynamoDB recovery points only exist with advanced DynamoDB backups switched on.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface BackupRegionSettingsArgs {
    /** Resource types AWS Backup may protect through tag-based selections here. */
    optInResourceTypes: string[];
}

export class BackupRegionSettings extends pulumi.ComponentResource {
    readonly settings: aws.backup.RegionSettings;

    constructor(name: string, args: BackupRegionSettingsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:settings:BackupRegionSettings", name, {}, opts);
        this.settings = new aws.backup.RegionSettings(
            `${name}-settings`,
            {
                resourceTypeOptInPreference: Object.fromEntries(args.optInResourceTypes.map((t) => [t, true])),
                resourceTypeManagementPreference: { DynamoDB: true },
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
