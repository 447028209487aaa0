/**
 * An S3 bucket fit to hold backups: versioned, SSE-KMS with a customer-managed key, public access
 * blocked, owner-enforced ownership, a policy that refuses plain HTTP and uploads under any other
 * encryption, a lifecycle that tiers old data down, and optionally Object Lock in compliance mode.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement, policyDocument, toJson } from "../iam/policyDocument";

export interface ProtectedBucketArgs {
    /** Globally unique; callers put account and region in it. */
    bucketName: string;
    kmsKeyArn: pulumi.Input<string>;
    lifecycle?: BucketLifecycle;
    /** Default retention in compliance mode: nobody, root included, can delete a version earlier. */
    objectLockDays?: number;
    /** Statements beyond TLS-only and encryption, built from the bucket's ARN (e.g. replication writers). */
    policyStatements?: (bucketArn: pulumi.Output<string>) => PolicyStatement[];
    protect: boolean;
}

export interface BucketLifecycle {
    infrequentAccessAfterDays: number;
    glacierAfterDays: number;
    expireAfterDays: number;
    noncurrentVersionExpireAfterDays: number;
}

export function bucketPolicyStatements(
    bucketArn: pulumi.Output<string>,
    kmsKeyArn: pulumi.Input<string>,
): PolicyStatement[] {
    return [
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucketArn, pulumi.interpolate`${bucketArn}/*`],
            Condition: { Bool: { "aws:SecureTransport": false } },
        },
        {
            Sid: "DenyOtherEncryption",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: pulumi.interpolate`${bucketArn}/*`,
            Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption": "aws:kms" } },
        },
        {
            Sid: "DenyOtherKmsKeys",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: pulumi.interpolate`${bucketArn}/*`,
            Condition: { StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption-aws-kms-key-id": kmsKeyArn } },
        },
    ];
}

export function lifecycleRules(lc: BucketLifecycle): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    return [
        {
            id: "tier-down-and-expire",
            status: "Enabled",
            filter: {},
            transitions: [
                { days: lc.infrequentAccessAfterDays, storageClass: "STANDARD_IA" },
                { days: lc.glacierAfterDays, storageClass: "GLACIER" },
            ],
            expiration: { days: lc.expireAfterDays },
            noncurrentVersionExpiration: { noncurrentDays: lc.noncurrentVersionExpireAfterDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
    ];
}

export class ProtectedBucket extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly versioning: aws.s3.BucketVersioning;
    readonly arn: pulumi.Output<string>;
    readonly name: pulumi.Output<string>;

    constructor(name: string, args: ProtectedBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:storage:ProtectedBucket", name, {}, opts);
        const locked = args.objectLockDays !== undefined;
        this.bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            { bucket: args.bucketName, objectLockEnabled: locked, forceDestroy: false },
            { parent: this, protect: args.protect },
        );
        this.arn = this.bucket.arn;
        this.name = this.bucket.bucket;
        const child = { parent: this };

        this.versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } },
            child,
        );
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket: this.bucket.id,
                rules: [
                    {
                        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
                        bucketKeyEnabled: true,
                    },
                ],
            },
            child,
        );
        const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            {
                bucket: this.bucket.id,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            child,
        );
        new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
            child,
        );
        const statements = [
            ...bucketPolicyStatements(this.bucket.arn, args.kmsKeyArn),
            ...(args.policyStatements?.(this.bucket.arn) ?? []),
        ];
        // The policy waits for the public access block, or S3 may see a public policy first.
        new aws.s3.BucketPolicy(
            `${name}-policy`,
            { bucket: this.bucket.id, policy: toJson(policyDocument(statements)) },
            { parent: this, dependsOn: [publicAccessBlock] },
        );
        if (args.lifecycle) {
            new aws.s3.BucketLifecycleConfiguration(
                `${name}-lifecycle`,
                { bucket: this.bucket.id, rules: lifecycleRules(args.lifecycle) },
                { parent: this, dependsOn: [this.versioning] },
            );
        }
        if (locked) {
            new aws.s3.BucketObjectLockConfiguration(
                `${name}-object-lock`,
                {
                    bucket: this.bucket.id,
                    objectLockEnabled: "Enabled",
                    rule: { defaultRetention: { mode: "COMPLIANCE", days: args.objectLockDays } },
                },
                { parent: this, protect: true, dependsOn: [this.versioning] },
            );
        }
        this.registerOutputs({ arn: this.arn, name: this.name });
    }
}
