/**
 * The pack loads as the Pulumi CLI loads it: `run-policy-pack` from @pulumi/pulumi, run in
 * policies/ with ts-node type-checking against policies/tsconfig.json, serving the analyzer gRPC
 * API. The test asks it for its metadata (GetAnalyzerInfo, what `pulumi policy publish` and the
 * engine read). The process is the run's one analyzer (tests/helpers/analyzerProcess.ts).
 */
import * as assert from "assert";
import type { AnalyzerInfo } from "@pulumi/pulumi/proto/analyzer_pb";
import { allPolicies } from "../../policies/areas";
import { ANALYZER_START_TIMEOUT_MS, sharedAnalyzer } from "../helpers/analyzerProcess";

// Started (or connected to) while the file loads, so the pack's start-up overlaps the specs before this one.
const analyzerReady = sharedAnalyzer();

describe("policies/ as a policy pack", function () {
    this.timeout(ANALYZER_START_TIMEOUT_MS);
    let info: AnalyzerInfo;

    before(async () => {
        info = await (await analyzerReady).rawInfo();
    });

    it("serves every policy of every area, under the pack's name and package version", () => {
        assert.strictEqual(info.getName(), "vat-backup-policies");
        assert.strictEqual(info.getVersion(), "0.1.0");
        assert.deepStrictEqual(
            info.getPoliciesList().map((p) => p.getName()),
            allPolicies.map((p) => p.name),
        );
    });

    it("declares the mandatory policies as mandatory, with remediation steps and config schemas", () => {
        const byName = new Map(info.getPoliciesList().map((p) => [p.getName(), p]));
        // analyzer.proto: ADVISORY = 0, MANDATORY = 1.
        for (const name of [
            "dynamodb-pitr-enabled",
            "dynamodb-pitr-recovery-period",
            "dynamodb-replica-pitr",
            "backup-selection-covers-tables",
        ]) {
            assert.strictEqual(byName.get(name)!.getEnforcementlevel(), 1, name);
        }
        for (const p of info.getPoliciesList()) assert.ok(p.getRemediationSteps().length > 20, p.getName());
        const schema = byName.get("dynamodb-pitr-recovery-period")!.getConfigschema()!.getProperties()!.toJavaScript();
        assert.deepStrictEqual(schema.minRecoveryPeriodDays, { type: "integer", minimum: 1, maximum: 35, default: 35 });
    });
});
