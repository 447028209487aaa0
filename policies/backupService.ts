/**
 * AWS Backup's account settings and service roles: what a plan silently relies on. A plan whose
 * region has DynamoDB's advanced backup off cannot copy across accounts or move points to cold
 * storage ("Advanced DynamoDB backup", AWS Backup Developer Guide), and a selection whose role
 * lacks AWS's managed backup policy fails every job at run time, not at deploy time.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { knownStrings, readKnown } from "./lib/joins";
import { configWithDefaults, ofTypes, validateStackWith } from "./lib/policy";
import {
    PLAN,
    REGION_SETTINGS,
    RegionSettingsProps,
    RESTORE_TESTING_SELECTION,
    ROLE_POLICY_ATTACHMENT,
    SELECTION,
    VAULT,
} from "./lib/tokens";

/** The region a resource is placed in: its provider's region, else its own `region` input. */
function regionOf(r: PolicyResource): string | undefined {
    const region = readKnown(() => r.provider?.props.region) ?? readKnown(() => r.props.region);
    return typeof region === "string" ? region : undefined;
}

export const dynamodbAdvancedBackup: StackValidationPolicy = {
    name: "backup-dynamodb-advanced-features",
    description:
        "In every region where the stack keeps a backup plan or vault, AWS Backup manages DynamoDB with its advanced features " +
        "(RegionSettings `resourceTypeManagementPreference.DynamoDB` and `resourceTypeOptInPreference.DynamoDB` true): " +
        "cross-account copies and cold storage of DynamoDB backups need them.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Add an aws.backup.RegionSettings in that region with `resourceTypeOptInPreference: { DynamoDB: true, ... }` and " +
        "`resourceTypeManagementPreference: { DynamoDB: true, ... }`.",
    validateStack: validateStackWith([PLAN, VAULT], (args, reportViolation) => {
        const settings = ofTypes(args.resources, REGION_SETTINGS);
        const regions = new Set(
            ofTypes(args.resources, [PLAN, VAULT])
                .map(regionOf)
                .filter((r): r is string => !!r),
        );
        for (const region of regions) {
            const here = settings.filter((s) => regionOf(s) === region || regionOf(s) === undefined);
            const on = here.some((s) => {
                const props = s.props as RegionSettingsProps;
                return (
                    readKnown(() => props.resourceTypeManagementPreference?.DynamoDB) === true &&
                    readKnown(() => props.resourceTypeOptInPreference?.DynamoDB) === true
                );
            });
            if (!on) {
                reportViolation(
                    `AWS Backup's advanced DynamoDB backup is not switched on in ${region}` +
                        (here.length === 0 ? " (no aws.backup.RegionSettings there)" : "") +
                        ": copies of DynamoDB backups to the backup account and cold storage fail. Set DynamoDB to true in both preferences.",
                );
            }
        }
    }),
};

/** AWS's managed policies a service role of AWS Backup needs, by the resource that passes the role. */
export const SERVICE_ROLE_POLICIES = {
    backup: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    restore: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
};

export interface ServiceRoleConfig {
    backupPolicyArn: string;
    restorePolicyArn: string;
}

/** `arn:aws:iam::<account>:role/<path/>name` -> name. */
function roleNameOfArn(arn: string): string | undefined {
    const match = /^arn:aws[a-z-]*:iam::\d*:role\/(?:.*\/)?([^/]+)$/.exec(arn);
    return match ? match[1] : undefined;
}

export const serviceRolePermissions: StackValidationPolicy = {
    name: "backup-service-role-permissions",
    description:
        "The role of every backup selection carries AWS's AWSBackupServiceRolePolicyForBackup, and the role of every restore-testing " +
        "selection AWSBackupServiceRolePolicyForRestores (when the role is created in the stack).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Attach the managed policy to the role with an aws.iam.RolePolicyAttachment (`policyArn` " +
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup, or ...ForRestores for restore tests).",
    configSchema: {
        properties: {
            backupPolicyArn: { type: "string", default: SERVICE_ROLE_POLICIES.backup },
            restorePolicyArn: { type: "string", default: SERVICE_ROLE_POLICIES.restore },
        },
    },
    validateStack: validateStackWith([SELECTION, RESTORE_TESTING_SELECTION], (args, reportViolation) => {
        const { backupPolicyArn, restorePolicyArn } = configWithDefaults<ServiceRoleConfig>(args, {
            backupPolicyArn: SERVICE_ROLE_POLICIES.backup,
            restorePolicyArn: SERVICE_ROLE_POLICIES.restore,
        });
        const roles = new Set(
            ofTypes(args.resources, "aws:iam/role:Role")
                .map((r) => readKnown(() => r.props.name))
                .filter((n): n is string => typeof n === "string"),
        );
        const attached = new Map<string, Set<string>>();
        for (const a of ofTypes(args.resources, ROLE_POLICY_ATTACHMENT)) {
            const role = readKnown(() => a.props.role);
            const policy = readKnown(() => a.props.policyArn);
            if (typeof role !== "string" || typeof policy !== "string") continue;
            attached.set(role, new Set([...(attached.get(role) ?? []), policy]));
        }
        const check = (selection: PolicyResource, required: string, purpose: string) => {
            const [arn] = knownStrings(() => selection.props.iamRoleArn);
            const role = arn ? roleNameOfArn(arn) : undefined;
            // A role another stack or AWS owns (the default service role) is outside what this stack can show.
            if (!role || !roles.has(role)) return;
            if (!attached.get(role)?.has(required)) {
                reportViolation(
                    `Role '${role}' of ${selection.type.split(":").pop()} '${selection.name}' lacks ${required.split("/").pop()}, so AWS Backup cannot ${purpose}. ` +
                        `Attach ${required} to it.`,
                    selection.urn,
                );
            }
        };
        for (const s of ofTypes(args.resources, SELECTION))
            check(s, backupPolicyArn, "back up or copy what it selects");
        for (const s of ofTypes(args.resources, RESTORE_TESTING_SELECTION))
            check(s, restorePolicyArn, "restore what the restore test selects");
    }),
};

export const backupServicePolicies = [dynamodbAdvancedBackup, serviceRolePermissions];
