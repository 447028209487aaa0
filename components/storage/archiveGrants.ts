/**
 * What the backup account's archive buckets and their keys grant roles of the deployment accounts:
 * the replication roles write replicas in, the DR restore roles read the table exports out. Each grant
 * names the accounts as principals and narrows them to the roles by ARN inside the organization.
 */
import * as pulumi from "@pulumi/pulumi";
import * as naming from "../../naming";
import { PolicyStatement } from "../iam/policyDocument";

/** Roles of member accounts, by account and role ARN pattern, inside one organization. */
export interface OrganizationRoles {
    accountIds: string[];
    organizationId: string;
    roleArns: string[];
}

/**
 * The accounts as principals, narrowed to the roles by `aws:PrincipalArn` and to the organization by
 * `aws:PrincipalOrgID`: S3 rejects a policy naming a role that does not exist yet, and these roles
 * are created by the deployment stacks, after this one.
 */
function organizationRoles(roles: OrganizationRoles) {
    return {
        principal: { AWS: roles.accountIds.map(naming.accountRootArn) },
        condition: {
            StringEquals: { "aws:PrincipalOrgID": roles.organizationId },
            ArnLike: { "aws:PrincipalArn": roles.roleArns },
        },
    };
}

/**
 * What an archive bucket grants the deployment accounts' replication roles: write replicas and read
 * versioning, nothing else.
 */
export function replicationWriterStatements(
    bucketArn: pulumi.Input<string>,
    writers: OrganizationRoles,
): PolicyStatement[] {
    const { principal, condition } = organizationRoles(writers);
    return [
        {
            Sid: "DeploymentAccountsReplicateIn",
            Effect: "Allow",
            Principal: principal,
            Action: ["s3:ReplicateObject", "s3:ReplicateTags", "s3:ObjectOwnerOverrideToBucketOwner"],
            Resource: pulumi.interpolate`${bucketArn}/*`,
            Condition: condition,
        },
        {
            Sid: "DeploymentAccountsReadVersioning",
            Effect: "Allow",
            Principal: principal,
            Action: "s3:GetBucketVersioning",
            Resource: bucketArn,
            Condition: condition,
        },
    ];
}

/**
 * What an archive grants the deployment accounts' DR restore role (`vat-backup-dr-restore`, by
 * aws:PrincipalArn, in the organization): reading the table exports, so that `dr restore-from-export`
 * can ImportTable them straight from the archive into a new table of that account (DynamoDB, "Import
 * from Amazon S3": S3BucketOwner for another account's bucket; the importer needs s3:GetObject and
 * s3:ListBucket on the source and kms:Decrypt on its key). Nothing else of the archive (escrows,
 * audit reports) and no write.
 */
export function exportReaderStatements(bucketArn: pulumi.Input<string>, readers: OrganizationRoles): PolicyStatement[] {
    const { principal, condition } = organizationRoles(readers);
    return [
        {
            Sid: "DrRestoreRolesReadTableExports",
            Effect: "Allow",
            Principal: principal,
            Action: "s3:GetObject",
            Resource: pulumi.interpolate`${bucketArn}/${naming.TABLE_EXPORT_PREFIX}/*`,
            Condition: condition,
        },
        {
            Sid: "DrRestoreRolesListTableExports",
            Effect: "Allow",
            Principal: principal,
            Action: "s3:ListBucket",
            Resource: bucketArn,
            Condition: { ...condition, StringLike: { "s3:prefix": `${naming.TABLE_EXPORT_PREFIX}/*` } },
        },
    ];
}

/** The archive key's side of the same: decrypt, only through S3 of the key's region, only for those roles. */
export function exportReaderKeyStatement(
    region: string,
    readers: { accountIds: string[]; roleArns: string[] },
): PolicyStatement {
    return {
        Sid: "DrRestoreRolesDecryptTableExports",
        Effect: "Allow",
        Principal: { AWS: readers.accountIds.map(naming.accountRootArn) },
        Action: ["kms:Decrypt", "kms:DescribeKey"],
        Resource: "*",
        Condition: {
            StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com`, "kms:CallerAccount": readers.accountIds },
            ArnLike: { "aws:PrincipalArn": readers.roleArns },
        },
    };
}
