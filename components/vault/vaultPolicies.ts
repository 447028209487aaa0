/**
 * Access policies of the backup account's vaults. A vault access policy can only grant
 * `backup:CopyIntoBackupVault` to other accounts (AWS rejects every other cross-account action),
 * so the policy admits copies from the listed accounts of the organization and denies everyone
 * but the break-glass role the actions that would delete, shorten or re-police a recovery point.
 */
import * as pulumi from "@pulumi/pulumi";
import { COPY_BACK_ROLE_NAME, BACKUP_ACCOUNT_SERVICE_ROLE_NAME, accountRootArn, iamRoleArn } from "../../naming";
import { PolicyDocument, PolicyStatement, policyDocument } from "../iam/policyDocument";

/** Actions that would destroy or weaken what the vault keeps. */
export const PROTECTED_VAULT_ACTIONS = [
    "backup:DeleteRecoveryPoint",
    "backup:UpdateRecoveryPointLifecycle",
    "backup:PutBackupVaultAccessPolicy",
    "backup:DeleteBackupVaultAccessPolicy",
    "backup:DeleteBackupVault",
    "backup:DeleteBackupVaultLockConfiguration",
];

export function denyExceptBreakGlass(breakGlassRoleArn: string): PolicyStatement {
    return {
        Sid: "DenyDestructionExceptBreakGlass",
        Effect: "Deny",
        Principal: "*",
        Action: PROTECTED_VAULT_ACTIONS,
        Resource: "*",
        Condition: { ArnNotEquals: { "aws:PrincipalArn": breakGlassRoleArn } },
    };
}

export interface CentralVaultPolicyArgs {
    organizationId: string;
    deploymentAccountIds: string[];
    breakGlassRoleArn: string;
    /**
     * OUs whose every account copies in (the organization backup policy's targets), by
     * aws:PrincipalOrgPaths: accounts that join later need no change here.
     */
    copyingOus?: string[];
}

/** Any principal of an account under one of the OUs, by its organization path `o-.../r-.../ou-.../`. */
export function ouCopyInStatement(
    organizationId: string,
    ous: string[],
    vaultArn: pulumi.Input<string>,
): PolicyStatement {
    return {
        Sid: "OrganizationUnitsCopyIn",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: "backup:CopyIntoBackupVault",
        Resource: vaultArn,
        Condition: {
            StringEquals: { "aws:PrincipalOrgID": organizationId },
            "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": ous.map((ou) => `${organizationId}/*/${ou}/*`) },
        },
    };
}

export function centralVaultPolicy(args: CentralVaultPolicyArgs, vaultArn: pulumi.Input<string>): PolicyDocument {
    return policyDocument([
        {
            Sid: "DeploymentAccountsCopyIn",
            Effect: "Allow",
            Principal: { AWS: args.deploymentAccountIds.map((id) => `arn:aws:iam::${id}:root`) },
            Action: "backup:CopyIntoBackupVault",
            Resource: vaultArn,
            Condition: { StringEquals: { "aws:PrincipalOrgID": args.organizationId } },
        },
        ...(args.copyingOus?.length ? [ouCopyInStatement(args.organizationId, args.copyingOus, vaultArn)] : []),
        denyExceptBreakGlass(args.breakGlassRoleArn),
    ]);
}

/** The DR vault receives copies from this account only; it keeps the same deny. */
export function drVaultPolicy(breakGlassRoleArn: string): PolicyDocument {
    return policyDocument([denyExceptBreakGlass(breakGlassRoleArn)]);
}

/**
 * A deployment account's local vault admits copies back from the backup account: the copy job writes
 * as the role passed to it (the backup account's copy role), started by the copy-back role. The
 * principal is the account, narrowed by role ARN, so the policy is valid before those roles exist.
 */
export function copyBackVaultPolicy(backupAccountId: string, vaultArn: pulumi.Input<string>): PolicyDocument {
    return policyDocument([
        {
            Sid: "BackupAccountCopiesBack",
            Effect: "Allow",
            Principal: { AWS: accountRootArn(backupAccountId) },
            Action: "backup:CopyIntoBackupVault",
            Resource: vaultArn,
            Condition: {
                ArnEquals: {
                    "aws:PrincipalArn": [
                        iamRoleArn(backupAccountId, BACKUP_ACCOUNT_SERVICE_ROLE_NAME),
                        iamRoleArn(backupAccountId, COPY_BACK_ROLE_NAME),
                    ],
                },
            },
        },
    ]);
}
