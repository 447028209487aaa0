/**
 * AWS Organizations' documented rules for the policies the `org` stack writes. Each constant names
 * the page it comes from; tests/components/organization cite the same pages.
 */

/**
 * Maximum size of a policy document, every character counted (whitespace outside quotes too):
 * SCP 5,120, RCP 5,120, backup policy 10,000. AWS Organizations, "Quotas and service limits"
 * (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html).
 */
export const POLICY_MAX_CHARS = {
    SERVICE_CONTROL_POLICY: 5120,
    RESOURCE_CONTROL_POLICY: 5120,
    BACKUP_POLICY: 10000,
} as const;

export type OrganizationPolicyType = keyof typeof POLICY_MAX_CHARS;

/**
 * At most 5 SCPs (and 5 RCPs) may be attached to one root, OU or account, FullAWSAccess included
 * (same quotas page: "Maximum number of policies attached to root, OU or account").
 */
export const MAX_ATTACHED_PER_TARGET = 5;

/**
 * Services whose resources RCPs restrict at launch: S3, STS, KMS, SQS and Secrets Manager
 * (AWS Organizations, "Resource control policies (RCPs)", list of supported services,
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html).
 */
export const RCP_SERVICES = ["s3", "sts", "kms", "sqs", "secretsmanager"] as const;

/** An OU id: `ou-` + 4-32 lowercase letters or digits of the root + `-` + 8-32 (Organizations API, OrganizationalUnit Id). */
export const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;

/** The root id: `r-` + 4-32 lowercase letters or digits (Organizations API, Root Id). */
export const ROOT_ID = /^r-[0-9a-z]{4,32}$/;

/** Targets a policy can be attached to: the root, an OU or an account (Organizations API, AttachPolicy TargetId). */
export const POLICY_TARGET = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|\d{12})$/;

/** A policy's size as AWS counts it: the document as sent, which the program sends minified. */
export function policySize(document: unknown): number {
    return JSON.stringify(document).length;
}

/**
 * Resource types a logically air-gapped vault holds and restores from (AWS Backup Developer Guide,
 * "Logically air-gapped vault", supported resource types,
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html).
 * DynamoDB backups need AWS Backup's advanced DynamoDB features; backups in cold storage cannot be
 * copied into it, so a copy has to happen before a lifecycle moves the point to cold storage.
 */
export const AIR_GAPPED_VAULT_RESOURCE_TYPES = [
    "Aurora",
    "DocumentDB",
    "DynamoDB",
    "EBS",
    "EC2",
    "EFS",
    "FSx",
    "Neptune",
    "RDS",
    "Redshift",
    "S3",
    "Storage Gateway",
    "VirtualMachine",
] as const;

/**
 * The service principals whose trusted access the `org` stack enables
 * (AWS Organizations, "AWS services that you can use with AWS Organizations").
 */
export const TRUSTED_SERVICES = {
    backup: "backup.amazonaws.com",
    stackSets: "member.org.stacksets.cloudformation.amazonaws.com",
    cloudTrail: "cloudtrail.amazonaws.com",
    ram: "ram.amazonaws.com",
} as const;
