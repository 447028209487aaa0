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
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { escrowObjectKey } from "../../naming/escrowFormat";
import { COMMON, DrHarness, NOW, awsError } from "../helpers/drHarness";
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

/** A fresh harness whose estate passes verify, scheduled escrow and exports included. */
function healthyEstate(): DrHarness {
    const h = new DrHarness();
    rest(h);
    scheduledProtectionHealthy(h);
    return h;
}

describe("dr verify: the scheduled escrow and exports (no person in the loop)", () => {
    let h: DrHarness;
    beforeEach(() => (h = healthyEstate()));
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

describe("dr verify: which object is the newest escrow or export, and the limits", () => {
    let h: DrHarness;
    beforeEach(() => (h = healthyEstate()));
    afterEach(() => h.restore());
    const lines = (stdout: string) => stdout.split("\n");
    const hmrcKey = (ms: number, version?: string) =>
        escrowObjectKey("secrets-escrow", "111111111111", HMRC, ms, version);
    const hmrcPrefix = `secrets-escrow/111111111111/${HMRC}/`;

    it("the current escrow is the greatest key of the escrow's shape: not a non-current version's, not another object", async () => {
        h.mocks("target")
            .s3.on(ListObjectsV2Command, { Prefix: hmrcPrefix })
            .resolves({
                Contents: [
                    { Key: hmrcKey(NOW - 30 * HOUR), LastModified: new Date(NOW - 30 * HOUR) },
                    { Key: hmrcKey(NOW - 2 * HOUR), LastModified: new Date(NOW - 2 * HOUR) },
                    { Key: hmrcKey(NOW - 20 * HOUR), LastModified: new Date(NOW - 20 * HOUR) },
                    { Key: hmrcKey(NOW - HOUR, "hmrc-v0"), LastModified: new Date(NOW - HOUR) },
                    { Key: `${hmrcPrefix}README.txt`, LastModified: new Date(NOW) },
                ],
            });
        const r = await h.run(["verify", ...COMMON]);
        assert.ok(
            lines(r.stdout).includes(
                `PASS  escrow:${HMRC}  current version hmrc-v1 escrowed 2.0 h ago (${hmrcKey(NOW - 2 * HOUR)})`,
            ),
            r.stdout,
        );
        assert.deepEqual(
            h
                .sentOps("GetObject")
                .map((i) => i.Key)
                .filter((k) => String(k).includes("hmrc")),
            [hmrcKey(NOW - 2 * HOUR)],
        );
    });

    it("fails a secret with no escrow at all, and names a listing that failed", async () => {
        h.mocks("target").s3.on(ListObjectsV2Command, { Prefix: hmrcPrefix }).resolves({ Contents: [] });
        h.mocks("target")
            .s3.on(ListObjectsV2Command, { Prefix: `secrets-escrow/111111111111/${SALT}/` })
            .rejects(awsError("AccessDenied", "no s3:ListBucket"));
        const r = await h.run(["verify", ...COMMON]);
        const out = lines(r.stdout);
        assert.ok(out.includes(`FAIL  escrow:${HMRC}  no scheduled escrow under ${hmrcPrefix}`));
        assert.ok(out.includes(`FAIL  escrow:${SALT}  AccessDenied: no s3:ListBucket`));
    });

    it("lists every version of the salt (deprecated ones too), the current-and-previous of other secrets", async () => {
        await h.run(["verify", ...COMMON]);
        const asked = Object.fromEntries(
            h.sentOps("ListSecretVersionIds").map((i) => [i.SecretId, i.IncludeDeprecated]),
        );
        assert.deepEqual(asked, { [SALT]: true, [HMRC]: false });
    });

    it("an escrow exactly at the limit (a day plus the grace) passes, and so does a version created at the escrow's time", async () => {
        const at = NOW - 25 * HOUR;
        h.mocks("target")
            .s3.on(ListObjectsV2Command, { Prefix: hmrcPrefix })
            .resolves({ Contents: [{ Key: hmrcKey(at), LastModified: new Date(at) }] });
        h.mocks("target")
            .secrets.on(ListSecretVersionIdsCommand, { SecretId: HMRC })
            .resolves({
                Versions: [
                    {
                        VersionId: "hmrc-v0",
                        VersionStages: ["AWSPREVIOUS"],
                        CreatedDate: new Date(at - 90 * 24 * HOUR),
                    },
                    { VersionId: "hmrc-v1", VersionStages: ["AWSCURRENT"], CreatedDate: new Date(at) },
                ],
            });
        const r = await h.run(["verify", ...COMMON]);
        assert.ok(
            lines(r.stdout).includes(
                `PASS  escrow:${HMRC}  current version hmrc-v1 escrowed 25.0 h ago (${hmrcKey(at)})`,
            ),
            r.stdout,
        );
    });

    it("an escrow without a version id in its header is reported as holding '?'", async () => {
        h.mocks("target")
            .s3.on(GetObjectCommand)
            .resolves({ Body: bodyOf("{}") } as never);
        const r = await h.run(["verify", ...COMMON]);
        assert.match(
            r.stdout,
            /FAIL  escrow:prod\/submit\/hmrc\/client_secret  it holds version \?, Secrets Manager's current is hmrc-v1/,
        );
    });

    it("an object that only looks like a salt escrow does not count as one", async () => {
        h.mocks("target")
            .secrets.on(ListSecretVersionIdsCommand, { SecretId: SALT })
            .resolves({ Versions: [{ VersionId: "salt-v0", VersionStages: [] }, ...SALT_VERSIONS] });
        const listed = [
            {
                Key: escrowObjectKey("secrets-escrow", "111111111111", SALT, NOW - 2 * HOUR, "salt-v1"),
                LastModified: new Date(NOW - 2 * HOUR),
            },
            {
                Key: escrowObjectKey("secrets-escrow", "111111111111", SALT, NOW - 2 * HOUR),
                LastModified: new Date(NOW - 2 * HOUR),
            },
            { Key: `secrets-escrow/111111111111/${SALT}/notes-salt-v0.json`, LastModified: new Date(NOW) },
        ];
        h.mocks("target")
            .s3.on(ListObjectsV2Command, { Prefix: `secrets-escrow/111111111111/${SALT}/` })
            .resolves({ Contents: listed });
        const r = await h.run(["verify", ...COMMON]);
        assert.match(r.stdout, /FAIL  escrow:prod\/submit\/user-sub-hash-salt  versions never escrowed: salt-v0\n/);
    });

    it("the user-pool export is the newest users.json over every page; other files and undated entries do not count", async () => {
        h.mocks("target")
            .s3.on(ListObjectsV2Command, { Prefix: "cognito-exports/", ContinuationToken: undefined })
            .resolves({
                IsTruncated: true,
                NextContinuationToken: "p2",
                Contents: [
                    {
                        Key: "cognito-exports/eu-west-2_X/20261120T001500Z/users.json",
                        LastModified: new Date(NOW - 150 * HOUR),
                    },
                    {
                        Key: "cognito-exports/eu-west-2_X/20261126T020000Z/import-log.csv",
                        LastModified: new Date(NOW - HOUR),
                    },
                    { Key: "cognito-exports/eu-west-2_X/20261126T020000Z/users.json" },
                ],
            });
        h.mocks("target")
            .s3.on(ListObjectsV2Command, { Prefix: "cognito-exports/", ContinuationToken: "p2" })
            .resolves({
                Contents: [
                    {
                        Key: "cognito-exports/eu-west-2_X/20261125T020000Z/users.json",
                        LastModified: new Date(NOW - 25 * HOUR),
                    },
                    {
                        Key: "cognito-exports/eu-west-2_X/20261122T020000Z/users.json",
                        LastModified: new Date(NOW - 97 * HOUR),
                    },
                ],
            });
        const r = await h.run(["verify", ...COMMON]);
        assert.ok(
            lines(r.stdout).includes(
                "PASS  user-pool-export  newest user-pool export 25.0 h ago (limit 25 h): cognito-exports/eu-west-2_X/20261125T020000Z/users.json",
            ),
            r.stdout,
        );
        assert.deepEqual(
            h
                .sentOps("ListObjectsV2")
                .filter((i) => i.Prefix === "cognito-exports/")
                .map((i) => [i.Bucket, i.ExpectedBucketOwner, i.ContinuationToken]),
            [
                ["prod-env-backup-exports-111111111111-eu-west-2", "111111111111", undefined],
                ["prod-env-backup-exports-111111111111-eu-west-2", "111111111111", "p2"],
            ],
        );
    });

    // DynamoDB developer guide, "DynamoDB table export output format": the manifest-summary.json is
    // written when the export completes; an export still running has no summary yet.
    it("a table export counts only once its manifest-summary.json is written, and a failed listing names the check", async () => {
        h.mocks("target")
            .s3.on(ListObjectsV2Command, { Prefix: "dynamodb-exports/prod-env-receipts/incremental/" })
            .resolves({
                Contents: [
                    {
                        Key: "dynamodb-exports/prod-env-receipts/incremental/a/AWSDynamoDB/1/manifest-summary.json",
                        LastModified: new Date(NOW - 5 * HOUR),
                    },
                    {
                        Key: "dynamodb-exports/prod-env-receipts/incremental/b/AWSDynamoDB/2/manifest-files.json",
                        LastModified: new Date(NOW - 10 * 60_000),
                    },
                ],
            });
        h.mocks("target")
            .s3.on(ListObjectsV2Command, { Prefix: "dynamodb-exports/prod-env-bundles/full/" })
            .rejects(awsError("AccessDenied", "no s3:ListBucket"));
        h.mocks("target")
            .s3.on(ListObjectsV2Command, { Prefix: "cognito-exports/" })
            .rejects(awsError("AccessDenied", "no s3:ListBucket"));
        const r = await h.run(["verify", ...COMMON]);
        const out = lines(r.stdout);
        assert.ok(
            out.includes(
                "FAIL  table-export:incremental:prod-env-receipts  newest incremental export of prod-env-receipts 5.0 h ago (limit 3 h): dynamodb-exports/prod-env-receipts/incremental/a/AWSDynamoDB/1/manifest-summary.json",
            ),
            r.stdout,
        );
        assert.ok(out.includes("FAIL  table-export:full:prod-env-bundles  AccessDenied: no s3:ListBucket"));
        assert.ok(out.includes("FAIL  user-pool-export  AccessDenied: no s3:ListBucket"));
    });

    it("a stack that switched the escrow and the user-pool export off is not held to them", async () => {
        const dir = h.projectWithDeploymentAccounts([{ environment: "prod", accountId: "111111111111" }]);
        const file = path.join(dir, "Pulumi.prod.yaml");
        const stack = YAML.parse(fs.readFileSync(file, "utf8"));
        stack.config["vat-backup:automation"] = {
            secretEscrow: { enabled: false },
            userPoolExport: { enabled: false },
        };
        fs.writeFileSync(file, YAML.stringify(stack));
        const r = await h.run(["verify", ...COMMON]);
        assert.doesNotMatch(r.stdout, /escrow:|user-pool-export/);
        assert.match(r.stdout, /PASS  table-export:incremental:prod-env-receipts/);
    });
});
