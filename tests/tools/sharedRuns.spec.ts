/**
 * Stack runs shared between mocha's workers (tests/helpers/sharedRuns.ts): a run one worker
 * finished reads back whole in another, and nothing is shared outside a mocha run's folder.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SHARED_RUNS_DIR_ENV, shareRun, sharedRun } from "../helpers/sharedRuns";
import { runStackOffline } from "../helpers/engine";

describe("stack runs shared between mocha's workers", () => {
    const previous = process.env[SHARED_RUNS_DIR_ENV];
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "shared-runs-"))));
    afterEach(() => {
        if (previous === undefined) delete process.env[SHARED_RUNS_DIR_ENV];
        else process.env[SHARED_RUNS_DIR_ENV] = previous;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("reads back what another worker shared under the same key, record for record, and nothing under another", async () => {
        process.env[SHARED_RUNS_DIR_ENV] = dir;
        const run = await runStackOffline("org");
        shareRun("org\u0000{}\u0000update", run);
        assert.deepEqual(sharedRun("org\u0000{}\u0000update"), run);
        assert.equal(sharedRun("org\u0000{}\u0000preview"), undefined);
        assert.deepEqual(
            fs.readdirSync(dir).filter((f) => !f.endsWith(".v8")),
            [],
            "only whole files are left",
        );
    });

    it("shares nothing without a mocha run's folder (a spec file run on its own)", () => {
        delete process.env[SHARED_RUNS_DIR_ENV];
        shareRun("k", { resources: [] });
        assert.equal(sharedRun("k"), undefined);
        assert.deepEqual(fs.readdirSync(dir), []);
    });
});
