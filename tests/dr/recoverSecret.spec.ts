/**
 * recover-secret: which escrow it reads, what it refuses, and what the person on call is told at
 * each step (never the value itself).
 */
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DecryptCommand } from "@aws-sdk/client-kms";
import {
    CreateSecretCommand,
    DescribeSecretCommand,
    GetSecretValueCommand,
    PutSecretValueCommand,
    RestoreSecretCommand,
} from "@aws-sdk/client-secrets-manager";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { COMMON, DrHarness, awsError } from "../helpers/drHarness";
import { BUCKET, CLIENT_SECRET, SALT, SALT_VALUE, fakeKmsAndArchive } from "../helpers/drSecrets";

const FIRST = `secrets-escrow/111111111111/${SALT}/20261126T030000Z.json`;
const NEWEST = `secrets-escrow/111111111111/${SALT}/20261126T040000Z.json`;

describe("dr recover-secret: choices, refusals and what it says", () => {
    let h: DrHarness;
    let stored: Map<string, string>;
    beforeEach(async () => {
        h = new DrHarness();
        stored = fakeKmsAndArchive(h);
        await h.run(["escrow-secret", SALT, CLIENT_SECRET, ...COMMON]);
        await h.clock.sleep(3_600_000);
        await h.run(["escrow-secret", SALT, ...COMMON]);
    });
    afterEach(() => h.restore());
    const recover = (...extra: string[]) => h.run(["recover-secret", SALT, ...COMMON, ...extra]);

    it("says where the value may go, and that --overwrite needs --restore, before any AWS call", async () => {
        const before = h.sent().length;
        const nowhere = await recover();
        assert.match(nowhere.stderr, /^error: say where the value goes: --out <file> or --restore$/m);
        assert.match(
            nowhere.stderr,
            /^next: Use --restore to put it back into Secrets Manager, or --out to hand it over as a file\.$/m,
        );
        const overwrite = await recover("--out", path.join(h.tmp, "o"), "--overwrite");
        assert.equal(overwrite.code, 2);
        assert.match(overwrite.stderr, /^next: Add --restore to put the value back into Secrets Manager/m);
        assert.equal(h.sent().length, before);
    });

    it("without --stack needs --source-account-id to find the escrows", async () => {
        const r = await h.run([
            "recover-secret",
            SALT,
            "--out",
            path.join(h.tmp, "o"),
            "--region",
            "eu-west-2",
            "--backup-profile",
            "backup",
            "--bucket",
            BUCKET,
            "--key-id",
            "arn:aws:kms:eu-west-2:333333333333:alias/vat-backup-archive",
        ]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /^error: no source account$/m);
        assert.match(r.stderr, /^next: Pass --source-account-id or --stack\.$/m);
        const named = await h.run([
            "recover-secret",
            SALT,
            "--out",
            path.join(h.tmp, "o"),
            "--region",
            "eu-west-2",
            "--backup-profile",
            "backup",
            "--bucket",
            BUCKET,
            "--key-id",
            "arn:aws:kms:eu-west-2:333333333333:alias/vat-backup-archive",
            "--source-account-id",
            "111111111111",
        ]);
        assert.equal(named.code, 0, named.stdout + named.stderr);
        assert.equal(fs.readFileSync(path.join(h.tmp, "o"), "utf8"), SALT_VALUE);
    });

    it("reads the escrow named by --key without listing, and says which escrow it decrypted", async () => {
        const out = path.join(h.tmp, "salt");
        const r = await recover("--key", FIRST, "--out", out);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(h.sentOps("ListObjectsV2"), [], "the named escrow is read, not looked for");
        assert.equal(h.sentOps("GetObject").at(-1)?.Key, FIRST);
        assert.match(
            r.stdout,
            new RegExp(
                `^PASS {2}decrypt:${SALT} {2}escrow of 2026-11-26T03:00:00.000Z \\(version ver-salt\\) from s3://${BUCKET}/${FIRST}$`,
                "m",
            ),
        );
        assert.ok(r.stdout.split("\n").includes(`wrote the value to ${out} (mode 0600); delete it once used`));
        assert.equal(fs.readFileSync(out, "utf8"), SALT_VALUE);
    });

    it("takes the newest .json escrow across listing pages, ignoring other objects", async () => {
        const prefix = `secrets-escrow/111111111111/${SALT}/`;
        h.mocks("backup")
            .s3.on(ListObjectsV2Command, { ContinuationToken: undefined })
            .resolves({
                Contents: [{ Key: FIRST }, { Key: `${prefix}zz-notes.txt` }],
                IsTruncated: true,
                NextContinuationToken: "page-2",
            });
        h.mocks("backup")
            .s3.on(ListObjectsV2Command, { ContinuationToken: "page-2" })
            .resolves({ Contents: [{ Key: NEWEST }], IsTruncated: false, NextContinuationToken: "ignored" });
        const r = await recover("--out", path.join(h.tmp, "o"));
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(h.sentOps("GetObject").at(-1)?.Key, NEWEST);
        assert.equal(
            h.sentOps("ListObjectsV2").filter((i) => i.ContinuationToken === "ignored").length,
            0,
            "a last page's token is not followed",
        );
    });

    it("refuses an object that is not an escrow, or the escrow of another secret (exit 2), decrypting nothing", async () => {
        stored.set("secrets-escrow/other.json", JSON.stringify({ hello: "world" }));
        const junk = await recover("--key", "secrets-escrow/other.json", "--out", path.join(h.tmp, "o"));
        assert.equal(junk.code, 2);
        assert.match(
            junk.stderr,
            new RegExp(`^error: s3://${BUCKET}/secrets-escrow/other.json is not an escrow object$`, "m"),
        );
        assert.match(junk.stderr, /^next: Pass --key with an object written by escrow-secret\.$/m);
        const hmrc = [...stored.keys()].find((k) => k.includes("client_secret")) as string;
        const other = await recover("--key", hmrc, "--out", path.join(h.tmp, "o"));
        assert.equal(other.code, 2);
        assert.match(
            other.stderr,
            new RegExp(`^error: s3://${BUCKET}/${hmrc} holds ${CLIENT_SECRET}, not ${SALT}$`, "m"),
        );
        assert.equal(h.sentOps("Decrypt").length, 0);
        assert.ok(!fs.existsSync(path.join(h.tmp, "o")));
    });

    it("stops when KMS returns no data key, writing nothing", async () => {
        h.mocks("backup").kms.on(DecryptCommand).resolves({});
        const r = await recover("--out", path.join(h.tmp, "o"));
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^error: KMS returned no plaintext data key$/m);
        assert.ok(!fs.existsSync(path.join(h.tmp, "o")));
    });

    it("points at --source-account-id and --prefix when there is no escrow", async () => {
        const r = await h.run(["recover-secret", "prod/other", "--out", path.join(h.tmp, "o"), ...COMMON]);
        assert.match(r.stderr, /^next: Check --source-account-id and --prefix; list the archive with aws s3 ls\.$/m);
    });

    it("under --dry-run with --out says where it would write, and writes nothing", async () => {
        const out = path.join(h.tmp, "o");
        const r = await recover("--out", out, "--dry-run");
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stdout.split("\n").includes(`dry run: would write the value to ${out} (mode 0600)`));
        assert.ok(!fs.existsSync(out));
    });

    it("with --out alone never touches Secrets Manager nor asks for target-account credentials", async () => {
        h.accountIds.target = "999999999999";
        const secretsCalls = () => h.sent().filter((c) => c.where.startsWith("target/") && /Secret/.test(c.operation));
        const before = secretsCalls().length;
        const r = await recover("--out", path.join(h.tmp, "o"));
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(secretsCalls().length, before, "no Secrets Manager call, and the target account is not checked");
    });

    it("says it created the secret with its replica, and in the DR region warns that it stands alone", async () => {
        h.mocks().secrets.on(DescribeSecretCommand).rejects(awsError("ResourceNotFoundException"));
        h.mocks().secrets.on(CreateSecretCommand).resolves({});
        const r = await recover("--restore");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(
            r.stdout,
            new RegExp(`^PASS {2}restore:${SALT} {2}created ${SALT} with a replica in eu-west-1$`, "m"),
        );
        assert.doesNotMatch(r.stdout, /WARN/);
        const dr = h.mocks("target", "eu-west-1").secrets;
        dr.on(DescribeSecretCommand).rejects(awsError("ResourceNotFoundException"));
        dr.on(CreateSecretCommand).resolves({});
        const inDr = await recover("--restore", "--region", "eu-west-1");
        assert.equal(inDr.code, 0, inDr.stdout + inDr.stderr);
        assert.match(inDr.stdout, new RegExp(`^PASS {2}restore:${SALT} {2}created ${SALT}$`, "m"));
        assert.match(
            inDr.stdout,
            new RegExp(
                `^WARN {2}replica:${SALT} {2}${SALT} was created in eu-west-1, the stack's DR region, without a replica: add one in another region`,
                "m",
            ),
        );
    });

    it("stops at a DescribeSecret refusal other than not-found, creating nothing", async () => {
        h.mocks().secrets.on(DescribeSecretCommand).rejects(awsError("AccessDeniedException", "not allowed"));
        h.mocks().secrets.on(CreateSecretCommand).resolves({});
        const r = await recover("--restore");
        assert.equal(r.code, 1);
        assert.match(r.stderr, /AccessDeniedException: not allowed/);
        assert.deepEqual(h.sentOps("CreateSecret"), []);
    });

    it("restores a secret scheduled for deletion by name, says so, and reports an unchanged value", async () => {
        h.mocks()
            .secrets.on(DescribeSecretCommand)
            .resolves({ Name: SALT, DeletedDate: new Date("2026-11-20T00:00:00Z") });
        h.mocks().secrets.on(RestoreSecretCommand).resolves({});
        const r = await recover("--restore");
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(h.sentOps("RestoreSecret"), [{ SecretId: SALT }]);
        assert.ok(
            r.stdout
                .split("\n")
                .includes(`${SALT} was scheduled for deletion on 2026-11-20T00:00:00.000Z: restored it`),
        );
        assert.match(
            r.stdout,
            new RegExp(`^PASS {2}restore:${SALT} {2}Secrets Manager already holds this value; nothing changed$`, "m"),
        );
    });

    it("compares a live secret's value under --dry-run too, and names the escrow a different value differs from", async () => {
        h.mocks().secrets.on(DescribeSecretCommand).resolves({ Name: SALT });
        h.mocks().secrets.on(GetSecretValueCommand, { SecretId: SALT }).resolves({ SecretString: "something else" });
        const r = await recover("--restore", "--dry-run");
        assert.equal(r.code, 2);
        assert.match(
            r.stderr,
            new RegExp(`^error: ${SALT} holds a different value from the escrow of 2026-11-26T04:00:00.000Z$`, "m"),
        );
        assert.match(r.stderr, /the old one stays as version AWSPREVIOUS/);
    });

    it("puts a binary escrow back as SecretBinary, and says it replaced the current version", async () => {
        const binary = Buffer.from([0, 1, 2, 250, 251]);
        h.mocks()
            .secrets.on(GetSecretValueCommand, { SecretId: CLIENT_SECRET })
            .resolves({ SecretBinary: new Uint8Array(binary), VersionId: "v-bin" });
        await h.run(["escrow-secret", CLIENT_SECRET, ...COMMON]);
        h.mocks().secrets.on(DescribeSecretCommand).resolves({ Name: CLIENT_SECRET });
        h.mocks()
            .secrets.on(GetSecretValueCommand, { SecretId: CLIENT_SECRET })
            .rejects(awsError("ResourceNotFoundException"));
        h.mocks().secrets.on(PutSecretValueCommand).resolves({});
        const r = await h.run(["recover-secret", CLIENT_SECRET, "--restore", ...COMMON]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const put = h.sentOps("PutSecretValue")[0];
        assert.equal(put.SecretString, undefined);
        assert.deepEqual(Buffer.from(put.SecretBinary as Uint8Array), binary);
        assert.match(
            r.stdout,
            new RegExp(
                `^PASS {2}restore:${CLIENT_SECRET} {2}put the escrowed value back as the current version of ${CLIENT_SECRET}$`,
                "m",
            ),
        );
    });

    it("refuses to write over a value it could not read, and says --overwrite does not skip that", async () => {
        h.mocks().secrets.on(DescribeSecretCommand).resolves({ Name: SALT });
        h.mocks().secrets.on(GetSecretValueCommand, { SecretId: SALT }).rejects(awsError("AccessDeniedException"));
        const r = await recover("--restore", "--overwrite");
        assert.equal(r.code, 1);
        assert.match(
            r.stderr,
            /^next: Fix the read \(the secret's KMS key policy, the role's permissions\), then run again; --overwrite does not skip this check\.$/m,
        );
        assert.deepEqual(h.sentOps("PutSecretValue"), []);
    });
});
