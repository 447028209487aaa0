/**
 * Shares a logically air-gapped vault through AWS RAM with recovery accounts of the organization,
 * so a new account restores directly from it without the backup account's credentials (AWS Backup,
 * "Logically air-gapped vault": share with RAM, then restore in the receiving account,
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html). The share
 * admits no principal outside the organization. Multi-party approval (restore even when the owning
 * account is unreachable) is associated with the vault by a one-time step (README): the provider
 * has no resource for it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AirGappedVaultShareArgs {
    vaultArn: pulumi.Input<string>;
    shareName: string;
    recoveryAccountIds: string[];
}

export class AirGappedVaultShare extends pulumi.ComponentResource {
    readonly share: aws.ram.ResourceShare;

    constructor(name: string, args: AirGappedVaultShareArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:vault:AirGappedVaultShare", name, {}, opts);
        this.share = new aws.ram.ResourceShare(
            `${name}-share`,
            { name: args.shareName, allowExternalPrincipals: false },
            { parent: this },
        );
        new aws.ram.ResourceAssociation(
            `${name}-vault`,
            { resourceShareArn: this.share.arn, resourceArn: args.vaultArn },
            { parent: this },
        );
        for (const accountId of args.recoveryAccountIds)
            new aws.ram.PrincipalAssociation(
                `${name}-${accountId}`,
                { resourceShareArn: this.share.arn, principal: accountId },
                { parent: this },
            );
        this.registerOutputs({ shareArn: this.share.arn });
    }
}
