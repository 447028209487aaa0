/**
 * The DR stand-in's S3 replication rules (tests/helpers/drReplication.ts) are the ones the stacks
 * plan: the runbook scenarios that read an archive are then fed exactly as the estate would feed it.
 */
import * as assert from "node:assert/strict";
import { PlannedReplicationConfig, estateReplicationRules, rulesOfPlan } from "../helpers/drReplication";
import { Registered, runStackOffline } from "../helpers/engine";

describe("the DR stand-in's S3 replication is the stacks' own", () => {
    it("prod's and the backup stack's planned replication rules are the stand-in's, source to destination", async () => {
        const planned: PlannedReplicationConfig[] = [];
        for (const stack of ["prod", "backup"])
            for (const r of new Registered(await runStackOffline(stack)).ofType(
                "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
            ))
                planned.push(r.inputs as unknown as PlannedReplicationConfig);
        const edges = (rules: { id: string; source: string; destination: string; enabled?: boolean }[]) =>
            rules
                .map((r) => `${r.id}: ${r.source} → ${r.destination}${r.enabled === false ? " (disabled)" : ""}`)
                .sort();
        assert.deepEqual(edges(rulesOfPlan(planned)), edges(estateReplicationRules()));
    });
});
