/**
 * The key policy statements of the backup account's secret-escrow key. Each deployment account's
 * escrow function may only generate data keys (seal), only under the escrow encryption context and
 * only naming its own account as the source; nobody outside the backup account can decrypt. The
 * backup account's principals (recover-secret, with their own IAM grants) may decrypt escrows only.
 */
import { accountRootArn } from "../../naming";
import { SECRET_ESCROW_PURPOSE } from "../../naming/escrowFormat";
import { PolicyStatement } from "../iam/policyDocument";

export interface SecretEscrowKeyArgs {
    backupAccountId: string;
    organizationId: string;
    /**
     * The escrow functions' roles, by ARN or ARN pattern (matched with aws:PrincipalArn, ArnLike: they
     * live in other stacks, one per region a deployment runs in; naming.secretEscrowRoleArnPattern).
     */
    escrowRoleArns: string[];
}

export function secretEscrowKeyStatements(args: SecretEscrowKeyArgs): PolicyStatement[] {
    const accounts = [...new Set(args.escrowRoleArns.map((arn) => arn.split(":")[4]))];
    const statements: PolicyStatement[] = [
        {
            Sid: "BackupAccountOpensEscrows",
            Effect: "Allow",
            Principal: { AWS: accountRootArn(args.backupAccountId) },
            Action: "kms:Decrypt",
            Resource: "*",
            Condition: {
                StringEquals: {
                    "kms:EncryptionContext:purpose": SECRET_ESCROW_PURPOSE,
                    "kms:CallerAccount": args.backupAccountId,
                },
            },
        },
    ];
    if (accounts.length)
        statements.push({
            Sid: "DeploymentAccountsSealEscrows",
            Effect: "Allow",
            Principal: { AWS: accounts.map(accountRootArn) },
            Action: "kms:GenerateDataKey",
            Resource: "*",
            Condition: {
                ArnLike: { "aws:PrincipalArn": args.escrowRoleArns },
                StringEquals: {
                    "aws:PrincipalOrgID": args.organizationId,
                    "kms:EncryptionContext:purpose": SECRET_ESCROW_PURPOSE,
                    // An account can seal escrows only in its own name.
                    "kms:EncryptionContext:sourceAccount": "${aws:PrincipalAccount}",
                },
            },
        });
    return statements;
}
