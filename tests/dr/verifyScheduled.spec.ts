import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { ListSecretVersionIdsCommand } from "@aws-sdk/client-secrets-manager";
import {
    DescribeBackupVaultCommand,
    ListBackupJobsCommand,
    ListRecoveryPointsByBackupVaultCommand,
} from "@aws-sdk/client-backup";
import { DescribeContinuousBackupsCommand, DescribeTableCommand, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { GetBucketReplicationCommand } from "@aws-sdk/client-s3";
import { DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import { strict as assert } from "assert";
import { COMMON, DrHarness, NOW } from "../helpers/drHarness";
import { HMRC, SALT, SALT_VERSIONS, bodyOf, scheduledProtectionHealthy } from "../helpers/scheduledEstate";

const HOUR = 3_600_000;

/** Only the scheduled-protection checks matter here; everything else answers healthy enough. */
function rest(h: DrHarness): void {
    const t = h.mocks("target");
    t.dynamodb.on(ListTablesCommand).resolves({ TableNames: [] });
    t.dynamodb.on(DescribeContinuousBackupsCommand).resolves({});
    t.dynamodb.on(DescribeTableCommand).resolves({ Table: { ItemCount: 1 } });
    t.backup.on(ListBackupJobsCommand).resolves({ BackupJobs: [] });
    t.s3.on(GetBucketReplicationCommand).resolves({});
    t.secrets.on(DescribeSecretCommand).resolves({});
    for (const region of ["eu-west-2", "eu-west-1"]) {
        h.mocks("backup", region).backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({});
        h.mocks("backup", region).backup.on(DescribeBackupVaultCommand).resolves({});
    }
}

describe("dr verify: the scheduled escrow and exports (no person in the loop)", () => {
    let h: DrHarness;
    beforeEach(() => {
        h = new DrHarness();
        rest(h);
        scheduledProtectionHealthy(h);
    });
    afterEach(() => h.restore());

    it("passes recent escrows holding the live current versions, a recent user-pool export and table exports", async () => {
        const r = await h.run(["verify", ...COMMON]);
        assert.match(
            r.stdout,
            /PASS  escrow:prod\/submit\/user-sub-hash-salt  current version salt-v2 escrowed 2.0 h ago/,
        );
        assert.match(r.stdout, /PASS  escrow:prod\/submit\/hmrc\/client_secret  current version hmrc-v1/);
        assert.match(r.stdout, /PASS  user-pool-export  newest user-pool export 3.0 h ago/);
        assert.match(
            r.stdout,
            /PASS  table-export:incremental:prod-env-receipts  newest incremental export of prod-env-receipts 60 min ago/,
        );
        assert.match(r.stdout, /PASS  table-export:full:prod-env-bundles/);
        assert.doesNotMatch(
            r.stdout,
            /table-export:incremental:prod-env-bundles/,
            "only the critical tables are exported hourly",
        );
    });

    it("fails an escrow older than a day", async () => {
        h.mocks("target")
            .s3.on(ListObjectsV2Command, { Prefix: `secrets-escrow/111111111111/${HMRC}/` })
            .resolves({
                Contents: [
                    {
                        Key: `secrets-escrow/111111111111/${HMRC}/20261124T010000Z.json`,
                        LastModified: new Date(NOW - 50 * HOUR),
                    },
                ],
            });
        const r = await h.run(["verify", ...COMMON]);
        assert.match(r.stdout, /FAIL  escrow:prod\/submit\/hmrc\/client_secret  newest escrow is 50.0 h ago/);
        assert.equal(r.code, 1);
    });

    it("fails when Secrets Manager's current version is not the escrowed one (a rotation the escrow missed)", async () => {
        h.mocks("target")
            .secrets.on(ListSecretVersionIdsCommand, { SecretId: SALT })
            .resolves({
                Versions: [
                    ...SALT_VERSIONS.map((v) => ({ ...v, VersionStages: [] })),
                    { VersionId: "salt-v3", VersionStages: ["AWSCURRENT"], CreatedDate: new Date(NOW - HOUR) },
                ],
            });
        const r = await h.run(["verify", ...COMMON]);
        assert.match(
            r.stdout,
            /FAIL  escrow:prod\/submit\/user-sub-hash-salt  it holds version salt-v2, Secrets Manager's current is salt-v3; the current version is newer than the newest escrow; versions never escrowed: salt-v3/,
        );
    });

    it("fails a salt version that was never escrowed", async () => {
        h.mocks("target")
            .s3.on(GetObjectCommand)
            .callsFake(() => ({ Body: bodyOf(JSON.stringify({ versionId: "salt-v2" })) }));
        h.mocks("target")
            .secrets.on(ListSecretVersionIdsCommand, { SecretId: SALT })
            .resolves({ Versions: [{ VersionId: "salt-v0", VersionStages: [] }, ...SALT_VERSIONS] });
        const r = await h.run(["verify", ...COMMON]);
        assert.match(r.stdout, /FAIL  escrow:prod\/submit\/user-sub-hash-salt  versions never escrowed: salt-v0/);
    });

    it("fails a missing user-pool export and a stale incremental export", async () => {
        h.mocks("target").s3.on(ListObjectsV2Command, { Prefix: "cognito-exports/" }).resolves({ Contents: [] });
        h.mocks("target")
            .s3.on(ListObjectsV2Command, { Prefix: "dynamodb-exports/prod-env-receipts/incremental/" })
            .resolves({
                Contents: [
                    {
                        Key: "dynamodb-exports/prod-env-receipts/incremental/x/AWSDynamoDB/1/manifest-summary.json",
                        LastModified: new Date(NOW - 5 * HOUR),
                    },
                ],
            });
        const r = await h.run(["verify", ...COMMON]);
        assert.match(r.stdout, /FAIL  user-pool-export  no user-pool export in the exports bucket/);
        assert.match(
            r.stdout,
            /FAIL  table-export:incremental:prod-env-receipts  newest incremental export of prod-env-receipts 5.0 h ago \(limit 3 h\)/,
        );
    });
});
