import * as assert from "node:assert/strict";
import { ConfigError, parseStackConfig, projectKeys, readStackFile } from "../../stacks/config";
import { backupSchedule, s3BucketName, scheduleIntervalHours } from "../../aws/rules";

const prod = () => projectKeys(readStackFile("prod"));

/** Parses prod's config with `change` applied and returns the problems reported. */
function problems(change: Record<string, unknown>): string[] {
    try {
        parseStackConfig({ ...prod(), ...change }, "prod");
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
        return err.problems;
    }
    return [];
}

function rejects(change: Record<string, unknown>, key: string, rule: RegExp) {
    const found = problems(change);
    assert.ok(
        found.some((p) => p.startsWith(`vat-backup:${key}`) && rule.test(p)),
        `expected a problem for ${key} matching ${rule}, got:\n${found.join("\n")}`,
    );
}

const rule = (patch: Record<string, unknown>) => ({
    backupRules: { daily: { schedule: "cron(0 2 * * ? *)", lifecycle: { deleteAfterDays: 35 }, ...patch } },
});

describe("stack config", () => {
    describe("the checked-in stacks", () => {
        for (const stack of ["prod", "ci"]) {
            it(`${stack} parses, with the requirements' defaults filled in`, () => {
                const cfg = parseStackConfig(projectKeys(readStackFile(stack)), stack);
                assert.equal(cfg.role, "deployment");
                assert.equal(cfg.pitrRecoveryPeriodDays, 35);
                assert.deepEqual(Object.keys(cfg.backupRules), ["daily", "weekly", "monthly"]);
                assert.deepEqual(cfg.backupRules.monthly.lifecycle, {
                    moveToColdStorageAfterDays: 90,
                    deleteAfterDays: 2555,
                });
                assert.equal(cfg.backupRules.weekly.schedule, "cron(0 3 ? * SUN *)");
                assert.deepEqual(cfg.exportsBucket, {
                    infrequentAccessAfterDays: 30,
                    glacierAfterDays: 90,
                    expireAfterDays: 2557,
                    noncurrentVersionExpireAfterDays: 90,
                });
            });
        }

        it("protects data by default in prod and not in other environments", () => {
            const keys = prod();
            delete keys.protectData;
            assert.equal(parseStackConfig(keys, "prod").protectData, true);
            assert.equal(
                parseStackConfig(
                    { ...keys, environment: "staging", tables: ["staging-env-receipts"], secrets: [] },
                    "staging",
                ).protectData,
                false,
            );
        });

        it("reads structured values handed over as JSON text, the way the Pulumi CLI passes them", () => {
            const keys = projectKeys({
                "vat-backup:pitrRecoveryPeriodDays": "14",
                "vat-backup:protectData": "true",
                "vat-backup:accountId": "011111111111",
            });
            assert.deepEqual(keys, { pitrRecoveryPeriodDays: 14, protectData: true, accountId: "011111111111" });
        });
    });

    describe("rejects, naming the key, the value and the rule", () => {
        it("a malformed account id", () =>
            rejects({ accountId: "11111111111" }, "accountId", /"11111111111".*12 digits/));
        it("an account id YAML read as a number", () =>
            rejects({ backupAccount: { accountId: 333333333333 } }, "backupAccount.accountId", /in quotes/));
        it("an unknown region", () => rejects({ region: "eu-west-9" }, "region", /'eu-west-9' is not an AWS region/));
        it("a DR region equal to the primary", () =>
            rejects({ drRegion: "eu-west-2" }, "drRegion", /must differ from the primary region/));
        it("a malformed organization id", () =>
            rejects({ organizationId: "org-1" }, "organizationId", /o- followed by 10 to 32/));
        it("an environment name that cannot be part of a bucket name", () =>
            rejects({ environment: "Prod_Env" }, "environment", /lowercase/));
        it("a table name AWS would reject", () =>
            rejects({ tables: ["prod env receipts"] }, "tables[0]", /3 to 255 characters/));
        it("a table name that is too short", () => rejects({ tables: ["ab"] }, "tables[0]", /3 to 255/));
        it("duplicate tables", () =>
            rejects({ tables: ["prod-env-receipts", "prod-env-receipts"] }, "tables", /listed twice/));
        it("no tables at all", () => rejects({ tables: [] }, "tables", /at least one table/));
        it("a PITR period beyond DynamoDB's 35 days", () =>
            rejects({ pitrRecoveryPeriodDays: 36 }, "pitrRecoveryPeriodDays", /at most 35 days/));
        it("a schedule AWS would reject: five fields", () =>
            rejects(rule({ schedule: "cron(0 2 * * ?)" }), "backupRules.daily.schedule", /6 fields/));
        it("a schedule AWS would reject: more often than hourly", () =>
            rejects(rule({ schedule: "cron(0/15 * * * ? *)" }), "backupRules.daily.schedule", /at most once an hour/));
        it("a schedule AWS would reject: both day fields set", () =>
            rejects(
                rule({ schedule: "cron(0 2 1 * MON *)" }),
                "backupRules.daily.schedule",
                /exactly one of day-of-month and day-of-week/,
            ));
        it("a schedule AWS would reject: a rate expression", () =>
            rejects(rule({ schedule: "rate(1 day)" }), "backupRules.daily.schedule", /cron expression/));
        it("an hour outside 0-23", () =>
            rejects(rule({ schedule: "cron(0 24 * * ? *)" }), "backupRules.daily.schedule", /outside hours/));
        it("a start window under AWS Backup's 60 minutes", () =>
            rejects(rule({ startWindowMinutes: 30 }), "backupRules.daily.startWindowMinutes", /at least 60 minutes/));
        it("a completion window too close to the start window", () =>
            rejects(
                rule({ startWindowMinutes: 120, completionWindowMinutes: 150 }),
                "backupRules.daily.completionWindowMinutes",
                /at least 60 minutes longer/,
            ));
        it("cold storage too close to deletion", () =>
            rejects(
                rule({ lifecycle: { moveToColdStorageAfterDays: 30, deleteAfterDays: 100 } }),
                "backupRules.daily.lifecycle.deleteAfterDays",
                /at least moveToColdStorageAfterDays \+ 90 = 120/,
            ));
        it("a copy retention shorter than the central vault lock allows", () =>
            rejects(
                rule({ copyToBackupAccount: { deleteAfterDays: 3 } }),
                "backupRules.daily.copyToBackupAccount.deleteAfterDays",
                /lock accepts retention from 7 to 2557 days/,
            ));
        it("a copy retention longer than the central vault lock allows", () =>
            rejects(
                rule({ copyToBackupAccount: { deleteAfterDays: 3000 } }),
                "backupRules.daily.copyToBackupAccount.deleteAfterDays",
                /from 7 to 2557/,
            ));
        it("an invalid backup rule name", () =>
            rejects(
                {
                    backupRules: {
                        "daily rule": { schedule: "cron(0 2 * * ? *)", lifecycle: { deleteAfterDays: 35 } },
                    },
                },
                "backupRules.daily rule",
                /1 to 50 characters/,
            ));
        it("an invalid central vault name", () =>
            rejects(
                { backupAccount: { accountId: "333333333333", vaultName: "central vault!" } },
                "backupAccount.vaultName",
                /2 to 50 characters/,
            ));
        it("a backup stack reference that is not a Pulumi stack name: too many parts", () =>
            rejects(
                { backupAccount: { accountId: "333333333333", stackReference: "acme/vat-backup/backup/extra" } },
                "backupAccount.stackReference",
                /'stack', 'org\/stack' or 'org\/project\/stack'/,
            ));
        it("a backup stack reference that is not a Pulumi stack name: a space or an empty part", () => {
            rejects(
                { backupAccount: { accountId: "333333333333", stackReference: "backup account" } },
                "backupAccount.stackReference",
                /only letters, digits, hyphens, underscores or periods/,
            );
            rejects(
                { backupAccount: { accountId: "333333333333", stackReference: "acme//backup" } },
                "backupAccount.stackReference",
                /'org\/project\/stack'/,
            );
        });
        it("a backup account DR region equal to its primary region (the exports replicate into an archive in each)", () =>
            rejects(
                { backupAccount: { accountId: "333333333333", region: "eu-west-2", drRegion: "eu-west-2" } },
                "backupAccount.drRegion",
                /must differ from its primary region \(eu-west-2\)/,
            ));
        // UpdateRegionSettings rejects a resource type the region does not support (AWS Backup API
        // Reference; hashicorp/terraform-provider-aws#21801), so an unknown region is refused up front.
        it("a region whose AWS Backup resource types the project does not know (region settings name them all)", () =>
            rejects(
                { region: "us-west-1", drRegion: "eu-west-1" },
                "region",
                /UpdateRegionSettings rejects a type.*aws backup describe-region-settings --region us-west-1/,
            ));
        it("a backup account equal to the deployment account", () =>
            rejects({ backupAccount: { accountId: "111111111111" } }, "backupAccount.accountId", /different account/));
        it("a Glacier transition under 30 days after Infrequent Access", () =>
            rejects(
                { exportsBucket: { infrequentAccessAfterDays: 30, glacierAfterDays: 45 } },
                "exportsBucket.glacierAfterDays",
                /infrequentAccessAfterDays \+ 30 = 60/,
            ));
        it("an Infrequent Access transition before S3's 30 days", () =>
            rejects(
                { exportsBucket: { infrequentAccessAfterDays: 10 } },
                "exportsBucket.infrequentAccessAfterDays",
                /30 days/,
            ));
        it("an e-mail address that is not one", () =>
            rejects({ alertEmails: ["ops-at-example.com"] }, "alertEmails[0]", /e-mail address/));
        it("a secret name Secrets Manager would reject", () =>
            rejects({ secrets: [{ name: "prod/salt with spaces" }] }, "secrets[0].name", /1 to 512 characters/));
        it("a tag key in AWS's reserved namespace", () =>
            rejects({ tags: { "aws:owner": "me" } }, "tags.aws:owner", /reserved/));
        it("a deploy role that is not an IAM role ARN", () =>
            rejects({ deployRoleArn: "arn:aws:iam::111111111111:user/me" }, "deployRoleArn", /IAM role ARN/));
        it("an unknown key, which is most likely a typo", () =>
            rejects({ pitrRecoveryPeriod: 35 }, "pitrRecoveryPeriod", /unknown key/));
        it("an unknown role", () =>
            rejects({ role: "application" }, "role", /role must be 'deployment', 'backup' or 'organization'/));
    });

    it("accepts a backup stack reference in each of the forms StackReference takes", () => {
        for (const stackReference of [
            "backup",
            "acme/backup",
            "acme/vat-backup/backup",
            "my_org/vat-backup/backup.v2",
        ]) {
            assert.deepEqual(
                problems({ backupAccount: { accountId: "333333333333", stackReference } }),
                [],
                stackReference,
            );
        }
    });

    it("reports every problem at once, so one fix-and-retry loop is enough", () => {
        const found = problems({ accountId: "1", region: "mars-1", tables: [] });
        assert.equal(found.length, 3);
    });

    it("says that nothing was created", () => {
        assert.throws(
            () => parseStackConfig({ ...prod(), accountId: "1" }, "prod"),
            /Invalid config for stack 'prod' \(nothing was created\)/,
        );
    });
});

describe("AWS rules", () => {
    it("accepts the requirements' schedules", () => {
        for (const s of [
            "cron(0 2 * * ? *)",
            "cron(0 3 ? * SUN *)",
            "cron(0 4 1 * ? *)",
            "cron(30 1 ? * MON-FRI *)",
            "cron(0 5 L * ? *)",
        ]) {
            assert.equal(backupSchedule(s), undefined, s);
        }
    });

    it("derives the interval between runs", () => {
        assert.equal(scheduleIntervalHours("cron(0 2 * * ? *)"), 24);
        assert.equal(scheduleIntervalHours("cron(0 3 ? * SUN *)"), 168);
        assert.equal(scheduleIntervalHours("cron(0 4 1 * ? *)"), 720);
        assert.equal(scheduleIntervalHours("cron(0 */6 * * ? *)"), 1);
    });

    it("applies S3's bucket naming rules", () => {
        assert.equal(s3BucketName("prod-env-backup-exports-111111111111-eu-west-2"), undefined);
        assert.match(s3BucketName("a".repeat(64)) ?? "", /3 to 63/);
        assert.match(s3BucketName("Upper-case") ?? "", /lowercase/);
        assert.match(s3BucketName("192.168.1.1") ?? "", /IP address/);
        assert.match(s3BucketName("xn--bucket") ?? "", /reserved prefix/);
        assert.match(s3BucketName("bucket-s3alias") ?? "", /reserved suffix/);
        assert.match(s3BucketName("my..bucket") ?? "", /adjacent periods/);
    });
});
