import * as assert from "assert";
import { checkPolicies, enforcementLevelOf } from "../../offline/policyCheck";
import { pitrEnabled } from "../../policies/dynamodb";
import { VAULT, TABLE, AWS_PROVIDER, BUCKET, BUCKET_VERSIONING } from "../../policies/lib/tokens";
import { bucketVersioning } from "../../policies/buckets";
import { vaultCustomerManagedKey } from "../../policies/vaults";
import { statefulProtected } from "../../policies/protection";
import { criticalSecretsReplicated } from "../../policies/secrets";
import { Table } from "@pulumi/aws/dynamodb/table";
import { Bucket } from "@pulumi/aws/s3/bucket";
import { recorded, resourceArgs } from "../helpers/policyHarness";

const noPitr = recorded(TABLE, "receipts", { name: "prod-env-receipts" });
const options = { stack: "test", project: "vat-backup" };

describe("offline/policyCheck", () => {
    it("matches types by the class's type token, as the engine's isType/asType do", () => {
        const args = resourceArgs(TABLE, { name: "t" });
        assert.strictEqual(args.isType(Table), true);
        assert.strictEqual(args.isType(Bucket), false);
        assert.strictEqual(args.asType(Table)?.name, "t");
        assert.strictEqual(args.asType(Bucket), undefined);
    });

    it("runs resource policies on matching types with their own level", () => {
        const violations = checkPolicies([noPitr], { ...options, policies: [pitrEnabled] });
        assert.deepStrictEqual(
            violations.map((v) => [v.policy, v.level, v.urn]),
            [["dynamodb-pitr-enabled", "mandatory", noPitr.urn]],
        );
    });

    it("takes a level from --policy-pack-config, as a string or an object", () => {
        assert.strictEqual(
            checkPolicies([noPitr], {
                ...options,
                policies: [pitrEnabled],
                config: { "dynamodb-pitr-enabled": "advisory" },
            })[0].level,
            "advisory",
        );
        assert.strictEqual(
            checkPolicies([noPitr], {
                ...options,
                policies: [pitrEnabled],
                config: { "dynamodb-pitr-enabled": { enforcementLevel: "advisory" } },
            })[0].level,
            "advisory",
        );
    });

    it("does not run a disabled policy, and lets `all` set every level", () => {
        assert.deepStrictEqual(
            checkPolicies([noPitr], { ...options, policies: [pitrEnabled], config: { all: "disabled" } }),
            [],
        );
        assert.strictEqual(
            enforcementLevelOf(pitrEnabled, { all: "advisory", "dynamodb-pitr-enabled": "mandatory" }),
            "mandatory",
        );
    });

    it("reports remediate as mandatory, as the engine does for a violation that remains", () => {
        assert.strictEqual(
            checkPolicies([noPitr], {
                ...options,
                policies: [pitrEnabled],
                config: { "dynamodb-pitr-enabled": "remediate" },
            })[0].level,
            "mandatory",
        );
    });

    it("fills protect from the record and stack tags from the options", () => {
        const vault = recorded(VAULT, "vault", { name: "v", kmsKeyArn: "arn:aws:kms:eu-west-2:111111111111:key/k" });
        const run = (protect: boolean) =>
            checkPolicies([{ ...vault, protect }], {
                ...options,
                policies: [statefulProtected],
                stackTags: { environment: "prod" },
            });
        assert.strictEqual(run(false).length, 1);
        assert.deepStrictEqual(run(true), []);
    });

    it("gives a stack policy's stack-level violation the stack's URN, and passes the policy its config", () => {
        const violations = checkPolicies([], {
            ...options,
            policies: [criticalSecretsReplicated],
            config: { "critical-secrets-replicated": { criticalSecrets: ["prod/submit/user-sub-hash-salt"] } },
        });
        assert.deepStrictEqual(
            violations.map((v) => v.urn),
            ["urn:pulumi:test::vat-backup::pulumi:pulumi:Stack::vat-backup-test"],
        );
    });

    it("shows a resource policy the inputs only, never the outputs, as the engine does", () => {
        // AWS reports the key it used in the outputs even when the program set none: only the input counts.
        const vault = recorded(
            VAULT,
            "vault",
            { name: "prod-env-backup-vault" },
            { outputs: { name: "prod-env-backup-vault", kmsKeyArn: "arn:aws:kms:eu-west-2:111111111111:key/k" } },
        );
        const violations = checkPolicies([vault], { ...options, policies: [vaultCustomerManagedKey] });
        assert.deepStrictEqual(
            violations.map((v) => [v.policy, v.urn]),
            [["backup-vault-customer-managed-key", vault.urn]],
        );
        assert.match(violations[0].message, /has no kmsKeyArn/);
    });

    it("shows a resource policy the name the provider generates for an auto-named resource, as its Check does", () => {
        const bucket = recorded(
            BUCKET[0],
            "prod-env-backup-exports",
            {},
            {
                outputs: {
                    bucket: "prod-env-backup-exports-1a2b3c4",
                    arn: "arn:aws:s3:::prod-env-backup-exports-1a2b3c4",
                },
            },
        );
        const violations = checkPolicies([bucket], {
            ...options,
            policies: [statefulProtected],
            stackTags: { environment: "prod" },
        });
        assert.deepStrictEqual(
            violations.map((v) => [v.policy, v.urn]),
            [["stateful-resources-protected", bucket.urn]],
        );
    });

    it("shows a stack policy the planned state, outputs included", () => {
        const name = "prod-env-backup-exports-111111111111-eu-west-2";
        const bucket = recorded(
            BUCKET[0],
            "exports",
            { bucket: name },
            { outputs: { bucket: name, arn: `arn:aws:s3:::${name}` } },
        );
        // Refers to the bucket by its ARN, an output: only the planned state joins them.
        const versioning = recorded(BUCKET_VERSIONING[0], "exports-versioning", {
            bucket: `arn:aws:s3:::${name}`,
            versioningConfiguration: { status: "Enabled" },
        });
        assert.deepStrictEqual(checkPolicies([bucket, versioning], { ...options, policies: [bucketVersioning] }), []);
    });

    it("links a resource to its provider record", () => {
        const provider = recorded(AWS_PROVIDER, "dr", { region: "eu-west-1" });
        const secret = recorded(
            "aws:secretsmanager/secret:Secret",
            "salt",
            { name: "s", tags: { "vat-backup:critical": "true" }, replicas: [{ region: "eu-west-1" }] },
            { provider: provider.urn },
        );
        const violations = checkPolicies([provider, secret], { ...options, policies: [criticalSecretsReplicated] });
        assert.match(violations[0]?.message ?? "", /has no replica in another region/);
    });
});
