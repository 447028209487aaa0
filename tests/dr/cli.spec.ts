/**
 * dr/cli.ts: what the command line prints and returns around the commands themselves: help, usage
 * errors (with and without --json), errors that are not the tool's own, and the parse-only check the
 * runbook tests use.
 */
import {
    CreateUserImportJobCommand,
    DescribeUserPoolCommand,
    GetCSVHeaderCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseCommandLine } from "../../dr/cli";
import { DrHarness, awsError } from "../helpers/drHarness";

describe("dr command line", () => {
    let h: DrHarness;
    beforeEach(() => (h = new DrHarness()));
    afterEach(() => h.restore());

    it("--help, `help` and no command show the program's help, line by line, and exit 0", async () => {
        for (const argv of [["--help"], ["help"]]) {
            const r = await h.run(argv);
            assert.equal(r.code, 0, argv.join(" "));
            const lines = r.stdout.split("\n");
            assert.equal(lines[0], "Usage: vat-dr [options] [command]");
            assert.match(r.stdout, /Disaster recovery for the VAT estate: verify backups, restore tables and/);
            assert.match(r.stdout, /--state-dir <dir>[\s\S]*\(default: "\.vat-dr-state"\)/);
            assert.ok(!r.stdout.endsWith("\n"), "no blank line left by commander's trailing newline");
        }
        const bare = await h.run([]);
        assert.equal(bare.code, 0);
        assert.equal(bare.stderr.split("\n")[0], "Usage: vat-dr [options] [command]");
    });

    it("a usage error is exit 2 on stderr; with --json also one JSON document on stdout", async () => {
        const plain = await h.run(["export-table", "bad name!"]);
        assert.equal(plain.code, 2);
        assert.equal(plain.stdout, "");
        assert.match(plain.stderr, /^error: command-argument value 'bad name!' is invalid/);
        const json = await h.run(["export-table", "bad name!", "--json"]);
        assert.equal(json.code, 2);
        assert.deepEqual(json.json(), {
            command: "export-table",
            ok: false,
            exitCode: 2,
            error: "command-argument value 'bad name!' is invalid for argument 'tables'. 'bad name!' is not a DynamoDB table name",
            hint: "Run the command with --help to see the expected arguments.",
        });
    });

    it("an AWS error that stops a command is exit 1, says what to do, and is a JSON document under --json only", async () => {
        const from = path.join(h.tmp, "export");
        fs.mkdirSync(from);
        fs.writeFileSync(
            path.join(from, "users.json"),
            JSON.stringify({
                userPoolId: "eu-west-2_OLD",
                exportedAt: "x",
                csvHeader: [],
                users: [],
                groups: [],
                memberships: {},
            }),
        );
        h.mocks().cognito.on(GetCSVHeaderCommand).resolves({ CSVHeader: [] });
        h.mocks().cognito.on(DescribeUserPoolCommand).resolves({});
        h.mocks().cognito.on(CreateUserImportJobCommand).rejects(awsError("AccessDeniedException", "not allowed"));
        const argv = [
            "import-users",
            "--user-pool-id",
            "eu-west-2_NEW",
            "--from",
            from,
            "--logs-role-arn",
            "arn:aws:iam::111111111111:role/logs",
            "--region",
            "eu-west-2",
        ];
        const plain = await h.run(argv);
        assert.equal(plain.code, 1);
        assert.match(plain.stderr, /^error: AccessDeniedException: not allowed$/m);
        assert.match(
            plain.stderr,
            /^next: The AWS error above is what stopped the command; fix its cause and run the command again/m,
        );
        assert.doesNotMatch(plain.stdout, /"ok": false/);
        const json = await h.run([...argv, "--json"]);
        assert.equal(json.code, 1);
        const doc = json.json();
        assert.deepEqual(
            [doc.command, doc.ok, doc.exitCode, doc.error],
            ["import-users", false, 1, "AccessDeniedException: not allowed"],
        );
        assert.match(doc.hint, /^The AWS error above is what stopped the command/);
    });

    it("parseCommandLine returns commander's own error line, and nothing for a valid command", async () => {
        assert.equal(await parseCommandLine(["export-table", "--bogus"]), "error: unknown option '--bogus'");
        assert.equal(await parseCommandLine(["export-table", "prod-env-receipts", "--stack", "prod"]), undefined);
    });
});
