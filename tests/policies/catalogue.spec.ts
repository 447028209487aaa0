/**
 * The mutation catalogue (tests/helpers/mutationCatalogue.ts) through the whole pack, as
 * `npm run plan` runs it for a production stack: the unmodified stacks are clean, every mutation is
 * reported as mandatory by each policy it names, every policy of the pack is named by at least one
 * mutation, and a policy that can `remediate` restores what the mutation broke.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { policyOptionsFor } from "../../offline/plan";
import { checkPolicies, PolicyPackConfig, policyConfigOf } from "../../offline/policyCheck";
import type { PolicyViolation, RecordedResource } from "../../offline/types";
import { allPolicies } from "../../policies/areas";
import { applyMutation, Mutation, mutations } from "../helpers/mutationCatalogue";
import { runStackOffline, stackConfig } from "../helpers/engine";
import { resourceArgs } from "../helpers/policyHarness";

const STACKS = ["prod", "backup"] as const;
const plans = new Map<string, RecordedResource[]>();

/** The pack config CI passes for the stack (policies/config/<stack>.json), which declares it production. */
function packConfig(stack: string): PolicyPackConfig {
    const file = path.resolve(__dirname, "../../policies/config", `${stack}.json`);
    return JSON.parse(fs.readFileSync(file, "utf8")) as PolicyPackConfig;
}

function options(stack: string, extra: PolicyPackConfig = {}) {
    return policyOptionsFor(stack, stackConfig(stack), { ...packConfig(stack), ...extra });
}

const mandatory = (violations: PolicyViolation[]) => violations.filter((v) => v.level === "mandatory");
const judge = (stack: string, resources: RecordedResource[], extra: PolicyPackConfig = {}) =>
    mandatory(checkPolicies(resources, options(stack, extra)));

/**
 * Runs each catching policy's remediation over the resources it flags, as the engine does at
 * `remediate`, and returns the resources with the remediated inputs (and state) in place.
 */
function remediate(stack: string, resources: RecordedResource[], mutation: Mutation): RecordedResource[] {
    const out = structuredClone(resources);
    const config = options(stack).config;
    for (const name of mutation.caughtBy) {
        const policy = allPolicies.find((p) => p.name === name) as ResourceValidationPolicy | undefined;
        if (!policy?.remediateResource) continue;
        for (const r of out) {
            const fixed = policy.remediateResource(
                resourceArgs(r.type, r.inputs, { name: r.name, urn: r.urn, config: policyConfigOf(policy, config) }),
            ) as Record<string, unknown> | undefined;
            if (fixed) {
                r.inputs = JSON.parse(JSON.stringify(fixed)) as Record<string, unknown>;
                for (const key of Object.keys(r.outputs)) if (key in r.inputs) r.outputs[key] = r.inputs[key];
            }
        }
    }
    return out;
}

describe("the mutation catalogue", () => {
    before(async () => {
        for (const stack of STACKS) plans.set(stack, (await runStackOffline(stack)).resources);
    });

    it("holds at least 40 distinct weakenings", () => {
        assert.ok(mutations.length >= 40, `only ${mutations.length} mutations`);
        assert.strictEqual(new Set(mutations.map((m) => m.id)).size, mutations.length, "mutation ids repeat");
    });

    it("names every policy of the pack at least once (a policy without a mutation fails here)", () => {
        const named = new Set(mutations.flatMap((m) => m.caughtBy));
        const missing = allPolicies.map((p) => p.name).filter((n) => !named.has(n));
        assert.deepStrictEqual(missing, [], `policies no mutation exercises: ${missing.join(", ")}`);
        const unknown = [...named].filter((n) => !allPolicies.some((p) => p.name === n));
        assert.deepStrictEqual(unknown, [], `mutations name policies the pack does not have`);
    });

    for (const stack of STACKS) {
        it(`leaves the unmodified '${stack}' stack clean`, () => {
            assert.deepStrictEqual(judge(stack, plans.get(stack)!), []);
        });
    }

    for (const mutation of mutations) {
        it(`${mutation.id}: ${mutation.weakening} -> ${mutation.caughtBy.join(", ")} (mandatory, ${mutation.stack})`, () => {
            const mutated = applyMutation(plans.get(mutation.stack)!, mutation);
            const found = judge(mutation.stack, mutated);
            for (const policy of mutation.caughtBy) {
                assert.ok(
                    found.some((v) => v.policy === policy),
                    `${policy} did not report '${mutation.id}' as mandatory; reported: ${JSON.stringify(found, null, 1)}`,
                );
            }
            if (mutation.remediable) {
                // At `remediate` the engine applies the fix; the fixed resources must pass the same policies.
                const remediated = remediate(mutation.stack, mutated, mutation);
                const left = judge(mutation.stack, remediated).filter((v) => mutation.caughtBy.includes(v.policy));
                assert.deepStrictEqual(left, [], "the remediation did not restore the property");
            }
        });
    }

    it("reports a remediable mutation at level remediate as mandatory too, as the engine counts it", () => {
        const mutation = mutations.find((m) => m.id === "owned-table-without-pitr")!;
        const found = judge(mutation.stack, applyMutation(plans.get("prod")!, mutation), {
            "dynamodb-pitr-enabled": "remediate",
        });
        assert.ok(found.some((v) => v.policy === "dynamodb-pitr-enabled"));
    });
});
