/**
 * The baseline the organization backup policy names, created in every account of its OUs as the
 * account joins: a key (rotating), a vault under it, and the role AWS Backup assumes. AWS does not
 * create these for a backup policy; AWS Organizations recommends a CloudFormation StackSet with
 * service-managed permissions, whose automatic deployment adds a stack instance to every account
 * that joins a target OU ("Backup policy syntax and examples"; CloudFormation, "Create a stack set
 * with service-managed permissions", automatic deployment,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-manage-auto-deployment.html).
 * The key and vault are retained when a stack instance goes (DeletionPolicy Retain; the StackSet
 * keeps stacks of accounts that leave the OU), so removing an account from the OU never deletes
 * its recovery points.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as naming from "../../naming";
import * as org from "../../naming/organization";
import { forwardedFailurePattern } from "../monitoring/organizationJobAlarms";

export interface BackupBaselineArgs {
    /** OUs whose accounts get the baseline (service-managed StackSets deploy to OUs). */
    organizationalUnitIds: string[];
    regions: string[];
    /** The backup account: its copy role may copy recovery points back into the baseline vault. */
    backupAccountId: string;
    /** Where the backup account's default bus is: failed jobs are forwarded there (no metrics cross accounts). */
    backupRegion: string;
    tags?: Record<string, string>;
}

const sub = (text: string) => ({ "Fn::Sub": text });
const RETAIN = { DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" };

/** The CloudFormation template each member account receives. */
export function baselineTemplate(args: { backupAccountId: string; backupRegion: string }) {
    const backupBus = naming.backupAccountEventBusArn(args.backupAccountId, args.backupRegion);
    const accountRoot = sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root");
    return {
        AWSTemplateFormatVersion: "2010-09-09",
        Description: "vat-backup: the vault, key and role the organization backup policy names",
        Resources: {
            BaselineKey: {
                Type: "AWS::KMS::Key",
                ...RETAIN,
                Properties: {
                    Description: "vat-backup baseline vault key",
                    EnableKeyRotation: true,
                    Tags: [{ Key: "project", Value: naming.PROJECT }],
                    KeyPolicy: {
                        Version: "2012-10-17",
                        Statement: [
                            {
                                // Without it the key would be unmanageable (KMS's default key policy).
                                Sid: "AccountAdministersKey",
                                Effect: "Allow",
                                Principal: { AWS: accountRoot },
                                Action: "kms:*",
                                Resource: "*",
                            },
                            {
                                Sid: "BackupUsesKeyInThisAccount",
                                Effect: "Allow",
                                Principal: { AWS: accountRoot },
                                Action: [
                                    "kms:Encrypt",
                                    "kms:Decrypt",
                                    "kms:ReEncrypt*",
                                    "kms:GenerateDataKey*",
                                    "kms:DescribeKey",
                                    "kms:CreateGrant",
                                ],
                                Resource: "*",
                                Condition: {
                                    StringEquals: {
                                        "kms:ViaService": sub("backup.${AWS::Region}.amazonaws.com"),
                                        "kms:CallerAccount": sub("${AWS::AccountId}"),
                                    },
                                },
                            },
                        ],
                    },
                },
            },
            BaselineKeyAlias: {
                Type: "AWS::KMS::Alias",
                Properties: { AliasName: org.BASELINE_KEY_ALIAS, TargetKeyId: { Ref: "BaselineKey" } },
            },
            BaselineVault: {
                Type: "AWS::Backup::BackupVault",
                ...RETAIN,
                Properties: {
                    BackupVaultName: org.BASELINE_VAULT_NAME,
                    EncryptionKeyArn: { "Fn::GetAtt": ["BaselineKey", "Arn"] },
                    AccessPolicy: {
                        Version: "2012-10-17",
                        Statement: [
                            {
                                // The copy-back path: the backup account's copy role writes recovery points back.
                                Sid: "BackupAccountCopiesBack",
                                Effect: "Allow",
                                Principal: { AWS: naming.backupAccountServiceRoleArn(args.backupAccountId) },
                                Action: "backup:CopyIntoBackupVault",
                                Resource: "*",
                            },
                        ],
                    },
                    BackupVaultTags: { project: naming.PROJECT },
                },
            },
            JobEventForwardingRole: {
                Type: "AWS::IAM::Role",
                Properties: {
                    RoleName: org.BASELINE_EVENT_FORWARDING_ROLE_NAME,
                    AssumeRolePolicyDocument: {
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Service: "events.amazonaws.com" },
                                Action: "sts:AssumeRole",
                                Condition: { StringEquals: { "aws:SourceAccount": sub("${AWS::AccountId}") } },
                            },
                        ],
                    },
                    Policies: [
                        {
                            PolicyName: "forward-to-backup-account",
                            PolicyDocument: {
                                Version: "2012-10-17",
                                Statement: [{ Effect: "Allow", Action: "events:PutEvents", Resource: backupBus }],
                            },
                        },
                    ],
                    Tags: [{ Key: "project", Value: naming.PROJECT }],
                },
            },
            JobEventForwardingRule: {
                // Delegated administration publishes no metrics: failed jobs reach the backup account as events.
                Type: "AWS::Events::Rule",
                Properties: {
                    Description: "Failed AWS Backup jobs, forwarded to the backup account",
                    EventPattern: forwardedFailurePattern(),
                    State: "ENABLED",
                    Targets: [
                        {
                            Id: "backup-account-bus",
                            Arn: backupBus,
                            RoleArn: { "Fn::GetAtt": ["JobEventForwardingRole", "Arn"] },
                        },
                    ],
                },
            },
            BaselineBackupRole: {
                Type: "AWS::IAM::Role",
                Properties: {
                    RoleName: org.BASELINE_BACKUP_ROLE_NAME,
                    AssumeRolePolicyDocument: {
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Service: "backup.amazonaws.com" },
                                Action: "sts:AssumeRole",
                                Condition: { StringEquals: { "aws:SourceAccount": sub("${AWS::AccountId}") } },
                            },
                        ],
                    },
                    ManagedPolicyArns: [
                        sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"),
                        sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"),
                    ],
                    Tags: [{ Key: "project", Value: naming.PROJECT }],
                },
            },
        },
    };
}

export class BackupBaseline extends pulumi.ComponentResource {
    readonly stackSet: aws.cloudformation.StackSet;
    readonly instances: aws.cloudformation.StackSetInstance[];

    constructor(name: string, args: BackupBaselineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:organization:BackupBaseline", name, {}, opts);
        this.stackSet = new aws.cloudformation.StackSet(
            `${name}-stack-set`,
            {
                name: org.BASELINE_STACK_SET_NAME,
                description: "The vault, key and role of the organization backup policy, in every account as it joins",
                permissionModel: "SERVICE_MANAGED",
                autoDeployment: { enabled: true, retainStacksOnAccountRemoval: true },
                capabilities: ["CAPABILITY_NAMED_IAM"],
                managedExecution: { active: true },
                templateBody: JSON.stringify(baselineTemplate(args)),
                tags: args.tags,
            },
            { parent: this },
        );
        this.instances = args.regions.map(
            (region) =>
                new aws.cloudformation.StackSetInstance(
                    `${name}-${region}`,
                    {
                        stackSetName: this.stackSet.name,
                        stackSetInstanceRegion: region,
                        deploymentTargets: { organizationalUnitIds: args.organizationalUnitIds },
                        retainStack: true,
                    },
                    { parent: this },
                ),
        );
        this.registerOutputs({ stackSetId: this.stackSet.id });
    }
}
