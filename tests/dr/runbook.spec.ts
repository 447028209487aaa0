/**
 * The runbook is executable: every DR command in docs/runbook.md's code blocks is parsed by the
 * CLI's own commander parser (a command or flag the CLI lacks fails here), and the scenarios run
 * against the estate stand-in.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseCommandLine } from "../../dr/cli";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import {
    AdminAddUserToGroupCommand,
    AdminCreateUserCommand,
    AdminDisableUserCommand,
    CreateGroupCommand,
    CreateUserImportJobCommand,
    DescribeUserImportJobCommand,
    DescribeUserPoolCommand,
    GetCSVHeaderCommand,
    ListGroupsCommand,
    ListUserPoolsCommand,
    ListUsersCommand,
    StartUserImportJobCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { DrHarness, NOW } from "../helpers/drHarness";
import { CLIENT_SECRET, SALT, SALT_VALUE, fakeKmsAndArchive } from "../helpers/drSecrets";
import { PROD_TABLES, recoverableEstate } from "../helpers/drEstate";
import { IamStandIn, SecretsStandIn, TablesStandIn } from "../helpers/drStandIn";
import * as naming from "../../naming";
import { StartRestoreJobCommand } from "@aws-sdk/client-backup";
import { runbookCommands, runbookS3Paths, scenario, shellWords } from "../helpers/runbook";
import { USER_EXPORT_PREFIX } from "../../dr/commands/exportUsers";
import { ExportsStandIn, ImportedTables, Item } from "../helpers/drExports";
import { ReplicatingBuckets, estateReplicationRules } from "../helpers/drReplication";

const SCENARIOS = [
    "1. Accidental deletion",
    "2. Corrupted data",
    "3. Lost account",
    "4. Lost region",
    "5. Lost user pool",
    "6. Lost salt",
    "7. Compromised credentials or ransomware",
    "8. Old records after account loss",
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

/** The lost account's replacement, 999999999999, named in the stack file and the backup stack. */
function rebuiltAccount(h: DrHarness): Set<string> {
    const dir = h.projectWithDeploymentAccounts([
        { environment: "prod", accountId: "999999999999" },
        { environment: "ci", accountId: "222222222222" },
    ]);
    const prodFile = path.join(dir, "Pulumi.prod.yaml");
    fs.writeFileSync(
        prodFile,
        fs.readFileSync(prodFile, "utf8").replace('accountId: "111111111111"', 'accountId: "999999999999"'),
    );
    h.accountIds.target = "999999999999";
    return recoverableEstate(h, "999999999999");
}

/** Runs the scenario's commands in order, as written, and returns their results. */
async function runAll(h: DrHarness, commands: { argv: string[] }[]) {
    const results = [];
    for (const c of commands) results.push(await h.run(c.argv));
    return results;
}

describe("runbook scenario 1 (accidental deletion) against the estate stand-in", () => {
    let h: DrHarness;
    let dynamo: TablesStandIn;
    beforeEach(() => {
        h = new DrHarness();
        dynamo = new TablesStandIn(h);
        dynamo.add("prod-env-receipts");
    });
    afterEach(() => h.restore());

    it("a deleted table comes back under its own name with PITR and deletion protection; a row loss into a new table with TTL and tags", async () => {
        const [dryRun, deleted, rows] = scenario("1.");
        dynamo.delete("prod-env-receipts", NOW - 3_600_000);
        const planned = await h.run(dryRun.argv);
        assert.equal(planned.code, 0, planned.stderr);
        assert.ok(!dynamo.tables.has("prod-env-receipts"), "the dry run restored nothing");

        const restored = await h.run(deleted.argv);
        assert.equal(restored.code, 0, restored.stdout + restored.stderr);
        const table = dynamo.tables.get("prod-env-receipts");
        assert.ok(table, "restored under its own name");
        assert.equal(table.pitr, true);
        assert.equal(table.deletionProtection, true);
        assert.equal(table.items, 1000);

        // Later that day rows go missing at about 14:05; the runbook restores to 14:00.
        dynamo.add("prod-env-receipts", 1000);
        await h.clock.sleep(Date.UTC(2026, 10, 26, 14, 30) - h.clock.now());
        const copy = await h.run(rows.argv);
        assert.equal(copy.code, 0, copy.stdout + copy.stderr);
        const clean = dynamo.tables.get("prod-env-receipts-restored-20261126T140000Z");
        assert.ok(clean, "restored into a new table named after the time");
        assert.deepEqual(
            { pitr: clean.pitr, ttl: clean.ttl, protection: clean.deletionProtection, tags: clean.tags },
            { pitr: true, ttl: "expiresAt", protection: true, tags: [{ Key: "app", Value: "vat" }] },
        );
    });
});

describe("runbook scenario 6 (lost salt) against the estate stand-in", () => {
    let h: DrHarness;
    let secrets: SecretsStandIn;
    beforeEach(() => {
        h = new DrHarness();
        fakeKmsAndArchive(h);
        h.mocks().secrets.reset();
        secrets = new SecretsStandIn(h);
        secrets.seed(SALT, SALT_VALUE);
    });
    afterEach(() => h.restore());

    it("the daily escrow, then the salt lost everywhere: the runbook's commands bring back the escrowed versions with the DR replica", async () => {
        const escrow = scenario("Daily").find((c) => c.argv[0] === "escrow-secret");
        assert.ok(escrow);
        const [escrowed] = await runAll(h, [{ argv: escrow.argv.filter((a) => a !== "--all").concat(SALT) }]);
        assert.equal(escrowed.code, 0, escrowed.stdout + escrowed.stderr);
        secrets.lose(SALT);

        const [dryRun, restore] = await runAll(h, scenario("6."));
        assert.equal(dryRun.code, 0, dryRun.stderr);
        assert.equal(restore.code, 0, restore.stdout + restore.stderr);
        assert.equal(secrets.value("eu-west-2", SALT), SALT_VALUE, "the escrowed versions are the salt's again");
        assert.deepEqual(
            JSON.parse(secrets.value("eu-west-2", SALT) as string).versions,
            JSON.parse(SALT_VALUE).versions,
        );
        assert.equal(secrets.value("eu-west-1", SALT), SALT_VALUE, "the DR-region replica holds it too");
    });

    it("in the DR region the same command refuses the replica (Secrets Manager refuses PutSecretValue on a replica)", async () => {
        const [, restore] = scenario("6.");
        assert.equal((await h.run(["escrow-secret", SALT, "--stack", "prod", "--backup-profile", "backup"])).code, 0);
        const r = await h.run([...restore.argv, "--region", "eu-west-1", "--overwrite"]);
        assert.equal(r.code, 0, "the replica already holds the escrowed value: nothing to write");
        h.mocks("target", "eu-west-1").secrets.on(GetSecretValueCommand).resolves({ SecretString: "tampered" });
        const refused = await h.run([...restore.argv, "--region", "eu-west-1", "--overwrite"]);
        assert.equal(refused.code, 2);
        assert.match(refused.stderr, /is a replica of the secret in eu-west-2/);
    });
});

describe("runbook scenario 3 (lost account) against the estate stand-in", () => {
    let h: DrHarness;
    let secrets: SecretsStandIn;
    let cwd: string;
    beforeEach(() => {
        h = new DrHarness();
        fakeKmsAndArchive(h);
        h.mocks().secrets.reset();
        secrets = new SecretsStandIn(h);
        cwd = process.cwd();
    });
    afterEach(() => {
        process.chdir(cwd);
        h.restore();
    });

    it("from the old account's escrows and the backup account's vault, the new account gets its secrets and every table, protected", async () => {
        // Before the loss: the old account escrows its critical secrets (the daily routine).
        secrets.seed(SALT, SALT_VALUE);
        secrets.seed(CLIENT_SECRET, "hmrc-secret");
        const escrow = scenario("Daily").find((c) => c.argv[0] === "escrow-secret");
        assert.ok(escrow);
        assert.equal((await h.run(escrow.argv)).code, 0);

        // The account is lost; a new one, 999999999999, is in the stack file and the backup stack.
        secrets.lose(SALT);
        secrets.lose(CLIENT_SECRET);
        const created = rebuiltAccount(h);
        process.chdir(h.tmp);
        fs.writeFileSync(
            "sentinels.yaml",
            "receipts:\n  hashedSub: { S: dr-sentinel }\n  receiptId: { S: dr-sentinel }\n",
        );

        const results = await runAll(h, scenario("3."));
        results.forEach((r, i) => assert.equal(r.code, 0, `${scenario("3.")[i].line}\n${r.stdout}\n${r.stderr}`));

        assert.equal(secrets.value("eu-west-2", SALT), SALT_VALUE, "the salt from the old account's escrow");
        assert.equal(secrets.value("eu-west-1", SALT), SALT_VALUE, "with its DR replica");
        assert.equal(secrets.value("eu-west-2", CLIENT_SECRET), "hmrc-secret");
        assert.deepEqual([...created].sort(), [...PROD_TABLES].sort(), "every table, under its own name");
        assert.ok(
            h
                .sentOps("ListRecoveryPointsByBackupVault")
                .every((i) => String(i.ByResourceArn).includes(":111111111111:")),
            "recovery points found by the lost account's table ARNs",
        );
        assert.ok(
            h
                .sentOps("StartCopyJob")
                .every(
                    (i) =>
                        i.DestinationBackupVaultArn ===
                        "arn:aws:backup:eu-west-2:999999999999:backup-vault:prod-env-backup-vault",
                ),
        );
        assert.equal(h.sentOps("UpdateContinuousBackups").length, PROD_TABLES.length, "PITR on every restored table");
        assert.equal(
            h.sentOps("UpdateTable").length,
            PROD_TABLES.length,
            "deletion protection on every restored table",
        );
    });
});

describe("runbook scenarios 4 (lost region) and 7 (compromised account) against the estate stand-in", () => {
    let h: DrHarness;
    let cwd: string;
    beforeEach(() => {
        h = new DrHarness();
        cwd = process.cwd();
        process.chdir(h.tmp);
        fs.writeFileSync(
            "sentinels.yaml",
            "receipts:\n  hashedSub: { S: dr-sentinel }\n  receiptId: { S: dr-sentinel }\n",
        );
    });
    afterEach(() => {
        process.chdir(cwd);
        h.restore();
    });

    it("4: every table comes back in eu-west-1 from the DR vault, found by the lost region's table ARNs", async () => {
        const created = recoverableEstate(h, "111111111111", "eu-west-1");
        // IAM is global: the lost region's stack left its roles; the eu-west-1 stack (step 1) creates its
        // own, which only works because their names carry the region, and the restore jobs pass those.
        const iam = new IamStandIn();
        iam.createRoles(naming.deploymentRoleNames("prod", "eu-west-2"));
        assert.throws(
            () => iam.createRoles([naming.deploymentRoleNames("prod", "eu-west-2")[0]]),
            /EntityAlreadyExists/,
        );
        iam.createRoles(naming.deploymentRoleNames("prod", "eu-west-1"));
        h.mocks("target", "eu-west-1")
            .backup.on(StartRestoreJobCommand)
            .callsFake((i: { IamRoleArn: string; Metadata: Record<string, string> }) => {
                const missing = iam.requireRole(i.IamRoleArn);
                if (missing) return Promise.reject(missing);
                created.add(i.Metadata.targetTableName);
                return { RestoreJobId: `restore-${i.Metadata.targetTableName}` };
            });
        const results = await runAll(h, scenario("4."));
        results.forEach((r) => assert.equal(r.code, 0, r.stdout + r.stderr));
        assert.deepEqual([...created].sort(), [...PROD_TABLES].sort());
        const copies = h.sentOps("StartCopyJob");
        assert.ok(copies.every((c) => c.SourceBackupVaultName === "dr-backup-vault"));
        assert.ok(
            copies.every(
                (c) =>
                    c.DestinationBackupVaultArn ===
                    "arn:aws:backup:eu-west-1:111111111111:backup-vault:prod-env-backup-vault",
            ),
        );
        assert.ok(
            h
                .sentOps("ListRecoveryPointsByBackupVault")
                .every((i) => String(i.ByResourceArn).startsWith("arn:aws:dynamodb:eu-west-2:")),
        );
        assert.ok(
            h
                .sentOps("StartRestoreJob")
                .every((i) => i.IamRoleArn === "arn:aws:iam::111111111111:role/prod-env-backup-service-eu-west-1"),
            "the restore jobs pass the role the eu-west-1 stack created",
        );
    });

    it("4: a restore job naming a role that no stack created is refused by the stand-in (it checks the role exists)", () => {
        const iam = new IamStandIn();
        iam.createRoles(naming.deploymentRoleNames("prod", "eu-west-1"));
        assert.equal(iam.requireRole("arn:aws:iam::111111111111:role/prod-env-backup-service-eu-west-1"), undefined);
        assert.match(
            String(iam.requireRole("arn:aws:iam::111111111111:role/prod-env-backup-service")),
            /does not exist/,
        );
    });

    it("7: recovery into a fresh account uses only recovery points from before the compromise, and the salt's escrow", async () => {
        fakeKmsAndArchive(h);
        h.mocks().secrets.reset();
        const secrets = new SecretsStandIn(h);
        secrets.seed(SALT, SALT_VALUE);
        secrets.seed(CLIENT_SECRET, "hmrc-secret");
        assert.equal(
            (await h.run(["escrow-secret", "--all", "--stack", "prod", "--backup-profile", "backup"])).code,
            0,
        );
        secrets.lose(SALT);
        const created = rebuiltAccount(h);

        const results = await runAll(h, scenario("7."));
        results.forEach((r) => assert.equal(r.code, 0, r.stdout + r.stderr));
        assert.equal(secrets.value("eu-west-2", SALT), SALT_VALUE);
        assert.deepEqual([...created].sort(), [...PROD_TABLES].sort());
        assert.ok(
            h.sentOps("StartCopyJob").every((c) => String(c.RecoveryPointArn).endsWith("-old")),
            "only points created before --as-of 2026-11-25T00:00:00Z",
        );
    });
});

describe("runbook scenario 2 (corrupted data) against the estate stand-in", () => {
    let h: DrHarness;
    let cwd: string;
    beforeEach(() => {
        h = new DrHarness();
        cwd = process.cwd();
        process.chdir(h.tmp);
    });
    afterEach(() => {
        process.chdir(cwd);
        h.restore();
    });

    it("inside the PITR window: a clean copy as of one minute before the corruption, protected like the source", async () => {
        const dynamo = new TablesStandIn(h);
        dynamo.add("prod-env-bundles", 500);
        await h.clock.sleep(Date.UTC(2026, 10, 26, 10, 30) - h.clock.now());
        const [pitr] = scenario("2.");
        const r = await h.run(pitr.argv);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const clean = dynamo.tables.get("prod-env-bundles-clean");
        assert.ok(clean);
        assert.deepEqual(
            { pitr: clean.pitr, ttl: clean.ttl, protection: clean.deletionProtection, items: clean.items },
            { pitr: true, ttl: "expiresAt", protection: true, items: 500 },
        );
        assert.ok(dynamo.tables.has("prod-env-bundles"), "the corrupted table stays as evidence");
    });

    it("older than the window: the newest recovery point before the corruption, under a scratch name, kept", async () => {
        const created = recoverableEstate(h);
        const [, drill] = scenario("2.");
        const r = await h.run(drill.argv);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual([...created], ["clean-prod-env-bundles"]);
        assert.deepEqual(
            h.sentOps("StartCopyJob").map((c) => c.RecoveryPointArn),
            ["arn:aws:backup:eu-west-2:333333333333:recovery-point:prod-env-bundles-monthly"],
        );
        assert.equal(h.sentOps("DeleteTable").length, 0, "--keep leaves the clean table");
        assert.ok(fs.existsSync(path.join(h.tmp, "corruption-restore.md")));
    });
});

describe("runbook scenario 5 (lost user pool) against the estate stand-in", () => {
    let h: DrHarness;
    let cwd: string;
    beforeEach(() => {
        h = new DrHarness();
        cwd = process.cwd();
        process.chdir(h.tmp);
    });
    afterEach(() => {
        process.chdir(cwd);
        h.restore();
    });

    it("the recreated pool gets every user back with an old→new sub mapping, groups, and disabled users still disabled", async () => {
        const NEW_POOL = "eu-west-2_NewPool1";
        fs.mkdirSync("cognito-export");
        const users = [
            {
                username: "alice",
                sub: "old-a",
                enabled: true,
                attributes: { sub: "old-a", email: "a@example.com", email_verified: "true" },
            },
            {
                username: "bob",
                sub: "old-b",
                enabled: false,
                attributes: { sub: "old-b", email: "b@example.com", email_verified: "true" },
            },
            { username: "carol", sub: "old-c", enabled: true, attributes: { sub: "old-c", email: "c@example.com" } },
        ];
        fs.writeFileSync(
            "cognito-export/users.json",
            JSON.stringify({
                userPoolId: "eu-west-2_OldPool1",
                exportedAt: "2026-11-26T00:00:00.000Z",
                csvHeader: ["cognito:username", "email", "email_verified"],
                users,
                groups: [{ name: "admins" }],
                memberships: { admins: ["alice", "carol"] },
            }),
        );
        // The new, empty pool: CSV import creates the rows uploaded; AdminCreateUser one user.
        const pool = new Map<string, { sub: string; email?: string; enabled: boolean }>();
        const groups = new Map<string, string[]>();
        let subs = 0;
        const c = h.mocks().cognito;
        c.on(ListUserPoolsCommand).resolves({ UserPools: [{ Id: NEW_POOL, Name: "prod-env-user-pool" }] });
        c.on(GetCSVHeaderCommand).resolves({
            CSVHeader: ["cognito:username", "email", "email_verified", "cognito:mfa_enabled"],
        });
        c.on(DescribeUserPoolCommand).resolves({ UserPool: { Id: NEW_POOL, UsernameAttributes: [] } });
        c.on(CreateUserImportJobCommand).resolves({
            UserImportJob: { JobId: "job-1", PreSignedUrl: "https://upload/job-1" },
        });
        c.on(StartUserImportJobCommand).callsFake(() => {
            const [header, ...rows] = (h.uploads.at(-1)?.body ?? "")
                .trim()
                .split("\n")
                .map((l) => l.split(","));
            for (const row of rows) {
                const record = Object.fromEntries(header.map((k, i) => [k, row[i]]));
                // Cognito's CSV import refuses a user with neither e-mail nor phone verified.
                if (record.email_verified !== "true") return Promise.reject(new Error("unverified row in CSV"));
                pool.set(record["cognito:username"], { sub: `new-${++subs}`, email: record.email, enabled: true });
            }
            return { UserImportJob: { JobId: "job-1", Status: "Pending" } };
        });
        c.on(DescribeUserImportJobCommand).callsFake(() => ({
            UserImportJob: { JobId: "job-1", Status: "Succeeded", ImportedUsers: pool.size, FailedUsers: 0 },
        }));
        c.on(AdminCreateUserCommand).callsFake((i: { Username: string }) => {
            pool.set(i.Username, { sub: `new-${++subs}`, enabled: true });
            return {};
        });
        c.on(AdminDisableUserCommand).callsFake((i: { Username: string }) => {
            const u = pool.get(i.Username);
            if (u) u.enabled = false;
            return {};
        });
        c.on(ListUsersCommand).callsFake(() => ({
            Users: [...pool].map(([Username, u]) => ({
                Username,
                Enabled: u.enabled,
                UserStatus: "RESET_REQUIRED",
                Attributes: [{ Name: "sub", Value: u.sub }, ...(u.email ? [{ Name: "email", Value: u.email }] : [])],
            })),
        }));
        c.on(ListGroupsCommand).resolves({ Groups: [] });
        c.on(CreateGroupCommand).callsFake((i: { GroupName: string }) => {
            groups.set(i.GroupName, []);
            return {};
        });
        c.on(AdminAddUserToGroupCommand).callsFake((i: { GroupName: string; Username: string }) => {
            groups.get(i.GroupName)?.push(i.Username);
            return {};
        });

        const [dryRun, real] = scenario("5.");
        const planned = await h.run(dryRun.argv);
        assert.equal(planned.code, 0, planned.stdout + planned.stderr);
        assert.equal(pool.size, 0, "the dry run imported nobody");
        const r = await h.run(real.argv);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const mapping = JSON.parse(fs.readFileSync("cognito-export/sub-mapping.json", "utf8"));
        assert.deepEqual(
            mapping.mapping.map((m: { username: string; oldSub: string; newSub: string }) => [
                m.oldSub,
                m.newSub === pool.get(m.username)?.sub,
            ]),
            [
                ["old-a", true],
                ["old-b", true],
                ["old-c", true],
            ],
            "every old sub maps to the sub of the same user in the new pool",
        );
        assert.deepEqual(mapping.unmatched, []);
        assert.equal(pool.get("bob")?.enabled, false, "bob was disabled and stays disabled");
        assert.deepEqual(groups.get("admins"), ["alice", "carol"]);
    });
});

describe("runbook scenario 8 (old records after account loss) against the estate stand-in", () => {
    let h: DrHarness;
    let cwd: string;
    const HOUR = 3_600_000;
    const LOST = "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-receipts";
    const receipt = (id: string, amount: number): Item => ({
        hashedSub: { S: "u1" },
        receiptId: { S: id },
        amount: { N: String(amount) },
    });
    beforeEach(() => {
        h = new DrHarness();
        cwd = process.cwd();
    });
    afterEach(() => {
        process.chdir(cwd);
        h.restore();
    });

    /** The rebuilt account 999999999999, the lost account's cold monthly point, and its exports in the archive. */
    function estate(): { tables: TablesStandIn; imported: ImportedTables } {
        rebuiltAccount(h);
        process.chdir(h.tmp);
        const tables = new TablesStandIn(h, "999999999999");
        // The lost account wrote its exports into its own exports bucket; the archive holds what the
        // stacks' replication rules carried there (drReplication.ts: a replica is not replicated
        // onward, so only a direct rule from the exports bucket fills the archive).
        const s3 = new ReplicatingBuckets(estateReplicationRules());
        const ARCHIVE = "vat-backup-archive-333333333333-eu-west-2";
        const archive = new ExportsStandIn(h, ARCHIVE, "target", "eu-west-2", s3.bucket(ARCHIVE));
        const lostExports = s3.exportWriter(naming.exportsBucketName("prod", "111111111111", "eu-west-2"));
        const imported = new ImportedTables(h, tables, archive, ["hashedSub", "receiptId"]);
        // Sunday 30 March 2025, 01:00: the weekly full export; then every hour an incremental one.
        const full = Date.UTC(2025, 2, 30, 1);
        lostExports.full(LOST, full, [receipt("r1", 10), receipt("r2", 20)]);
        for (let t = full; t < Date.UTC(2025, 2, 31, 6); t += HOUR) {
            const lines =
                t === Date.UTC(2025, 2, 30, 9)
                    ? [{ Keys: { hashedSub: { S: "u1" }, receiptId: { S: "r3" } }, NewImage: receipt("r3", 30) }]
                    : t === Date.UTC(2025, 2, 31, 2)
                      ? [{ Keys: { hashedSub: { S: "u1" }, receiptId: { S: "r1" } }, OldImage: receipt("r1", 10) }]
                      : t === Date.UTC(2025, 2, 31, 5)
                        ? [{ Keys: { hashedSub: { S: "u1" }, receiptId: { S: "r2" } }, OldImage: receipt("r2", 20) }]
                        : [];
            lostExports.incremental(LOST, t, t + HOUR, lines);
        }
        assert.ok(
            [...archive.objects.values()].every((o) => o.replicationStatus === "REPLICA"),
            "every export in the archive arrived by replication",
        );
        return { tables, imported };
    }

    it("restore-account names the cold point and the archive path; restore-from-export brings the receipts of 31 March 2025 04:00 back, protected", async () => {
        const { tables, imported } = estate();
        const [coldPoint, dryRun, restore] = scenario("8.");
        const refused = await h.run(coldPoint.argv);
        assert.equal(refused.code, 1, refused.stdout + refused.stderr);
        assert.match(
            refused.stdout + refused.stderr,
            /is in cold storage, and AWS Backup cannot copy a cold recovery point/,
        );
        assert.match(
            refused.stdout + refused.stderr,
            /npm run dr -- restore-from-export prod-env-receipts --to 2025-04-01T00:00:00.000Z/,
        );

        const planned = await h.run(dryRun.argv);
        assert.equal(planned.code, 0, planned.stdout + planned.stderr);
        assert.equal(tables.tables.size, 0, "the dry run created nothing");

        const r = await h.run(restore.argv);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const target = "prod-env-receipts-from-export-20250331t040000z";
        // r3 inserted on the 30th, r1 deleted at 02:00 on the 31st; r2's deletion at 05:00 is after --to.
        assert.deepEqual(imported.items(target), ["u1/r2=20", "u1/r3=30"]);
        const t = tables.tables.get(target);
        assert.deepEqual(
            { pitr: t?.pitr, ttl: t?.ttl, protection: t?.deletionProtection },
            { pitr: true, ttl: "ttl", protection: true },
        );
        const [imp] = h.sentOps("ImportTable") as { S3BucketSource: { S3BucketOwner: string } }[];
        assert.equal(
            imp.S3BucketSource.S3BucketOwner,
            "333333333333",
            "read in place from the backup account's archive",
        );
        assert.ok(fs.existsSync(path.join(h.tmp, "restore-from-export.json")), "the measurement for docs/drills/");
    });

    // AWS Backup, "Backup and tag copy": a cold point cannot be copied. The stand-in refuses the copy
    // as AWS does; the tool must see the storage class first and never start it.
    it("without --dry-run restore-account still never starts a copy of the cold point (the stand-in would refuse it)", async () => {
        estate();
        const [coldPoint] = scenario("8.");
        const r = await h.run(coldPoint.argv.filter((a) => a !== "--dry-run"));
        assert.equal(r.code, 1);
        assert.deepEqual(h.sentOps("StartCopyJob"), []);
        assert.match(r.stdout + r.stderr, /restore-from-export/);
    });
});

// S3 User Guide, "What does Amazon S3 replicate?": a replica is not replicated onward, so an archive
// holds an export only if a rule of the bucket the export is written into names it directly.
describe("runbook: every S3 path it names is where the estate writes, and reaches the bucket through a direct rule", () => {
    const EXPORTS = naming.exportsBucketName("prod", "111111111111", "eu-west-2");
    const ARCHIVE = naming.archiveBucketName("333333333333", "eu-west-2");
    /** Where each kind of object is written first (the tool and the scheduled Lambdas). */
    const WRITTEN: Record<string, string> = {
        [`${USER_EXPORT_PREFIX}/`]: EXPORTS,
        "dynamodb-exports/": EXPORTS,
        "secrets-escrow/": ARCHIVE,
    };

    it("names a prefix something writes, in a bucket that object reaches", () => {
        const paths = runbookS3Paths();
        assert.ok(paths.length > 0, "the runbook names the exports it copies");
        for (const p of paths) {
            const kind = Object.keys(WRITTEN).find((prefix) => p.prefix.startsWith(prefix));
            assert.ok(kind, `${p.section}: nothing writes under s3://${p.bucket}/${p.prefix}`);
            const s3 = new ReplicatingBuckets(estateReplicationRules());
            s3.put(WRITTEN[kind], `${p.prefix}probe`, "x");
            assert.ok(
                s3.bucket(p.bucket).has(`${p.prefix}probe`),
                `${p.section}: s3://${p.bucket}/${p.prefix} never receives it`,
            );
        }
    });

    it("the check is not vacuous: the old path cognito/<date>/ and a DR archive fed only through the primary archive fail it", () => {
        const chain = new ReplicatingBuckets([
            { id: "exports", source: EXPORTS, destination: ARCHIVE },
            { id: "archive", source: ARCHIVE, destination: naming.archiveBucketName("333333333333", "eu-west-1") },
        ]);
        chain.put(EXPORTS, "cognito-exports/p/t/users.json", "{}");
        assert.ok(
            !chain.bucket(naming.archiveBucketName("333333333333", "eu-west-1")).has("cognito-exports/p/t/users.json"),
        );
        assert.equal(
            Object.keys(WRITTEN).find((prefix) => "cognito/2026/11/26/".startsWith(prefix)),
            undefined,
        );
    });
});
