import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import {
    ReplicationDestination,
    S3Replication,
    S3ReplicationArgs,
    replicationArgsError,
} from "../../../components/replication/s3Replication";
import { Registered, runComponent, statement, inputOf } from "../../helpers/engine";

const SOURCE = "arn:aws:s3:::prod-env-backup-exports-111111111111-eu-west-2";
const DEST = "arn:aws:s3:::vat-backup-archive-333333333333-eu-west-2";
const DR_DEST = "arn:aws:s3:::vat-backup-archive-333333333333-eu-west-1";

/** A replication rule as the engine records it (the provider's input shape, unwrapped). */
interface RecordedRule {
    id: string;
    priority?: number;
    filter?: unknown;
    deleteMarkerReplication?: unknown;
    destination: {
        bucket: string;
        encryptionConfiguration?: { replicaKmsKeyId: string };
        replicationTime?: unknown;
        metrics?: unknown;
    };
}

const DR_ARCHIVE: ReplicationDestination = {
    ruleId: "exports-to-dr-archive",
    bucketArn: DR_DEST,
    accountId: "333333333333",
    region: "eu-west-1",
    kmsKeyArn: "arn:aws:kms:eu-west-1:333333333333:alias/vat-backup-archive",
    kmsKeyAlias: "alias/vat-backup-archive",
};

function args(
    versioning: aws.s3.BucketVersioning,
    destination: Partial<ReplicationDestination> = {},
    more: ReplicationDestination[] = [],
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
        destinations: [
            {
                ruleId: "exports-to-backup-archive",
                bucketArn: DEST,
                accountId: "333333333333",
                region: "eu-west-2",
                kmsKeyArn: "arn:aws:kms:eu-west-2:333333333333:alias/vat-backup-archive",
                kmsKeyAlias: "alias/vat-backup-archive",
                ...destination,
            },
            ...more,
        ],
        roleName: "prod-env-exports-replication",
    };
}

async function replicate(
    destination: Partial<ReplicationDestination> = {},
    more: ReplicationDestination[] = [],
): Promise<Registered> {
    return runComponent((provider) => {
        const versioning = new aws.s3.BucketVersioning(
            "v",
            {
                bucket: "prod-env-backup-exports-111111111111-eu-west-2",
                versioningConfiguration: { status: "Enabled" },
            },
            { provider },
        );
        new S3Replication("r", args(versioning, destination, more), { provider });
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
        assert.deepEqual(statement(policy, "EncryptForExportsToBackupArchive").Condition?.StringLike, {
            "kms:EncryptionContext:aws:s3:arn": [DEST, `${DEST}/*`],
        });
    });

    it("names a destination key by alias through kms:ResourceAliases, and by ARN otherwise", async () => {
        const byAlias = statement(
            (await replicate()).one("aws:iam/rolePolicy:RolePolicy"),
            "EncryptForExportsToBackupArchive",
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
            "EncryptForExportsToBackupArchive",
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

    // S3 User Guide, "What does Amazon S3 replicate?": objects that are replicas created by another
    // replication rule are not replicated. Two archives therefore mean two rules on the source.
    describe("several destinations (S3 replication to multiple destination buckets)", () => {
        const rulesOf = async () =>
            (await replicate({}, [DR_ARCHIVE])).one("aws:s3/bucketReplicationConfig:BucketReplicationConfig").inputs
                .rules as RecordedRule[];

        it("writes one rule per destination, each with its own id and bucket", async () => {
            const rules = await rulesOf();
            assert.deepEqual(
                rules.map((r) => [r.id, r.destination.bucket]),
                [
                    ["exports-to-backup-archive", DEST],
                    ["exports-to-dr-archive", DR_DEST],
                ],
            );
        });

        it("uses S3's V2 schema on every rule: a Filter, with the DeleteMarkerReplication S3 then requires, and a unique Priority", async () => {
            const rules = await rulesOf();
            for (const rule of rules) {
                assert.deepEqual(rule.filter, {}, rule.id);
                assert.deepEqual(rule.deleteMarkerReplication, { status: "Disabled" }, rule.id);
                assert.equal(typeof rule.priority, "number", rule.id);
            }
            assert.equal(new Set(rules.map((r) => r.priority)).size, rules.length, "priorities must be unique");
        });

        it("puts Replication Time Control and its metrics (15 minutes, the only value) on each rule's destination", async () => {
            for (const rule of await rulesOf()) {
                assert.deepEqual(rule.destination.replicationTime, { status: "Enabled", time: { minutes: 15 } });
                assert.deepEqual(rule.destination.metrics, { status: "Enabled", eventThreshold: { minutes: 15 } });
            }
        });

        it("encrypts each replica with its own destination's key, named in that destination's region", async () => {
            const run = await replicate({}, [DR_ARCHIVE]);
            const rules = run.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig").inputs
                .rules as RecordedRule[];
            assert.equal(
                rules[1].destination.encryptionConfiguration?.replicaKmsKeyId,
                "arn:aws:kms:eu-west-1:333333333333:alias/vat-backup-archive",
            );
            const policy = run.one("aws:iam/rolePolicy:RolePolicy");
            const dr = statement(policy, "EncryptForExportsToDrArchive");
            assert.equal(dr.Resource, "arn:aws:kms:eu-west-1:333333333333:key/*");
            assert.deepEqual(dr.Condition?.StringEquals, { "kms:ViaService": "s3.eu-west-1.amazonaws.com" });
            assert.deepEqual(dr.Condition?.StringLike, {
                "kms:EncryptionContext:aws:s3:arn": [DR_DEST, `${DR_DEST}/*`],
            });
            assert.deepEqual(statement(policy, "WriteDestinations").Resource, [`${DEST}/*`, `${DR_DEST}/*`]);
        });

        it("refuses duplicate rule ids and an empty destination list before anything registers", () => {
            const base = { ...args(undefined as never), destinations: [] };
            assert.match(replicationArgsError(base) ?? "", /at least one destination/);
            const dup = { ...base, destinations: [DR_ARCHIVE, DR_ARCHIVE] };
            assert.match(replicationArgsError(dup) ?? "", /'exports-to-dr-archive' is used twice/);
        });
    });
});
