/**
 * AWS Backup's settings for one region of one account: the resource types it may protect, and
 * full AWS Backup management (advanced backups) for DynamoDB. Cross-account copies and cold
 * storage of DynamoDB recovery points only exist with advanced DynamoDB backups switched on.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { regionSettingsPreferences } from "../../aws/backupRegionSettings";

export interface BackupRegionSettingsArgs {
    /** The region of the provider these settings are made with: AWS Backup's resource types differ per region. */
    region: string;
    /** Resource types AWS Backup may protect through tag-based selections here; every other type is switched off. */
    optInResourceTypes: string[];
}

export class BackupRegionSettings extends pulumi.ComponentResource {
    readonly settings: aws.backup.RegionSettings;

    constructor(name: string, args: BackupRegionSettingsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:settings:BackupRegionSettings", name, {}, opts);
        this.settings = new aws.backup.RegionSettings(
            `${name}-settings`,
            // Every type the region has, or the provider shows a change on every preview (aws/backupRegionSettings.ts).
            regionSettingsPreferences(args.region, args.optInResourceTypes, ["DynamoDB"]),
            { parent: this },
        );
        this.registerOutputs({});
    }
}
