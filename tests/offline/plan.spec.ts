import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../offline/plan";
import { PlanDocument } from "../../offline/types";

/** Runs the plan command in-process, capturing what it prints. */
async function plan(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const log = console.log;
    const error = console.error;
    console.log = (...a: unknown[]) => out.push(a.join(" "));
    console.error = (...a: unknown[]) => err.push(a.join(" "));
    try {
        const code = await main(["node", "plan", ...args]);
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
            for (const r of doc.resources) {
                assert.deepEqual(Object.keys(r).sort(), ["custom", "inputs", "name", "outputs", "parent", "protect", "provider", "type", "urn"]);
                assert.match(r.urn, new RegExp(`^urn:pulumi:${stack}::vat-backup::`));
            }
            const providers = doc.resources.filter((r) => r.type === "pulumi:providers:aws");
            assert.ok(providers.every((p) => Array.isArray(p.inputs.allowedAccountIds)), "provider inputs are plain JSON");
            const providerUrns = new Set(providers.map((p) => p.urn));
            assert.ok(doc.resources.filter((r) => r.type.startsWith("aws:")).every((r) => r.provider !== null && providerUrns.has(r.provider)), "every AWS resource names an explicit provider");
        });
    }

    it("shows encrypted config values as [secret]", async () => {
        const { stackConfig, runConfigOffline } = await import("../../offline/stack");
        const config = stackConfig("ci");
        config["vat-backup:alertEmails"] = "[secret]";
        await assert.rejects(runConfigOffline("ci", config), /alertEmails = "\[secret\]"/);
    });

    it("fails naming the stacks that exist when asked for one that does not", async () => {
        const { code, err } = await plan(["--stack", "nosuchstack"]);
        assert.equal(code, 1);
        assert.match(err, /No stack 'nosuchstack'.*stacks here: .*prod/);
    });
});
