/**
 * Every failure before the program runs is bad input: `npm run plan` exits 2 (1 is a policy
 * failure) with a message naming the file, the line where known, and the fix. Stack files are
 * read from a scratch project directory; the plan command is driven in-process.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../offline/plan";
import { PackConfigError, readPackConfig } from "../../offline/packConfig";
import { ConfigError, readStackFile, StackFileError } from "../../stacks/config";

async function plan(args: string[]): Promise<{ code: number; err: string }> {
    const err: string[] = [];
    const log = console.log;
    const error = console.error;
    console.log = () => undefined;
    console.error = (...a: unknown[]) => err.push(a.join(" "));
    try {
        return { code: await main(["node", "plan", ...args]), err: err.join("\n") };
    } finally {
        console.log = log;
        console.error = error;
    }
}

describe("the input boundary: stack files and pack config", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "boundary-"));
    const stackFile = (name: string, text: string) => fs.writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), text);
    const rejects = (name: string, pattern: RegExp) =>
        assert.throws(
            () => readStackFile(name, dir),
            (e: unknown) => e instanceof StackFileError && e instanceof ConfigError && pattern.test(e.message),
        );

    it("rejects a YAML syntax error with the file, line and column, and the fix", () => {
        stackFile("syntax", "config:\n  vat-backup:role: deployment\n  vat-backup:tables: [a, b\n");
        rejects("syntax", /Pulumi\.syntax\.yaml:4:1: .*Fix: correct the YAML at that line/);
    });

    it("rejects a duplicate key (YAML 1.2 requires unique keys) at its line", () => {
        stackFile("dup", "config:\n  vat-backup:role: deployment\n  vat-backup:role: backup\n");
        rejects("dup", /Pulumi\.dup\.yaml:3:3: Map keys must be unique\. Fix: keep one of the two entries/);
    });

    it("rejects tabs in the indentation (YAML forbids them) at their line", () => {
        stackFile("tabs", "config:\n  vat-backup:tags:\n    a: b\n\tc: d\n");
        rejects("tabs", /Pulumi\.tabs\.yaml:4:1: .*Fix: indent with spaces/);
    });

    it("rejects a file that is not a mapping", () => {
        stackFile("list", "- config\n");
        rejects("list", /not a YAML mapping\. Fix: start it with `config:`/);
    });

    it("npm run plan exits 2 on an unreadable --policy-pack-config, naming the file and the fix", async () => {
        const missing = path.join(dir, "missing.json");
        const { code, err } = await plan(["--stack", "prod", "--policy-pack-config", missing]);
        assert.equal(code, 2);
        assert.match(err, new RegExp(`Invalid policy pack config ${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
        assert.match(err, /cannot be read \(ENOENT\)\. Fix: pass the path of an existing JSON file/);
    });

    it("npm run plan --all exits 2 on a bad --policy-pack-config before planning anything", async () => {
        const bad = path.join(dir, "bad.json");
        fs.writeFileSync(bad, '{\n  "all": "mandatory",\n}\n');
        const { code, err } = await plan(["--all", "--policy-pack-config", bad]);
        assert.equal(code, 2);
        assert.match(err, /bad\.json/);
    });

    it("names the line of a JSON syntax error in the pack config", () => {
        const file = path.join(dir, "comma.json");
        fs.writeFileSync(file, '{\n  "all": "mandatory",\n}\n');
        assert.throws(
            () => readPackConfig(file),
            (e: unknown) =>
                e instanceof PackConfigError &&
                /comma\.json/.test(e.message) &&
                /line 3:1: not valid JSON/.test(e.message),
        );
    });

    it("rejects a misspelled policy name with a suggestion, an unknown level, an undeclared setting and a value its schema refuses", () => {
        const file = path.join(dir, "typos.json");
        fs.writeFileSync(
            file,
            JSON.stringify({
                "dynamodb-pitr-enabeld": "mandatory",
                "backup-rule-retention": { minRetentionDays: 0, minRetentionDay: 35 },
                "kms-key-rotation": "strict",
                "stateful-resources-protected": { production: "yes" },
            }),
        );
        assert.throws(
            () => readPackConfig(file),
            (e: unknown) => {
                const m = (e as Error).message;
                return (
                    e instanceof PackConfigError &&
                    /"dynamodb-pitr-enabeld" is not a policy of the pack \(did you mean "dynamodb-pitr-enabled"\?\)/.test(
                        m,
                    ) &&
                    /"backup-rule-retention": minRetentionDays is at least 1/.test(m) &&
                    /"backup-rule-retention": unknown setting "minRetentionDay" \(the policy reads minRetentionDays\)/.test(
                        m,
                    ) &&
                    /"kms-key-rotation": level "strict" is not one of advisory, mandatory, remediate, disabled/.test(
                        m,
                    ) &&
                    /"stateful-resources-protected": production must be true or false/.test(m)
                );
            },
        );
    });

    it("accepts every checked-in policies/config file", () => {
        for (const f of fs.readdirSync(path.resolve(__dirname, "../../policies/config")))
            readPackConfig(path.resolve(__dirname, "../../policies/config", f));
    });
});
