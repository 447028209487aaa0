/**
 * The holes the config boundary used to have: tags beyond AWS's 50 per resource, user tags
 * replacing the program's own, keys under a misspelled namespace, numeric bounds reported as
 * "must be a whole number", and more tables than one AWS Backup plan can assign.
 */
import * as assert from "node:assert/strict";
import { MAX_ARNS_PER_SELECTION, MAX_RESOURCE_ASSIGNMENTS_PER_PLAN, MAX_TAGS_PER_RESOURCE } from "../../aws/rules";
import { MAX_ARNS_PER_SELECTION as COMPONENT_MAX_ARNS } from "../../components/plan/backupPlan";
import {
    ConfigError,
    levenshtein,
    maxTablesPerPlan,
    parseStackConfig,
    PROGRAM_TAG_KEYS,
    projectKeys,
    readStackFile,
} from "../../stacks/config";

function problemsOf(
    stack: string,
    change: Record<string, unknown>,
    extraFullKeys: Record<string, string> = {},
): string[] {
    try {
        parseStackConfig({ ...projectKeys({ ...readStackFile(stack), ...extraFullKeys }), ...change }, stack);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
        return err.problems;
    }
    return [];
}

function rejects(stack: string, change: Record<string, unknown>, pattern: RegExp, extra: Record<string, string> = {}) {
    const found = problemsOf(stack, change, extra);
    assert.ok(
        found.some((p) => pattern.test(p)),
        `expected a problem matching ${pattern}, got:\n${found.join("\n")}`,
    );
}

const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`team-${i}`, "x"]));

describe("config boundary without holes", () => {
    describe("tags: AWS allows 50 per resource (AWS General Reference, tag restrictions), the program's own included", () => {
        it("states the numbers: 50 per resource, 3 of the program's own", () => {
            assert.equal(MAX_TAGS_PER_RESOURCE, 50);
            assert.deepEqual([...PROGRAM_TAG_KEYS], ["project", "managed-by", "environment"]);
        });
        it("accepts 47 user tags, which make 50 with the program's 3", () => {
            assert.deepEqual(problemsOf("prod", { tags: tags(47) }), []);
        });
        for (const stack of ["prod", "backup", "org"]) {
            it(`rejects 48 user tags on '${stack}', counting the program's own`, () => {
                rejects(
                    stack,
                    { tags: tags(48) },
                    /^vat-backup:tags = .*48 tags, plus the program's own 3 .* make 51 on every resource; AWS allows at most 50 per resource, so give at most 47/,
                );
            });
        }
        for (const key of ["project", "managed-by", "environment"]) {
            it(`rejects a user tag '${key}', which would replace the program's own`, () => {
                rejects("prod", { tags: { [key]: "other" } }, new RegExp(`tag '${key}' is set by the program itself`));
            });
        }
    });

    describe("a namespace within Levenshtein distance 2 of vat-backup is a misspelling, and rejected", () => {
        it("measures edit distance", () => {
            assert.equal(levenshtein("vat-bakup", "vat-backup"), 1);
            assert.equal(levenshtein("vatbackup", "vat-backup"), 1);
            assert.equal(levenshtein("vat-bckp", "vat-backup"), 2);
            assert.equal(levenshtein("aws", "vat-backup"), 9);
            assert.equal(levenshtein("", "ab"), 2);
        });
        it("rejects vat-bakup:protectData, naming the key and the correct spelling", () => {
            rejects(
                "prod",
                {},
                /^vat-bakup:protectData: the namespace 'vat-bakup' is a misspelling of 'vat-backup' .* write it as vat-backup:protectData/,
                {
                    "vat-bakup:protectData": "false",
                },
            );
        });
        it("rejects a namespace two edits away (vat-bckup) too", () => {
            rejects("prod", {}, /^vat-bckup:tables: /, { "vat-bckup:tables": "[]" });
        });
        it("leaves other tools' namespaces (aws, pulumi, three or more edits away) alone", () => {
            assert.deepEqual(
                problemsOf("prod", {}, { "aws:profile": "x", "pulumi:template": "y", "vat-app:x": "z" }),
                [],
            );
        });
    });

    describe("every numeric rule is stated in its message", () => {
        it("0 days of noncurrent-version expiry says 'at least 1 day', not 'a whole number'", () => {
            rejects(
                "prod",
                { exportsBucket: { noncurrentVersionExpireAfterDays: 0 } },
                /noncurrentVersionExpireAfterDays = 0: noncurrentVersionExpireAfterDays is at least 1 day$/,
            );
        });
        it("0 days of central-lock minimum on a deployment stack states the bound", () => {
            rejects(
                "prod",
                { backupAccount: { accountId: "333333333333", vaultLock: { minRetentionDays: 0 } } },
                /vaultLock\.minRetentionDays = 0: minRetentionDays is at least 1 day$/,
            );
        });
        it("0 days of archive retention states the bound", () => {
            rejects(
                "backup",
                { archiveRetentionDays: 0 },
                /archiveRetentionDays = 0: archiveRetentionDays is at least 1 day$/,
            );
        });
        it("a maximum states its number", () => {
            rejects(
                "backup",
                { airGappedVault: { enabled: true, maxRetentionDays: 40000 } },
                /maxRetentionDays is at most 36500 days$/,
            );
        });
        it("a fraction is still 'a whole number of days'", () => {
            rejects(
                "prod",
                { pitrRecoveryPeriodDays: 1.5 },
                /pitrRecoveryPeriodDays = 1\.5: pitrRecoveryPeriodDays must be a whole number of days/,
            );
        });
    });

    describe("tables: bounded by AWS Backup's resource assignments per plan (AWS Backup quotas page: 100, not adjustable)", () => {
        it("allows 99 listed selections of 500 ARNs (BackupSelection: at most 500 ARNs without wildcards) beside the tag selection", () => {
            assert.equal(MAX_RESOURCE_ASSIGNMENTS_PER_PLAN, 100);
            assert.equal(MAX_ARNS_PER_SELECTION, 500);
            assert.equal(COMPONENT_MAX_ARNS, MAX_ARNS_PER_SELECTION, "the plan component splits by the same rule");
            assert.equal(maxTablesPerPlan(), 49_500);
        });
        const names = (n: number) => Array.from({ length: n }, (_, i) => `prod-env-t${i}`);
        it("accepts the most tables a plan can assign", () => {
            assert.deepEqual(problemsOf("prod", { tables: names(maxTablesPerPlan()) }), []);
        });
        it("rejects one table more, naming the key and the quota", () => {
            rejects(
                "prod",
                { tables: names(maxTablesPerPlan() + 1) },
                /^vat-backup:tables = .*49501 tables need 100 selections of at most 500 ARNs plus the tag selection; AWS Backup allows 100 resource assignments per plan, so at most 49500 tables/,
            );
        });
    });
});
