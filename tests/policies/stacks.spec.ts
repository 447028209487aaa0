/**
 * The pack over the offline plan of every checked-in stack: no mandatory policy may fire. Then
 * deliberately broken variants of those plans, each caught by the policy meant to catch it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { checkPolicies, PolicyPackConfig } from "../../offline/policyCheck";
import type { PolicyViolation, RecordedResource } from "../../offline/types";
import { BUCKET_VERSIONING, PLAN, TABLE, VAULT_LOCK } from "../../policies/lib/tokens";
import { runStackOffline, stackConfig } from "../helpers/engine";

const STACKS: Record<string, Record<string, string>> = {
    prod: { environment: "prod" },
    ci: { environment: "ci" },
    backup: { environment: "prod" },
    org: { environment: "prod" },
};

const plans = new Map<string, RecordedResource[]>();
const check = (stack: string, resources: RecordedResource[]) =>
    checkPolicies(resources, { stack, project: "vat-backup", stackTags: STACKS[stack] });
const mandatory = (violations: PolicyViolation[]) => violations.filter((v) => v.level === "mandatory");
const clone = (resources: RecordedResource[]) => structuredClone(resources);

function caughtBy(violations: PolicyViolation[], policy: string, urn: string): PolicyViolation {
    const found = violations.find((v) => v.policy === policy && v.urn === urn);
    assert.ok(found, `expected ${policy} at ${urn}; got ${JSON.stringify(violations, null, 1)}`);
    assert.strictEqual(found.level, "mandatory");
    return found;
}

describe("policies over the checked-in stacks", () => {
    before(async () => {
        for (const stack of Object.keys(STACKS)) plans.set(stack, (await runStackOffline(stack)).resources);
    });

    for (const stack of Object.keys(STACKS)) {
        it(`stack '${stack}' passes every mandatory policy`, () => {
            assert.deepStrictEqual(mandatory(check(stack, plans.get(stack)!)), []);
        });
    }

    for (const stack of Object.keys(STACKS)) {
        it(`stack '${stack}' passes every mandatory policy with its policies/config file and no stack tags, as the CI previews it`, () => {
            const config = JSON.parse(
                fs.readFileSync(path.resolve(__dirname, "../../policies/config", `${stack}.json`), "utf8"),
            ) as PolicyPackConfig;
            assert.deepStrictEqual(
                mandatory(checkPolicies(plans.get(stack)!, { stack, project: "vat-backup", config })),
                [],
            );
        });
    }

    for (const stack of ["prod", "ci"]) {
        it(`policies/config/${stack}.json lists the tables of Pulumi.${stack}.yaml for dynamodb-pitr-every-referenced-table, as CI passes it`, () => {
            const config = JSON.parse(
                fs.readFileSync(path.resolve(__dirname, "../../policies/config", `${stack}.json`), "utf8"),
            ) as Record<string, { tables?: string[] }>;
            const tables = JSON.parse(stackConfig(stack)["vat-backup:tables"]) as string[];
            assert.deepStrictEqual(config["dynamodb-pitr-every-referenced-table"]?.tables, tables);
        });
    }

    it("fails closed on the ci stack (unprotected by design) when neither config nor stack tag says whether it is production", () => {
        const violations = mandatory(checkPolicies(plans.get("ci")!, { stack: "ci", project: "vat-backup" })).filter(
            (v) => v.policy === "stateful-resources-protected",
        );
        assert.ok(violations.length > 0, "expected the protection policy to fail closed");
        for (const v of violations) assert.match(v.message, /production status is unknown/);
    });

    describe("broken variants", () => {
        it("a table without PITR is caught by dynamodb-pitr-enabled", () => {
            const resources = clone(plans.get("prod")!);
            const stackUrn = resources.find((r) => r.type === "pulumi:pulumi:Stack")!.urn;
            const urn = `urn:pulumi:prod::vat-backup::${TABLE}::receipts`;
            resources.push({
                urn,
                type: TABLE,
                name: "receipts",
                custom: true,
                parent: stackUrn,
                provider: null,
                protect: true,
                inputs: { name: "prod-env-receipts", hashKey: "hashedSub" },
                outputs: {},
            });
            const found = caughtBy(check("prod", resources), "dynamodb-pitr-enabled", urn);
            assert.match(found.message, /no pointInTimeRecovery block/);
        });

        it("a copy action without lifecycle is caught by backup-copy-lifecycle-explicit", () => {
            const resources = clone(plans.get("prod")!);
            const plan = resources.find((r) => r.type === PLAN)!;
            for (const props of [plan.inputs, plan.outputs]) {
                for (const rule of (props.rules as { copyActions?: { lifecycle?: unknown }[] }[] | undefined) ?? []) {
                    for (const copy of rule.copyActions ?? []) delete copy.lifecycle;
                }
            }
            const found = caughtBy(check("prod", resources), "backup-copy-lifecycle-explicit", plan.urn);
            assert.match(found.message, /has no lifecycle\.deleteAfter/);
        });

        it("an unlocked backup vault is caught by backup-vault-compliance-lock", () => {
            const resources = clone(plans.get("backup")!).filter(
                (r) => !(r.type === VAULT_LOCK && r.inputs.backupVaultName === "central-backup-vault"),
            );
            const vault = resources.find(
                (r) => r.type === "aws:backup/vault:Vault" && r.inputs.name === "central-backup-vault",
            )!;
            const found = caughtBy(check("backup", resources), "backup-vault-compliance-lock", vault.urn);
            assert.match(found.message, /has no vault lock/);
        });

        it("an unversioned bucket is caught by backup-bucket-versioning", () => {
            const resources = clone(plans.get("prod")!).filter((r) => !BUCKET_VERSIONING.includes(r.type as never));
            const bucket = resources.find((r) => r.type === "aws:s3/bucket:Bucket")!;
            const found = caughtBy(check("prod", resources), "backup-bucket-versioning", bucket.urn);
            assert.match(found.message, /is not versioned/);
        });
    });
});
