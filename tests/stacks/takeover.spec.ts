/**
 * Issue 15, lost account and lost region: the deployment stack deploys into an account that has
 * none of the app's tables and secrets yet (the copy-back restore needs the stack's vault first,
 * and `recover-secret` its DR-region key), then takes them over once they are restored, with the
 * same program and the same policy pack and pack config at every step (no restore mode anywhere).
 *
 * The stack is the offline plan of `Pulumi.prod.yaml`; its TablePitr and SecretReplica resources
 * go through their own provider logic against aws-sdk-client-mock (tests/helpers/takeover.ts); the
 * pack runs as CI runs it (policies/config/prod.json, the stack file's tags). The same steps through
 * the pack's real analyzer process: tests/policies/analyzer.spec.ts; through Pulumi's provider
 * host: tests/components/dynamic/providerHost.spec.ts.
 */
import * as assert from "node:assert/strict";
import { TABLE_PITR_TYPE } from "../../components/dynamodb/tablePitr";
import { SECRET_REPLICA_TYPE } from "../../components/secrets/secretReplica";
import { packConfigFor, policyOptionsFor } from "../../offline/plan";
import { checkPolicies } from "../../offline/policyCheck";
import type { PolicyViolation } from "../../offline/types";
import { runStackOffline, stackConfig } from "../helpers/engine";
import { takeoverSteps, TakeoverSteps } from "../helpers/takeover";

const PROD = "111111111111";
const mandatory = (vs: PolicyViolation[]) => vs.filter((v) => v.level === "mandatory");

describe("a deployment stack in a rebuilt account: deploys before its tables and secrets exist, takes them over after the restore", () => {
    let steps: TakeoverSteps;
    let tables: string[];
    let secrets: string[];
    const asCi = (records: Parameters<typeof checkPolicies>[0]) =>
        checkPolicies(records, policyOptionsFor("prod", stackConfig("prod"), packConfigFor("prod")));

    before(async () => {
        const run = await runStackOffline("prod");
        steps = await takeoverSteps(run.resources, PROD, "prod");
        tables = JSON.parse(stackConfig("prod")["vat-backup:tables"]) as string[];
        secrets = (packConfigFor("prod")["critical-secrets-replicated"] as { criticalSecrets: string[] })
            .criticalSecrets;
    });

    it("pulumi up in the empty account succeeds: every TablePitr and SecretReplica is created pending, claiming nothing about PITR", () => {
        const pitrs = steps.emptyAccount.dynamic.filter((d) => d.type === TABLE_PITR_TYPE);
        assert.deepEqual(pitrs.map((d) => d.outs.tableName).sort(), [...tables].sort());
        for (const d of pitrs) {
            assert.equal(d.outs.tableExists, false, String(d.outs.tableName));
            assert.ok(!("pitrEnabled" in d.outs), `${String(d.outs.tableName)}: no PITR claim without a table`);
        }
        const replicas = steps.emptyAccount.dynamic.filter((d) => d.type === SECRET_REPLICA_TYPE);
        assert.deepEqual(replicas.map((d) => d.outs.secretId).sort(), [...secrets].sort());
        for (const d of replicas) assert.equal(d.outs.replicaStatus, "SecretNotFound");
    });

    it("the pack, unchanged and with CI's pack config, passes the empty account's update", () => {
        assert.deepEqual(mandatory(asCi(steps.emptyAccount.records)), []);
    });

    it("after the restore, the refreshed preview plans an in-place update of each table (never a replacement); each recovered secret's replica is adopted by the refresh itself", () => {
        for (const d of steps.afterRestore.dynamic) {
            assert.equal(d.diff?.changes, d.type === TABLE_PITR_TYPE, d.urn);
            assert.deepEqual(d.diff?.replaces, [], d.urn);
        }
        for (const d of steps.refreshedAfterRestore.dynamic.filter((x) => x.type === SECRET_REPLICA_TYPE))
            assert.equal(d.outs.replicaStatus, "InSync");
    });

    it("pulumi up --refresh after the restore takes every table over with the configured window, and every secret's replica under the stack's key", () => {
        for (const d of steps.afterRestore.dynamic.filter((x) => x.type === TABLE_PITR_TYPE)) {
            assert.equal(d.outs.tableExists, true);
            assert.equal(d.outs.pitrEnabled, true);
            assert.equal(d.outs.recoveryPeriodDays, 35);
        }
        for (const d of steps.afterRestore.dynamic.filter((x) => x.type === SECRET_REPLICA_TYPE)) {
            assert.equal(d.outs.replicaStatus, "InSync");
            assert.match(String(d.outs.replicaKmsKeyId), /^arn:aws:kms:eu-west-1:111111111111:key\//);
        }
        assert.deepEqual(mandatory(asCi(steps.afterRestore.records)), []);
    });

    it("the pack is not blind meanwhile: the refreshed state of a restored table without PITR fails it until that update runs", () => {
        const violations = mandatory(asCi(steps.refreshedAfterRestore.records)).filter(
            (v) => v.policy === "dynamodb-pitr-every-referenced-table",
        );
        assert.deepEqual(violations.map((v) => /Table '([^']+)'/.exec(v.message)?.[1]).sort(), [...tables].sort());
        for (const v of violations) assert.match(v.message, /switched off/);
    });
});
