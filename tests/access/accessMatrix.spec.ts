/**
 * The access matrix: who may do what across the prod, ci and backup accounts, asked of the policies
 * the stacks actually produce (the offline plans of prod, ci and backup), answered by an IAM policy
 * simulator. Each question states its expected answer; a policy change that widens access flips an
 * answer and fails here (the last block proves that on mutated copies).
 *
 * Modelled, not produced by the stacks (they are AWS's or the operators', named where used):
 * - AWSBackupServiceRolePolicyForBackup, attached by the stacks to every backup service role: only its
 *   statement allowing backup:CopyIntoBackupVault on any vault is modelled (what a copy job needs).
 * - "an administrator" of an account: an operator role with AdministratorAccess (Allow * on *),
 *   the strongest identity policy a deployment or backup account can hold.
 * - Cross-account KMS use needs an identity grant in the caller's account too; where a question is
 *   about a key policy, the caller holds an administrator's identity policy so that only the key
 *   policy decides.
 *
 * Not expressible with the simulator (so not asked): Object Lock and vault-lock retention (they are
 * not IAM decisions); the rule that a vault access policy cannot grant cross-account access to any
 * action except backup:CopyIntoBackupVault (AWS enforces it beyond the policy; the simulator follows
 * the policy alone, which here never allows more anyway); which principal AWS Backup presents when a
 * copy job writes into another account's vault (asked both ways below); conditions on
 * kms:EncryptionContext:* keys (the simulator drops such keys, so the replication role's own
 * statement for the archive key is not asked; the archive key's policy is).
 */
import * as assert from "node:assert/strict";
import * as naming from "../../naming";
import { Registered, runStackOffline } from "../helpers/engine";
import {
    Decision,
    IdentityPolicy,
    ORG_ID,
    PolicyDocument,
    Question,
    allow,
    decide,
    identity,
    policyDocument,
} from "../helpers/iamSimulator";

const PROD = "111111111111";
const CI = "222222222222";
const BACKUP = "333333333333";
/** An account inside the organization that is not a deployment account. */
const UNLISTED = "555555555555";
/** An account outside the organization. */
const OUTSIDER = "999999999999";
const REGION = "eu-west-2";
const DR_REGION = "eu-west-1";

const role = naming.iamRoleArn;
const prodBackupRole = role(PROD, naming.backupServiceRoleName("prod", REGION));
const ciBackupRole = role(CI, naming.backupServiceRoleName("ci", REGION));
const prodReplicationRole = naming.replicationRoleArn(PROD, "prod", REGION);
const copyBackRole = naming.copyBackRoleArn(BACKUP);
const copyServiceRole = naming.backupAccountServiceRoleArn(BACKUP);
const breakGlassRole = role(BACKUP, naming.DEFAULT_BREAK_GLASS_ROLE_NAME);
const backupAdmin = role(BACKUP, "admin");
const prodAdmin = role(PROD, "admin");

const centralVaultArn = naming.centralVaultArn(BACKUP, REGION);
const drVaultArn = naming.centralVaultArn(BACKUP, DR_REGION, naming.DR_VAULT_NAME);
const prodVaultArn = naming.localVaultArn(PROD, REGION, "prod");
const centralPoint = naming.arn("backup", REGION, BACKUP, "recovery-point:2a6f1c1e-0d5b-4c2e-9a77-0f3c1d2e4b5a");
const drPoint = naming.arn("backup", DR_REGION, BACKUP, "recovery-point:7b1d9e3f-5a2c-4e8b-8c61-3d4f5a6b7c8d");
const prodPoint = naming.arn("backup", REGION, PROD, "recovery-point:9c2e8f4a-1b3d-4f6e-a5c7-8d9e0f1a2b3c");
const archiveBucketArn = naming.archiveBucketArn(BACKUP, REGION);
const drArchiveBucketArn = naming.archiveBucketArn(BACKUP, DR_REGION);
const prodExportsArn = `arn:aws:s3:::${naming.exportsBucketName("prod", PROD, REGION)}`;
const ciExportsArn = `arn:aws:s3:::${naming.exportsBucketName("ci", CI, REGION)}`;
const prodTopicArn = naming.arn("sns", REGION, PROD, naming.envName("prod", "backup-alerts"));

const administrator = allow("AdministratorAccess", [{ Action: "*", Resource: "*" }]);
/** The statement of AWSBackupServiceRolePolicyForBackup that lets a copy job write into a vault. */
const backupServiceManaged = allow("AWSBackupServiceRolePolicyForBackup", [
    {
        Action: ["backup:DescribeBackupVault", "backup:CopyIntoBackupVault"],
        Resource: "arn:aws:backup:*:*:backup-vault:*",
    },
]);
const inOrg = { "aws:PrincipalOrgID": ORG_ID };

/** Every document the matrix reads, taken from the recorded plans. */
interface Estate {
    centralVault: PolicyDocument;
    drVault: PolicyDocument;
    prodVault: PolicyDocument;
    ciVault: PolicyDocument;
    centralKey: { arn: string; policy: PolicyDocument };
    archiveKey: { arn: string; policy: PolicyDocument };
    drArchiveKey: { arn: string; policy: PolicyDocument };
    prodBackupKey: { arn: string; policy: PolicyDocument };
    prodSecretsKey: { arn: string; policy: PolicyDocument };
    archiveBucket: PolicyDocument;
    drArchiveBucket: PolicyDocument;
    prodExportsBucket: PolicyDocument;
    prodAlertTopic: PolicyDocument;
    copyBack: { trust: PolicyDocument; inline: IdentityPolicy };
    breakGlass: { trust: PolicyDocument; inline: IdentityPolicy };
    prodBackupRoleTrust: PolicyDocument;
    prodReplication: { trust: PolicyDocument; inline: IdentityPolicy };
    drCopyFunction: { trust: PolicyDocument; inline: IdentityPolicy };
    drCopyDeadLetters: PolicyDocument;
    /** The prod restore-test validator's inline policy, and the DR region's tamper forwarding role's. */
    prodValidator: IdentityPolicy;
    prodTamperForwarder: IdentityPolicy;
}

interface MatrixQuestion {
    title: string;
    expected: Decision | "Denied";
    ask: (e: Estate) => Question;
}

function key(run: Registered, name: string): { arn: string; policy: PolicyDocument } {
    const k = run.one("aws:kms/key:Key", name);
    return { arn: String(k.outputs.arn), policy: policyDocument(k) };
}

const inlineOf = (run: Registered, name: string): IdentityPolicy =>
    identity(name, policyDocument(run.one("aws:iam/rolePolicy:RolePolicy", name)));

/** The prod side of exports replication: the role S3 assumes in prod, and its inline policy. */
function prodReplication(prod: Registered): { trust: PolicyDocument; inline: IdentityPolicy } {
    const roleResource = prod
        .ofType("aws:iam/role:Role")
        .find((r) => r.inputs.name === naming.replicationRoleName("prod", REGION));
    if (!roleResource) throw new Error("the prod stack creates no exports replication role");
    const inline = prod.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.parent === roleResource.parent);
    if (!inline) throw new Error("the prod exports replication role has no inline policy");
    return {
        trust: policyDocument(roleResource, "assumeRolePolicy"),
        inline: identity("replicate", policyDocument(inline)),
    };
}

async function loadEstate(): Promise<Estate> {
    // One at a time: the offline engine holds the Pulumi runtime's global state while a program runs.
    const prod = new Registered(await runStackOffline("prod"));
    const ci = new Registered(await runStackOffline("ci"));
    const backup = new Registered(await runStackOffline("backup"));
    const vault = (run: Registered, name: string) =>
        policyDocument(run.one("aws:backup/vaultPolicy:VaultPolicy", name));
    const bucket = (run: Registered, name: string) => policyDocument(run.one("aws:s3/bucketPolicy:BucketPolicy", name));
    const trust = (run: Registered, name: string) =>
        policyDocument(run.one("aws:iam/role:Role", name), "assumeRolePolicy");
    return {
        centralVault: vault(backup, "central-vault-policy"),
        drVault: vault(backup, "dr-vault-policy"),
        prodVault: vault(prod, "local-vault-policy"),
        ciVault: vault(ci, "local-vault-policy"),
        centralKey: key(backup, "central-key-key"),
        archiveKey: key(backup, "archive-key-key"),
        drArchiveKey: key(backup, "dr-archive-key-key"),
        prodBackupKey: key(prod, "backup-key-key"),
        prodSecretsKey: key(prod, "secrets-dr-key-key"),
        archiveBucket: bucket(backup, "archive-policy"),
        drArchiveBucket: bucket(backup, "dr-archive-policy"),
        prodExportsBucket: bucket(prod, "exports-policy"),
        prodAlertTopic: policyDocument(prod.one("aws:sns/topicPolicy:TopicPolicy", "alerts-policy")),
        copyBack: { trust: trust(backup, "access-copy-back"), inline: inlineOf(backup, "access-copy-back-policy") },
        breakGlass: {
            trust: trust(backup, "access-break-glass"),
            inline: inlineOf(backup, "access-break-glass-policy"),
        },
        prodBackupRoleTrust: trust(prod, "backup-plan-role"),
        prodReplication: prodReplication(prod),
        drCopyFunction: { trust: trust(backup, "dr-copy-role"), inline: inlineOf(backup, "dr-copy-policy") },
        drCopyDeadLetters: policyDocument(backup.one("aws:sqs/queuePolicy:QueuePolicy", "dr-copy-dlq-policy")),
        prodValidator: inlineOf(prod, "restore-validation-policy"),
        prodTamperForwarder: inlineOf(prod, "dr-tamper-alarms-forward-policy"),
    };
}

// ---------------------------------------------------------------------------------------------
// The questions

const copyIntoCentral =
    (principal: string, ids: IdentityPolicy[], context: Record<string, string>) =>
    (e: Estate): Question => ({
        principal,
        action: "backup:CopyIntoBackupVault",
        resource: centralVaultArn,
        resourceAccount: BACKUP,
        identityPolicies: ids,
        resourcePolicy: e.centralVault,
        context,
    });

const onCentralPoint =
    (
        principal: string,
        action: string,
        ids: (e: Estate) => IdentityPolicy[],
        context: Record<string, string> = inOrg,
    ) =>
    (e: Estate): Question => ({
        principal,
        action,
        resource: action === "backup:PutBackupVaultAccessPolicy" ? centralVaultArn : centralPoint,
        resourceAccount: BACKUP,
        identityPolicies: ids(e),
        resourcePolicy: e.centralVault,
        context,
    });

const replicationAsks =
    (
        action: string,
        resource: string,
        resourceAccount: string,
        policy: (e: Estate) => PolicyDocument | undefined,
        context: Record<string, string | string[]> = inOrg,
    ) =>
    (e: Estate): Question => ({
        principal: prodReplicationRole,
        action,
        resource,
        resourceAccount,
        identityPolicies: [e.prodReplication.inline],
        resourcePolicy: policy(e),
        context,
    });

/**
 * The archive key's policy decides these (the caller holds an administrator's identity policy):
 * the replication role's own statement for the key is conditioned on
 * kms:EncryptionContext:aws:s3:arn, which the simulator cannot evaluate (see iamSimulator.ts).
 */
const archiveKeyEncrypt =
    (
        principal: string,
        context: Record<string, string | string[]>,
        which: "archiveKey" | "drArchiveKey" = "archiveKey",
    ) =>
    (e: Estate): Question => ({
        principal,
        action: "kms:Encrypt",
        resource: e[which].arn,
        resourceAccount: BACKUP,
        identityPolicies: [administrator],
        resourcePolicy: e[which].policy,
        context: { ...inOrg, ...context },
    });

const prodKeyDecrypt =
    (principal: string, context: Record<string, string>) =>
    (e: Estate): Question => ({
        principal,
        action: "kms:Decrypt",
        resource: e.prodBackupKey.arn,
        resourceAccount: PROD,
        identityPolicies: [administrator],
        resourcePolicy: e.prodBackupKey.policy,
        context: { ...inOrg, ...context },
    });

const assume =
    (principal: string, trust: (e: Estate) => PolicyDocument, roleArn: string, context: Record<string, string> = {}) =>
    (e: Estate): Question => ({
        principal,
        action: "sts:AssumeRole",
        resource: roleArn,
        resourceAccount: accountOfRole(roleArn),
        identityPolicies: principal.endsWith(".amazonaws.com") ? [] : [administrator],
        resourcePolicy: trust(e),
        context,
    });
const accountOfRole = (arn: string) => arn.split(":")[4];

const CENTRAL_VAULT: MatrixQuestion[] = [
    {
        title: "prod's backup role may copy into the central vault",
        expected: "Allowed",
        ask: copyIntoCentral(prodBackupRole, [backupServiceManaged], inOrg),
    },
    {
        title: "ci's backup role may copy into the central vault",
        expected: "Allowed",
        ask: copyIntoCentral(ciBackupRole, [backupServiceManaged], inOrg),
    },
    {
        title: "a role of an organization account that is not listed (555555555555) may not copy into the central vault",
        expected: "Denied",
        ask: copyIntoCentral(role(UNLISTED, "backup-service"), [backupServiceManaged], inOrg),
    },
    {
        title: "a role of an account outside the organization may not copy into the central vault",
        expected: "Denied",
        ask: copyIntoCentral(role(OUTSIDER, "backup-service"), [backupServiceManaged], {
            "aws:PrincipalOrgID": "o-someoneelse",
        }),
    },
    {
        title: "prod's backup role may not copy into the central vault without an identity grant in prod (cross-account needs both sides)",
        expected: "Denied",
        ask: copyIntoCentral(prodBackupRole, [], inOrg),
    },
    {
        title: "no prod principal, even an administrator, may delete a recovery point in the central vault",
        expected: "ExplicitlyDenied",
        ask: onCentralPoint(prodAdmin, "backup:DeleteRecoveryPoint", () => [administrator]),
    },
    {
        title: "no prod principal may shorten a recovery point's lifecycle in the central vault",
        expected: "ExplicitlyDenied",
        ask: onCentralPoint(prodBackupRole, "backup:UpdateRecoveryPointLifecycle", () => [administrator]),
    },
    {
        title: "no ci principal may replace the central vault's access policy",
        expected: "ExplicitlyDenied",
        ask: onCentralPoint(role(CI, "admin"), "backup:PutBackupVaultAccessPolicy", () => [administrator]),
    },
    {
        title: "the backup account's own administrator may not delete a recovery point in the central vault",
        expected: "ExplicitlyDenied",
        ask: onCentralPoint(backupAdmin, "backup:DeleteRecoveryPoint", () => [administrator]),
    },
    {
        title: "the backup account's own administrator may not shorten a recovery point's lifecycle",
        expected: "ExplicitlyDenied",
        ask: onCentralPoint(backupAdmin, "backup:UpdateRecoveryPointLifecycle", () => [administrator]),
    },
    {
        title: "the backup account's own administrator may not replace the central vault's access policy",
        expected: "ExplicitlyDenied",
        ask: onCentralPoint(backupAdmin, "backup:PutBackupVaultAccessPolicy", () => [administrator]),
    },
    {
        title: "the break-glass role may delete a recovery point in the central vault (its inline policy allows it)",
        expected: "Allowed",
        ask: onCentralPoint(breakGlassRole, "backup:DeleteRecoveryPoint", (e) => [e.breakGlass.inline]),
    },
    {
        title: "the break-glass role may shorten a recovery point's lifecycle in the central vault",
        expected: "Allowed",
        ask: onCentralPoint(breakGlassRole, "backup:UpdateRecoveryPointLifecycle", (e) => [e.breakGlass.inline]),
    },
    {
        title: "the break-glass role may replace the central vault's access policy",
        expected: "Allowed",
        ask: onCentralPoint(breakGlassRole, "backup:PutBackupVaultAccessPolicy", (e) => [e.breakGlass.inline]),
    },
    {
        title: "a role named like the break-glass role in prod is still denied deletion (the exception is the backup account's role)",
        expected: "ExplicitlyDenied",
        ask: onCentralPoint(role(PROD, naming.DEFAULT_BREAK_GLASS_ROLE_NAME), "backup:DeleteRecoveryPoint", () => [
            administrator,
        ]),
    },
];

const DR_VAULT: MatrixQuestion[] = [
    {
        title: "the backup account's administrator may not delete a recovery point in the DR vault",
        expected: "ExplicitlyDenied",
        ask: (e) => ({
            principal: backupAdmin,
            action: "backup:DeleteRecoveryPoint",
            resource: drPoint,
            resourceAccount: BACKUP,
            identityPolicies: [administrator],
            resourcePolicy: e.drVault,
        }),
    },
    {
        title: "the break-glass role may delete a recovery point in the DR vault",
        expected: "Allowed",
        ask: (e) => ({
            principal: breakGlassRole,
            action: "backup:DeleteRecoveryPoint",
            resource: drPoint,
            resourceAccount: BACKUP,
            identityPolicies: [e.breakGlass.inline],
            resourcePolicy: e.drVault,
        }),
    },
    {
        title: "no principal of any account may copy into the DR vault (only the backup account's own copy jobs fill it)",
        expected: "Denied",
        ask: (e) => ({
            principal: prodBackupRole,
            action: "backup:CopyIntoBackupVault",
            resource: drVaultArn,
            resourceAccount: BACKUP,
            identityPolicies: [backupServiceManaged],
            resourcePolicy: e.drVault,
            context: inOrg,
        }),
    },
];

const copyBackAsks =
    (
        action: string,
        resource: string,
        resourceAccount: string,
        policy?: (e: Estate) => PolicyDocument,
        context: Record<string, string> = {},
    ) =>
    (e: Estate): Question => ({
        principal: copyBackRole,
        action,
        resource,
        resourceAccount,
        identityPolicies: [e.copyBack.inline],
        resourcePolicy: policy?.(e),
        context,
    });

const COPY_BACK: MatrixQuestion[] = [
    {
        title: "the copy-back role may start a copy job from a central-vault recovery point",
        expected: "Allowed",
        ask: copyBackAsks("backup:StartCopyJob", centralPoint, BACKUP, (e) => e.centralVault),
    },
    {
        title: "the copy-back role may start a copy job from a DR-vault recovery point",
        expected: "Allowed",
        ask: copyBackAsks("backup:StartCopyJob", drPoint, BACKUP, (e) => e.drVault),
    },
    {
        title: "the copy-back role may not start a copy job from a recovery point in a deployment account",
        expected: "Denied",
        ask: copyBackAsks("backup:StartCopyJob", prodPoint, PROD, (e) => e.prodVault),
    },
    {
        title: "the copy-back role may not delete a recovery point",
        expected: "Denied",
        ask: copyBackAsks("backup:DeleteRecoveryPoint", centralPoint, BACKUP, (e) => e.centralVault),
    },
    {
        title: "the copy-back role may not read objects of the archive",
        expected: "Denied",
        ask: copyBackAsks("s3:GetObject", `${archiveBucketArn}/exports/day.json.gz`, BACKUP, (e) => e.archiveBucket),
    },
    {
        title: "the copy-back role may not decrypt with the central vault's key",
        expected: "Denied",
        ask: (e) => ({
            ...copyBackAsks("kms:Decrypt", e.centralKey.arn, BACKUP, () => e.centralKey.policy)(e),
            context: { "kms:ViaService": `backup.${REGION}.amazonaws.com` },
        }),
    },
    {
        title: "the copy-back role may pass the backup account's copy service role to AWS Backup",
        expected: "Allowed",
        ask: copyBackAsks("iam:PassRole", copyServiceRole, BACKUP, undefined, {
            "iam:PassedToService": "backup.amazonaws.com",
        }),
    },
    {
        title: "the copy-back role may not pass the copy service role to Lambda",
        expected: "Denied",
        ask: copyBackAsks("iam:PassRole", copyServiceRole, BACKUP, undefined, {
            "iam:PassedToService": "lambda.amazonaws.com",
        }),
    },
    {
        title: "the copy-back role may not pass the break-glass role",
        expected: "Denied",
        ask: copyBackAsks("iam:PassRole", breakGlassRole, BACKUP, undefined, {
            "iam:PassedToService": "backup.amazonaws.com",
        }),
    },
];

const drCopyFunctionRole = role(BACKUP, "vat-backup-copy-to-dr-region-role");
const drCopyQueueArn = naming.arn("sqs", REGION, BACKUP, "vat-backup-copy-to-dr-region-dlq");
const drCopyAsks =
    (action: string, resource: string, policy?: (e: Estate) => PolicyDocument, context: Record<string, string> = {}) =>
    (e: Estate): Question => ({
        principal: drCopyFunctionRole,
        action,
        resource,
        resourceAccount: BACKUP,
        identityPolicies: [e.drCopyFunction.inline],
        resourcePolicy: policy?.(e),
        context,
    });

const SECOND_REGION_COPY: MatrixQuestion[] = [
    {
        title: "the second-region copy function may start a copy job from a central-vault recovery point",
        expected: "Allowed",
        ask: drCopyAsks("backup:StartCopyJob", centralPoint, (e) => e.centralVault),
    },
    {
        title: "the second-region copy function may not start a copy job from a DR-vault recovery point",
        expected: "Denied",
        ask: drCopyAsks("backup:StartCopyJob", drPoint, (e) => e.drVault),
    },
    {
        title: "the second-region copy function may not delete a central-vault recovery point",
        expected: "Denied",
        ask: drCopyAsks("backup:DeleteRecoveryPoint", centralPoint, (e) => e.centralVault),
    },
    {
        title: "the second-region copy function may pass only the copy service role, and only to AWS Backup",
        expected: "Allowed",
        ask: drCopyAsks("iam:PassRole", copyServiceRole, undefined, { "iam:PassedToService": "backup.amazonaws.com" }),
    },
    {
        title: "the second-region copy function may not pass the copy-back role",
        expected: "Denied",
        ask: drCopyAsks("iam:PassRole", copyBackRole, undefined, { "iam:PassedToService": "backup.amazonaws.com" }),
    },
    {
        title: "the backup account's copy service role may copy into the DR vault (same account: its own identity policy suffices)",
        expected: "Allowed",
        ask: (e) => ({
            principal: copyServiceRole,
            action: "backup:CopyIntoBackupVault",
            resource: drVaultArn,
            resourceAccount: BACKUP,
            identityPolicies: [backupServiceManaged],
            resourcePolicy: e.drVault,
        }),
    },
    {
        title: "EventBridge may dead-letter into the copy queue only for the copy trigger rule",
        expected: "Allowed",
        ask: (e) => ({
            principal: "events.amazonaws.com",
            action: "sqs:SendMessage",
            resource: drCopyQueueArn,
            resourceAccount: BACKUP,
            resourcePolicy: e.drCopyDeadLetters,
            context: {
                "aws:SourceArn": naming.arn("events", REGION, BACKUP, "rule/vat-backup-copy-to-dr-region-trigger"),
            },
        }),
    },
    {
        title: "EventBridge may not send into the copy queue for another rule",
        expected: "Denied",
        ask: (e) => ({
            principal: "events.amazonaws.com",
            action: "sqs:SendMessage",
            resource: drCopyQueueArn,
            resourceAccount: BACKUP,
            resourcePolicy: e.drCopyDeadLetters,
            context: { "aws:SourceArn": naming.arn("events", REGION, BACKUP, "rule/someone-elses-rule") },
        }),
    },
    {
        title: "Lambda may assume the copy function's role for the backup account",
        expected: "Allowed",
        ask: assume("lambda.amazonaws.com", (e) => e.drCopyFunction.trust, drCopyFunctionRole, {
            "aws:SourceAccount": BACKUP,
        }),
    },
    {
        title: "Lambda may not assume the copy function's role on behalf of another account",
        expected: "Denied",
        ask: assume("lambda.amazonaws.com", (e) => e.drCopyFunction.trust, drCopyFunctionRole, {
            "aws:SourceAccount": PROD,
        }),
    },
];

const LOCAL_VAULT: MatrixQuestion[] = [
    {
        title: "prod's local vault admits a copy from the copy-back role (given the identity grant in the backup account)",
        expected: "Allowed",
        ask: (e) => ({
            principal: copyBackRole,
            action: "backup:CopyIntoBackupVault",
            resource: prodVaultArn,
            resourceAccount: PROD,
            identityPolicies: [backupServiceManaged],
            resourcePolicy: e.prodVault,
            context: inOrg,
        }),
    },
    {
        title: "prod's local vault refuses a copy from the backup account's administrator",
        expected: "Denied",
        ask: (e) => ({
            principal: backupAdmin,
            action: "backup:CopyIntoBackupVault",
            resource: prodVaultArn,
            resourceAccount: PROD,
            identityPolicies: [administrator],
            resourcePolicy: e.prodVault,
            context: inOrg,
        }),
    },
    {
        title: "prod's local vault refuses a copy from ci's backup role",
        expected: "Denied",
        ask: (e) => ({
            principal: ciBackupRole,
            action: "backup:CopyIntoBackupVault",
            resource: prodVaultArn,
            resourceAccount: PROD,
            identityPolicies: [backupServiceManaged],
            resourcePolicy: e.prodVault,
            context: inOrg,
        }),
    },
    {
        title: "ci's local vault refuses a copy from prod's backup role",
        expected: "Denied",
        ask: (e) => ({
            principal: prodBackupRole,
            action: "backup:CopyIntoBackupVault",
            resource: naming.localVaultArn(CI, REGION, "ci"),
            resourceAccount: CI,
            identityPolicies: [backupServiceManaged],
            resourcePolicy: e.ciVault,
            context: inOrg,
        }),
    },
];

const KEYS: MatrixQuestion[] = [
    {
        title: "the prod backup key lets the backup account decrypt through AWS Backup in eu-west-2",
        expected: "Allowed",
        ask: prodKeyDecrypt(backupAdmin, { "kms:ViaService": `backup.${REGION}.amazonaws.com` }),
    },
    {
        title: "the prod backup key does not let the backup account decrypt directly",
        expected: "Denied",
        ask: prodKeyDecrypt(backupAdmin, {}),
    },
    {
        title: "the prod backup key does not let the backup account decrypt through S3",
        expected: "Denied",
        ask: prodKeyDecrypt(backupAdmin, { "kms:ViaService": `s3.${REGION}.amazonaws.com` }),
    },
    {
        title: "the prod backup key does not let an unlisted organization account decrypt, even through AWS Backup",
        expected: "Denied",
        ask: prodKeyDecrypt(role(UNLISTED, "admin"), { "kms:ViaService": `backup.${REGION}.amazonaws.com` }),
    },
    // "Creating backup copies across AWS accounts" (AWS Backup Developer Guide): a cross-account copy uses
    // both vaults' keys for Encrypt, ReEncrypt*, GenerateDataKey* and grants for AWS resources.
    ...["kms:Encrypt", "kms:ReEncryptFrom", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"].map(
        (action): MatrixQuestion => ({
            title: `the prod backup key lets the backup account ${action} through AWS Backup in eu-west-2, as a copy needs`,
            expected: "Allowed",
            ask: (e) => ({
                ...prodKeyDecrypt(backupAdmin, { "kms:ViaService": `backup.${REGION}.amazonaws.com` })(e),
                action,
            }),
        }),
    ),
    {
        title: "the prod backup key does not let the backup account encrypt directly",
        expected: "Denied",
        ask: (e) => ({ ...prodKeyDecrypt(backupAdmin, {})(e), action: "kms:Encrypt" }),
    },
    {
        title: "the prod backup key lets the backup account create a grant for an AWS resource through AWS Backup",
        expected: "Allowed",
        ask: (e) => ({
            ...prodKeyDecrypt(backupAdmin, {
                "kms:ViaService": `backup.${REGION}.amazonaws.com`,
                "kms:GrantIsForAWSResource": "true",
            })(e),
            action: "kms:CreateGrant",
        }),
    },
    {
        title: "the prod backup key does not let the backup account create a grant that is not for an AWS resource",
        expected: "Denied",
        ask: (e) => ({
            ...prodKeyDecrypt(backupAdmin, {
                "kms:ViaService": `backup.${REGION}.amazonaws.com`,
                "kms:GrantIsForAWSResource": "false",
            })(e),
            action: "kms:CreateGrant",
        }),
    },
    {
        title: "the prod backup key does not let the backup account schedule its deletion",
        expected: "Denied",
        ask: (e) => ({
            ...prodKeyDecrypt(backupAdmin, { "kms:ViaService": `backup.${REGION}.amazonaws.com` })(e),
            action: "kms:ScheduleKeyDeletion",
        }),
    },
    {
        title: "the central vault's key lets prod decrypt through AWS Backup, which a copy back into prod's vault needs",
        expected: "Allowed",
        ask: (e) => ({
            principal: prodBackupRole,
            action: "kms:Decrypt",
            resource: e.centralKey.arn,
            resourceAccount: BACKUP,
            identityPolicies: [administrator],
            resourcePolicy: e.centralKey.policy,
            context: { "kms:ViaService": `backup.${REGION}.amazonaws.com` },
        }),
    },
    {
        title: "the central vault's key does not let prod decrypt outside AWS Backup",
        expected: "Denied",
        ask: (e) => ({
            principal: prodBackupRole,
            action: "kms:Decrypt",
            resource: e.centralKey.arn,
            resourceAccount: BACKUP,
            identityPolicies: [administrator],
            resourcePolicy: e.centralKey.policy,
            context: { "kms:ViaService": `s3.${REGION}.amazonaws.com` },
        }),
    },
    ...["kms:GenerateDataKey", "kms:Encrypt", "kms:ReEncryptTo"].map((action): MatrixQuestion => ({
        title: `the central vault's key lets prod ${action} through AWS Backup, as a copy into the central vault needs`,
        expected: "Allowed",
        ask: (e) => ({
            principal: prodBackupRole,
            action,
            resource: e.centralKey.arn,
            resourceAccount: BACKUP,
            identityPolicies: [administrator],
            resourcePolicy: e.centralKey.policy,
            context: { "kms:ViaService": `backup.${REGION}.amazonaws.com` },
        }),
    })),
    {
        title: "the central vault's key does not let prod encrypt with it directly",
        expected: "Denied",
        ask: (e) => ({
            principal: prodBackupRole,
            action: "kms:GenerateDataKey",
            resource: e.centralKey.arn,
            resourceAccount: BACKUP,
            identityPolicies: [administrator],
            resourcePolicy: e.centralKey.policy,
        }),
    },
    {
        title: "the central vault's key lets ci create a grant for an AWS resource through AWS Backup",
        expected: "Allowed",
        ask: (e) => ({
            principal: ciBackupRole,
            action: "kms:CreateGrant",
            resource: e.centralKey.arn,
            resourceAccount: BACKUP,
            identityPolicies: [administrator],
            resourcePolicy: e.centralKey.policy,
            context: {
                "kms:ViaService": `backup.${REGION}.amazonaws.com`,
                "kms:GrantIsForAWSResource": "true",
            },
        }),
    },
    {
        title: "the central vault's key does not let prod administer it",
        expected: "Denied",
        ask: (e) => ({
            principal: prodAdmin,
            action: "kms:PutKeyPolicy",
            resource: e.centralKey.arn,
            resourceAccount: BACKUP,
            identityPolicies: [administrator],
            resourcePolicy: e.centralKey.policy,
            context: { "kms:ViaService": `backup.${REGION}.amazonaws.com` },
        }),
    },
    {
        title: "the central vault's key does not let an unlisted organization account decrypt, even through AWS Backup",
        expected: "Denied",
        ask: (e) => ({
            principal: role(UNLISTED, "admin"),
            action: "kms:Decrypt",
            resource: e.centralKey.arn,
            resourceAccount: BACKUP,
            identityPolicies: [administrator],
            resourcePolicy: e.centralKey.policy,
            context: { "kms:ViaService": `backup.${REGION}.amazonaws.com` },
        }),
    },
];

/** A role of prod that writes the salt secret (the application, a rotation function), as it reaches the replica key. */
const prodSecretWriter = role(PROD, "app-secret-writer");
const secretsKeyAsks =
    (principal: string, action: string, context: Record<string, string>) =>
    (e: Estate): Question => ({
        principal,
        action,
        resource: e.prodSecretsKey.arn,
        resourceAccount: PROD,
        identityPolicies: [administrator],
        resourcePolicy: e.prodSecretsKey.policy,
        context: { ...inOrg, ...context },
    });

// "ReplicateSecretToRegions" (Secrets Manager API Reference): encrypting a replica under a customer
// managed key needs kms:GenerateDataKey and kms:Encrypt on it, for every later write of the secret too.
const SECRET_REPLICAS: MatrixQuestion[] = [
    ...[REGION, DR_REGION].flatMap((region) =>
        ["kms:GenerateDataKey", "kms:Encrypt"].map((action): MatrixQuestion => ({
            title: `prod's secret writer may ${action} with the DR-region replica key through Secrets Manager in ${region}`,
            expected: "Allowed",
            ask: secretsKeyAsks(prodSecretWriter, action, {
                "kms:ViaService": `secretsmanager.${region}.amazonaws.com`,
            }),
        })),
    ),
    {
        title: "prod's secret writer may not use the replica key directly",
        expected: "Denied",
        ask: secretsKeyAsks(prodSecretWriter, "kms:GenerateDataKey", {}),
    },
    {
        title: "prod's secret writer may not use the replica key through S3",
        expected: "Denied",
        ask: secretsKeyAsks(prodSecretWriter, "kms:Encrypt", { "kms:ViaService": `s3.${REGION}.amazonaws.com` }),
    },
    {
        title: "the backup account may not use prod's replica key, even through Secrets Manager",
        expected: "Denied",
        ask: secretsKeyAsks(backupAdmin, "kms:GenerateDataKey", {
            "kms:ViaService": `secretsmanager.${REGION}.amazonaws.com`,
        }),
    },
];

/** prod's DR restore role (made by a person, exempt by name): ImportTable reads the archive as it. */
const prodDrRestoreRole = `arn:aws:iam::${PROD}:role/vat-backup-dr-restore`;
const tableExport = (bucketArn: string) =>
    `${bucketArn}/dynamodb-exports/prod-env-receipts/full/20261122T010000Z/AWSDynamoDB/0176-a/data/a.json.gz`;
const exportReadAsks =
    (principal: string, action: string, resource: string, policy: (e: Estate) => PolicyDocument, context = {}) =>
    (e: Estate): Question => ({
        principal,
        action,
        resource,
        resourceAccount: BACKUP,
        identityPolicies: [administrator],
        resourcePolicy: policy(e),
        context: { ...inOrg, ...context },
    });

// DynamoDB, "Import from Amazon S3": ImportTable from another account's bucket (S3BucketOwner) needs
// s3:GetObject and s3:ListBucket on it and kms:Decrypt on its key: dr restore-from-export after an
// account loss, reading the archive in place.
const ARCHIVE_IMPORT: MatrixQuestion[] = [
    {
        title: "prod's DR restore role may read a table export in the archive (restore-from-export)",
        expected: "Allowed",
        ask: exportReadAsks(prodDrRestoreRole, "s3:GetObject", tableExport(archiveBucketArn), (e) => e.archiveBucket),
    },
    {
        title: "prod's DR restore role may read a table export in the DR-region archive",
        expected: "Allowed",
        ask: exportReadAsks(
            prodDrRestoreRole,
            "s3:GetObject",
            tableExport(drArchiveBucketArn),
            (e) => e.drArchiveBucket,
        ),
    },
    {
        title: "prod's DR restore role may list the table exports of the archive",
        expected: "Allowed",
        ask: exportReadAsks(prodDrRestoreRole, "s3:ListBucket", archiveBucketArn, (e) => e.archiveBucket, {
            "s3:prefix": "dynamodb-exports/prod-env-receipts/full/",
        }),
    },
    {
        title: "prod's DR restore role may not list the escrows in the archive",
        expected: "Denied",
        ask: exportReadAsks(prodDrRestoreRole, "s3:ListBucket", archiveBucketArn, (e) => e.archiveBucket, {
            "s3:prefix": "secrets-escrow/",
        }),
    },
    {
        title: "prod's DR restore role may not read a secret's escrow in the archive",
        expected: "Denied",
        ask: exportReadAsks(
            prodDrRestoreRole,
            "s3:GetObject",
            `${archiveBucketArn}/secrets-escrow/prod/salt.json`,
            (e) => e.archiveBucket,
        ),
    },
    {
        title: "prod's DR restore role may not write into the archive",
        expected: "Denied",
        ask: exportReadAsks(prodDrRestoreRole, "s3:PutObject", tableExport(archiveBucketArn), (e) => e.archiveBucket),
    },
    {
        title: "another prod role, even an administrator, may not read a table export in the archive",
        expected: "Denied",
        ask: exportReadAsks(prodAdmin, "s3:GetObject", tableExport(archiveBucketArn), (e) => e.archiveBucket),
    },
    {
        title: "prod's DR restore role may decrypt with the archive key through S3 of its region",
        expected: "Allowed",
        ask: (e) =>
            exportReadAsks(prodDrRestoreRole, "kms:Decrypt", e.archiveKey.arn, () => e.archiveKey.policy, {
                "kms:ViaService": `s3.${REGION}.amazonaws.com`,
                "kms:CallerAccount": PROD,
            })(e),
    },
    {
        title: "prod's DR restore role may not decrypt with the archive key outside S3",
        expected: "Denied",
        ask: (e) =>
            exportReadAsks(prodDrRestoreRole, "kms:Decrypt", e.archiveKey.arn, () => e.archiveKey.policy, {
                "kms:CallerAccount": PROD,
            })(e),
    },
];

const REPLICATION: MatrixQuestion[] = [
    {
        title: "prod's replication role may replicate objects into the archive",
        expected: "Allowed",
        ask: replicationAsks(
            "s3:ReplicateObject",
            `${archiveBucketArn}/exports/day.json.gz`,
            BACKUP,
            (e) => e.archiveBucket,
        ),
    },
    {
        title: "prod's replication role may hand object ownership to the archive's account",
        expected: "Allowed",
        ask: replicationAsks(
            "s3:ObjectOwnerOverrideToBucketOwner",
            `${archiveBucketArn}/exports/day.json.gz`,
            BACKUP,
            (e) => e.archiveBucket,
        ),
    },
    {
        title: "prod's replication role may not replicate deletes into the archive",
        expected: "Denied",
        ask: replicationAsks(
            "s3:ReplicateDelete",
            `${archiveBucketArn}/exports/day.json.gz`,
            BACKUP,
            (e) => e.archiveBucket,
        ),
    },
    // S3 does not replicate a replica onward ("What does Amazon S3 replicate?", S3 User Guide), so
    // prod replicates into the DR-region archive itself: its bucket and key must admit the role.
    {
        title: "prod's replication role may replicate objects into the DR-region archive",
        expected: "Allowed",
        ask: replicationAsks(
            "s3:ReplicateObject",
            `${drArchiveBucketArn}/exports/day.json.gz`,
            BACKUP,
            (e) => e.drArchiveBucket,
        ),
    },
    {
        title: "prod's replication role may hand object ownership to the DR-region archive's account",
        expected: "Allowed",
        ask: replicationAsks(
            "s3:ObjectOwnerOverrideToBucketOwner",
            `${drArchiveBucketArn}/exports/day.json.gz`,
            BACKUP,
            (e) => e.drArchiveBucket,
        ),
    },
    {
        title: "prod's replication role may not replicate deletes into the DR-region archive",
        expected: "Denied",
        ask: replicationAsks(
            "s3:ReplicateDelete",
            `${drArchiveBucketArn}/exports/day.json.gz`,
            BACKUP,
            (e) => e.drArchiveBucket,
        ),
    },
    {
        title: "prod's replication role may not replicate into the DR-region archive without TLS",
        expected: "ExplicitlyDenied",
        ask: replicationAsks(
            "s3:ReplicateObject",
            `${drArchiveBucketArn}/exports/day.json.gz`,
            BACKUP,
            (e) => e.drArchiveBucket,
            { ...inOrg, "aws:SecureTransport": "false" },
        ),
    },
    {
        title: "prod's administrator may not replicate into the DR-region archive (only the replication roles are named)",
        expected: "Denied",
        ask: (e) => ({
            principal: prodAdmin,
            action: "s3:ReplicateObject",
            resource: `${drArchiveBucketArn}/exports/day.json.gz`,
            resourceAccount: BACKUP,
            identityPolicies: [administrator],
            resourcePolicy: e.drArchiveBucket,
            context: inOrg,
        }),
    },
    {
        title: "the DR-region archive key lets prod's replication role encrypt through S3 in eu-west-1",
        expected: "Allowed",
        ask: archiveKeyEncrypt(
            prodReplicationRole,
            { "kms:ViaService": `s3.${DR_REGION}.amazonaws.com` },
            "drArchiveKey",
        ),
    },
    {
        title: "the DR-region archive key does not let prod's replication role encrypt through S3 in eu-west-2",
        expected: "Denied",
        ask: archiveKeyEncrypt(prodReplicationRole, { "kms:ViaService": `s3.${REGION}.amazonaws.com` }, "drArchiveKey"),
    },
    {
        title: "the DR-region archive key does not let prod's replication role encrypt directly",
        expected: "Denied",
        ask: archiveKeyEncrypt(prodReplicationRole, {}, "drArchiveKey"),
    },
    {
        title: "the DR-region archive key does not let prod's administrator encrypt, even through S3",
        expected: "Denied",
        ask: archiveKeyEncrypt(prodAdmin, { "kms:ViaService": `s3.${DR_REGION}.amazonaws.com` }, "drArchiveKey"),
    },
    {
        title: "prod's replication role may not replicate into ci's exports bucket",
        expected: "Denied",
        ask: replicationAsks("s3:ReplicateObject", `${ciExportsArn}/day.json.gz`, CI, () => undefined),
    },
    {
        title: "prod's replication role may not change the archive's versioning",
        expected: "Denied",
        ask: replicationAsks("s3:PutBucketVersioning", archiveBucketArn, BACKUP, (e) => e.archiveBucket),
    },
    {
        title: "prod's replication role may not replicate into the archive without TLS",
        expected: "ExplicitlyDenied",
        ask: replicationAsks(
            "s3:ReplicateObject",
            `${archiveBucketArn}/exports/day.json.gz`,
            BACKUP,
            (e) => e.archiveBucket,
            { ...inOrg, "aws:SecureTransport": "false" },
        ),
    },
    {
        title: "prod's replication role may read versions for replication from the exports bucket",
        expected: "Allowed",
        ask: replicationAsks(
            "s3:GetObjectVersionForReplication",
            `${prodExportsArn}/day.json.gz`,
            PROD,
            (e) => e.prodExportsBucket,
        ),
    },
    {
        title: "prod's replication role may not read versions of the archive",
        expected: "Denied",
        ask: replicationAsks(
            "s3:GetObjectVersionForReplication",
            `${archiveBucketArn}/exports/day.json.gz`,
            BACKUP,
            (e) => e.archiveBucket,
        ),
    },
    {
        title: "prod's replication role may not read objects of the exports bucket with GetObject",
        expected: "Denied",
        ask: replicationAsks("s3:GetObject", `${prodExportsArn}/day.json.gz`, PROD, (e) => e.prodExportsBucket),
    },
    {
        title: "the archive key lets prod's replication role encrypt through S3 in eu-west-2",
        expected: "Allowed",
        ask: archiveKeyEncrypt(prodReplicationRole, { "kms:ViaService": `s3.${REGION}.amazonaws.com` }),
    },
    {
        title: "the archive key does not let prod's replication role encrypt directly",
        expected: "Denied",
        ask: archiveKeyEncrypt(prodReplicationRole, {}),
    },
    {
        title: "the archive key does not let prod's replication role encrypt through another service",
        expected: "Denied",
        ask: archiveKeyEncrypt(prodReplicationRole, { "kms:ViaService": `backup.${REGION}.amazonaws.com` }),
    },
    {
        title: "the archive key does not let prod's replication role decrypt",
        expected: "Denied",
        ask: (e) => ({
            ...archiveKeyEncrypt(prodReplicationRole, { "kms:ViaService": `s3.${REGION}.amazonaws.com` })(e),
            action: "kms:Decrypt",
        }),
    },
    {
        title: "the archive key does not let prod's administrator encrypt, even through S3",
        expected: "Denied",
        ask: archiveKeyEncrypt(prodAdmin, { "kms:ViaService": `s3.${REGION}.amazonaws.com` }),
    },
    {
        title: "prod's administrator may not replicate into the archive (only the replication roles are named)",
        expected: "Denied",
        ask: (e) => ({
            principal: prodAdmin,
            action: "s3:ReplicateObject",
            resource: `${archiveBucketArn}/exports/day.json.gz`,
            resourceAccount: BACKUP,
            identityPolicies: [administrator],
            resourcePolicy: e.archiveBucket,
            context: inOrg,
        }),
    },
    {
        title: "a role of an unlisted organization account may not replicate into the archive",
        expected: "Denied",
        ask: (e) => ({
            principal: role(UNLISTED, naming.replicationRoleName("prod", REGION)),
            action: "s3:ReplicateObject",
            resource: `${archiveBucketArn}/exports/day.json.gz`,
            resourceAccount: BACKUP,
            identityPolicies: [e.prodReplication.inline],
            resourcePolicy: e.archiveBucket,
            context: inOrg,
        }),
    },
];

const exportsAsk =
    (action: string, context: Record<string, string>) =>
    (e: Estate): Question => ({
        principal: prodAdmin,
        action,
        resource: `${prodExportsArn}/day.json.gz`,
        resourceAccount: PROD,
        identityPolicies: [administrator],
        resourcePolicy: e.prodExportsBucket,
        context,
    });

const BUCKETS_AND_TOPICS: MatrixQuestion[] = [
    {
        title: "the exports bucket refuses reads without TLS, even to prod's administrator",
        expected: "ExplicitlyDenied",
        ask: exportsAsk("s3:GetObject", { "aws:SecureTransport": "false" }),
    },
    {
        title: "the exports bucket refuses a put that is not SSE-KMS",
        expected: "ExplicitlyDenied",
        ask: exportsAsk("s3:PutObject", { "s3:x-amz-server-side-encryption": "AES256" }),
    },
    {
        title: "the exports bucket accepts a put encrypted with prod's backup key",
        expected: "Allowed",
        ask: (e) =>
            exportsAsk("s3:PutObject", {
                "s3:x-amz-server-side-encryption": "aws:kms",
                "s3:x-amz-server-side-encryption-aws-kms-key-id": e.prodBackupKey.arn,
            })(e),
    },
    {
        title: "the exports bucket refuses a put encrypted with another key",
        expected: "ExplicitlyDenied",
        ask: exportsAsk("s3:PutObject", {
            "s3:x-amz-server-side-encryption": "aws:kms",
            "s3:x-amz-server-side-encryption-aws-kms-key-id": naming.arn(
                "kms",
                REGION,
                PROD,
                "key/00000000-0000-0000-0000-000000000000",
            ),
        }),
    },
    {
        title: "EventBridge may publish to prod's alert topic for prod's own rules",
        expected: "Allowed",
        ask: (e) => ({
            principal: "events.amazonaws.com",
            action: "sns:Publish",
            resource: prodTopicArn,
            resourceAccount: PROD,
            resourcePolicy: e.prodAlertTopic,
            context: { "aws:SourceAccount": PROD },
        }),
    },
    {
        title: "EventBridge may not publish to prod's alert topic on behalf of another account",
        expected: "Denied",
        ask: (e) => ({
            principal: "events.amazonaws.com",
            action: "sns:Publish",
            resource: prodTopicArn,
            resourceAccount: PROD,
            resourcePolicy: e.prodAlertTopic,
            context: { "aws:SourceAccount": UNLISTED },
        }),
    },
];

const TRUST: MatrixQuestion[] = [
    {
        title: "S3 may assume prod's replication role for prod's own bucket",
        expected: "Allowed",
        ask: assume("s3.amazonaws.com", (e) => e.prodReplication.trust, prodReplicationRole, {
            "aws:SourceAccount": PROD,
            "aws:SourceArn": prodExportsArn,
        }),
    },
    {
        title: "S3 may not assume prod's replication role on behalf of another account",
        expected: "Denied",
        ask: assume("s3.amazonaws.com", (e) => e.prodReplication.trust, prodReplicationRole, {
            "aws:SourceAccount": UNLISTED,
            "aws:SourceArn": prodExportsArn,
        }),
    },
    {
        title: "S3 may not assume prod's replication role for another bucket",
        expected: "Denied",
        ask: assume("s3.amazonaws.com", (e) => e.prodReplication.trust, prodReplicationRole, {
            "aws:SourceAccount": PROD,
            "aws:SourceArn": ciExportsArn,
        }),
    },
    {
        title: "AWS Backup may assume prod's backup service role",
        expected: "Allowed",
        ask: assume("backup.amazonaws.com", (e) => e.prodBackupRoleTrust, prodBackupRole),
    },
    {
        title: "Lambda may not assume prod's backup service role",
        expected: "Denied",
        ask: assume("lambda.amazonaws.com", (e) => e.prodBackupRoleTrust, prodBackupRole),
    },
    {
        title: "a backup-account operator with MFA may assume the copy-back role",
        expected: "Allowed",
        ask: assume(backupAdmin, (e) => e.copyBack.trust, copyBackRole, { "aws:MultiFactorAuthPresent": "true" }),
    },
    {
        title: "a backup-account operator without MFA may not assume the copy-back role",
        expected: "Denied",
        ask: assume(backupAdmin, (e) => e.copyBack.trust, copyBackRole, { "aws:MultiFactorAuthPresent": "false" }),
    },
    {
        title: "a prod operator, even with MFA, may not assume the break-glass role",
        expected: "Denied",
        ask: assume(prodAdmin, (e) => e.breakGlass.trust, breakGlassRole, { "aws:MultiFactorAuthPresent": "true" }),
    },
    {
        title: "a backup-account operator without MFA may not assume the break-glass role",
        expected: "Denied",
        ask: assume(backupAdmin, (e) => e.breakGlass.trust, breakGlassRole, { "aws:MultiFactorAuthPresent": "false" }),
    },
];

const validatorRole = role(PROD, naming.deploymentRoleName("prod", REGION, "backup-validate-restores"));
const restoredTableArn = naming.arn("dynamodb", REGION, PROD, "table/awsbackup-restore-test-4f1c2b");
const prodReceiptsArn = naming.arn("dynamodb", REGION, PROD, "table/prod-env-receipts");
const validatorAsks =
    (action: string, resource: string, context: Record<string, string> = {}) =>
    (e: Estate): Question => ({
        principal: validatorRole,
        action,
        resource,
        resourceAccount: PROD,
        identityPolicies: [e.prodValidator],
        context,
    });

const CONTINUOUS_PROOF: MatrixQuestion[] = [
    {
        title: "the restore-test validator may read the sentinel item of a restored table",
        expected: "Allowed",
        ask: validatorAsks("dynamodb:GetItem", restoredTableArn),
    },
    {
        title: "the restore-test validator may never read items of a protected table (no GetItem, no Scan)",
        expected: "Denied",
        ask: validatorAsks("dynamodb:GetItem", prodReceiptsArn),
    },
    {
        title: "the restore-test validator may not scan a protected table",
        expected: "Denied",
        ask: validatorAsks("dynamodb:Scan", prodReceiptsArn),
    },
    {
        title: "the restore-test validator may read a protected table's metadata (ItemCount, TTL)",
        expected: "Allowed",
        ask: validatorAsks("dynamodb:DescribeTable", prodReceiptsArn),
    },
    {
        title: "the restore-test validator may report a validation result in its own region",
        expected: "Allowed",
        ask: validatorAsks("backup:PutRestoreValidationResult", "*", { "aws:RequestedRegion": REGION }),
    },
    {
        title: "the restore-test validator may not delete a recovery point",
        expected: "Denied",
        ask: validatorAsks("backup:DeleteRecoveryPoint", prodPoint),
    },
    {
        title: "the DR region's tamper forwarder may put events only on the primary region's default bus",
        expected: "Denied",
        ask: (e) => ({
            principal: role(PROD, naming.deploymentRoleName("prod", REGION, "backup-tamper-forward")),
            action: "events:PutEvents",
            resource: naming.arn("events", REGION, BACKUP, "event-bus/default"),
            resourceAccount: BACKUP,
            identityPolicies: [e.prodTamperForwarder],
        }),
    },
];

export const MATRIX: Record<string, MatrixQuestion[]> = {
    "continuous proof (restore validation, tamper forwarding)": CONTINUOUS_PROOF,
    "the central vault": CENTRAL_VAULT,
    "the DR vault": DR_VAULT,
    "the copy-back role": COPY_BACK,
    "the second-region copy": SECOND_REGION_COPY,
    "a deployment account's local vault": LOCAL_VAULT,
    "the backup keys": KEYS,
    "secret replicas' key": SECRET_REPLICAS,
    "exports replication into the archive": REPLICATION,
    "table exports read from the archive (restore-from-export)": ARCHIVE_IMPORT,
    "bucket and topic guards": BUCKETS_AND_TOPICS,
    "role trust": TRUST,
};

const matches = (actual: Decision, expected: MatrixQuestion["expected"]) =>
    expected === "Denied" ? actual !== "Allowed" : actual === expected;

async function answer(q: MatrixQuestion, e: Estate): Promise<Decision> {
    return decide(q.ask(e));
}

const find = (title: string): MatrixQuestion => {
    const q = Object.values(MATRIX)
        .flat()
        .find((m) => m.title === title);
    if (!q) throw new Error(`no matrix question "${title}"`);
    return q;
};

const clone = (d: PolicyDocument): PolicyDocument => JSON.parse(JSON.stringify(d)) as PolicyDocument;

describe("access matrix (IAM simulator over the prod, ci and backup plans)", function () {
    let estate: Estate;

    before(async function () {
        estate = await loadEstate();
    });

    it("asks at least 30 questions, each with an expected answer", () => {
        const all = Object.values(MATRIX).flat();
        assert.ok(all.length >= 30, `only ${all.length} questions`);
        assert.equal(new Set(all.map((q) => q.title)).size, all.length, "question titles are unique");
    });

    for (const [area, questions] of Object.entries(MATRIX)) {
        describe(area, () => {
            for (const q of questions) {
                it(`${q.title} (${q.expected === "Allowed" ? "yes" : "no"})`, async () => {
                    const actual = await answer(q, estate);
                    assert.ok(matches(actual, q.expected), `expected ${q.expected}, simulator says ${actual}`);
                });
            }
        });
    }

    describe("sensitivity: a policy change that widens access fails a matrix question", () => {
        const outsiderTitle = "a role of an account outside the organization may not copy into the central vault";
        const unlistedTitle =
            "a role of an organization account that is not listed (555555555555) may not copy into the central vault";
        const adminDeleteTitle =
            "the backup account's own administrator may not delete a recovery point in the central vault";
        const replicateElsewhereTitle = "a role of an unlisted organization account may not replicate into the archive";

        it("dropping the organization condition from the central vault's copy-in statement lets a listed account's principal outside the organization copy in", async () => {
            const widened = clone(estate.centralVault);
            const copyIn = widened.Statement.find((s) => s.Sid === "DeploymentAccountsCopyIn");
            assert.ok(copyIn, "the central vault has a copy-in statement");
            delete copyIn.Condition;
            // The same question for a listed account's principal, now carrying no organization id.
            const q = copyIntoCentral(prodBackupRole, [backupServiceManaged], {
                "aws:PrincipalOrgID": "o-someoneelse",
            });
            assert.equal(await decide(q(estate)), "ImplicitlyDenied");
            assert.equal(await decide(q({ ...estate, centralVault: widened })), "Allowed");
        });

        it("adding an unlisted account to the central vault's copy-in principals fails the unlisted-account question", async () => {
            const widened = clone(estate.centralVault);
            const copyIn = widened.Statement.find((s) => s.Sid === "DeploymentAccountsCopyIn") as {
                Principal: { AWS: string[] };
            };
            copyIn.Principal.AWS = [...copyIn.Principal.AWS, naming.accountRootArn(UNLISTED)];
            const q = find(unlistedTitle);
            assert.ok(matches(await answer(q, estate), q.expected));
            assert.equal(matches(await answer(q, { ...estate, centralVault: widened }), q.expected), false);
        });

        it("opening the copy-in statement to every principal fails the outside-organization question only if the organization condition goes too", async () => {
            const widened = clone(estate.centralVault);
            const copyIn = widened.Statement.find((s) => s.Sid === "DeploymentAccountsCopyIn") as Record<
                string,
                unknown
            >;
            copyIn.Principal = { AWS: "*" };
            const q = find(outsiderTitle);
            assert.ok(
                matches(await answer(q, { ...estate, centralVault: widened }), q.expected),
                "the organization condition still holds the line",
            );
            delete copyIn.Condition;
            assert.equal(matches(await answer(q, { ...estate, centralVault: widened }), q.expected), false);
        });

        it("exempting the backup account's root from the destruction deny fails the administrator-deletion question", async () => {
            const widened = clone(estate.centralVault);
            const deny = widened.Statement.find((s) => s.Sid === "DenyDestructionExceptBreakGlass") as {
                Condition: Record<string, Record<string, unknown>>;
            };
            deny.Condition.ArnNotLike = { "aws:PrincipalArn": `arn:aws:iam::${BACKUP}:role/*` };
            delete deny.Condition.ArnNotEquals;
            const q = find(adminDeleteTitle);
            assert.ok(matches(await answer(q, estate), q.expected));
            assert.equal(matches(await answer(q, { ...estate, centralVault: widened }), q.expected), false);
        });

        it("dropping the organization condition and naming an account root in the archive policy fails the unlisted-replicator question", async () => {
            const widened = clone(estate.archiveBucket);
            const replicate = widened.Statement.find((s) => s.Sid === "DeploymentAccountsReplicateIn") as {
                Principal: { AWS: string[] };
                Condition: Record<string, unknown>;
            };
            replicate.Principal.AWS = [...replicate.Principal.AWS, naming.accountRootArn(UNLISTED)];
            delete replicate.Condition.ArnLike;
            const q = find(replicateElsewhereTitle);
            assert.ok(matches(await answer(q, estate), q.expected));
            assert.equal(matches(await answer(q, { ...estate, archiveBucket: widened }), q.expected), false);
        });
    });

    describe("copy back into a deployment account (the gap the matrix once found, now closed)", () => {
        it("the backup account's copy role, which the copy job runs as, may copy into prod's vault", async () => {
            const asJobRole = await decide({
                principal: copyServiceRole,
                action: "backup:CopyIntoBackupVault",
                resource: prodVaultArn,
                resourceAccount: PROD,
                identityPolicies: [backupServiceManaged],
                resourcePolicy: estate.prodVault,
                context: inOrg,
            });
            assert.equal(asJobRole, "Allowed");
        });

        it("the copy-back role itself has no CopyIntoBackupVault grant: it starts copies, the copy role writes them", async () => {
            const asCaller = await decide({
                principal: copyBackRole,
                action: "backup:CopyIntoBackupVault",
                resource: prodVaultArn,
                resourceAccount: PROD,
                identityPolicies: [estate.copyBack.inline],
                resourcePolicy: estate.prodVault,
                context: inOrg,
            });
            assert.equal(asCaller, "ImplicitlyDenied");
        });
    });
});
