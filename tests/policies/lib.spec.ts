/**
 * The pack's shared helpers, called directly: cron intervals, glob matching, config defaults,
 * tags, joins by dependency or value, backup selections' assignment rules, and the conventions.
 */
import * as assert from "node:assert/strict";
import { selectionCovers } from "../../policies/backupCoverage";
import { bucketName, bucketTier, isArchiveVault, productionStatus, vaultName } from "../../policies/lib/conventions";
import { dependsOn, knownStrings, readKnown, readOrUnknown, ReferenceIndex, UNKNOWN } from "../../policies/lib/joins";
import {
    asArray,
    configWithDefaults,
    describe as label,
    globMatch,
    ofTypes,
    resourceTypesOf,
    tagsOf,
    validateTypes,
} from "../../policies/lib/policy";
import { DEFAULT_SCHEDULE, longestIntervalHours } from "../../policies/lib/schedule";
import { secretIdNames } from "../../policies/secrets";
import { stackArgs, unknown } from "../helpers/policyHarness";

describe("policies/lib", () => {
    describe("longestIntervalHours (AWS Backup six-field cron, UTC)", () => {
        const cases: [string | undefined, number | undefined][] = [
            ["cron(0 2 * * ? *)", 24],
            ["cron(0 */6 * * ? *)", 6],
            ["cron(0 1,13 * * ? *)", 12],
            ["cron(0 3 ? * SUN *)", 168],
            ["cron(0 3 ? * MON-FRI *)", 72],
            ["cron(0 3 ? * 2,4 *)", 120],
            ["cron(0 4 1 * ? *)", 744],
            ["cron(0 4 1,15 * ? *)", 408],
            ["cron(0 4 ? JAN,JUL MON *)", 24 * 31 * 6],
            ["cron(0 4 1 1 ? *)", 24 * 31 * 12],
            ["cron(0 5 ? * * *)", 24],
            [undefined, 24],
            ["  cron(0 2 * * ? *)  ", 24],
            ["cron( 0  2 * * ? * )", 24],
            ["rate(1 day)", undefined],
            ["xcron(0 2 * * ? *)", undefined],
            ["cron(0 2 * * ? *)x", undefined],
            ["cron(0 2 * * ?)", undefined],
            ["cron(0 2 * * ? 2030)", undefined],
            ["cron(0 2 L * ? *)", undefined],
            ["cron(0 2 ? * 6#3 *)", undefined],
            ["cron(0 25 * * ? *)", undefined],
            ["cron(60 2 * * ? *)", undefined],
            ["cron(0 2 0 * ? *)", undefined],
            ["cron(0 2 * 13 ? *)", undefined],
            ["cron(0 2 ? * 8 *)", undefined],
            ["cron(0 */0 * * ? *)", undefined],
            ["cron(0 2-1x * * ? *)", undefined],
            ["cron(0 12a * * ? *)", undefined],
        ];
        for (const [schedule, hours] of cases) {
            it(`${String(schedule)} -> ${String(hours)}`, () => assert.equal(longestIntervalHours(schedule), hours));
        }
        it("defaults to AWS's daily 05:00", () => assert.equal(DEFAULT_SCHEDULE, "cron(0 5 ? * * *)"));
    });

    describe("globMatch (ARN and StringLike patterns)", () => {
        it("matches literally without wildcards, escaping regex characters", () => {
            assert.equal(globMatch("a.b", "a.b"), true);
            assert.equal(globMatch("a.b", "axb"), false);
            assert.equal(globMatch("a+(b)", "a+(b)"), true);
        });
        it("expands * and ?", () => {
            assert.equal(globMatch("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y"), true);
            assert.equal(globMatch("a?c", "abc"), true);
            assert.equal(globMatch("a?c", "abbc"), false);
            assert.equal(globMatch("a.*", "axb"), false);
            assert.equal(globMatch("a.?", "a.b"), true);
            assert.equal(globMatch("x*", "yx"), false);
            assert.equal(globMatch("*x", "xy"), false);
        });
    });

    describe("config, tags and lists", () => {
        const args = (given: Record<string, unknown>) => ({ getConfig: <T extends object>() => given as T });
        it("merges the given config over the defaults, skipping undefined values", () => {
            assert.deepEqual(configWithDefaults(args({ a: 2, b: undefined }), { a: 1, b: 5 }), { a: 2, b: 5 });
            assert.deepEqual(configWithDefaults(args({}), { a: 1 }), { a: 1 });
        });
        it("reads the known string tags only", () => {
            const proxied = stackArgs([{ type: "t", name: "r", props: { tags: { a: "1", b: 2, c: unknown.string } } }])
                .resources[0].props;
            assert.deepEqual(tagsOf(proxied), { a: "1" });
            assert.deepEqual(tagsOf({}), {});
            assert.deepEqual(tagsOf({ tags: "x" }), {});
            const whole = stackArgs([{ type: "t", name: "r", props: { tags: unknown.object } }]).resources[0].props;
            assert.deepEqual(tagsOf(whole), {});
        });
        it("lists", () => {
            assert.deepEqual(asArray([1]), [1]);
            assert.deepEqual(asArray(undefined), []);
            assert.deepEqual(asArray(null), []);
            assert.equal(label({ name: "n" }), "'n'");
        });
        it("filters resources by one token or several", () => {
            const resources = stackArgs([
                { type: "aws:backup/vault:Vault", name: "v", props: {} },
                { type: "aws:kms/key:Key", name: "k", props: {} },
            ]).resources;
            assert.deepEqual(
                ofTypes(resources, "aws:kms/key:Key").map((r) => r.name),
                ["k"],
            );
            assert.deepEqual(
                ofTypes(resources, ["aws:kms/key:Key", "aws:backup/vault:Vault"]).map((r) => r.name),
                ["v", "k"],
            );
        });
        it("remembers the tokens of a typed validation, and marks a single token for the engine", () => {
            const one = validateTypes("aws:kms/key:Key", () => undefined);
            assert.deepEqual(resourceTypesOf(one), ["aws:kms/key:Key"]);
            assert.equal((one as unknown as { __pulumiType: string }).__pulumiType, "aws:kms/key:Key");
            const two = validateTypes(["a", "b"], () => undefined);
            assert.deepEqual(resourceTypesOf(two), ["a", "b"]);
            assert.equal((two as unknown as { __pulumiType?: string }).__pulumiType, undefined);
            assert.equal(
                resourceTypesOf(() => undefined),
                undefined,
            );
        });
    });

    describe("joins", () => {
        it("tells unknown from absent", () => {
            const proxied = stackArgs([{ type: "t", name: "r", props: { a: unknown.string, b: "x" } }]).resources[0]
                .props;
            assert.equal(
                readOrUnknown(() => proxied.a),
                UNKNOWN,
            );
            assert.equal(
                readKnown(() => proxied.a),
                undefined,
            );
            assert.equal(
                readKnown(() => proxied.b),
                "x",
            );
            assert.throws(
                () =>
                    readOrUnknown(() => {
                        throw new Error("other");
                    }),
                /other/,
            );
            assert.throws(() =>
                readOrUnknown(() => {
                    throw "not an error";
                }),
            );
        });
        it("keeps the known strings of a list", () => {
            const proxied = stackArgs([
                { type: "t", name: "r", props: { l: ["a", unknown.string, 3, "b"], s: "one", u: unknown.array } },
            ]).resources[0].props;
            assert.deepEqual(
                knownStrings(() => proxied.l),
                ["a", "b"],
            );
            assert.deepEqual(
                knownStrings(() => proxied.s),
                ["one"],
            );
            assert.deepEqual(
                knownStrings(() => proxied.u),
                [],
            );
            assert.deepEqual(
                knownStrings(() => proxied.missing),
                [],
            );
        });
        it("joins by property dependency first, and by value otherwise", () => {
            const resources = stackArgs([
                { type: "vault", name: "v1", props: { name: "one" } },
                { type: "vault", name: "v2", props: { name: "two" } },
                { type: "lock", name: "l1", props: { vault: unknown.string }, propertyDependencies: { vault: ["v1"] } },
                { type: "lock", name: "l2", props: { vault: "two" } },
                { type: "lock", name: "l3", props: { vault: 3 } },
            ]).resources;
            const [v1, v2, l1, l2] = resources;
            assert.equal(dependsOn(l1, "vault", v1), true);
            assert.equal(dependsOn(l1, "vault", v2), false);
            assert.equal(dependsOn(l2, "vault", v2), false);
            const index = new ReferenceIndex(resources.slice(2), "vault");
            assert.deepEqual(
                index.find(v1, ["one"]).map((r) => r.name),
                ["l1"],
            );
            assert.deepEqual(
                index.find(v2, ["two", undefined, ""]).map((r) => r.name),
                ["l2"],
            );
            assert.deepEqual(
                index.find(v2, []).map((r) => r.name),
                [],
            );
            const twice = new ReferenceIndex([l2, { ...l2, name: "l2b" }], "vault");
            assert.deepEqual(
                twice.find(v2, ["two"]).map((r) => r.name),
                ["l2", "l2b"],
            );
        });
    });

    describe("conventions", () => {
        it("tiers buckets by tag, then by name, and vaults by tag, then by name", () => {
            assert.equal(bucketTier({ tags: { "vat-backup:holds-backups": "archive" } }), "archive");
            assert.equal(bucketTier({ tags: { "vat-backup:holds-backups": "exports" } }), "exports");
            assert.equal(bucketTier({ tags: { "vat-backup:holds-backups": "yes" } }), "exports");
            assert.equal(
                bucketTier({ tags: { "vat-backup:holds-backups": "false" }, bucket: "vat-backup-archive-1" }),
                undefined,
            );
            assert.equal(bucketTier({ bucket: "vat-backup-archive-1" }), "archive");
            assert.equal(bucketTier({ bucket: "x-vat-backup-archive-1" }), undefined);
            assert.equal(bucketTier({ bucketPrefix: "prod-backup-exports-" }), "exports");
            assert.equal(bucketTier({ bucket: 3 }), undefined);
            assert.equal(bucketTier({}), undefined);
            assert.equal(bucketName({ bucket: "b" }), "b");
            assert.equal(bucketName({ bucket: 1 }), undefined);
            assert.equal(vaultName({ name: "v" }), "v");
            assert.equal(vaultName({ name: 1 }), undefined);
            assert.equal(isArchiveVault({ name: "central-backup-vault" }), true);
            assert.equal(isArchiveVault({ name: "dr-backup-vault" }), true);
            assert.equal(isArchiveVault({ name: "prod-env-backup-vault" }), false);
            assert.equal(isArchiveVault({}), false);
            assert.equal(
                isArchiveVault({ name: "central-backup-vault", tags: { "vat-backup:holds-backups": "exports" } }),
                false,
            );
            assert.equal(isArchiveVault({ name: "x", tags: { "vat-backup:holds-backups": "archive" } }), true);
        });
        it("decides production by config, else by stack tag, else unknown", () => {
            const tags = (v?: string) => new Map(v === undefined ? [] : [["environment", v]]);
            const cfg = { productionTagKey: "environment", productionTagValues: ["prod", "production"] };
            assert.equal(productionStatus({ ...cfg, production: false }, tags("prod")), false);
            assert.equal(productionStatus({ ...cfg, production: true }, tags("ci")), true);
            assert.equal(productionStatus(cfg, tags("production")), true);
            assert.equal(productionStatus(cfg, tags("ci")), false);
            assert.equal(productionStatus(cfg, tags()), undefined);
        });
    });

    describe("secret ids", () => {
        it("names a secret by name or by ARN with AWS's 6-character suffix", () => {
            const arn = (n: string) => `arn:aws:secretsmanager:eu-west-2:1:secret:${n}`;
            assert.equal(secretIdNames("a/b", "a/b"), true);
            assert.equal(secretIdNames(arn("a/b"), "a/b"), true);
            assert.equal(secretIdNames(arn("a/b-AbCdEf"), "a/b"), true);
            assert.equal(secretIdNames(arn("a/b-AbCdE"), "a/b"), false);
            assert.equal(secretIdNames(arn("a/bc-AbCdEf"), "a/b"), false);
            assert.equal(secretIdNames("a/b-AbCdEf", "a/b"), false);
            assert.equal(secretIdNames(":secret:a/b", "a/b"), true);
        });
    });

    describe("backup selections (AWS Backup assignment: resources or tags, AND conditions, minus notResources)", () => {
        const table = (props: Record<string, unknown>, tags: Record<string, string> = {}) => ({
            resource: stackArgs([{ type: "aws:dynamodb/table:Table", name: "t", props }]).resources[0],
            name: props.name as string | undefined,
            arn: props.arn as string | undefined,
            tags,
        });
        const selection = (props: Record<string, unknown>) =>
            stackArgs([{ type: "aws:backup/selection:Selection", name: "s", props }]).resources[0];
        const t = table({ name: "prod-env-receipts" }, { team: "vat", tier: "gold" });
        it("matches an ARN pattern by service and table name when the ARN is unknown", () => {
            assert.equal(selectionCovers(selection({ resources: ["arn:aws:dynamodb:*:*:table/prod-env-*"] }), t), true);
            assert.equal(selectionCovers(selection({ resources: ["arn:aws:dynamodb:*:*:table/ci-env-*"] }), t), false);
            assert.equal(
                selectionCovers(selection({ resources: ["arn:aws:s3:*:*:table/prod-env-receipts"] }), t),
                false,
            );
            assert.equal(
                selectionCovers(selection({ resources: ["arn:aws:dynamodb:table/prod-env-receipts"] }), t),
                false,
            );
            assert.equal(selectionCovers(selection({ resources: ["arn:aws:dynamodb:*:*:table/*"] }), table({})), false);
            assert.equal(
                selectionCovers(
                    selection({ resources: ["arn:aws:dynamodb:eu-west-2:1:table/x"] }),
                    table({ name: "x", arn: "arn:aws:dynamodb:eu-west-2:2:table/x" }),
                ),
                false,
            );
        });
        it("selects by tag with STRINGEQUALS only", () => {
            assert.equal(
                selectionCovers(selection({ selectionTags: [{ type: "STRINGEQUALS", key: "team", value: "vat" }] }), t),
                true,
            );
            assert.equal(
                selectionCovers(selection({ selectionTags: [{ type: "STRINGEQUALS", key: "team", value: "x" }] }), t),
                false,
            );
            assert.equal(
                selectionCovers(selection({ selectionTags: [{ type: "OTHER", key: "team", value: "vat" }] }), t),
                false,
            );
        });
        it("applies every condition operator on resource tags, all of them (AND)", () => {
            const cond = (c: Record<string, unknown>) => selectionCovers(selection({ conditions: [c] }), t);
            const k = (key: string, value: string) => [{ key: `aws:ResourceTag/${key}`, value }];
            assert.equal(cond({ stringEquals: k("team", "vat") }), true);
            assert.equal(cond({ stringEquals: k("team", "x") }), false);
            assert.equal(cond({ stringEquals: [{ key: "team", value: "vat" }] }), false);
            assert.equal(cond({ stringLikes: k("team", "v*") }), true);
            assert.equal(cond({ stringLikes: k("team", "x*") }), false);
            assert.equal(cond({ stringLikes: k("absent", "*") }), false);
            assert.equal(cond({ stringNotEquals: k("team", "x") }), true);
            assert.equal(cond({ stringNotEquals: k("team", "vat") }), false);
            assert.equal(cond({ stringNotLikes: k("team", "x*") }), true);
            assert.equal(cond({ stringNotLikes: k("team", "v*") }), false);
            assert.equal(cond({ stringNotLikes: k("absent", "*") }), true);
            assert.equal(cond({ stringEquals: k("team", "vat"), stringNotEquals: k("tier", "gold") }), false);
        });
        it("excludes by notResources pattern and by dependency", () => {
            assert.equal(
                selectionCovers(
                    selection({
                        resources: ["arn:aws:dynamodb:*:*:table/*"],
                        notResources: ["arn:aws:dynamodb:*:*:table/prod-env-receipts"],
                    }),
                    t,
                ),
                false,
            );
            assert.equal(
                selectionCovers(
                    selection({
                        resources: ["arn:aws:dynamodb:*:*:table/*"],
                        notResources: ["arn:aws:dynamodb:*:*:table/other"],
                    }),
                    t,
                ),
                true,
            );
        });
    });
});
