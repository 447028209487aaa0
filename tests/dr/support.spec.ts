/**
 * The DR tool's support modules, called directly: sentinel files, stack files, and the journal that
 * lets a long command resume.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { Journal } from "../../dr/journal";
import { Sentinels } from "../../dr/sentinels";
import { loadStack, tableArn, tableCriticality, tableTarget } from "../../dr/stack";
import { DrHarness } from "../helpers/drHarness";

describe("dr support: sentinels, stack files, journal", () => {
    let h: DrHarness;
    beforeEach(() => (h = new DrHarness()));
    afterEach(() => h.restore());

    const write = (name: string, text: string) => {
        const file = path.join(h.tmp, name);
        fs.writeFileSync(file, text);
        return file;
    };

    it("reads a sentinel file by full or short table name, numbers and base64 binaries included", () => {
        const file = write(
            "s.yaml",
            YAML.stringify({
                receipts: { hashedSub: { S: "dr-sentinel" }, receiptId: { S: "dr-sentinel" } },
                "prod-env-passes": { n: { N: "-1.5" } },
                bundles: { b: { B: Buffer.from("hi").toString("base64") } },
            }),
        );
        const s = Sentinels.fromFile(file);
        assert.deepEqual(s.keyFor("prod-env-receipts"), {
            hashedSub: { S: "dr-sentinel" },
            receiptId: { S: "dr-sentinel" },
        });
        assert.deepEqual(s.keyFor("prod-env-passes"), { n: { N: "-1.5" } });
        assert.deepEqual(s.keyFor("ci-env-bundles"), { b: { B: Buffer.from("hi") } });
        assert.equal(s.keyFor("prod-env-subscriptions"), undefined);
        assert.equal(Sentinels.none().keyFor("prod-env-receipts"), undefined);
    });

    it("refuses a missing or invalid sentinel file, naming the entry and the fix", () => {
        assert.throws(
            () => Sentinels.fromFile(path.join(h.tmp, "none.yaml")),
            (e: Error & { hint?: string }) =>
                /sentinels file .*none\.yaml does not exist/.test(e.message) && /Pass --sentinels/.test(e.hint ?? ""),
        );
        for (const [doc, message] of [
            [{ receipts: { id: { N: "twelve" } } }, /receipts\.id\.N: N is a number written as a string/],
            [
                { receipts: { a: { S: "1" }, b: { S: "2" }, c: { S: "3" } } },
                /receipts: a key has a partition key and at most a sort key/,
            ],
            [{ receipts: {} }, /receipts: a key has a partition key and at most a sort key/],
            [{ receipts: { a: { S: "1", N: "1" } } }, /receipts\.a/],
        ] as const) {
            const file = write("bad.yaml", YAML.stringify(doc));
            assert.throws(
                () => Sentinels.fromFile(file),
                (e: Error & { hint?: string; exitCode?: number }) =>
                    message.test(e.message) &&
                    e.message.startsWith(`sentinels file ${file} is not valid: `) &&
                    /Write it as \{ "<table>"/.test(e.hint ?? "") &&
                    e.exitCode === 2,
                JSON.stringify(doc),
            );
        }
    });

    it("loads a deployment stack, refuses the backup stack and a broken or unknown stack file, each with its fix", () => {
        assert.equal(loadStack("prod").accountId, "111111111111");
        assert.throws(
            () => loadStack("backup"),
            (e: Error & { hint?: string; exitCode?: number }) =>
                /stack 'backup' is the backup stack; the DR commands work on a deployment stack/.test(e.message) &&
                /Pass --stack prod or --stack ci/.test(e.hint ?? "") &&
                e.exitCode === 2,
        );
        assert.throws(
            () => loadStack("nosuch", h.tmp),
            (e: Error & { hint?: string; exitCode?: number }) =>
                /Pass --stack with one of the stacks listed/.test(e.hint ?? "") && e.exitCode === 3,
        );
        const dir = h.projectWithDeploymentAccounts([]);
        const prod = YAML.parse(fs.readFileSync(path.join(process.cwd(), "Pulumi.prod.yaml"), "utf8"));
        prod.config["vat-backup:region"] = "mars-north-1";
        fs.writeFileSync(path.join(dir, "Pulumi.broken.yaml"), YAML.stringify(prod));
        assert.throws(
            () => loadStack("broken", dir),
            (e: Error & { hint?: string; exitCode?: number }) =>
                /Fix Pulumi\.broken\.yaml \(the same config the Pulumi program reads\)/.test(e.hint ?? "") &&
                e.exitCode === 3,
        );
    });

    it("gives each table its target from naming/assets.ts, and an unknown one the safe high, 4 hours", () => {
        assert.deepEqual(tableTarget("prod-env-receipts"), { criticality: "critical", rtoHours: 4 });
        assert.equal(tableCriticality("prod-env-hmrc-api-requests"), "medium");
        assert.deepEqual(tableTarget("prod-env-unknown"), { criticality: "high", rtoHours: 4 });
        assert.equal(tableArn("eu-west-1", "111111111111", "t"), "arn:aws:dynamodb:eu-west-1:111111111111:table/t");
    });

    it("the journal records a command's progress 0600, merges updates, is read back by the same command only, and is removed on completion", () => {
        const ctx = h.context("restore-pitr", { stack: "prod" });
        const first = new Journal<{ target?: string; to?: string }>(ctx, ["prod-env-receipts", { to: "-45m" }]);
        assert.equal(first.previous, undefined);
        first.save({ to: "2026-11-26T02:15:00.000Z" });
        assert.deepEqual(first.save({ target: "t-restored" }), {
            to: "2026-11-26T02:15:00.000Z",
            target: "t-restored",
        });
        assert.equal(fs.statSync(first.file).mode & 0o777, 0o600);
        assert.ok(first.file.startsWith(h.stateDir));
        const again = new Journal<{ target?: string }>(h.context("restore-pitr", { stack: "prod" }), [
            "prod-env-receipts",
            { to: "-45m" },
        ]);
        assert.deepEqual(again.previous, { to: "2026-11-26T02:15:00.000Z", target: "t-restored" });
        for (const other of [
            new Journal(h.context("restore-pitr", { stack: "prod" }), ["prod-env-bundles", { to: "-45m" }]),
            new Journal(h.context("restore-account", { stack: "prod" }), ["prod-env-receipts", { to: "-45m" }]),
            new Journal(h.context("restore-pitr", { stack: "prod", region: "eu-west-1" }), [
                "prod-env-receipts",
                { to: "-45m" },
            ]),
            new Journal(h.context("restore-pitr", {}), ["prod-env-receipts", { to: "-45m" }]),
        ])
            assert.equal(other.previous, undefined, other.file);
        again.complete();
        assert.ok(!fs.existsSync(first.file));
        again.complete(); // a command that completes twice (or never saved) has nothing to remove
    });

    it("under --dry-run the journal writes and removes nothing; without a state folder it uses .vat-dr-state", () => {
        const dry = new Journal<{ a?: number }>(h.context("restore-pitr", { dryRun: true }), ["x"]);
        assert.deepEqual(dry.save({ a: 1 }), { a: 1 });
        assert.ok(!fs.existsSync(dry.file));
        const real = new Journal<{ a?: number }>(h.context("restore-pitr"), ["x"]);
        real.save({ a: 2 });
        new Journal(h.context("restore-pitr", { dryRun: true }), ["x"]).complete();
        assert.ok(fs.existsSync(real.file), "a dry run leaves a real run's record alone");
        const cwdDefault = new Journal(h.context("restore-pitr", { stateDir: undefined as unknown as string }), ["x"]);
        assert.equal(path.dirname(cwdDefault.file), path.resolve(".vat-dr-state"));
    });
});
