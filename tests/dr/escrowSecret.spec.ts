/**
 * escrow-secret: the order it escrows in, what it refuses to escrow, and what it writes.
 */
import { GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { strict as assert } from "assert";
import { escrowOrder } from "../../dr/commands/escrowSecret";
import { COMMON, DrHarness, awsError } from "../helpers/drHarness";
import { BUCKET, CLIENT_SECRET, SALT, fakeKmsAndArchive } from "../helpers/drSecrets";

describe("dr escrow-secret: order, refusals and objects", () => {
    let h: DrHarness;
    beforeEach(() => {
        h = new DrHarness();
        fakeKmsAndArchive(h);
    });
    afterEach(() => h.restore());

    it("escrows the salt first whatever the order typed, as JSON, and says which version went where", async () => {
        const r = await h.run(["escrow-secret", CLIENT_SECRET, SALT, ...COMMON]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const puts = h.sentOps("PutObject");
        assert.deepEqual(
            puts.map((p) => (p.Key as string).split("/").slice(2, -1).join("/")),
            [SALT, CLIENT_SECRET],
        );
        assert.ok(puts.every((p) => p.ContentType === "application/json"));
        assert.match(
            r.stdout,
            new RegExp(`^PASS {2}escrow:${SALT} {2}version ver-salt → s3://${BUCKET}/${puts[0].Key}$`, "m"),
        );
    });

    it("needs a secret name, or --all with --stack (exit 2)", async () => {
        const r = await h.run(["escrow-secret", ...COMMON]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /^error: name at least one secret, or --all with --stack$/m);
    });

    it("fails a secret without a value and escrows the others", async () => {
        h.mocks().secrets.on(GetSecretValueCommand, { SecretId: CLIENT_SECRET }).resolves({ VersionId: "v" });
        const r = await h.run(["escrow-secret", CLIENT_SECRET, SALT, ...COMMON]);
        assert.equal(r.code, 1);
        assert.match(
            r.stdout,
            new RegExp(`^FAIL {2}escrow:${CLIENT_SECRET} {2}secret ${CLIENT_SECRET} has no value$`, "m"),
        );
        assert.equal(h.sentOps("PutObject").length, 1);
    });

    it("fails when KMS returns no data key, writing nothing", async () => {
        h.mocks("backup").kms.on(GenerateDataKeyCommand).resolves({ KeyId: "k" });
        const r = await h.run(["escrow-secret", SALT, ...COMMON]);
        assert.equal(r.code, 1);
        assert.match(r.stdout, /KMS returned no data key for arn:aws:kms:eu-west-2:333333333333:alias\//);
        assert.deepEqual(h.sentOps("PutObject"), []);
    });

    it("stops at expired credentials (exit 3) instead of failing every secret", async () => {
        h.mocks().secrets.on(GetSecretValueCommand).rejects(awsError("ExpiredTokenException"));
        const r = await h.run(["escrow-secret", CLIENT_SECRET, SALT, ...COMMON]);
        assert.equal(r.code, 3);
        assert.equal(h.sentOps("GetSecretValue").length, 1);
    });
});

describe("dr escrow-secret: archive location, accounts and what KMS is asked", () => {
    let h: DrHarness;
    beforeEach(() => {
        h = new DrHarness();
        fakeKmsAndArchive(h);
    });
    afterEach(() => h.restore());
    const KEY = "arn:aws:kms:eu-west-2:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    it("puts the salt first and otherwise keeps the order given", () => {
        assert.deepEqual(escrowOrder(["b", "c", "prod/x/salt", "d"]), ["prod/x/salt", "b", "c", "d"]);
        assert.deepEqual(escrowOrder(["b", "a"]), ["b", "a"]);
    });

    it("--all escrows the stack's critical secrets, the salt first, and lists them in --json", async () => {
        const r = await h.run(["escrow-secret", "--all", ...COMMON, "--json"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const doc = r.json();
        assert.deepEqual(
            doc.escrowed.map((e: { secret: string; versionId: string }) => [e.secret, e.versionId]),
            [
                [SALT, "ver-salt"],
                [CLIENT_SECRET, "ver-hmrc"],
            ],
        );
        assert.deepEqual(
            doc.escrowed.map((e: { key: string }) => e.key),
            h.sentOps("PutObject").map((p) => p.Key),
        );
        const noStack = await h.run(["escrow-secret", "--all", "--region", "eu-west-2", "--backup-profile", "backup"]);
        assert.equal(noStack.code, 2);
        assert.match(noStack.stderr, /--stack is required with --all/);
    });

    it("without --stack needs both --bucket and --key-id; with both it escrows under the --prefix, trailing slashes dropped", async () => {
        const base = ["escrow-secret", SALT, "--region", "eu-west-2", "--backup-profile", "backup"];
        for (const partial of [
            ["--bucket", BUCKET],
            ["--key-id", KEY],
        ]) {
            const r = await h.run([...base, ...partial]);
            assert.equal(r.code, 2, partial.join(" "));
            assert.match(
                r.stderr,
                /--stack is required to find the backup account's archive bucket and key \(or pass --bucket and --key-id\)/,
            );
        }
        const r = await h.run([...base, "--bucket", BUCKET, "--key-id", KEY, "--prefix", "escrow/v1//"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(
            h.sentOps("PutObject")[0].Key as string,
            new RegExp(`^escrow/v1/111111111111/${SALT}/\\d{8}T\\d{6}Z\\.json$`),
        );
        const [asked] = h.sentOps("GenerateDataKey");
        assert.equal(asked.KeyId, KEY);
        assert.equal(asked.KeySpec, "AES_256");
        // The key policy admits GenerateDataKey only under the escrow context naming the secret and its account.
        assert.equal((asked.EncryptionContext as Record<string, string>).secretName, SALT);
        assert.equal((asked.EncryptionContext as Record<string, string>).sourceAccount, "111111111111");
    });

    it("refuses credentials of the wrong account, naming which flag to fix (exit 2)", async () => {
        h.accountIds.backup = "444444444444";
        const backup = await h.run(["escrow-secret", SALT, ...COMMON]);
        assert.equal(backup.code, 2);
        assert.match(
            backup.stderr,
            /the backup credentials are for account 444444444444, but this needs account 333333333333/,
        );
        assert.match(backup.stderr, /Pass --backup-profile\/--backup-role-arn for the backup account/);
        h.accountIds.backup = "333333333333";
        h.accountIds.target = "222222222222";
        const target = await h.run(["escrow-secret", SALT, ...COMMON]);
        assert.equal(target.code, 2);
        assert.match(
            target.stderr,
            /the target credentials are for account 222222222222, but this needs account 111111111111/,
        );
        assert.match(target.stderr, /Pass --profile\/--role-arn for the right account/);
        assert.deepEqual(h.sentOps("GetSecretValue"), []);
    });

    it("an identity without an account is 'unknown', never taken for the right one", async () => {
        h.mocks().sts.on(GetCallerIdentityCommand).resolves({});
        const r = await h.run(["escrow-secret", SALT, ...COMMON]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /the target credentials are for account unknown/);
    });

    it("fails when KMS returns a plaintext key without its encrypted copy (nothing to store), and says '?' for a value without a version", async () => {
        h.mocks("backup")
            .kms.on(GenerateDataKeyCommand)
            .resolves({ KeyId: "k", Plaintext: new Uint8Array(32) });
        const r = await h.run(["escrow-secret", SALT, ...COMMON]);
        assert.equal(r.code, 1);
        assert.match(r.stdout, /KMS returned no data key/);
        assert.deepEqual(h.sentOps("PutObject"), []);
        h.restore();
        h = new DrHarness();
        fakeKmsAndArchive(h);
        h.mocks().secrets.on(GetSecretValueCommand, { SecretId: SALT }).resolves({ SecretString: "x" });
        const unversioned = await h.run(["escrow-secret", SALT, ...COMMON]);
        assert.equal(unversioned.code, 0, unversioned.stderr);
        assert.match(unversioned.stdout, new RegExp(`PASS {2}escrow:${SALT} {2}version \\? → s3://`));
    });
});
