/**
 * The backup account's own roles: the role AWS Backup assumes for its copy jobs, the copy-back role
 * an operator assumes to send a recovery point back to a deployment account, and the break-glass
 * role, the only principal the vault policies let delete or shorten a recovery point.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accountRootArn, iamRoleArn } from "../../naming";
import { PolicyDocument, policyDocument, serviceTrustPolicy, toJson } from "../iam/policyDocument";
import { PROTECTED_VAULT_ACTIONS } from "../vault/vaultPolicies";

export interface BackupAccountRolesArgs {
    accountId: string;
    /** Regions whose vaults the copy-back role may copy from. */
    regions: string[];
    copyRoleName: string;
    copyBackRoleName: string;
    breakGlassRoleName: string;
}

/** People of this account assume these roles, with MFA. */
function operatorTrust(accountId: string): PolicyDocument {
    return policyDocument([
        {
            Sid: "OperatorsWithMfa",
            Effect: "Allow",
            Principal: { AWS: accountRootArn(accountId) },
            Action: "sts:AssumeRole",
            Condition: { Bool: { "aws:MultiFactorAuthPresent": true } },
        },
    ]);
}

export function copyBackPolicy(args: BackupAccountRolesArgs): PolicyDocument {
    const recoveryPoints = args.regions.map((r) => `arn:aws:backup:${r}:${args.accountId}:recovery-point:*`);
    const vaults = args.regions.map((r) => `arn:aws:backup:${r}:${args.accountId}:backup-vault:*`);
    return policyDocument([
        {
            Sid: "FindRecoveryPoints",
            Effect: "Allow",
            Action: ["backup:ListRecoveryPointsByBackupVault", "backup:DescribeBackupVault"],
            Resource: vaults,
        },
        {
            Sid: "DescribeRecoveryPoints",
            Effect: "Allow",
            Action: "backup:DescribeRecoveryPoint",
            Resource: recoveryPoints,
        },
        { Sid: "CopyBackToDeploymentVaults", Effect: "Allow", Action: "backup:StartCopyJob", Resource: recoveryPoints },
        {
            Sid: "WatchCopyJobs",
            Effect: "Allow",
            Action: ["backup:DescribeCopyJob", "backup:ListCopyJobs"],
            Resource: "*",
        },
        {
            Sid: "PassCopyRole",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: iamRoleArn(args.accountId, args.copyRoleName),
            Condition: { StringEquals: { "iam:PassedToService": "backup.amazonaws.com" } },
        },
    ]);
}

export function breakGlassPolicy(args: BackupAccountRolesArgs): PolicyDocument {
    const vaults = args.regions.map((r) => `arn:aws:backup:${r}:${args.accountId}:backup-vault:*`);
    return policyDocument([
        {
            // `pulumi up --target` of a vault policy reads it back after writing it (stacks/breakGlass.ts).
            Sid: "BreakGlassReadsVaultPolicies",
            Effect: "Allow",
            Action: "backup:GetBackupVaultAccessPolicy",
            Resource: vaults,
        },
        {
            Sid: "BreakGlassVaultChanges",
            Effect: "Allow",
            Action: PROTECTED_VAULT_ACTIONS,
            Resource: [...args.regions.map((r) => `arn:aws:backup:${r}:${args.accountId}:recovery-point:*`), ...vaults],
        },
    ]);
}

export class BackupAccountRoles extends pulumi.ComponentResource {
    readonly copyRole: aws.iam.Role;
    readonly copyBackRole: aws.iam.Role;
    readonly breakGlassRole: aws.iam.Role;

    constructor(name: string, args: BackupAccountRolesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:access:BackupAccountRoles", name, {}, opts);
        const child = { parent: this };
        this.copyRole = new aws.iam.Role(
            `${name}-copy`,
            {
                name: args.copyRoleName,
                assumeRolePolicy: toJson(serviceTrustPolicy("backup.amazonaws.com")),
                description: "Assumed by AWS Backup for copy jobs out of the backup account",
            },
            child,
        );
        new aws.iam.RolePolicyAttachment(
            `${name}-copy-managed`,
            {
                role: this.copyRole.name,
                policyArn: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
            },
            child,
        );

        this.copyBackRole = new aws.iam.Role(
            `${name}-copy-back`,
            {
                name: args.copyBackRoleName,
                assumeRolePolicy: toJson(operatorTrust(args.accountId)),
                description: "Copies recovery points back into a deployment account's vault for restore",
                maxSessionDuration: 43200,
            },
            child,
        );
        new aws.iam.RolePolicy(
            `${name}-copy-back-policy`,
            { role: this.copyBackRole.name, name: "copy-back", policy: toJson(copyBackPolicy(args)) },
            child,
        );

        this.breakGlassRole = new aws.iam.Role(
            `${name}-break-glass`,
            {
                name: args.breakGlassRoleName,
                assumeRolePolicy: toJson(operatorTrust(args.accountId)),
                description:
                    "The only principal allowed to delete or shorten recovery points; every use is an incident",
                maxSessionDuration: 3600,
            },
            child,
        );
        new aws.iam.RolePolicy(
            `${name}-break-glass-policy`,
            { role: this.breakGlassRole.name, name: "break-glass", policy: toJson(breakGlassPolicy(args)) },
            child,
        );

        this.registerOutputs({
            copyRoleArn: this.copyRole.arn,
            copyBackRoleArn: this.copyBackRole.arn,
            breakGlassRoleArn: this.breakGlassRole.arn,
        });
    }
}
