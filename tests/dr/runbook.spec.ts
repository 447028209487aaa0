/**
 * The runbook is executable: every DR command in docs/runbook.md's code blocks is parsed by the
 * CLI's own commander parser (a command or flag the CLI lacks fails here), and the scenarios run
 * against the estate stand-in.
 */
import { strict as assert } from "assert";
import { parseCommandLine } from "../../dr/cli";
import { runbookCommands, scenario, shellWords } from "../helpers/runbook";

const SCENARIOS = [
    "1. Accidental deletion",
    "2. Corrupted data",
    "3. Lost account",
    "4. Lost region",
    "5. Lost user pool",
    "6. Lost salt",
    "7. Compromised credentials or ransomware",
];

describe("runbook: every command parses with the CLI's own parser", () => {
    const all = runbookCommands();

    it("finds the DR commands of all seven scenarios", () => {
        for (const title of SCENARIOS)
            assert.ok(
                scenario(title.split(" ")[0]).some((c) => c.section.startsWith(title)),
                `no command in "${title}"`,
            );
        assert.ok(all.length >= 20, `only ${all.length} commands found`);
    });

    for (const command of runbookCommands())
        it(`${command.section.split(" ")[0]} ${command.argv.slice(0, 2).join(" ")}: ${command.line.slice(14, 90)}`, async () => {
            assert.equal(await parseCommandLine(command.argv), undefined, command.line);
        });

    it("a typo in a runbook command fails the parser (the check above is not vacuous)", async () => {
        const restore = all.find((c) => c.line.includes("--source-account-id"));
        assert.ok(restore);
        const typo = restore.argv.map((w) => (w === "--source-account-id" ? "--source-acount-id" : w));
        assert.match((await parseCommandLine(typo)) ?? "", /unknown option '--source-acount-id'/);
        assert.match((await parseCommandLine(["restore-acount", "--stack", "prod"])) ?? "", /unknown command/);
    });

    it("splits shell lines the way a shell would for the runbook's constructs", () => {
        assert.deepEqual(shellWords(`a --out x-$(date -u +%Y%m%d) --json > out.json`), [
            "a",
            "--out",
            "x-$(date -u +%Y%m%d)",
            "--json",
        ]);
        assert.deepEqual(shellWords(`b --doc '{"a": 1}'`), ["b", "--doc", '{"a": 1}']);
    });
});
