/**
 * A customer-managed KMS key for backups: rotation on, an alias, and a key policy that names each
 * flow that may use the key and nothing else.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accountRootArn } from "../../naming";
import { PolicyStatement, policyDocument, toJson } from "../iam/policyDocument";

export interface BackupKeyArgs {
    description: string;
    /** `alias/...`, unique in the account and region. */
    aliasName: string;
    accountId: string;
    region: string;
    /** Services of this account that may use the key on the caller's behalf (kms:ViaService), e.g. `backup`, `s3`. */
    viaServices: string[];
    /** Service principals that use the key directly, e.g. SNS publishers; limited to this account. */
    servicePrincipals?: string[];
    /** Other accounts that may use the key, only through the given services of this region. */
    crossAccount?: CrossAccountKeyUse[];
    /** Further statements for other flows that need the key (e.g. report delivery by a service-linked role). */
    extraStatements?: PolicyStatement[];
    /** Days before a scheduled deletion happens (AWS: 7 to 30). */
    deletionWindowInDays?: number;
    protect: boolean;
}

export interface CrossAccountKeyUse {
    sid: string;
    accountIds: pulumi.Input<string>[];
    /**
     * Narrower principals of those accounts (role ARNs, `*` allowed), matched with aws:PrincipalArn: a key policy
     * naming a role that does not exist yet is rejected, and those roles live in other stacks.
     */
    principals?: string[];
    /**
     * `encrypt`: write only (S3 replication into this account's bucket); `copy`: what a cross-account
     * AWS Backup copy does with the key of either vault ("Creating backup copies across AWS accounts",
     * AWS Backup Developer Guide: Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*, DescribeKey, and
     * grants for AWS resources), always through the named services and only for the listed accounts.
     */
    use: "encrypt" | "copy";
    viaServices: string[];
}

const ADMIN_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RotateKeyOnDemand",
];
const ENCRYPT_ACTIONS = ["kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];
const COPY_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"];
const GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"];

const viaService = (services: string[], region: string) => services.map((s) => `${s}.${region}.amazonaws.com`);

/** The key policy: administration by the account, use only through the named services and principals. */
export function backupKeyPolicy(args: BackupKeyArgs): PolicyStatement[] {
    const root = accountRootArn(args.accountId);
    const statements: PolicyStatement[] = [
        // Without this statement the key becomes unmanageable; it grants administration, not use.
        { Sid: "KeyAdministration", Effect: "Allow", Principal: { AWS: root }, Action: ADMIN_ACTIONS, Resource: "*" },
        {
            Sid: "UseThroughAccountServices",
            Effect: "Allow",
            Principal: { AWS: root },
            Action: [...ENCRYPT_ACTIONS, "kms:Decrypt"],
            Resource: "*",
            Condition: {
                StringEquals: {
                    "kms:ViaService": viaService(args.viaServices, args.region),
                    "kms:CallerAccount": args.accountId,
                },
            },
        },
        {
            Sid: "GrantsForAwsResources",
            Effect: "Allow",
            Principal: { AWS: root },
            Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            Resource: "*",
            Condition: {
                Bool: { "kms:GrantIsForAWSResource": true },
                StringEquals: { "kms:ViaService": viaService(args.viaServices, args.region) },
            },
        },
    ];
    if (args.servicePrincipals?.length) {
        // No source condition here: not every publisher sends aws:SourceAccount on the KMS calls SNS
        // makes for it, and a refused call drops the alert silently. The topic policy, which every
        // publish must pass first, carries the condition.
        statements.push({
            Sid: "PublishingServices",
            Effect: "Allow",
            Principal: { Service: args.servicePrincipals },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Resource: "*",
        });
    }
    for (const use of args.crossAccount ?? []) {
        const principal = { AWS: use.accountIds.map((id) => pulumi.interpolate`arn:aws:iam::${id}:root`) };
        const narrowed = use.principals ? { ArnLike: { "aws:PrincipalArn": use.principals } } : {};
        // kms:ViaService: only through the named services of this region; kms:CallerAccount: only the
        // listed accounts, even if a principal of another account were ever added by mistake.
        const through = {
            "kms:ViaService": viaService(use.viaServices, args.region),
            "kms:CallerAccount": use.accountIds,
        };
        statements.push({
            Sid: use.sid,
            Effect: "Allow",
            Principal: principal,
            Action: use.use === "copy" ? COPY_ACTIONS : ENCRYPT_ACTIONS,
            Resource: "*",
            Condition: { StringEquals: through, ...narrowed },
        });
        statements.push({
            Sid: `${use.sid}Grants`,
            Effect: "Allow",
            Principal: principal,
            Action: use.use === "copy" ? GRANT_ACTIONS : "kms:CreateGrant",
            Resource: "*",
            Condition: {
                Bool: { "kms:GrantIsForAWSResource": true },
                StringEquals: through,
                ...narrowed,
            },
        });
    }
    statements.push(...(args.extraStatements ?? []));
    // A key no AWS service uses on the account's behalf (the secret-escrow key) gets no via-service grant.
    if (!args.viaServices.length)
        return statements.filter((s) => s.Sid !== "UseThroughAccountServices" && s.Sid !== "GrantsForAwsResources");
    return statements;
}

export class BackupKey extends pulumi.ComponentResource {
    readonly key: aws.kms.Key;
    readonly alias: aws.kms.Alias;
    readonly arn: pulumi.Output<string>;
    readonly keyId: pulumi.Output<string>;

    constructor(name: string, args: BackupKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:kms:BackupKey", name, {}, opts);
        this.key = new aws.kms.Key(
            `${name}-key`,
            {
                description: args.description,
                enableKeyRotation: true,
                rotationPeriodInDays: 365,
                deletionWindowInDays: args.deletionWindowInDays ?? 30,
                policy: toJson(policyDocument(backupKeyPolicy(args))),
            },
            { parent: this, protect: args.protect },
        );
        this.alias = new aws.kms.Alias(
            `${name}-alias`,
            { name: args.aliasName, targetKeyId: this.key.keyId },
            { parent: this },
        );
        this.arn = this.key.arn;
        this.keyId = this.key.keyId;
        this.registerOutputs({ arn: this.arn, keyId: this.keyId, aliasName: this.alias.name });
    }
}
