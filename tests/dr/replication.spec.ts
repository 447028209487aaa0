/**
 * The estate stand-in's S3 replication (tests/helpers/drReplication.ts) enforces the rule the archive
 * paths depend on. S3 User Guide, "What does Amazon S3 replicate?", "What isn't replicated with
 * replication configurations?": objects that are replicas created by another replication rule are
 * not replicated (only S3 Batch Replication copies them, "Replicating existing objects with Batch
 * Replication"); a replica's ReplicationStatus is REPLICA, its source's COMPLETED.
 */
import { strict as assert } from "assert";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import * as naming from "../../naming";
import { DrHarness } from "../helpers/drHarness";
import { ExportsStandIn } from "../helpers/drExports";
import { PROD_PLACEMENT, ReplicatingBuckets, estateReplicationRules } from "../helpers/drReplication";

const EXPORTS = naming.exportsBucketName("prod", "111111111111", "eu-west-2");
const ARCHIVE = naming.archiveBucketName("333333333333", "eu-west-2");
const DR_ARCHIVE = naming.archiveBucketName("333333333333", "eu-west-1");
const REPORTS = naming.reportsBucketName("333333333333", "eu-west-2");
const TABLE = "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-receipts";

describe("estate stand-in: S3 replication (a replica is not replicated onward)", () => {
    it("a chain exports → archive → DR archive never delivers an export to the DR archive", () => {
        const s3 = new ReplicatingBuckets([
            { id: "exports-to-archive", source: EXPORTS, destination: ARCHIVE },
            { id: "archive-to-dr", source: ARCHIVE, destination: DR_ARCHIVE },
        ]);
        s3.put(EXPORTS, "dynamodb-exports/x/data.json.gz", "rows");
        assert.deepEqual(s3.holders("dynamodb-exports/x/data.json.gz"), [
            { bucket: EXPORTS, status: "COMPLETED" },
            { bucket: ARCHIVE, status: "REPLICA" },
        ]);
        // What the archive's own rule does carry: an object written into the archive by a client.
        s3.put(ARCHIVE, "secrets-escrow/salt.json", "escrow");
        assert.deepEqual(s3.holders("secrets-escrow/salt.json"), [
            { bucket: ARCHIVE, status: "COMPLETED" },
            { bucket: DR_ARCHIVE, status: "REPLICA" },
        ]);
    });

    it("the stacks' rules put every export of the exports bucket into both archives directly", () => {
        const s3 = new ReplicatingBuckets(estateReplicationRules(PROD_PLACEMENT));
        const writer = s3.exportWriter(EXPORTS);
        const dir = writer.full(TABLE, Date.UTC(2026, 10, 22, 1), [{ pk: { S: "a" } }]);
        s3.put(EXPORTS, "cognito-exports/eu-west-2_Pool/20261126T001500Z/users.json", "{}");
        for (const key of [
            `${dir}/manifest-summary.json`,
            "cognito-exports/eu-west-2_Pool/20261126T001500Z/users.json",
        ])
            assert.deepEqual(s3.holders(key), [
                { bucket: EXPORTS, status: "COMPLETED" },
                { bucket: ARCHIVE, status: "REPLICA" },
                { bucket: DR_ARCHIVE, status: "REPLICA" },
            ]);
        s3.put(REPORTS, "posture/2026-11.json", "{}");
        assert.deepEqual(
            s3.holders("posture/2026-11.json").map((x) => x.bucket),
            [REPORTS, ARCHIVE, DR_ARCHIVE],
        );
    });

    it("honours a rule's prefix, status and storage class (the replica's class is the source's when the rule names none)", () => {
        const s3 = new ReplicatingBuckets([
            { id: "only-exports", source: EXPORTS, destination: ARCHIVE, prefix: "dynamodb-exports/" },
            { id: "off", source: EXPORTS, destination: REPORTS, enabled: false },
            { id: "standard", source: EXPORTS, destination: DR_ARCHIVE, storageClass: "STANDARD" },
        ]);
        s3.put(EXPORTS, "dynamodb-exports/t/a", "x", "GLACIER_IR");
        s3.put(EXPORTS, "other/b", "y");
        assert.deepEqual(
            s3.holders("dynamodb-exports/t/a").map((x) => x.bucket),
            [EXPORTS, ARCHIVE, DR_ARCHIVE],
        );
        assert.equal(s3.bucket(ARCHIVE).get("dynamodb-exports/t/a")?.storageClass, "GLACIER_IR");
        assert.equal(s3.bucket(DR_ARCHIVE).get("dynamodb-exports/t/a")?.storageClass, "STANDARD");
        assert.deepEqual(
            s3.holders("other/b").map((x) => x.bucket),
            [EXPORTS, DR_ARCHIVE],
        );
    });

    it("an object no rule selects carries no replication status", () => {
        const s3 = new ReplicatingBuckets([]);
        s3.put(EXPORTS, "k", "v");
        assert.deepEqual(s3.holders("k"), [{ bucket: EXPORTS, status: undefined }]);
    });

    it("the tool's HeadObject of an archived export says REPLICA (S3's x-amz-replication-status)", async () => {
        const h = new DrHarness();
        try {
            const s3 = new ReplicatingBuckets(estateReplicationRules());
            new ExportsStandIn(h, ARCHIVE, "backup", "eu-west-2", s3.bucket(ARCHIVE));
            const dir = s3.exportWriter(EXPORTS).full(TABLE, Date.UTC(2026, 10, 22, 1), []);
            const head = await h
                .context("test")
                .clients("backup")
                .s3.send(new HeadObjectCommand({ Bucket: ARCHIVE, Key: `${dir}/manifest-summary.json` }));
            assert.equal(head.ReplicationStatus, "REPLICA");
            assert.equal(head.StorageClass, "STANDARD");
        } finally {
            h.restore();
        }
    });
});
