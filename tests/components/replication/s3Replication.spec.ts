import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import { S3Replication, S3ReplicationArgs } from "../../../components/replication/s3Replication";
import { Registered, runComponent, statement, inputOf } from "../../helpers/engine";

const SOURCE = "arn:aws:s3:::prod-env-backup-exports-111111111111-eu-west-2";
const DEST = "arn:aws:s3:::vat-backup-archive-333333333333-eu-west-2";

function args(
    versioning: aws.s3.BucketVersioning,
    destination: Partial<S3ReplicationArgs["destination"]> = {},
): S3ReplicationArgs {
    return {
        source: {
            bucketName: "prod-env-backup-exports-111111111111-eu-west-2",
            bucketArn: SOURCE,
            kmsKeyArn: "arn:aws:kms:eu-west-2:111111111111:key/src",
            accountId: "111111111111",
            region: "eu-west-2",
        },
        sourceVersioning: versioning,
        destination: {
            bucketArn: DEST,
            accountId: "333333333333",
            region: "eu-west-2",
            kmsKeyArn: "arn:aws:kms:eu-west-2:333333333333:alias/vat-backup-archive",
            kmsKeyAlias: "alias/vat-backup-archive",
            ...destination,
        },
        roleName: "prod-env-exports-replication",
        ruleId: "exports-to-backup-archive",
    };
}

async function replicate(destination: Partial<S3ReplicationArgs["destination"]> = {}): Promise<Registered> {
    return runComponent((provider) => {
        const versioning = new aws.s3.BucketVersioning(
            "v",
            {
                bucket: "prod-env-backup-exports-111111111111-eu-west-2",
                versioningConfiguration: { status: "Enabled" },
            },
            { provider },
        );
        new S3Replication("r", args(versioning, destination), { provider });
    });
}

describe("S3Replication component", () => {
    it("lets only S3, for this source bucket and account, assume the role", async () => {
        const run = await replicate();
        const trust = statement(run.one("aws:iam/role:Role"), "TrustS3", "assumeRolePolicy");
        assert.deepEqual(trust.Principal, { Service: "s3.amazonaws.com" });
        assert.deepEqual(trust.Condition, {
            StringEquals: { "aws:SourceAccount": "111111111111" },
            ArnLike: { "aws:SourceArn": SOURCE },
        });
    });

    it("accepts the bucket ARN as KMS encryption context on both keys, which is what S3 sends when Bucket Keys are on", async () => {
        const run = await replicate();
        const policy = run.one("aws:iam/rolePolicy:RolePolicy");
        assert.deepEqual(statement(policy, "DecryptSource").Condition?.StringLike, {
            "kms:EncryptionContext:aws:s3:arn": [SOURCE, `${SOURCE}/*`],
        });
        assert.deepEqual(statement(policy, "EncryptWithDestinationKey").Condition?.StringLike, {
            "kms:EncryptionContext:aws:s3:arn": [DEST, `${DEST}/*`],
        });
    });

    it("names a destination key by alias through kms:ResourceAliases, and by ARN otherwise", async () => {
        const byAlias = statement(
            (await replicate()).one("aws:iam/rolePolicy:RolePolicy"),
            "EncryptWithDestinationKey",
        );
        assert.equal(byAlias.Resource, "arn:aws:kms:eu-west-2:333333333333:key/*");
        assert.deepEqual(byAlias.Condition?.["ForAnyValue:StringEquals"], {
            "kms:ResourceAliases": "alias/vat-backup-archive",
        });
        const byArn = statement(
            (
                await replicate({
                    kmsKeyArn: "arn:aws:kms:eu-west-1:333333333333:key/k",
                    kmsKeyAlias: undefined,
                    region: "eu-west-1",
                })
            ).one("aws:iam/rolePolicy:RolePolicy"),
            "EncryptWithDestinationKey",
        );
        assert.equal(byArn.Resource, "arn:aws:kms:eu-west-1:333333333333:key/k");
    });

    it("names the destination account and hands it ownership only when the destination is another account", async () => {
        const [cross] = inputOf<aws.types.input.s3.BucketReplicationConfigRule[]>(
            (await replicate()).one("aws:s3/bucketReplicationConfig:BucketReplicationConfig"),
            "rules",
        );
        assert.equal(cross.destination.account, "333333333333");
        assert.deepEqual(cross.destination.accessControlTranslation, { owner: "Destination" });
        const [same] = inputOf<aws.types.input.s3.BucketReplicationConfigRule[]>(
            (await replicate({ accountId: "111111111111", region: "eu-west-1" })).one(
                "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
            ),
            "rules",
        );
        assert.equal(same.destination.account, undefined);
        assert.equal(same.destination.accessControlTranslation, undefined);
    });
});
