/**
 * The service control policies of the deployment accounts' OU: what nobody in a workload account
 * can do to its backups, whatever their IAM policies say, except the named roles whose duty needs
 * it. SCPs never apply to the management account or to service-linked roles (AWS Organizations,
 * "Service control policies (SCPs)",
 * https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html).
 *
 * Condition keys per action, from the Service Authorization Reference (the simulator's data, which
 * tests/components/organization re-checks): dynamodb:UpdateContinuousBackups has no key that tells
 * switching PITR on from off, and s3:PutBucketVersioning none that tells suspending from enabling,
 * so both are denied by action to every principal but the named roles; the backup actions have no
 * service keys either, so they are scoped by action and resource. Only the global key
 * aws:PrincipalArn tells the named roles apart.
 */
import * as pulumi from "@pulumi/pulumi";
import * as naming from "../../naming";
import * as org from "../../naming/organization";
import { PolicyDocument, PolicyStatement, policyDocument } from "../iam/policyDocument";
import { OrganizationPolicy } from "./organizationPolicy";

/** Role names (in any account of the OU) exempted from each deny, by duty. */
export interface ExemptRoles {
    deploy: string[];
    drRestore: string[];
    breakGlass: string[];
}

export interface GuardrailScpArgs {
    roles: ExemptRoles;
    /** Roles of an adopted landing zone (Control Tower) that manage its own trail. */
    trailManagers: string[];
}

/** Recovery points: deleting, shortening, disassociating, or unlocking their vault. */
export const RECOVERY_POINT_DESTRUCTION = [
    "backup:DeleteRecoveryPoint",
    "backup:UpdateRecoveryPointLifecycle",
    "backup:DisassociateRecoveryPoint",
    "backup:DeleteBackupVaultLockConfiguration",
];

/** Vaults and plans: deleting or re-policing them (what `pulumi up` changes, so the deploy roles keep it). */
export const BACKUP_RECONFIGURATION = [
    "backup:DeleteBackupVault",
    "backup:PutBackupVaultAccessPolicy",
    "backup:DeleteBackupVaultAccessPolicy",
    "backup:DeleteBackupPlan",
    "backup:UpdateBackupPlan",
    "backup:DeleteBackupSelection",
    "backup:UpdateRegionSettings",
];

export const KEY_DESTRUCTION = ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DeleteImportedKeyMaterial"];

export const EXPORTS_VERSION_DESTRUCTION = ["s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"];

export const EXPORTS_RECONFIGURATION = [
    "s3:PutBucketVersioning",
    "s3:PutReplicationConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:DeleteBucket",
];

export const TRAIL_TAMPERING = [
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
    "cloudtrail:UpdateTrail",
    "cloudtrail:PutEventSelectors",
];

/** Changes to an exempted role that would hand its exemption to someone else. */
export const EXEMPT_ROLE_CHANGES = [
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
];

/** Every deployment account's exports bucket (naming.exportsBucketName). */
export const EXPORTS_BUCKETS = `arn:${naming.PARTITION}:s3:::*-env-backup-exports-*`;

const unless = (roles: string[]) => ({
    ArnNotLike: { "aws:PrincipalArn": [...new Set(roles)].map(org.exemptRoleArnPattern) },
});

/** The deploy duty includes the StackSet execution role, which creates and updates the baseline. */
const deployers = (r: ExemptRoles) => [...r.deploy, `${org.STACK_SET_EXECUTION_ROLE_PREFIX}*`];

/** Recovery points, vaults, plans, PITR and backup keys. */
export function recoveryDataScp(r: ExemptRoles): PolicyDocument {
    const statements: PolicyStatement[] = [
        {
            Sid: "DenyPitrChanges",
            Effect: "Deny",
            Action: "dynamodb:UpdateContinuousBackups",
            Resource: "*",
            Condition: unless([...r.deploy, ...r.drRestore, ...r.breakGlass]),
        },
        {
            Sid: "DenyRecoveryPointDestruction",
            Effect: "Deny",
            Action: RECOVERY_POINT_DESTRUCTION,
            Resource: "*",
            Condition: unless(r.breakGlass),
        },
        {
            Sid: "DenyBackupReconfiguration",
            Effect: "Deny",
            Action: BACKUP_RECONFIGURATION,
            Resource: "*",
            Condition: unless([...deployers(r), ...r.breakGlass]),
        },
        {
            // Key ids are not names, so every key of the account: a workload account keeps its keys.
            Sid: "DenyKeyDestruction",
            Effect: "Deny",
            Action: KEY_DESTRUCTION,
            Resource: "*",
            Condition: unless(r.breakGlass),
        },
        {
            Sid: "DenyLeavingOrganization",
            Effect: "Deny",
            Action: "organizations:LeaveOrganization",
            Resource: "*",
        },
    ];
    return policyDocument(statements);
}

/** The exports bucket's versions and configuration, the trail, and the exempted roles themselves. */
export function exportsAndTrailScp(args: GuardrailScpArgs): PolicyDocument {
    const r = args.roles;
    const exempt = [...r.deploy, ...r.drRestore, ...r.breakGlass];
    return policyDocument([
        {
            Sid: "DenyExportVersionDeletion",
            Effect: "Deny",
            Action: EXPORTS_VERSION_DESTRUCTION,
            Resource: `${EXPORTS_BUCKETS}/*`,
            Condition: unless(r.breakGlass),
        },
        {
            Sid: "DenyExportsReconfiguration",
            Effect: "Deny",
            Action: EXPORTS_RECONFIGURATION,
            Resource: EXPORTS_BUCKETS,
            Condition: unless([...r.deploy, ...r.breakGlass]),
        },
        {
            Sid: "DenyTrailTampering",
            Effect: "Deny",
            Action: TRAIL_TAMPERING,
            Resource: "*",
            Condition: unless([...r.breakGlass, ...args.trailManagers]),
        },
        {
            // An exemption is by role name: nobody but a deploy role may create one, or change who
            // can assume it or what it may do.
            Sid: "ProtectExemptedRoles",
            Effect: "Deny",
            Action: EXEMPT_ROLE_CHANGES,
            Resource: [...new Set(exempt)].map(org.exemptRoleArnPattern),
            Condition: unless(deployers(r)),
        },
    ]);
}

export interface ServiceControlPoliciesArgs extends GuardrailScpArgs {
    /** OU or account ids of the deployment accounts. */
    targets: string[];
    tags?: Record<string, string>;
}

/** The two SCPs as AWS Organizations receives them; config validation sizes the same documents. */
export function guardrailScps(
    args: GuardrailScpArgs,
): { policyName: string; description: string; document: unknown }[] {
    return [
        {
            policyName: "vat-backup-protect-recovery-data",
            description: "PITR, recovery points, vaults, plans and backup keys: only the named roles",
            document: recoveryDataScp(args.roles),
        },
        {
            policyName: "vat-backup-protect-exports-and-trail",
            description: "Exports bucket versions and configuration, CloudTrail, and the exempted roles",
            document: exportsAndTrailScp(args),
        },
    ];
}

export class ServiceControlPolicies extends pulumi.ComponentResource {
    readonly policies: OrganizationPolicy[];

    constructor(name: string, args: ServiceControlPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:organization:ServiceControlPolicies", name, {}, opts);
        this.policies = guardrailScps(args).map(
            (p, i) =>
                new OrganizationPolicy(
                    `${name}-${i === 0 ? "recovery-data" : "exports-and-trail"}`,
                    { type: "SERVICE_CONTROL_POLICY", targets: args.targets, tags: args.tags, ...p },
                    { parent: this },
                ),
        );
        this.registerOutputs({});
    }
}
