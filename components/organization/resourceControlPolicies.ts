/**
 * The resource control policy of the backup account: its archive buckets and its keys answer only
 * to principals of the organization (and to AWS services acting for it), whatever a bucket or key
 * policy says. RCPs apply to S3, STS, KMS, SQS and Secrets Manager (aws/organizations.ts
 * RCP_SERVICES); every statement's Principal must be "*" and only Deny is allowed
 * (AWS Organizations, "RCP syntax",
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html).
 * RCPs never apply to the management account's resources.
 */
import * as pulumi from "@pulumi/pulumi";
import { PARTITION } from "../../naming";
import { PolicyDocument, policyDocument } from "../iam/policyDocument";
import { OrganizationPolicy } from "./organizationPolicy";

export interface ArchivePerimeterArgs {
    organizationId: string;
}

/** Every archive bucket (naming.archiveBucketName), in any region. */
export const ARCHIVE_BUCKETS = `arn:${PARTITION}:s3:::vat-backup-archive-*`;

const outsideOrganization = (organizationId: string) => ({
    StringNotEqualsIfExists: { "aws:PrincipalOrgID": organizationId },
    BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
});

export function archivePerimeterRcp(args: ArchivePerimeterArgs): PolicyDocument {
    return policyDocument([
        {
            Sid: "ArchiveOnlyInsideOrganization",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [ARCHIVE_BUCKETS, `${ARCHIVE_BUCKETS}/*`],
            Condition: outsideOrganization(args.organizationId),
        },
        {
            Sid: "ArchiveOnlyOverTls",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [ARCHIVE_BUCKETS, `${ARCHIVE_BUCKETS}/*`],
            Condition: { BoolIfExists: { "aws:SecureTransport": "false" } },
        },
        {
            // Key ids are not names: every key of the backup account stays inside the organization.
            Sid: "KeysOnlyInsideOrganization",
            Effect: "Deny",
            Principal: "*",
            Action: "kms:*",
            Resource: "*",
            Condition: outsideOrganization(args.organizationId),
        },
    ]);
}

export interface ResourceControlPoliciesArgs extends ArchivePerimeterArgs {
    /** The backup account (or its OU). */
    targets: string[];
    tags?: Record<string, string>;
}

export function perimeterRcps(args: ArchivePerimeterArgs) {
    return [
        {
            policyName: "vat-backup-archive-perimeter",
            description: "Archive buckets and keys of the backup account: principals of the organization only",
            document: archivePerimeterRcp(args),
        },
    ];
}

export class ResourceControlPolicies extends pulumi.ComponentResource {
    readonly policies: OrganizationPolicy[];

    constructor(name: string, args: ResourceControlPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:organization:ResourceControlPolicies", name, {}, opts);
        this.policies = perimeterRcps(args).map(
            (p) =>
                new OrganizationPolicy(
                    `${name}-archive-perimeter`,
                    { type: "RESOURCE_CONTROL_POLICY", targets: args.targets, tags: args.tags, ...p },
                    { parent: this },
                ),
        );
        this.registerOutputs({});
    }
}
