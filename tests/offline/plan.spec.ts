import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../offline/plan";
import { PlanDocument } from "../../offline/types";
import { runStackOffline } from "../helpers/engine";

/** Runs the plan command in-process, capturing what it prints (the engine's runs shared through the test cache). */
async function plan(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const log = console.log;
    const error = console.error;
    console.log = (...a: unknown[]) => out.push(a.join(" "));
    console.error = (...a: unknown[]) => err.push(a.join(" "));
    try {
        const code = await main(["node", "plan", ...args], runStackOffline);
        return { code, out: out.join("\n"), err: err.join("\n") };
    } finally {
        console.log = log;
        console.error = error;
    }
}

describe("npm run plan", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));

    for (const stack of ["prod", "ci"]) {
        it(`prints the ${stack} stack as a tree and writes the JSON contract`, async () => {
            const file = path.join(dir, `${stack}.json`);
            const { code, out } = await plan(["--stack", stack, "--json", file]);
            assert.equal(code, 0);
            assert.match(out, new RegExp(`Previewing update \\(${stack}\\)`));
            assert.match(out, /aws:backup\/vault:Vault\s+local-vault-vault/);
            const doc = JSON.parse(fs.readFileSync(file, "utf8")) as PlanDocument;
            assert.equal(doc.project, "vat-backup");
            assert.equal(doc.stack, stack);
            assert.equal(doc.preview, false);
            for (const r of doc.resources) {
                // dependencies and propertyDependencies appear only when the resource has some.
                assert.deepEqual(
                    Object.keys(r)
                        .filter((k) => k !== "dependencies" && k !== "propertyDependencies")
                        .sort(),
                    ["custom", "inputs", "name", "outputs", "parent", "protect", "provider", "type", "urn"],
                );
                assert.match(r.urn, new RegExp(`^urn:pulumi:${stack}::vat-backup::`));
            }
            const providers = doc.resources.filter((r) => r.type === "pulumi:providers:aws");
            assert.ok(
                providers.every((p) => Array.isArray(p.inputs.allowedAccountIds)),
                "provider inputs are plain JSON",
            );
            const providerUrns = new Set(providers.map((p) => p.urn));
            assert.ok(
                doc.resources
                    .filter((r) => r.type.startsWith("aws:"))
                    .every((r) => r.provider !== null && providerUrns.has(r.provider)),
                "every AWS resource names an explicit provider",
            );
        });
    }

    it("runs the policy pack over the plan and adds its verdict to the JSON", async () => {
        const file = path.join(dir, "prod-policy.json");
        const { code, out } = await plan(["--stack", "prod", "--json", file]);
        assert.equal(code, 0);
        assert.match(out, /every policy of the pack passed/);
        const doc = JSON.parse(fs.readFileSync(file, "utf8")) as PlanDocument;
        assert.deepEqual(doc.policy, { violations: [] });
    });

    it("prints each violation with policy, level and resource, and fails on a mandatory one", async () => {
        const packConfig = path.join(dir, "strict.json");
        fs.writeFileSync(packConfig, JSON.stringify({ "backup-rule-retention": { minRetentionDays: 100 } }));
        const file = path.join(dir, "prod-strict.json");
        const { code, out } = await plan(["--stack", "prod", "--json", file, "--policy-pack-config", packConfig]);
        assert.equal(code, 1);
        assert.match(out, /\[mandatory\] backup-rule-retention\s+\(backup-plan-plan\)/);
        const doc = JSON.parse(fs.readFileSync(file, "utf8")) as PlanDocument;
        assert.ok(doc.policy!.violations.length > 0);
        for (const v of doc.policy!.violations) {
            assert.deepEqual(Object.keys(v).sort(), ["level", "message", "policy", "urn"]);
            assert.equal(v.policy, "backup-rule-retention");
            assert.match(v.urn, /aws:backup\/plan:Plan::backup-plan-plan$/);
        }
    });

    it("shows encrypted config values as [secret]", async () => {
        const { stackConfig, runConfigOffline } = await import("../../offline/stack");
        const config = stackConfig("ci");
        config["vat-backup:alertEmails"] = "[secret]";
        await assert.rejects(runConfigOffline("ci", config), /alertEmails = "\[secret\]"/);
    });

    it("fails with exit 2 (bad input, not a policy failure), naming the file and the stacks that exist, when asked for one that does not", async () => {
        const { code, err } = await plan(["--stack", "nosuchstack"]);
        assert.equal(code, 2);
        assert.match(
            err,
            /No stack 'nosuchstack': .*Pulumi\.nosuchstack\.yaml does not exist \(stacks here: .*prod.*\)\. Fix: use one of those stacks/,
        );
        assert.doesNotMatch(err, /\n\s+at /, "no stack trace");
    });
});

describe("what npm run plan gives the policy pack", () => {
    // The finding: the plan filled the stack tags and the critical-secret list in from stack config,
    // so it passed stacks the real analyzer failed (ci) or checked secrets it never saw (prod).
    it("is the stack file's pulumi:tags and the pack config exactly as given, nothing inferred", async () => {
        const { policyOptionsFor } = await import("../../offline/plan");
        const { stackConfig } = await import("../../offline/stack");
        assert.deepEqual(policyOptionsFor("prod", stackConfig("prod"), {}), {
            stack: "prod",
            project: "vat-backup",
            stackTags: { environment: "prod" },
            config: {},
        });
        const untagged = stackConfig("ci", { "pulumi:tags": null });
        assert.deepEqual(policyOptionsFor("ci", untagged, { all: "advisory" }).stackTags, {});
        assert.deepEqual(policyOptionsFor("ci", untagged, { all: "advisory" }).config, { all: "advisory" });
    });
});
