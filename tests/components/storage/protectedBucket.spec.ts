import * as assert from "node:assert/strict";
import { ProtectedBucket } from "../../../components/storage/protectedBucket";
import { runComponent, statement } from "../../helpers/engine";

describe("ProtectedBucket component", () => {
    it("adds compliance-mode Object Lock, enabled at creation and protected, when asked", async () => {
        const run = await runComponent((provider) => {
            new ProtectedBucket(
                "archive",
                {
                    bucketName: "archive-111111111111-eu-west-2",
                    kmsKeyArn: "arn:aws:kms:eu-west-2:111111111111:key/k",
                    objectLockDays: 2557,
                    protect: true,
                },
                { provider },
            );
        });
        assert.equal(run.one("aws:s3/bucket:Bucket").inputs.objectLockEnabled, true);
        const lock = run.one("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration");
        assert.deepEqual(lock.inputs.rule, { defaultRetention: { mode: "COMPLIANCE", days: 2557 } });
        assert.equal(lock.protect, true);
        assert.equal(run.ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").length, 0);
    });

    it("refuses uploads under another encryption or another key, and owner-enforces objects", async () => {
        const run = await runComponent((provider) => {
            new ProtectedBucket(
                "b",
                {
                    bucketName: "b-111111111111-eu-west-2",
                    kmsKeyArn: "arn:aws:kms:eu-west-2:111111111111:key/k",
                    protect: false,
                },
                { provider },
            );
        });
        const policy = run.one("aws:s3/bucketPolicy:BucketPolicy");
        assert.deepEqual(statement(policy, "DenyOtherEncryption").Condition, {
            StringNotEqualsIfExists: { "s3:x-amz-server-side-encryption": "aws:kms" },
        });
        assert.deepEqual(statement(policy, "DenyOtherKmsKeys").Condition, {
            StringNotEqualsIfExists: {
                "s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:eu-west-2:111111111111:key/k",
            },
        });
        assert.deepEqual(run.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule, {
            objectOwnership: "BucketOwnerEnforced",
        });
        assert.equal(run.one("aws:s3/bucket:Bucket").inputs.forceDestroy, false);
    });

    it("appends the caller's statements, built from the bucket ARN", async () => {
        const run = await runComponent((provider) => {
            new ProtectedBucket(
                "b",
                {
                    bucketName: "b-111111111111-eu-west-2",
                    kmsKeyArn: "k",
                    policyStatements: (arn) => [
                        {
                            Sid: "Writer",
                            Effect: "Allow",
                            Principal: { AWS: "arn:aws:iam::222222222222:role/w" },
                            Action: "s3:ReplicateObject",
                            Resource: arn,
                        },
                    ],
                    protect: false,
                },
                { provider },
            );
        });
        assert.equal(
            statement(run.one("aws:s3/bucketPolicy:BucketPolicy"), "Writer").Resource,
            "arn:aws:s3:::b-111111111111-eu-west-2",
        );
    });
});
