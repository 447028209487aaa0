/**
 * AWS Backup delegated to the backup account, so it sees every account's jobs (cross-account
 * monitoring). AWS Backup requires trusted access for backup.amazonaws.com and the delegated
 * administrator switched on in the management account's global settings before the account is
 * registered (AWS Backup Developer Guide, "Delegated administrator",
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/manage-cross-account.html#backup-delegatedadmin).
 * Delegated administration publishes no metrics: the backup account's organization-wide alarms
 * come from the job events forwarded to its bus.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { TRUSTED_SERVICES } from "../../aws/organizations";

export interface DelegatedBackupAdministrationArgs {
    backupAccountId: string;
    /** The global settings resource that switches delegated administration on (must come first). */
    dependsOn: pulumi.Resource[];
}

export class DelegatedBackupAdministration extends pulumi.ComponentResource {
    readonly trustedAccess: aws.organizations.AwsServiceAccess;
    readonly administrator: aws.organizations.DelegatedAdministrator;

    constructor(name: string, args: DelegatedBackupAdministrationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:organization:DelegatedBackupAdministration", name, {}, opts);
        this.trustedAccess = new aws.organizations.AwsServiceAccess(
            `${name}-trusted-access`,
            { servicePrincipal: TRUSTED_SERVICES.backup },
            { parent: this },
        );
        this.administrator = new aws.organizations.DelegatedAdministrator(
            `${name}-backup-account`,
            { accountId: args.backupAccountId, servicePrincipal: TRUSTED_SERVICES.backup },
            { parent: this, dependsOn: [this.trustedAccess, ...args.dependsOn] },
        );
        this.registerOutputs({});
    }
}
