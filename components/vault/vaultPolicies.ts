/**
 * Access policies of the backup account's vaults. A vault access policy can only grant
 * `backup:CopyIntoBackupVault` to other accounts (AWS rejects every other cross-account action),
 * so the policy admits copies from the listed accounts of the organization and denies everyone
 * but the break-glass role the actions that would delete, shorten or re-police a recovery point.
 */
import * as pulumi from "@pulumi/pulumi";
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
        denyExceptBreakGlass(args.breakGlassRoleArn),
    ]);
}

/** The DR vault receives copies from this account only; it keeps the same deny. */
export function drVaultPolicy(breakGlassRoleArn: string): PolicyDocument {
    return policyDocument([denyExceptBreakGlass(breakGlassRoleArn)]);
}
