/**
 * `npm run dr -- <command> --help` is what the person on call reads first: every command, argument
 * and option it lists must say what it is for.
 */
import { strict as assert } from "assert";
import { COMMANDS } from "../../dr/cli";
import { DrHarness } from "../helpers/drHarness";

/** The entries of one section of commander's help ("Arguments:", "Options:", "Commands:"). */
function section(help: string, title: string): { term: string; description: string }[] {
    const lines = help.split("\n");
    const start = lines.indexOf(`${title}:`);
    if (start < 0) return [];
    const entries: { term: string; description: string }[] = [];
    for (const line of lines.slice(start + 1)) {
        if (!line.startsWith("  ")) break;
        // A wrapped description continues under its column; the entry itself starts at two spaces.
        const last = entries[entries.length - 1];
        if (/^ {3,}/.test(line) && last) {
            last.description = `${last.description} ${line.trim()}`.trim();
            continue;
        }
        const [, term, description = ""] = /^ {2}(\S+(?: \S+)*?)(?: {2,}(.*))?$/.exec(line) ?? [];
        entries.push({ term, description: description.trim() });
    }
    // Commander appends "(default: …)" on its own; that alone explains nothing.
    return entries.map((e) => ({ ...e, description: e.description.replace(/\s*\(default: [^)]*\)$/, "") }));
}

describe("dr --help", () => {
    let h: DrHarness;
    beforeEach(() => (h = new DrHarness()));
    afterEach(() => h.restore());

    it("lists every command with a one-line summary", async () => {
        const r = await h.run(["--help"]);
        assert.equal(r.code, 0);
        const commands = section(r.stdout, "Commands");
        for (const spec of COMMANDS) {
            const entry = commands.find((c) => c.term.split(" ")[0] === spec.name);
            assert.ok(entry, `${spec.name} is listed`);
            assert.ok(entry.description.length > 0, `${spec.name} says what it does: '${entry.description}'`);
        }
        for (const option of section(r.stdout, "Options"))
            assert.ok(option.description.length > 0, `${option.term} says what it is for`);
    });

    for (const spec of COMMANDS) {
        it(`${spec.name}: every argument and option says what it is for`, async () => {
            const r = await h.run([spec.name, "--help"]);
            assert.equal(r.code, 0);
            const entries = [...section(r.stdout, "Arguments"), ...section(r.stdout, "Options")];
            // Commander lists an argument under "Arguments:" only when it has a description.
            const usage = /^Usage: .*$/m.exec(r.stdout)?.[0] ?? "";
            for (const [, argument] of usage.matchAll(/[<[]([\w-]+)(?:\.\.\.)?[>\]]/g))
                if (argument !== "options")
                    assert.ok(
                        entries.some((e) => e.term === argument),
                        `${spec.name} <${argument}> is explained`,
                    );
            assert.ok(entries.length > 1, r.stdout);
            for (const entry of entries)
                assert.ok(entry.description.length > 0, `${spec.name} ${entry.term}: '${entry.description}'`);
        });
    }
});
