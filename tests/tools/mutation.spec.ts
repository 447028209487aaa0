/**
 * `npm run mutation` fails on a command file under its floor, naming it, from Stryker's JSON report
 * (mutation-testing-report-schema: files → mutants → status).
 */
import { strict as assert } from "assert";
import { fileScores, filesBelowFloor } from "../../tools/mutation";

const mutants = (killed: number, survived: number, noCoverage = 0, extra: string[] = []) => [
    ...Array.from({ length: killed }, () => ({ status: "Killed" })),
    ...Array.from({ length: survived }, () => ({ status: "Survived" })),
    ...Array.from({ length: noCoverage }, () => ({ status: "NoCoverage" })),
    ...extra.map((status) => ({ status })),
];

describe("tools/mutation: per-file floors", () => {
    const report = {
        files: {
            "dr/commands/drill.ts": { mutants: mutants(79, 20, 1) },
            "dr/commands/verify.ts": { mutants: mutants(78, 20, 0, ["Timeout", "Timeout", "Ignored", "CompileError"]) },
            "dr/commands/types.ts": { mutants: [] },
            "dr/output.ts": { mutants: mutants(10, 90) },
        },
    };

    it("names each command file under 80 %, and only those (timeouts count as killed, ignored and errors not at all)", () => {
        assert.deepEqual(filesBelowFloor("dr.conf.json", report), [
            "dr/commands/drill.ts: 79.0 % (every command file must reach 80 %)",
        ]);
        assert.deepEqual(
            fileScores(report).map((f) => [f.file, f.score]),
            [
                ["dr/commands/drill.ts", 79],
                ["dr/commands/verify.ts", 80],
                ["dr/output.ts", 10],
            ],
            "a shared module has no floor of its own (it counts in the overall score); a file without mutants is left out",
        );
    });

    it("has no per-file floor for a config that sets none", () => {
        assert.deepEqual(filesBelowFloor("policies.conf.json", report), []);
    });
});
