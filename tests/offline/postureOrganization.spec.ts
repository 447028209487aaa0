/**
 * The posture's organization section over `--all`: accounts the organization backup policy covers
 * without a stack, and the restore path without the backup account (the logically air-gapped vault
 * shared through AWS RAM; AWS Backup, "Logically air-gapped vault",
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/logicallyairgappedvault.html).
 */
import * as assert from "node:assert/strict";
import { RESTORE_PATHS } from "../../naming/assets";
import { posture } from "../../offline/posture";
import { renderPosture } from "../../offline/postureReport";
import { runStackOffline } from "../helpers/engine";

const LAG = "arn:aws:backup:eu-west-2:333333333333:backup-vault:air-gapped-backup-vault";

describe("posture: the organization backup policy and the shared air-gapped vault", () => {
    it("counts the declared members no deployment stack protects, and shows the air-gapped path with its RTO", async () => {
        const runs = [await runStackOffline("org"), await runStackOffline("backup"), await runStackOffline("prod")];
        const o = posture(runs).organization;
        assert.ok(o, "the org plan registers a backup policy");
        assert.deepEqual(o.policyTargets, ["ou-exam-deploy01"]);
        // ci has no planned stack here, so it counts as covered only by the policy, like the sandbox.
        assert.deepEqual(
            o.coveredOnlyByPolicy.map((m) => m.name),
            ["ci", "sandbox"],
        );
        assert.deepEqual(
            o.coveredByStackToo.map((m) => m.name),
            ["prod"],
        );
        assert.deepEqual(o.airGapped, {
            vaultArn: LAG,
            recoveryAccounts: ["666666666666"],
            copiedBy: ["daily", "monthly"],
            rtoHours: RESTORE_PATHS.sharedAirGappedVault.hours,
            assumption: RESTORE_PATHS.sharedAirGappedVault.assumption,
        });
        assert.deepEqual(o.gaps, []);
        assert.match(
            renderPosture(posture(runs)),
            /2 account\(s\) covered only by the policy: ci \(222222222222\), sandbox/,
        );
    });

    it("is a gap when the vaults the policy copies into do not admit its OU (every copy would fail), or the air-gapped vault is shared with nobody", async () => {
        const runs = [
            await runStackOffline("org"),
            await runStackOffline("backup", { policyCoveredOus: [], airGappedVault: { enabled: true } }),
        ];
        const gaps = posture(runs).gaps;
        assert.ok(
            gaps.some((g) => /central-backup-vault, whose access policy does not admit ou-exam-deploy01/.test(g)),
        );
        assert.ok(gaps.some((g) => /air-gapped-backup-vault, whose access policy does not admit/.test(g)));
        assert.ok(gaps.some((g) => /shared with no recovery account/.test(g)));
    });

    it("has no organization section without a backup policy", async () => {
        assert.equal(posture([await runStackOffline("prod")]).organization, undefined);
    });
});
