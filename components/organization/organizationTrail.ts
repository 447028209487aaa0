/**
 * The organization's CloudTrail trail: every account's management events in one bucket of the
 * management account, which the API-call rules of the no-person-in-the-loop and continuous-proof
 * work rely on. An organization trail is created in the management account with trusted access for
 * CloudTrail; member accounts see it but cannot change it (CloudTrail User Guide, "Creating a trail
 * for an organization", https://docs.aws.amazon.com/awscloudtrail/latest/userguide/creating-trail-organization.html).
 * The bucket policy admits CloudTrail only for this trail (aws:SourceArn), as that guide's bucket
 * policy does, and the bucket keeps versions.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PARTITION } from "../../naming";
import { policyDocument, toJson } from "../iam/policyDocument";

export interface OrganizationTrailArgs {
    trailName: string;
    bucketName: string;
    managementAccountId: string;
    organizationId: string;
    region: string;
    protect: boolean;
}

export function trailArn(args: Pick<OrganizationTrailArgs, "region" | "managementAccountId" | "trailName">): string {
    return `arn:${PARTITION}:cloudtrail:${args.region}:${args.managementAccountId}:trail/${args.trailName}`;
}

export function trailBucketPolicy(args: OrganizationTrailArgs) {
    const bucket = `arn:${PARTITION}:s3:::${args.bucketName}`;
    const sourceArn = { "aws:SourceArn": trailArn(args) };
    return policyDocument([
        {
            Sid: "CloudTrailAclCheck",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "s3:GetBucketAcl",
            Resource: bucket,
            Condition: { StringEquals: sourceArn },
        },
        {
            Sid: "CloudTrailWritesAccountLogs",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${bucket}/AWSLogs/${args.managementAccountId}/*`,
            Condition: { StringEquals: { ...sourceArn, "s3:x-amz-acl": "bucket-owner-full-control" } },
        },
        {
            Sid: "CloudTrailWritesOrganizationLogs",
            Effect: "Allow",
            Principal: { Service: "cloudtrail.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: `${bucket}/AWSLogs/${args.organizationId}/*`,
            Condition: { StringEquals: { ...sourceArn, "s3:x-amz-acl": "bucket-owner-full-control" } },
        },
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucket, `${bucket}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
    ]);
}

export class OrganizationTrail extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly trail: aws.cloudtrail.Trail;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: OrganizationTrailArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:organization:OrganizationTrail", name, {}, opts);
        const protect = { parent: this, protect: args.protect };
        this.bucket = new aws.s3.Bucket(`${name}-bucket`, { bucket: args.bucketName }, protect);
        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } },
            { parent: this },
        );
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            {
                bucket: this.bucket.id,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            { parent: this },
        );
        const policy = new aws.s3.BucketPolicy(
            `${name}-policy`,
            { bucket: this.bucket.id, policy: toJson(trailBucketPolicy(args)) },
            { parent: this },
        );
        this.trail = new aws.cloudtrail.Trail(
            `${name}-trail`,
            {
                name: args.trailName,
                s3BucketName: this.bucket.id,
                isOrganizationTrail: true,
                isMultiRegionTrail: true,
                includeGlobalServiceEvents: true,
                enableLogFileValidation: true,
                enableLogging: true,
            },
            { ...protect, dependsOn: [policy, versioning, publicAccess] },
        );
        this.arn = this.trail.arn;
        this.registerOutputs({ arn: this.arn });
    }
}
