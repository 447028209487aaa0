/**
 * The posture report knows the AWS rules the paths rely on (issue 12, items 1-4), so it never prints
 * `ok` for a path AWS would not run. Each rule is tested on the checked-in estate and on a variant
 * that breaks it.
 */
import * as assert from "node:assert/strict";
import { OfflineRun } from "../../offline/engine";
import { AssetPosture, Posture, TYPES, posture } from "../../offline/posture";
import { renderMarkdown, renderPosture } from "../../offline/postureReport";
import { RecordedResource } from "../../offline/types";
import { runStackOffline } from "../helpers/engine";

const DR_ARCHIVE = "vat-backup-archive-333333333333-eu-west-1";
const assetOf = (p: Posture, resource: string): AssetPosture => {
    const found = p.assets.find((a) => a.resource === resource);
    assert.ok(found, `no posture for ${resource}`);
    return found;
};
/** The run with `change` applied to the resources of one type. */
const variant = (run: OfflineRun, type: string, change: (r: RecordedResource) => RecordedResource): OfflineRun => ({
    ...run,
    resources: run.resources.map((r) => (r.type === type ? change(structuredClone(r)) : r)),
});

describe("posture: AWS's documented behaviour (issue 12, items 1-4)", () => {
    let prod: OfflineRun;
    let backup: OfflineRun;
    let estate: Posture;
    before(async () => {
        prod = await runStackOffline("prod");
        backup = await runStackOffline("backup");
        estate = posture([prod, backup]);
    });

    // S3 User Guide, "What does Amazon S3 replicate?": objects that are replicas created by another
    // replication rule are not replicated. The archive's own rule to eu-west-1 carries none of prod's exports.
    describe("a replica is not replicated onward (S3)", () => {
        it("shows the exports held in prod, the primary archive and the DR-region archive, each by a rule of the exports bucket", () => {
            const exports = assetOf(estate, "prod-env-backup-exports-111111111111-eu-west-2");
            assert.deepEqual(
                exports.heldIn?.map((h) => `${h.accountId} ${h.region} ${h.how}`),
                [
                    "111111111111 eu-west-2 source",
                    "333333333333 eu-west-2 replica in vat-backup-archive-333333333333-eu-west-2",
                    `333333333333 eu-west-1 replica in ${DR_ARCHIVE}`,
                ],
            );
            assert.ok(!exports.gaps.some((g) => /never receives/.test(g)), exports.gaps.join("\n"));
        });

        it("marks the DR-region archive as never receiving the exports when only the primary archive replicates there", () => {
            const oneRule = variant(prod, TYPES.replication, (r) => ({
                ...r,
                inputs: { ...r.inputs, rules: (r.inputs.rules as unknown[]).slice(0, 1) },
            }));
            const p = posture([oneRule, backup]);
            const exports = assetOf(p, "prod-env-backup-exports-111111111111-eu-west-2");
            assert.ok(
                exports.gaps.some((g) =>
                    g.startsWith(
                        `${DR_ARCHIVE} never receives these exports: vat-backup-archive-333333333333-eu-west-2 replicates there, but S3 does not replicate a replica onward`,
                    ),
                ),
                exports.gaps.join("\n"),
            );
            assert.deepEqual(
                exports.heldIn?.map((h) => h.region),
                ["eu-west-2", "eu-west-2"],
                "only the regions a rule of the exports bucket writes to hold a copy",
            );
        });

        it("labels the archive's own replication as carrying objects written there, not replicas", () => {
            const onward = estate.flows.find(
                (f) => f.kind === "replication" && f.from === "arn:aws:s3:::vat-backup-archive-333333333333-eu-west-2",
            );
            assert.match(onward?.label ?? "", /objects written here only, not replicas/);
        });
    });

    // AWS Backup Developer Guide, "Backup and tag copy": backups in cold storage cannot be copied.
    describe("cold recovery points cannot be copied (AWS Backup)", () => {
        it("restores receipts' points older than the copies' warm period from the archive's exports, faster than the cold-point path", () => {
            const receipts = assetOf(estate, "prod-env-receipts");
            assert.equal(receipts.rtoColdPoints?.path, "archiveImport");
            assert.equal(receipts.rtoColdPoints?.olderThanDays, 90);
            assert.equal(receipts.rtoColdPoints?.ok, true);
            assert.match(
                receipts.rtoColdPoints?.value ?? "",
                /^2 h 30 min \(archiveImport: restore-from-export of the cron\(0 1 \? \* SUN \*\) full export and the cron\(10 \* \* \* \? \*\) incremental ones from vat-backup-archive-333333333333-eu-west-2, STANDARD, no S3 retrieval; the cold-point path takes 7 h\)/,
            );
            assert.ok(!receipts.gaps.some((g) => /older than 90 d/.test(g)), receipts.gaps.join("\n"));
            // The warm points still take copy-back, within the RTO.
            assert.deepEqual([receipts.rtoAccountLoss.path, receipts.rtoAccountLoss.ok], ["backupAccount", true]);
            assert.match(renderPosture(estate), /RTO cold points ok {2}2 h 30 min \(archiveImport/);
            assert.match(renderMarkdown(estate), /## Restoring cold points after account loss/);
        });

        // S3 User Guide, "Understanding archive retrieval options": Standard retrievals from Glacier
        // Flexible Retrieval typically finish within 3-5 hours; ImportTable can read nothing before.
        it("an archive that moves the exports to Glacier Flexible Retrieval adds 5 h of S3 retrieval: the cold-point gap is back", () => {
            const glacier = variant(backup, TYPES.bucket, (r) => r);
            glacier.resources = [
                ...glacier.resources,
                {
                    ...structuredClone(backup.resources.find((r) => r.type === TYPES.objectLock)!),
                    type: TYPES.lifecycle,
                    name: "archive-lifecycle",
                    urn: "urn:pulumi:backup::vat-backup::aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::archive-lifecycle",
                    inputs: {
                        bucket: "vat-backup-archive-333333333333-eu-west-2",
                        rules: [{ status: "Enabled", transitions: [{ days: 90, storageClass: "GLACIER" }] }],
                    },
                },
                {
                    ...structuredClone(backup.resources.find((r) => r.type === TYPES.objectLock)!),
                    type: TYPES.lifecycle,
                    name: "dr-archive-lifecycle",
                    urn: "urn:pulumi:backup::vat-backup::aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::dr-archive-lifecycle",
                    inputs: {
                        bucket: DR_ARCHIVE,
                        rules: [{ status: "Enabled", transitions: [{ days: 90, storageClass: "DEEP_ARCHIVE" }] }],
                    },
                },
            ];
            const receipts = assetOf(posture([prod, glacier]), "prod-env-receipts");
            assert.equal(receipts.rtoColdPoints?.path, "backupAccountCold");
            assert.ok(
                receipts.gaps.includes(
                    "RTO after account loss for points older than 90 d: 7 h, target 4 h ('monthly' copies are cold then, and AWS Backup cannot copy a cold point; the archive path takes 7 h 30 min)",
                ),
                receipts.gaps.join("\n"),
            );
        });

        it("an archive whose Object Lock keeps the exports less than seven years does not count: the cold-point gap is back", async () => {
            const shortLock = await runStackOffline("backup", { archiveRetentionDays: 365 });
            const receipts = assetOf(posture([prod, shortLock]), "prod-env-receipts");
            assert.equal(receipts.rtoColdPoints?.path, "backupAccountCold");
            assert.ok(
                receipts.gaps.some((g) =>
                    /no full export of this table reaches an archive that keeps it that long/.test(g),
                ),
            );
        });

        it("a drill's measurement of the archive path is cited beside the assumption, and judged by", () => {
            const measured = posture([prod, backup], {
                measurements: [
                    {
                        path: "archiveImport",
                        table: "prod-env-receipts",
                        hours: 5,
                        source: "drill-prod.json (2026-11-20)",
                        endedAt: "2026-11-20T10:00:00Z",
                    },
                ],
            });
            const receipts = assetOf(measured, "prod-env-receipts");
            assert.match(receipts.rtoColdPoints?.value ?? "", /; measured 5 h in drill-prod.json \(2026-11-20\)$/);
            assert.equal(receipts.rtoColdPoints?.ok, false);
            assert.ok(
                receipts.gaps.includes(
                    "RTO after account loss for points older than 90 d: measured 5 h (archiveImport, drill-prod.json (2026-11-20)), target 4 h",
                ),
            );
            assert.match(renderPosture(measured), /measured 5.00 h for prod-env-receipts in drill-prod.json/);
        });

        it("notes the cold-point path for assets whose retention does not need the cold points", () => {
            const bundles = assetOf(estate, "prod-env-bundles");
            assert.equal(bundles.rtoColdPoints, undefined);
            assert.ok(bundles.notes.some((n) => /AWS Backup cannot copy them back/.test(n)));
        });

        it("has no cold-point path when no copy moves to cold storage", async () => {
            const warm = await runStackOffline("prod", {
                backupRules: {
                    daily: {
                        schedule: "cron(0 2 * * ? *)",
                        lifecycle: { deleteAfterDays: 35 },
                        copyToBackupAccount: { deleteAfterDays: 35 },
                    },
                    monthly: {
                        schedule: "cron(0 4 1 * ? *)",
                        lifecycle: { deleteAfterDays: 2555 },
                        copyToBackupAccount: { deleteAfterDays: 2555 },
                    },
                },
            });
            const receipts = assetOf(posture([warm]), "prod-env-receipts");
            assert.equal(receipts.rtoColdPoints, undefined);
            assert.ok(!receipts.gaps.some((g) => /cold/.test(g)));
        });
    });

    // AWS Backup Developer Guide, "Metrics with CloudWatch": the vault name of copy jobs is that of
    // their destination vault; CloudWatch publishes AWS/Backup job metrics per {BackupVaultName} and
    // {BackupVaultName, ResourceType} only.
    describe("copy alarms watch the destination vault's name; alarms use published dimension sets (CloudWatch)", () => {
        it("finds an alarm for every copy between vaults, under the destination's name, in the source's account", () => {
            assert.deepEqual(
                estate.copyAlarms.map((c) => [c.stack, c.metricVaultName, c.alarm, c.ok]),
                [
                    ["prod", "central-backup-vault", "prod-env-backup-copy-jobs-failed", true],
                    ["backup", "dr-backup-vault", "vat-backup-central-vault-copy-jobs-failed", true],
                ],
            );
            assert.match(
                renderPosture(estate),
                /ok {2}prod: prod-env-backup-vault .* watches BackupVaultName central-backup-vault/,
            );
        });

        it("marks a copy alarm on the source vault's name as a gap: AWS never publishes copy metrics there", () => {
            const onSource = variant(prod, TYPES.metricAlarm, (r) =>
                r.inputs.metricName === "NumberOfCopyJobsFailed"
                    ? { ...r, inputs: { ...r.inputs, dimensions: { BackupVaultName: "prod-env-backup-vault" } } }
                    : r,
            );
            const p = posture([onSource]);
            assert.deepEqual(
                p.copyAlarms.map((c) => c.ok),
                [false],
            );
            assert.ok(p.gaps.some((g) => /no alarm sees copy jobs .* BackupVaultName 'central-backup-vault'/.test(g)));
            assert.match(renderPosture(p), /GAP prod: .* no alarm on BackupVaultName central-backup-vault/);
        });

        it("marks an AWS/Backup alarm on {ResourceType} alone: that series does not exist", () => {
            const byType = variant(prod, TYPES.metricAlarm, (r) =>
                r.inputs.metricName === "NumberOfRestoreJobsFailed"
                    ? { ...r, inputs: { ...r.inputs, dimensions: { ResourceType: "DynamoDB" } } }
                    : r,
            );
            assert.ok(!posture([prod]).gaps.some((g) => /dimension set AWS\/Backup does not publish/.test(g)));
            assert.ok(
                posture([byType]).gaps.some((g) =>
                    /prod-env-backup-restore-jobs-failed watches NumberOfRestoreJobsFailed by \{ResourceType\}, a dimension set AWS\/Backup does not publish/.test(
                        g,
                    ),
                ),
            );
        });
    });

    // S3 User Guide, "Amazon S3 replication failure reasons": DstBucketUnversioned, and
    // DstBucketObjectLockConfigMissing when the source has Object Lock and the destination not.
    describe("replication destinations S3 can write to", () => {
        it("finds none missing on the checked-in estate: every destination versioned, the locked archive's destination locked", () => {
            assert.ok(!estate.gaps.some((g) => /DstBucket/.test(g)), estate.gaps.join("\n"));
        });

        it("marks a locked archive replicating into a bucket without Object Lock, and an unversioned destination", () => {
            const broken: OfflineRun = {
                ...backup,
                resources: backup.resources.filter(
                    (r) =>
                        !(
                            (r.type === TYPES.objectLock || r.type === TYPES.versioning) &&
                            r.inputs.bucket === DR_ARCHIVE
                        ),
                ),
            };
            const gaps = posture([prod, broken]).gaps;
            assert.ok(
                gaps.some((g) =>
                    g.startsWith(
                        `backup: vat-backup-archive-333333333333-eu-west-2 has Object Lock but ${DR_ARCHIVE} has none`,
                    ),
                ),
                gaps.join("\n"),
            );
            assert.ok(gaps.some((g) => g.includes(`replicates into ${DR_ARCHIVE}, which is not versioned`)));
        });
    });
});
