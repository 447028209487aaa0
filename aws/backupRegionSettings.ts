/**
 * The resource types AWS Backup knows in each region this project deploys AWS Backup settings to,
 * for `aws.backup.RegionSettings`: one place, read on the date below.
 *
 * Why every type, per region:
 * - The provider stores every type DescribeRegionSettings returns, and its
 *   `resource_type_opt_in_preference` is a required map without `Computed`
 *   (hashicorp/terraform-provider-aws, internal/service/backup/region_settings.go), so a type AWS
 *   returns but the program leaves out shows as a change on every preview; the same holds for
 *   `resource_type_management_preference` once the program sets it.
 * - UpdateRegionSettings refuses a type the region does not support ("Element present in resource
 *   type opt in preference has invalid values. Please use describeRegionSettings API to know the
 *   supported resource types": hashicorp/terraform-provider-aws#21801 in us-west-1, boto/boto3#3758),
 *   and AWS Backup's API Reference says to "use the DescribeRegionSettings API to determine the
 *   resource types that are supported". A region this table does not list is therefore refused by
 *   the config (a guess would fail `pulumi up` or diff forever).
 * - A type left out is switched on when AWS adds it (service opt-in, AWS Backup Developer Guide);
 *   naming every type and switching all but the stack's own off keeps tag-based selections from
 *   reaching services this strategy does not cover.
 *
 * Sources, read 2026-11-29: AWS Backup API Reference, GetSupportedResourceTypes (the type names,
 * EKS included), DescribeRegionSettings and UpdateRegionSettings; the provider's
 * aws.backup.RegionSettings docs (7.x: the DSQL, "Redshift Serverless" and management keys). The
 * per-region split (Timestream in Ireland, not in London) follows the services' regional
 * availability; the AWS Backup Developer Guide's "Supported services by AWS Region" table is the
 * reference, and the search index here did not expose its rows, so the lists are NOT yet confirmed
 * against it. Before the first deploy into a region, compare with `aws backup
 * describe-region-settings --region <region>` in the account: the keys must be exactly these
 * (tests/aws/backupRegionSettings.spec.ts pins them). To add a region, add its keys from that command.
 */

/** The date the per-region lists below were last checked against AWS's documentation. */
export const BACKUP_RESOURCE_TYPES_CHECKED_ON = "2026-11-29";

/** Types AWS Backup offers service opt-in for in both European regions this project uses. */
const EUROPE_COMMON = [
    "Aurora",
    "CloudFormation",
    "DocumentDB",
    "DSQL",
    "DynamoDB",
    "EBS",
    "EC2",
    "EFS",
    "EKS",
    "FSx",
    "Neptune",
    "RDS",
    "Redshift",
    "Redshift Serverless",
    "S3",
    "SAP HANA on Amazon EC2",
    "Storage Gateway",
    "VirtualMachine",
] as const;

/**
 * Types with a full AWS Backup management preference. DynamoDB's is off until advanced DynamoDB
 * backups are switched on; the others are always fully managed (their default, kept as is).
 */
const FULL_MANAGEMENT = ["CloudFormation", "DSQL", "DynamoDB", "EFS"] as const;

export interface BackupRegionResourceTypes {
    /** Every key DescribeRegionSettings returns in `ResourceTypeOptInPreference` there. */
    optIn: readonly string[];
    /** Every key it returns in `ResourceTypeManagementPreference`. */
    fullManagement: readonly string[];
}

export const BACKUP_RESOURCE_TYPES_BY_REGION: Readonly<Record<string, BackupRegionResourceTypes>> = {
    "eu-west-1": { optIn: [...EUROPE_COMMON, "Timestream"], fullManagement: FULL_MANAGEMENT },
    "eu-west-2": { optIn: EUROPE_COMMON, fullManagement: FULL_MANAGEMENT },
};

/** Why AWS Backup's region settings cannot be set in `region` by this program, or undefined when they can. */
export function backupRegionSettingsRule(region: string): string | undefined {
    if (BACKUP_RESOURCE_TYPES_BY_REGION[region]) return undefined;
    return (
        `AWS Backup's region settings name every resource type the region supports, and UpdateRegionSettings rejects a type it does not ` +
        `(AWS Backup API Reference, UpdateRegionSettings); this project knows the types of ${Object.keys(BACKUP_RESOURCE_TYPES_BY_REGION).join(", ")} ` +
        `(checked ${BACKUP_RESOURCE_TYPES_CHECKED_ON}). Add ${region}'s from \`aws backup describe-region-settings --region ${region}\` to aws/backupRegionSettings.ts`
    );
}

export interface RegionSettingsPreferences {
    resourceTypeOptInPreference: Record<string, boolean>;
    resourceTypeManagementPreference: Record<string, boolean>;
}

/**
 * Both preference maps for `region`, naming every type the region has: `optIn` types on, every
 * other off; full management on for `managed` and for the types that are always fully managed.
 */
export function regionSettingsPreferences(
    region: string,
    optIn: readonly string[],
    managed: readonly string[],
): RegionSettingsPreferences {
    const types = BACKUP_RESOURCE_TYPES_BY_REGION[region];
    const rule = backupRegionSettingsRule(region);
    if (!types || rule) throw new Error(rule);
    for (const type of [...optIn, ...managed])
        if (!types.optIn.includes(type))
            throw new Error(`AWS Backup has no resource type '${type}' in ${region} (${types.optIn.join(", ")})`);
    return {
        resourceTypeOptInPreference: Object.fromEntries(types.optIn.map((t) => [t, optIn.includes(t)])),
        resourceTypeManagementPreference: Object.fromEntries(
            types.fullManagement.map((t) => [t, t === "DynamoDB" ? managed.includes(t) : true]),
        ),
    };
}
