/**
 * A logically air-gapped vault: AWS-managed isolation with a built-in compliance lock, shareable
 * for recovery through AWS RAM. AWS requires both retention bounds, the minimum at least 7 days.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AirGappedVaultArgs {
    vaultName: string;
    minRetentionDays: number;
    maxRetentionDays: number;
    protect: boolean;
}

export class AirGappedVault extends pulumi.ComponentResource {
    readonly vault: aws.backup.LogicallyAirGappedVault;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: AirGappedVaultArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:vault:AirGappedVault", name, {}, opts);
        this.vault = new aws.backup.LogicallyAirGappedVault(
            `${name}-vault`,
            { name: args.vaultName, minRetentionDays: args.minRetentionDays, maxRetentionDays: args.maxRetentionDays },
            { parent: this, protect: args.protect },
        );
        this.arn = this.vault.arn;
        this.registerOutputs({ arn: this.arn });
    }
}
