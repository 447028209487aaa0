import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { planNodeOptions } from "../../bench/run";

const ROOT = path.resolve(__dirname, "..", "..");
const planScript = (
    JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: { plan: string } }
).scripts.plan;

describe("bench: plans measured as `npm run plan` runs them", () => {
    it("takes the Node options before the script, leaving out preloads", () => {
        assert.deepEqual(
            planNodeOptions("node --heap-growing-percent=100 -r ./offline/register.js --foo=1 offline/plan.ts"),
            ["--heap-growing-percent=100", "--foo=1"],
        );
        assert.deepEqual(planNodeOptions("node --require ./offline/register.js offline/plan.ts"), []);
    });

    it("refuses a plan script that Node does not run directly", () => {
        assert.throws(() => planNodeOptions("ts-node offline/plan.ts"), /does not start with node/);
    });

    it("package.json's plan script runs V8's collector for a batch job, with options this Node accepts", () => {
        const options = planNodeOptions(planScript);
        assert.ok(options.includes("--heap-growing-percent=100"), options.join(" "));
        assert.ok(options.includes("--no-incremental-marking"), options.join(" "));
        // Node exits 9 ("bad option") on an option neither it nor V8 knows.
        const run = spawnSync(process.execPath, [...options, "-e", "process.exit(0)"], { encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.stderr, "");
    });
});
