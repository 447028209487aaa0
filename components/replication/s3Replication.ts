/**
 * S3 replication from a versioned, KMS-encrypted bucket to one or more destination buckets in other
 * accounts or regions: a role that S3 alone may assume, reading only the source and writing only
 * into the destinations, and one rule per destination with replication time control (15 minutes)
 * and its metrics.
 *
 * One rule per destination, because S3 does not replicate a replica onward ("What does Amazon S3
 * replicate?", S3 User Guide: objects that are replicas created by another replication rule are not
 * replicated): every bucket that must hold a copy is a destination of the source itself.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement, policyDocument, toJson } from "../iam/policyDocument";

export interface ReplicationDestination {
    /** The rule's id (S3: at most 255 characters, unique in the configuration); alarms name it too. */
    ruleId: string;
    bucketArn: pulumi.Input<string>;
    accountId: string;
    region: string;
    /** Key ARN or alias ARN of the destination's key; objects are re-encrypted with it. */
    kmsKeyArn: pulumi.Input<string>;
    /** How the role's policy names the destination key: its ARN, or an alias the key carries. */
    kmsKeyAlias?: string;
}

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
    /** Every bucket that must receive each new object, one rule each. */
    destinations: ReplicationDestination[];
    roleName: string;
}

/**
 * The encryption context S3 gives KMS: the object's ARN, or the bucket's ARN when the bucket uses
 * S3 Bucket Keys (as every ProtectedBucket does). AWS's guide to replicating SSE-KMS objects says
 * a policy on the context must name the bucket ARN then; both are accepted here.
 */
function encryptionContexts(bucketArn: pulumi.Input<string>): pulumi.Input<string>[] {
    return [bucketArn, pulumi.interpolate`${bucketArn}/*`];
}

/** `exports-to-dr-archive` → `ExportsToDrArchive`: a statement id (IAM allows only letters and digits). */
export function sidOf(ruleId: string): string {
    return ruleId
        .split(/[^A-Za-z0-9]+/)
        .filter(Boolean)
        .map((w) => w[0].toUpperCase() + w.slice(1))
        .join("");
}

function destinationKeyStatement(destination: ReplicationDestination): PolicyStatement {
    const Sid = `EncryptFor${sidOf(destination.ruleId)}`;
    const context = {
        StringEquals: { "kms:ViaService": `s3.${destination.region}.amazonaws.com` },
        StringLike: { "kms:EncryptionContext:aws:s3:arn": encryptionContexts(destination.bucketArn) },
    };
    return destination.kmsKeyAlias
        ? {
              Sid,
              Effect: "Allow",
              Action: ["kms:Encrypt", "kms:GenerateDataKey"],
              Resource: `arn:aws:kms:${destination.region}:${destination.accountId}:key/*`,
              Condition: {
                  "ForAnyValue:StringEquals": { "kms:ResourceAliases": destination.kmsKeyAlias },
                  ...context,
              },
          }
        : {
              Sid,
              Effect: "Allow",
              Action: ["kms:Encrypt", "kms:GenerateDataKey"],
              Resource: destination.kmsKeyArn,
              Condition: context,
          };
}

/** What the replication role may do: read the source's versions, decrypt with its key, write and encrypt into each destination. */
export function replicationPolicy(args: S3ReplicationArgs): PolicyStatement[] {
    const { source, destinations } = args;
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
            Sid: "WriteDestinations",
            Effect: "Allow",
            Action: [
                "s3:ReplicateObject",
                "s3:ReplicateDelete",
                "s3:ReplicateTags",
                "s3:ObjectOwnerOverrideToBucketOwner",
            ],
            Resource: destinations.map((d) => pulumi.interpolate`${d.bucketArn}/*`),
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
        ...destinations.map(destinationKeyStatement),
    ];
}

/**
 * The rules, one per destination, in S3's V2 schema, which is what several destinations require
 * (S3 User Guide, "Replication configuration file elements" and the ReplicationRule API):
 * - every rule has a Filter (empty: every object), and with a Filter S3 requires DeleteMarkerReplication;
 * - every rule has its own Priority, unique in the configuration (it only decides between rules
 *   with the same destination, but S3 refuses duplicates);
 * - Replication Time Control is a property of each rule's destination, and S3 accepts it only with
 *   replication metrics; 15 minutes is the only value of both.
 */
export function replicationRules(args: S3ReplicationArgs): aws.types.input.s3.BucketReplicationConfigRule[] {
    return args.destinations.map((destination, i) => {
        const crossAccount = destination.accountId !== args.source.accountId;
        return {
            id: destination.ruleId,
            status: "Enabled",
            priority: args.destinations.length - i,
            filter: {},
            // Deletes are not replicated: a delete in the source must never reach an archive.
            deleteMarkerReplication: { status: "Disabled" },
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
            destination: {
                bucket: destination.bucketArn,
                storageClass: "STANDARD",
                encryptionConfiguration: { replicaKmsKeyId: destination.kmsKeyArn },
                replicationTime: { status: "Enabled", time: { minutes: 15 } },
                metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
                ...(crossAccount
                    ? { account: destination.accountId, accessControlTranslation: { owner: "Destination" } }
                    : {}),
            },
        };
    });
}

/** S3's rules on a configuration that config cannot break but a caller could: checked before anything registers. */
export function replicationArgsError(args: S3ReplicationArgs): string | undefined {
    if (args.destinations.length === 0) return "S3 replication needs at least one destination";
    const ids = args.destinations.map((d) => d.ruleId);
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate) return `S3 replication rule ids must be unique in a configuration: '${duplicate}' is used twice`;
    const tooLong = ids.find((id) => id.length > 255);
    if (tooLong) return `an S3 replication rule id is at most 255 characters: '${tooLong}'`;
    return undefined;
}

export class S3Replication extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    readonly configuration: aws.s3.BucketReplicationConfig;

    constructor(name: string, args: S3ReplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:replication:S3Replication", name, {}, opts);
        const err = replicationArgsError(args);
        if (err) throw new Error(`S3Replication '${name}': ${err}`);
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
            { bucket: args.source.bucketName, role: this.role.arn, rules: replicationRules(args) },
            { parent: this, dependsOn: [args.sourceVersioning, policy] },
        );
        this.registerOutputs({ roleArn: this.role.arn });
    }
}
