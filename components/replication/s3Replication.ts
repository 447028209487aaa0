/**
 * S3 replication from a versioned, KMS-encrypted bucket to a destination bucket in another account
 * or region: a role that S3 alone may assume, reading only the source and writing only into the
 * destination, and a rule with replication time control (15 minutes) and its metrics.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement, policyDocument, toJson } from "../iam/policyDocument";

export interface S3ReplicationArgs {
    source: {
        bucketName: pulumi.Input<string>;
        bucketArn: pulumi.Input<string>;
        kmsKeyArn: pulumi.Input<string>;
        accountId: string;
        region: string;
    };
    /** The source bucket's versioning: replication can only be configured once it is on. */
    sourceVersioning: pulumi.Resource;
    destination: {
        bucketArn: pulumi.Input<string>;
        accountId: string;
        region: string;
        /** Key ARN or alias ARN of the destination's key; objects are re-encrypted with it. */
        kmsKeyArn: pulumi.Input<string>;
        /** How the role's policy names the destination key: its ARN, or an alias the key carries. */
        kmsKeyAlias?: string;
    };
    roleName: string;
    ruleId: string;
}

/**
 * The encryption context S3 gives KMS: the object's ARN, or the bucket's ARN when the bucket uses
 * S3 Bucket Keys (as every ProtectedBucket does). AWS's guide to replicating SSE-KMS objects says
 * a policy on the context must name the bucket ARN then; both are accepted here.
 */
function encryptionContexts(bucketArn: pulumi.Input<string>): pulumi.Input<string>[] {
    return [bucketArn, pulumi.interpolate`${bucketArn}/*`];
}

/** What the replication role may do: read the source's versions, decrypt with its key, write and encrypt into the destination. */
export function replicationPolicy(args: S3ReplicationArgs): PolicyStatement[] {
    const { source, destination } = args;
    const destKeyStatement: PolicyStatement = destination.kmsKeyAlias
        ? {
              Sid: "EncryptWithDestinationKey",
              Effect: "Allow",
              Action: ["kms:Encrypt", "kms:GenerateDataKey"],
              Resource: `arn:aws:kms:${destination.region}:${destination.accountId}:key/*`,
              Condition: {
                  "ForAnyValue:StringEquals": { "kms:ResourceAliases": destination.kmsKeyAlias },
                  StringEquals: { "kms:ViaService": `s3.${destination.region}.amazonaws.com` },
                  StringLike: { "kms:EncryptionContext:aws:s3:arn": encryptionContexts(destination.bucketArn) },
              },
          }
        : {
              Sid: "EncryptWithDestinationKey",
              Effect: "Allow",
              Action: ["kms:Encrypt", "kms:GenerateDataKey"],
              Resource: destination.kmsKeyArn,
              Condition: {
                  StringEquals: { "kms:ViaService": `s3.${destination.region}.amazonaws.com` },
                  StringLike: { "kms:EncryptionContext:aws:s3:arn": encryptionContexts(destination.bucketArn) },
              },
          };
    return [
        {
            Sid: "ReadReplicationConfiguration",
            Effect: "Allow",
            Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            Resource: source.bucketArn,
        },
        {
            Sid: "ReadSourceVersions",
            Effect: "Allow",
            Action: [
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionTagging",
                "s3:GetObjectRetention",
                "s3:GetObjectLegalHold",
            ],
            Resource: pulumi.interpolate`${source.bucketArn}/*`,
        },
        {
            Sid: "WriteDestination",
            Effect: "Allow",
            Action: [
                "s3:ReplicateObject",
                "s3:ReplicateDelete",
                "s3:ReplicateTags",
                "s3:ObjectOwnerOverrideToBucketOwner",
            ],
            Resource: pulumi.interpolate`${destination.bucketArn}/*`,
        },
        {
            Sid: "DecryptSource",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: source.kmsKeyArn,
            Condition: {
                StringEquals: { "kms:ViaService": `s3.${source.region}.amazonaws.com` },
                StringLike: { "kms:EncryptionContext:aws:s3:arn": encryptionContexts(source.bucketArn) },
            },
        },
        destKeyStatement,
    ];
}

export function replicationRule(args: S3ReplicationArgs): aws.types.input.s3.BucketReplicationConfigRule {
    const crossAccount = args.destination.accountId !== args.source.accountId;
    return {
        id: args.ruleId,
        status: "Enabled",
        priority: 1,
        filter: {},
        // Deletes are not replicated: a delete in the source must never reach the archive.
        deleteMarkerReplication: { status: "Disabled" },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
        destination: {
            bucket: args.destination.bucketArn,
            storageClass: "STANDARD",
            encryptionConfiguration: { replicaKmsKeyId: args.destination.kmsKeyArn },
            // S3 accepts replication time control only with metrics, and 15 is the only value of both.
            replicationTime: { status: "Enabled", time: { minutes: 15 } },
            metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
            ...(crossAccount
                ? { account: args.destination.accountId, accessControlTranslation: { owner: "Destination" } }
                : {}),
        },
    };
}

export class S3Replication extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    readonly configuration: aws.s3.BucketReplicationConfig;

    constructor(name: string, args: S3ReplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:replication:S3Replication", name, {}, opts);
        const trust = policyDocument([
            {
                Sid: "TrustS3",
                Effect: "Allow",
                Principal: { Service: "s3.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: {
                    StringEquals: { "aws:SourceAccount": args.source.accountId },
                    ArnLike: { "aws:SourceArn": args.source.bucketArn },
                },
            },
        ]);
        this.role = new aws.iam.Role(
            `${name}-role`,
            { name: args.roleName, assumeRolePolicy: toJson(trust), description: "Assumed by S3 to replicate backups" },
            { parent: this },
        );
        const policy = new aws.iam.RolePolicy(
            `${name}-policy`,
            { role: this.role.name, name: "replicate", policy: toJson(policyDocument(replicationPolicy(args))) },
            { parent: this },
        );
        this.configuration = new aws.s3.BucketReplicationConfig(
            `${name}-config`,
            { bucket: args.source.bucketName, role: this.role.arn, rules: [replicationRule(args)] },
            { parent: this, dependsOn: [args.sourceVersioning, policy] },
        );
        this.registerOutputs({ roleArn: this.role.arn });
    }
}
