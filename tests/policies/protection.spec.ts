import * as assert from "assert";
import { statefulProtected } from "../../policies/protection";
import { BUCKET, KMS_KEY, TABLE, VAULT, VAULT_LOCK } from "../../policies/lib/tokens";
import {
    assertCompliant,
    assertNotApplicable,
    assertViolation,
    resourceArgs,
    runPolicy,
} from "../helpers/policyHarness";

const PROD = { stackTags: { environment: "prod" } };

describe("policies/protection", () => {
    describe("stateful-resources-protected", () => {
        it("passes a protected vault in a production stack", () => {
            assertCompliant(
                runPolicy(
                    statefulProtected,
                    resourceArgs(VAULT, { name: "prod-env-backup-vault" }, { ...PROD, protect: true }),
                ),
            );
        });
        it("flags an unprotected vault in a stack tagged environment=prod", () => {
            assertViolation(
                runPolicy(statefulProtected, resourceArgs(VAULT, {}, { ...PROD, name: "local-vault" })),
                "Backup vault 'local-vault' is not protected in a production stack",
            );
        });
        it("flags an unprotected KMS key when config declares the stack production", () => {
            assertViolation(
                runPolicy(
                    statefulProtected,
                    resourceArgs(KMS_KEY, {}, { name: "backup-key", config: { production: true } }),
                ),
                "KMS key 'backup-key' is not protected",
            );
        });
        it("flags an unprotected vault lock under a configured production tag", () => {
            const args = resourceArgs(
                VAULT_LOCK,
                {},
                {
                    name: "lock",
                    stackTags: { stage: "live" },
                    config: { productionTagKey: "stage", productionTagValues: ["live"] },
                },
            );
            assertViolation(runPolicy(statefulProtected, args), "Vault lock 'lock' is not protected");
        });
        it("flags an unprotected bucket holding backups", () => {
            const args = resourceArgs(
                BUCKET[0],
                { bucket: "prod-env-backup-exports-111111111111-eu-west-2" },
                { ...PROD, name: "exports" },
            );
            assertViolation(runPolicy(statefulProtected, args), "Backup bucket 'exports' is not protected");
        });
        it("is not applicable outside production", () => {
            assertNotApplicable(
                runPolicy(statefulProtected, resourceArgs(VAULT, {}, { stackTags: { environment: "ci" } })),
                "Not a production stack",
            );
        });
        it("is not applicable when the policy config sets production: false, whatever the tag", () => {
            assertNotApplicable(
                runPolicy(statefulProtected, resourceArgs(VAULT, {}, { ...PROD, config: { production: false } })),
                "production: false",
            );
        });
        it("fails closed when neither the config nor the stack tag says whether the stack is production", () => {
            const outcome = runPolicy(statefulProtected, resourceArgs(TABLE, {}, { name: "receipts" }));
            assertViolation(
                outcome,
                "DynamoDB table 'receipts' is not protected, and the stack's production status is unknown",
            );
            assert.match(outcome.violations[0].message, /pulumi stack tag set environment prod/);
            assert.match(
                outcome.violations[0].message,
                /--policy-pack-config `\{ "stateful-resources-protected": \{ "production": true \} \}`/,
            );
        });
        it("passes a protected resource even when the stack's production status is unknown", () => {
            assertCompliant(
                runPolicy(statefulProtected, resourceArgs(KMS_KEY, {}, { name: "backup-key", protect: true })),
            );
        });
        it("fails closed under a configured tag key that the stack lacks, naming that key", () => {
            const args = resourceArgs(
                VAULT,
                {},
                { name: "vault", stackTags: { environment: "prod" }, config: { productionTagKey: "stage" } },
            );
            assertViolation(runPolicy(statefulProtected, args), "pulumi stack tag set stage prod");
        });
        it("recognises an archive bucket named by bucketPrefix (the name completed only on create)", () => {
            const args = resourceArgs(BUCKET[0], { bucketPrefix: "vat-backup-archive-" }, { ...PROD, name: "archive" });
            assertViolation(runPolicy(statefulProtected, args), "Backup bucket 'archive' is not protected");
        });
        it("judges a bucket by its inputs, not by an id (resource policies see no outputs)", () => {
            assertNotApplicable(
                runPolicy(
                    statefulProtected,
                    resourceArgs(BUCKET[0], { id: "vat-backup-archive-333333333333-eu-west-2" }, PROD),
                ),
                "holds no backups",
            );
        });
        it("is not applicable to buckets that hold no backups", () => {
            assertNotApplicable(
                runPolicy(statefulProtected, resourceArgs(BUCKET[0], { bucket: "website" }, PROD)),
                "holds no backups",
            );
        });
    });
});
