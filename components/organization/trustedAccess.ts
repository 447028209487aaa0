/**
 * Trusted access of AWS services in the organization (EnableAWSServiceAccess), which the StackSet's
 * service-managed permissions, the organization trail and RAM sharing inside the organization need
 * (AWS Organizations, "AWS services that you can use with AWS Organizations",
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_integrate_services_list.html).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface TrustedAccessArgs {
    /** Service principals, by a short name used in the child resource names. */
    services: Record<string, string>;
}

export class TrustedAccess extends pulumi.ComponentResource {
    readonly access: Record<string, aws.organizations.AwsServiceAccess>;

    constructor(name: string, args: TrustedAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:organization:TrustedAccess", name, {}, opts);
        this.access = Object.fromEntries(
            Object.entries(args.services).map(([key, servicePrincipal]) => [
                key,
                new aws.organizations.AwsServiceAccess(`${name}-${key}`, { servicePrincipal }, { parent: this }),
            ]),
        );
        this.registerOutputs({});
    }
}
