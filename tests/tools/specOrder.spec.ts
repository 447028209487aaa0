/**
 * The order of the spec files only changes when a file runs, never whether it runs.
 */
import * as assert from "node:assert/strict";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { specFiles, specFilesLongestFirst } = require("../helpers/specOrder") as {
    specFiles(): string[];
    specFilesLongestFirst(times?: Record<string, number>): string[];
};

describe("the spec files' order (.mocharc.js)", () => {
    it("lists every spec file under tests/ exactly once, this one included", () => {
        const files = specFilesLongestFirst({});
        assert.equal(new Set(files).size, files.length);
        assert.ok(files.includes("tests/tools/specOrder.spec.ts"));
        assert.deepEqual([...files].sort(), specFiles());
        assert.ok(files.length > 50, `found ${files.length}`);
    });

    it("starts files without a recorded time first, then the longest of the last run", () => {
        const all = specFiles();
        const [a, b, c] = all;
        const times = Object.fromEntries(all.map((f) => [f, 1]));
        times[a] = 50;
        times[b] = 900;
        delete times[c];
        const order = specFilesLongestFirst(times);
        assert.deepEqual(order.slice(0, 3), [c, b, a]);
        assert.equal(order.length, all.length);
    });
});
