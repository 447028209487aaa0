/**
 * The estate checks of `npm run plan -- --all`: wiring between stacks that each stack's own plan
 * cannot see, each failing the run as AWS would fail the flow. The stacks are the checked-in ones,
 * with the backup stack's config changed the way a one-sided edit would change it.
 */
import * as assert from "node:assert/strict";
import { estateViolations, renderEstateViolations } from "../../offline/estateChecks";
import { posture } from "../../offline/posture";
import { renderPosture } from "../../offline/postureReport";
import type { OfflineRun } from "../../offline/engine";
import { runStackOffline, stackConfig } from "../helpers/engine";

const DEPLOYMENT_STACKS = ["ci", "prod"];

async function estate(backupOverrides: Record<string, unknown> = {}, prodOverrides: Record<string, unknown> = {}) {
    const runs: OfflineRun[] = [await runStackOffline("backup", backupOverrides)];
    for (const stack of DEPLOYMENT_STACKS)
        runs.push(await runStackOffline(stack, stack === "prod" ? prodOverrides : {}));
    runs.push(await runStackOffline("org"));
    return runs;
}

const accounts = () =>
    JSON.parse(stackConfig("backup")["vat-backup:deploymentAccounts"]) as { environment: string; accountId: string }[];

describe("estate checks of --all", () => {
    it("the checked-in estate is wired as AWS requires: no violation", async () => {
        const found = estateViolations(await estate());
        assert.deepEqual(found, []);
        assert.match(renderEstateViolations(found), /every copy and replication is admitted/);
    });

    it("a deployment account the backup stack does not list: every copy and replication is denied (AWS Backup cross-account copy; S3 cross-account replication)", async () => {
        // Without the organization backup policy's OU: an account of that OU is admitted to copy by
        // aws:PrincipalOrgPaths whether listed or not (the org stack's posture counts those accounts).
        const found = estateViolations(
            await estate({
                deploymentAccounts: accounts().filter((a) => a.environment !== "prod"),
                policyCoveredOus: [],
            }),
        );
        const checks = new Set(found.map((v) => `${v.stack} ${v.check}`));
        assert.deepEqual([...checks].sort(), ["prod copy-admitted", "prod replication-admitted"]);
        assert.ok(found.some((v) => /does not admit account 111111111111: AWS denies every copy job/.test(v.message)));
        assert.ok(
            found.some((v) =>
                /bucket policy of vat-backup-archive-333333333333-eu-west-2 .* does not allow that role s3:ReplicateObject/.test(
                    v.message,
                ),
            ),
        );
        assert.ok(found.some((v) => /policy of its key .* does not let that role encrypt/.test(v.message)));
        assert.match(renderEstateViolations(found), /\[mandatory\] copy-admitted  \(prod\)/);
    });

    it("an environment renamed on the backup side only: the archive no longer admits the replication role", async () => {
        const renamed = accounts().map((a) => (a.environment === "prod" ? { ...a, environment: "production" } : a));
        const found = estateViolations(await estate({ deploymentAccounts: renamed }));
        assert.ok(found.length > 0);
        for (const v of found) {
            assert.equal(v.stack, "prod");
            assert.equal(v.check, "replication-admitted");
            assert.match(v.message, /role arn:aws:iam::111111111111:role\/prod-env-exports-replication/);
        }
    });

    it("a copy shorter than the central lock's minimum: AWS Backup fails the copy job (Vault Lock retention range)", async () => {
        const found = estateViolations(
            await estate({
                centralVault: { lock: { minRetentionDays: 40, maxRetentionDays: 2557, changeableForDays: 3 } },
            }),
        );
        assert.deepEqual(
            found.map((v) => `${v.stack} ${v.check}`),
            ["ci copy-within-lock", "prod copy-within-lock"],
        );
        assert.match(
            found[1].message,
            /rule 'daily' .* kept 35 days, outside the lock of central-backup-vault \(40 to 2557 days\): AWS Backup fails the copy job/,
        );
    });

    it("a copy into a vault no planned stack creates", async () => {
        const found = estateViolations(
            await estate(
                {},
                { backupAccount: { accountId: "333333333333", region: "eu-west-2", vaultName: "other-vault" } },
            ),
        );
        assert.ok(
            found.some(
                (v) =>
                    v.check === "copy-destination-planned" &&
                    /into other-vault .* which no planned stack creates/.test(v.message),
            ),
        );
    });

    it("resolves the second-region archive from the plans instead of calling it 'not in this plan'", async () => {
        const report = renderPosture(posture(await estate()));
        assert.doesNotMatch(report, /vat-backup-archive-333333333333-eu-west-1 is not in this plan/);
        assert.match(report, /vat-backup-archive-333333333333-eu-west-1: Object Lock compliance 2557 d/);
    });

    it("shows a backed-up table that is not in the asset table, with a default criticality, marked as such", async () => {
        const tables = [...(JSON.parse(stackConfig("prod")["vat-backup:tables"]) as string[]), "prod-env-orders"];
        const result = posture(await estate({}, { tables }));
        const orders = result.assets.find((a) => a.resource === "prod-env-orders");
        assert.ok(orders, "the unlisted table is an asset of the report");
        assert.equal(orders.unlisted, true);
        assert.equal(orders.asset.criticality, "high");
        assert.match(renderPosture(result), /prod-env-orders \[high, by default: not in the asset table\]/);
        assert.ok(
            result.gaps.some((g) =>
                /table prod-env-orders is protected but is not an asset of the requirements/.test(g),
            ),
        );
    });
});
