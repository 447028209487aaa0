import {
    archiveObjectLock,
    bucketPublicAccessBlock,
    bucketSseKms,
    bucketTlsOnly,
    bucketVersioning,
    replicationTimeControl,
} from "../../policies/buckets";
import {
    BUCKET,
    BUCKET_OBJECT_LOCK,
    BUCKET_POLICY,
    BUCKET_PUBLIC_ACCESS_BLOCK,
    BUCKET_REPLICATION,
    BUCKET_SSE,
    BUCKET_VERSIONING,
} from "../../policies/lib/tokens";
import {
    assertCompliant,
    assertNotApplicable,
    assertViolation,
    FakeResource,
    resourceArgs,
    runPolicy,
    stackArgs,
    unknown,
    urnOf,
} from "../helpers/policyHarness";

const EXPORTS = "prod-env-backup-exports-111111111111-eu-west-2";
const ARCHIVE = "vat-backup-archive-333333333333-eu-west-2";
const KEY = "arn:aws:kms:eu-west-2:111111111111:key/0d2f3a4b-1111-2222-3333-444455556666";

const bucket = (name: string, extra: Record<string, unknown> = {}, resourceName = "exports"): FakeResource => ({
    type: BUCKET[0],
    name: resourceName,
    props: { bucket: name, arn: `arn:aws:s3:::${name}`, ...extra },
});
const config = (type: string, name: string, bucketName: string, props: Record<string, unknown>): FakeResource => ({
    type,
    name,
    props: { bucket: bucketName, ...props },
});
const versioning = (b: string, status = "Enabled") =>
    config(BUCKET_VERSIONING[0], `${b}-versioning`, b, { versioningConfiguration: { status } });
const pab = (b: string, flags: Record<string, boolean> = {}) =>
    config(BUCKET_PUBLIC_ACCESS_BLOCK[0], `${b}-pab`, b, {
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
        ...flags,
    });
const sse = (b: string, byDefault: Record<string, unknown>) =>
    config(BUCKET_SSE[0], `${b}-sse`, b, {
        rules: [{ applyServerSideEncryptionByDefault: byDefault, bucketKeyEnabled: true }],
    });
const tlsStatement = (b: string) => ({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
});
const policy = (b: string, statements: unknown[]) =>
    config(BUCKET_POLICY[0], `${b}-policy`, b, {
        policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    });
const objectLock = (b: string, defaultRetention: Record<string, unknown>) =>
    config(BUCKET_OBJECT_LOCK[0], `${b}-lock`, b, { rule: { defaultRetention } });

describe("policies/buckets", () => {
    describe("backup-bucket-versioning", () => {
        it("passes an exports bucket with a BucketVersioning resource enabled", () => {
            assertCompliant(runPolicy(bucketVersioning, stackArgs([bucket(EXPORTS), versioning(EXPORTS)])));
        });
        it("joins by dependency when the bucket's id is unknown during preview", () => {
            const v = {
                ...versioning("unknown"),
                props: { bucket: unknown.string, versioningConfiguration: { status: "Enabled" } },
                propertyDependencies: { bucket: ["exports"] },
            };
            assertCompliant(runPolicy(bucketVersioning, stackArgs([bucket(EXPORTS), v])));
        });
        it("flags an unversioned exports bucket, at the bucket's URN", () => {
            assertViolation(
                runPolicy(bucketVersioning, stackArgs([bucket(EXPORTS)])),
                `Backup bucket '${EXPORTS}' is not versioned`,
                urnOf(BUCKET[0], "exports"),
            );
        });
        it("flags suspended versioning", () => {
            assertViolation(
                runPolicy(bucketVersioning, stackArgs([bucket(EXPORTS), versioning(EXPORTS, "Suspended")])),
                "is not versioned",
            );
        });
        it("ignores buckets that hold no backups", () => {
            assertCompliant(runPolicy(bucketVersioning, stackArgs([bucket("prod-env-website-assets", {}, "assets")])));
        });
        it("reads only the known tags: unknown tags fall back to the name, and other buckets are still flagged", () => {
            const tagsUnknown = bucket("prod-env-website-assets", { tags: unknown.object }, "assets");
            const valueUnknown = bucket(
                "other-assets",
                { tags: { "vat-backup:holds-backups": unknown.string, team: "web" } },
                "other",
            );
            assertViolation(
                runPolicy(bucketVersioning, stackArgs([tagsUnknown, valueUnknown, bucket(EXPORTS)])),
                `Backup bucket '${EXPORTS}' is not versioned`,
                urnOf(BUCKET[0], "exports"),
            );
        });
        it("recognises a backup bucket by its tag whatever its name", () => {
            const tagged = bucket("any-name", { tags: { "vat-backup:holds-backups": "exports" } });
            assertViolation(
                runPolicy(bucketVersioning, stackArgs([tagged])),
                "Backup bucket 'any-name' is not versioned",
            );
        });
        it("is not applicable to a stack without buckets", () => {
            assertNotApplicable(runPolicy(bucketVersioning, stackArgs([])), "aws:s3/bucket:Bucket");
        });
    });

    describe("backup-bucket-public-access-block", () => {
        it("passes a bucket blocking all public access", () => {
            assertCompliant(runPolicy(bucketPublicAccessBlock, stackArgs([bucket(EXPORTS), pab(EXPORTS)])));
        });
        it("flags a bucket without a public access block", () => {
            assertViolation(
                runPolicy(bucketPublicAccessBlock, stackArgs([bucket(EXPORTS)])),
                "has no public access block",
            );
        });
        it("flags a block that leaves a setting off", () => {
            assertViolation(
                runPolicy(
                    bucketPublicAccessBlock,
                    stackArgs([bucket(EXPORTS), pab(EXPORTS, { restrictPublicBuckets: false })]),
                ),
                "leaves restrictPublicBuckets off",
            );
        });
    });

    describe("backup-bucket-sse-kms", () => {
        it("passes SSE-KMS with a customer-managed key", () => {
            assertCompliant(
                runPolicy(
                    bucketSseKms,
                    stackArgs([bucket(EXPORTS), sse(EXPORTS, { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY })]),
                ),
            );
        });
        it("flags SSE-S3 (AES256)", () => {
            assertViolation(
                runPolicy(bucketSseKms, stackArgs([bucket(EXPORTS), sse(EXPORTS, { sseAlgorithm: "AES256" })])),
                "is not encrypted with SSE-KMS by default",
            );
        });
        it("flags SSE-KMS with the AWS-managed key", () => {
            assertViolation(
                runPolicy(bucketSseKms, stackArgs([bucket(EXPORTS), sse(EXPORTS, { sseAlgorithm: "aws:kms" })])),
                "uses SSE-KMS with the AWS-managed key",
            );
        });
        it("cannot judge a key created in the same update (unknown ARN), and still flags the other buckets", () => {
            const sameUpdateKey = sse(ARCHIVE, { sseAlgorithm: "aws:kms", kmsMasterKeyId: unknown.string });
            const outcome = runPolicy(
                bucketSseKms,
                stackArgs([
                    bucket(EXPORTS),
                    sse(EXPORTS, { sseAlgorithm: "aws:kms" }),
                    bucket(ARCHIVE, {}, "archive"),
                    sameUpdateKey,
                ]),
            );
            assertViolation(
                outcome,
                `Backup bucket '${EXPORTS}' uses SSE-KMS with the AWS-managed key`,
                urnOf(BUCKET[0], "exports"),
            );
        });
        it("cannot judge a configuration whose rules are unknown, and does not call it unencrypted", () => {
            const rulesUnknown = config(BUCKET_SSE[0], `${ARCHIVE}-sse`, ARCHIVE, { rules: unknown.array });
            const outcome = runPolicy(
                bucketSseKms,
                stackArgs([
                    bucket(EXPORTS),
                    sse(EXPORTS, { sseAlgorithm: "AES256" }),
                    bucket(ARCHIVE, {}, "archive"),
                    rulesUnknown,
                ]),
            );
            assertViolation(
                outcome,
                `Backup bucket '${EXPORTS}' is not encrypted with SSE-KMS`,
                urnOf(BUCKET[0], "exports"),
            );
        });
    });

    describe("backup-bucket-tls-only", () => {
        it("passes a bucket policy denying requests without TLS", () => {
            assertCompliant(
                runPolicy(bucketTlsOnly, stackArgs([bucket(EXPORTS), policy(EXPORTS, [tlsStatement(EXPORTS)])])),
            );
        });
        it("flags a bucket without a bucket policy", () => {
            assertViolation(runPolicy(bucketTlsOnly, stackArgs([bucket(EXPORTS)])), "accepts requests without TLS");
        });
        it("flags a TLS deny that leaves the objects uncovered", () => {
            const partial = { ...tlsStatement(EXPORTS), Resource: `arn:aws:s3:::${EXPORTS}` };
            assertViolation(
                runPolicy(bucketTlsOnly, stackArgs([bucket(EXPORTS), policy(EXPORTS, [partial])])),
                "accepts requests without TLS",
            );
        });
        it("defers to the post-update check when the policy document is unknown in preview", () => {
            const p = { ...policy(EXPORTS, []), props: { bucket: EXPORTS, policy: unknown.string } };
            assertCompliant(runPolicy(bucketTlsOnly, stackArgs([bucket(EXPORTS), p])));
        });
    });

    describe("archive-bucket-object-lock", () => {
        const archive = (extra: Record<string, unknown> = {}) =>
            bucket(ARCHIVE, { objectLockEnabled: true, ...extra }, "archive");
        it("passes the archive with Object Lock in COMPLIANCE mode", () => {
            assertCompliant(
                runPolicy(
                    archiveObjectLock,
                    stackArgs([archive(), objectLock(ARCHIVE, { mode: "COMPLIANCE", days: 2557 })]),
                ),
            );
        });
        it("flags GOVERNANCE mode", () => {
            assertViolation(
                runPolicy(
                    archiveObjectLock,
                    stackArgs([archive(), objectLock(ARCHIVE, { mode: "GOVERNANCE", days: 2557 })]),
                ),
                "locks objects in GOVERNANCE mode",
            );
        });
        it("flags an archive without an Object Lock configuration", () => {
            assertViolation(
                runPolicy(archiveObjectLock, stackArgs([archive()])),
                "has no Object Lock default retention",
            );
        });
        it("flags an archive created without objectLockEnabled", () => {
            const stack = [
                archive({ objectLockEnabled: false }),
                objectLock(ARCHIVE, { mode: "COMPLIANCE", days: 2557 }),
            ];
            assertViolation(runPolicy(archiveObjectLock, stackArgs(stack)), "is created without objectLockEnabled");
        });
        it("does not ask an exports bucket for Object Lock", () => {
            assertCompliant(runPolicy(archiveObjectLock, stackArgs([bucket(EXPORTS)])));
        });
    });

    describe("backup-replication-rtc", () => {
        const destination = (extra: Record<string, unknown>) => ({
            bucket: `arn:aws:s3:::${ARCHIVE}`,
            storageClass: "STANDARD",
            ...extra,
        });
        const RTC = {
            replicationTime: { status: "Enabled", time: { minutes: 15 } },
            metrics: { status: "Enabled", eventThreshold: { minutes: 15 } },
        };
        const replication = (dest: Record<string, unknown>) =>
            resourceArgs(
                BUCKET_REPLICATION[0],
                {
                    bucket: EXPORTS,
                    role: "arn:aws:iam::111111111111:role/prod-env-exports-replication",
                    rules: [{ id: "to-archive", status: "Enabled", destination: destination(dest) }],
                },
                { name: "replication" },
            );
        it("passes a rule with Replication Time Control and metrics", () => {
            assertCompliant(runPolicy(replicationTimeControl, replication(RTC)));
        });
        it("flags a rule without Replication Time Control", () => {
            assertViolation(
                runPolicy(replicationTimeControl, replication({ metrics: RTC.metrics })),
                "Replication 'replication' rule 'to-archive' has no Replication Time Control",
            );
        });
        it("flags a rule with RTC but no metrics", () => {
            assertViolation(
                runPolicy(replicationTimeControl, replication({ replicationTime: RTC.replicationTime })),
                "has no replication metrics",
            );
        });
    });
});
