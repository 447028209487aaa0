/**
 * The command line under stress (issue 15, items 1-3, 6, 7, 9, 12): each test below failed before
 * its fix. Secrets Manager rules cited: "Replicate an AWS Secrets Manager secret to other AWS
 * Regions" (a replica is read-only: PutSecretValue is refused; a secret cannot replicate into its
 * own region; stop-replication-to-replica promotes it).
 */
import {
    CreateSecretCommand,
    DescribeSecretCommand,
    GetSecretValueCommand,
    PutSecretValueCommand,
} from "@aws-sdk/client-secrets-manager";
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { COMMON, DrHarness, awsError } from "../helpers/drHarness";
import { recoverableEstate } from "../helpers/drEstate";
import { SALT, fakeKmsAndArchive } from "../helpers/drSecrets";

describe("dr under stress: recover-secret", () => {
    let h: DrHarness;
    beforeEach(async () => {
        h = new DrHarness();
        fakeKmsAndArchive(h);
        await h.run(["escrow-secret", SALT, ...COMMON]);
    });
    afterEach(() => h.restore());

    it("stops when the current value cannot be read (KMS AccessDenied) instead of overwriting it", async () => {
        const s = h.mocks().secrets;
        s.on(DescribeSecretCommand).resolves({ Name: SALT });
        s.on(GetSecretValueCommand, { SecretId: SALT }).rejects(
            awsError("AccessDeniedException", "kms:Decrypt denied"),
        );
        const r = await h.run(["recover-secret", SALT, "--restore", ...COMMON]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /cannot read the current value of .*AccessDeniedException.*refusing to write/);
        assert.equal(h.sentOps("PutSecretValue").length, 0);
    });

    it("still treats a secret without a value (not found) as empty and puts the escrow back", async () => {
        const s = h.mocks().secrets;
        s.on(DescribeSecretCommand).resolves({ Name: SALT });
        s.on(GetSecretValueCommand, { SecretId: SALT }).rejects(awsError("ResourceNotFoundException"));
        s.on(PutSecretValueCommand).resolves({});
        const r = await h.run(["recover-secret", SALT, "--restore", ...COMMON]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(h.sentOps("PutSecretValue").length, 1);
    });

    it("checks the target account before restoring: credentials of another account are refused (exit 2)", async () => {
        h.accountIds.target = "999999999999";
        h.mocks().secrets.on(DescribeSecretCommand).rejects(awsError("ResourceNotFoundException"));
        const r = await h.run(["recover-secret", SALT, "--restore", ...COMMON]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /target credentials are for account 999999999999, but this needs account 111111111111/);
        assert.equal(h.sentOps("CreateSecret").length, 0);
    });

    it("finds the escrows of the account named by --source-account-id (the lost one after a rebuild)", async () => {
        const r = await h.run([
            "recover-secret",
            SALT,
            "--out",
            path.join(h.tmp, "salt"),
            "--source-account-id",
            "444444444444",
            ...COMMON,
        ]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /no escrow of .* from account 444444444444/);
    });

    it("writes no file under --dry-run (the plaintext salt stays in memory)", async () => {
        const file = path.join(h.tmp, "salt.json");
        const r = await h.run(["recover-secret", SALT, "--out", file, ...COMMON, "--dry-run"]);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(!fs.existsSync(file));
        assert.match(r.stdout, /dry run: would write the value to/);
    });

    it("refuses --overwrite without --restore (exit 2) before any AWS call", async () => {
        const before = h.sent().length;
        const r = await h.run(["recover-secret", SALT, "--out", path.join(h.tmp, "x"), "--overwrite", ...COMMON]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /--overwrite only means something with --restore/);
        assert.equal(h.sent().length, before);
    });

    it("in the DR region, refuses to write a replica (PutSecretValue is refused on replicas) and says how to promote it", async () => {
        const s = h.mocks("target", "eu-west-1").secrets;
        s.on(DescribeSecretCommand).resolves({ Name: SALT, PrimaryRegion: "eu-west-2" });
        s.on(GetSecretValueCommand).resolves({ SecretString: "other" });
        const r = await h.run(["recover-secret", SALT, "--restore", ...COMMON, "--region", "eu-west-1", "--overwrite"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /is a replica of the secret in eu-west-2/);
        assert.match(
            r.stderr,
            /stop-replication-to-replica --secret-id prod\/submit\/user-sub-hash-salt --region eu-west-1/,
        );
        assert.equal(h.sentOps("PutSecretValue").length, 0);
    });

    it("in the DR region, re-creates a lost secret without asking for a replica in its own region", async () => {
        const s = h.mocks("target", "eu-west-1").secrets;
        s.on(DescribeSecretCommand).rejects(awsError("ResourceNotFoundException"));
        s.on(CreateSecretCommand).resolves({});
        const r = await h.run(["recover-secret", SALT, "--restore", ...COMMON, "--region", "eu-west-1"]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(h.sentOps("CreateSecret")[0].AddReplicaRegions, undefined);
        assert.match(r.stdout, /WARN  replica:/);
    });
});

describe("dr under stress: offline input checks (exit 2, the flag named, no AWS call)", () => {
    let h: DrHarness;
    beforeEach(() => (h = new DrHarness()));
    afterEach(() => h.restore());

    const refused = async (argv: string[], pattern: RegExp) => {
        const r = await h.run(argv);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, pattern);
        assert.deepEqual(h.sent(), [], "nothing reached AWS");
        return r;
    };

    it("refuses a date that does not exist (2026-02-30 is not read as 2 March)", async () => {
        await refused(
            ["restore-pitr", "prod-env-receipts", "--to", "2026-02-30T02:00:00Z", "--stack", "prod"],
            /--to '2026-02-30T02:00:00Z' is not a date and time that exists/,
        );
        await refused(
            ["restore-pitr", "prod-env-receipts", "--to", "2026-11-26T24:30:00Z", "--stack", "prod"],
            /not a date and time that exists/,
        );
    });

    it("refuses an absurd relative time instead of a RangeError blamed on AWS", async () => {
        await refused(
            ["restore-pitr", "prod-env-receipts", "--to", "-99999999999d", "--stack", "prod"],
            /--to '-99999999999d' reaches back more than 10 years/,
        );
    });

    it("refuses malformed identifiers, naming the flag or argument typed", async () => {
        await refused(
            ["restore-pitr", "x", "--to", "-1h"],
            /value 'x' is invalid for argument 'table'.*DynamoDB table name/,
        );
        await refused(
            ["recover-secret", "bad name!", "--restore"],
            /value 'bad name!' is invalid for argument 'secret'/,
        );
        await refused(
            ["restore-account", "--stack", "prod", "--target-account-id", "12345"],
            /--target-account-id <id>' argument '12345' is invalid.*12-digit/,
        );
        await refused(["verify", "--region", "london"], /--region <region>' argument 'london' is invalid/);
        await refused(["verify", "--role-arn", "prod-admin"], /--role-arn <arn>' argument 'prod-admin' is invalid/);
        await refused(
            ["recover-secret", SALT, "--restore", "--bucket", "Not_A_Bucket"],
            /--bucket <name>' argument 'Not_A_Bucket' is invalid/,
        );
        await refused(
            ["recover-secret", SALT, "--restore", "--key-id", "alias/x"],
            /--key-id <arn>' argument 'alias\/x' is invalid/,
        );
        await refused(
            ["restore-account", "--stack", "prod", "--only", "prod-env-receipts,!!"],
            /--only <tables>' argument .*'!!' is not a DynamoDB table name/,
        );
        await refused(["escrow-secret", "ok", "not ok"], /value 'not ok' is invalid for argument 'secrets'/);
    });

    it("blames the <table> argument, not the derived target name, when the restored name would be too long", async () => {
        await refused(
            ["restore-pitr", "t".repeat(250), "--to", "-1h", "--stack", "prod", "--profile", "p"],
            /<table> 't+' is too long to name its restored copy/,
        );
    });

    it("prints a JSON error document for a usage error under --json", async () => {
        const r = await h.run(["restore-pitr", "prod-env-receipts", "--to", "-1h", "--region", "nowhere", "--json"]);
        assert.equal(r.code, 2);
        const doc = r.json();
        assert.equal(doc.ok, false);
        assert.equal(doc.exitCode, 2);
        assert.equal(doc.command, "restore-pitr");
        assert.match(doc.error, /--region/);
    });

    it("needs --role-arn with --mfa-serial, and --backup-role-arn with --backup-mfa-serial", async () => {
        await refused(
            ["verify", "--stack", "prod", "--mfa-serial", "arn:aws:iam::111111111111:mfa/oncall"],
            /--mfa-serial answers the MFA condition of a role: pass --role-arn too/,
        );
        await refused(
            ["verify", "--stack", "prod", "--backup-mfa-serial", "arn:aws:iam::333333333333:mfa/oncall"],
            /--backup-mfa-serial .* pass --backup-role-arn too/,
        );
    });
});

describe("dr under stress: accounts, vaults and windows", () => {
    let h: DrHarness;
    beforeEach(() => (h = new DrHarness()));
    afterEach(() => h.restore());

    it("restore-account into another listed account targets the vault of the environment the backup stack lists it under", async () => {
        h.accountIds.target = "222222222222";
        recoverableEstate(h, "222222222222");
        const r = await h.run([
            "restore-account",
            ...COMMON,
            "--only",
            "prod-env-receipts",
            "--target-account-id",
            "222222222222",
        ]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(
            h.sentOps("StartCopyJob")[0].DestinationBackupVaultArn,
            "arn:aws:backup:eu-west-2:222222222222:backup-vault:ci-env-backup-vault",
        );
        assert.equal(
            h.sentOps("StartRestoreJob")[0].IamRoleArn,
            "arn:aws:iam::222222222222:role/ci-env-backup-service-eu-west-2",
        );
    });
});

describe("dr the vat-dr bin", () => {
    it("is the file package.json names, and runs the command line (exit 2 for a bad table name)", () => {
        const root = path.resolve(__dirname, "../..");
        const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
        const bin = path.join(root, pkg.bin["vat-dr"]);
        const r = spawnSync(process.execPath, [bin, "restore-pitr", "x"], { encoding: "utf8", timeout: 120_000 });
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /value 'x' is invalid for argument 'table'/);
    });
});

// AWS Backup Developer Guide, "Backup and tag copy" / feature availability: recovery points in cold
// storage (and archive tiers) cannot be copied; monthly points older than the cold transition are cold.
describe("dr cold-storage recovery points", () => {
    let h: DrHarness;
    beforeEach(() => (h = new DrHarness()));
    afterEach(() => h.restore());

    it("restore-account reads the chosen point's storage class and never starts a copy of a cold point", async () => {
        const cold = new Set(["arn:aws:backup:eu-west-2:333333333333:recovery-point:prod-env-receipts-old"]);
        recoverableEstate(h, "111111111111", "eu-west-2", cold);
        const r = await h.run([
            "restore-account",
            ...COMMON,
            "--only",
            "prod-env-receipts,prod-env-bundles",
            "--as-of",
            "-24h",
        ]);
        assert.equal(r.code, 1);
        assert.match(
            r.stdout + r.stderr,
            /prod-env-receipts .* is in cold storage, and AWS Backup cannot copy a cold recovery point/,
        );
        const copies = h.sentOps("StartCopyJob").map((c) => c.RecoveryPointArn);
        assert.deepEqual(
            copies,
            ["arn:aws:backup:eu-west-2:333333333333:recovery-point:prod-env-bundles-old"],
            "the warm point is still copied",
        );
    });

    it("drill reports a cold point as a failure of that table, with the cold path, and drills the others", async () => {
        h.accountIds.target = "222222222222";
        const cold = new Set(["arn:aws:backup:eu-west-2:333333333333:recovery-point:prod-env-passes-new"]);
        recoverableEstate(h, "222222222222", "eu-west-2", cold);
        const r = await h.run([
            "drill",
            ...COMMON,
            "--account-id",
            "222222222222",
            "--only",
            "prod-env-passes,prod-env-receipts",
            "--report",
            path.join(h.tmp, "d.md"),
        ]);
        assert.equal(r.code, 1);
        assert.match(
            fs.readFileSync(path.join(h.tmp, "d.md"), "utf8"),
            /prod-env-passes: .*is in cold storage, and AWS Backup cannot copy a cold recovery point/,
        );
        assert.equal(h.sentOps("StartCopyJob").length, 1);
    });
});
