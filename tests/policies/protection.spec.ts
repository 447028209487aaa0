import { statefulProtected } from "../../policies/protection";
import { BUCKET, KMS_KEY, VAULT, VAULT_LOCK } from "../../policies/lib/tokens";
import { assertCompliant, assertNotApplicable, assertViolation, resourceArgs, runPolicy } from "../helpers/policyHarness";

const PROD = { stackTags: { environment: "prod" } };

describe("policies/protection", () => {
    describe("stateful-resources-protected", () => {
        it("passes a protected vault in a production stack", () => {
            assertCompliant(runPolicy(statefulProtected, resourceArgs(VAULT, { name: "prod-env-backup-vault" }, { ...PROD, protect: true })));
        });
        it("flags an unprotected vault in a stack tagged environment=prod", () => {
            assertViolation(runPolicy(statefulProtected, resourceArgs(VAULT, {}, { ...PROD, name: "local-vault" })), "Backup vault 'local-vault' is not protected in a production stack");
        });
        it("flags an unprotected KMS key when config declares the stack production", () => {
            assertViolation(runPolicy(statefulProtected, resourceArgs(KMS_KEY, {}, { name: "backup-key", config: { production: true } })), "KMS key 'backup-key' is not protected");
        });
        it("flags an unprotected vault lock under a configured production tag", () => {
            const args = resourceArgs(VAULT_LOCK, {}, { name: "lock", stackTags: { stage: "live" }, config: { productionTagKey: "stage", productionTagValues: ["live"] } });
            assertViolation(runPolicy(statefulProtected, args), "Vault lock 'lock' is not protected");
        });
        it("flags an unprotected bucket holding backups", () => {
            const args = resourceArgs(BUCKET[0], { bucket: "prod-env-backup-exports-111111111111-eu-west-2" }, { ...PROD, name: "exports" });
            assertViolation(runPolicy(statefulProtected, args), "Backup bucket 'exports' is not protected");
        });
        it("is not applicable outside production", () => {
            assertNotApplicable(runPolicy(statefulProtected, resourceArgs(VAULT, {}, { stackTags: { environment: "ci" } })), "Not a production stack");
        });
        it("is not applicable to buckets that hold no backups", () => {
            assertNotApplicable(runPolicy(statefulProtected, resourceArgs(BUCKET[0], { bucket: "website" }, PROD)), "holds no backups");
        });
    });
});
