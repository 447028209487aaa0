import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
    CreateSecretCommand,
    DescribeSecretCommand,
    GetSecretValueCommand,
    PutSecretValueCommand,
    RestoreSecretCommand,
} from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { COMMON, DrHarness, awsError } from "../helpers/drHarness";

import { BUCKET, CLIENT_SECRET, KEY_ARN, SALT, SALT_VALUE, fakeKmsAndArchive } from "../helpers/drSecrets";

describe("dr escrow-secret", () => {
    let h: DrHarness;
    let stored: Map<string, string>;
    beforeEach(() => {
        h = new DrHarness();
        stored = fakeKmsAndArchive(h);
    });
    afterEach(() => h.restore());

    it("escrows every critical secret, the salt first, envelope-encrypted under the backup account's key", async () => {
        const r = await h.run(["escrow-secret", "--all", ...COMMON]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const keys = h.sentOps("PutObject").map((i) => i.Key);
        assert.deepEqual(keys, [
            `secrets-escrow/111111111111/${SALT}/20261126T030000Z.json`,
            `secrets-escrow/111111111111/${CLIENT_SECRET}/20261126T030000Z.json`,
        ]);
        const gen = h.sentOps("GenerateDataKey")[0];
        assert.equal(gen.KeyId, "arn:aws:kms:eu-west-2:333333333333:alias/vat-backup-archive");
        assert.deepEqual(gen.EncryptionContext, {
            purpose: "vat-backup-secret-escrow",
            secretName: SALT,
            sourceAccount: "111111111111",
        });
        const put = h.sentOps("PutObject")[0];
        assert.equal(put.Bucket, BUCKET);
        assert.equal(put.ExpectedBucketOwner, "333333333333");
        assert.equal(put.ChecksumAlgorithm, "SHA256");
        const body = stored.get(keys[0] as string) as string;
        assert.ok(!body.includes("bbbb"), "the value never lands in clear");
        assert.equal(JSON.parse(body).kmsKeyId, KEY_ARN);
        assert.ok(
            h
                .sent()
                .filter((c) => c.operation === "PutObject")
                .every((c) => c.where === "backup/eu-west-2"),
        );
    });

    it("reports a secret it cannot read and escrows the others", async () => {
        h.mocks()
            .secrets.on(GetSecretValueCommand, { SecretId: CLIENT_SECRET })
            .rejects(awsError("AccessDeniedException", "denied"));
        const r = await h.run(["escrow-secret", SALT, CLIENT_SECRET, ...COMMON]);
        assert.equal(r.code, 1);
        assert.match(r.stdout, /FAIL  escrow:prod\/submit\/hmrc\/client_secret  AccessDeniedException: denied/);
        assert.match(r.stdout, /PASS  escrow:prod\/submit\/user-sub-hash-salt  version ver-salt/);
    });

    it("retries S3's SlowDown", async () => {
        h.mocks("backup", "eu-west-2").s3.on(PutObjectCommand).rejectsOnce(awsError("SlowDown")).resolves({});
        const r = await h.run(["escrow-secret", SALT, ...COMMON]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(h.sentOps("PutObject").length, 2);
    });

    it("writes nothing under --dry-run, keeps --json clean, and exits 3 without credentials", async () => {
        const r = await h.run(["escrow-secret", "--all", ...COMMON, "--dry-run", "--json"]);
        assert.deepEqual(h.mutatingSent(), []);
        assert.equal(r.json().calls.filter((c: { operation: string }) => c.operation === "PutObject").length, 2);
        assert.ok(!r.stdout.includes("bbbb"), "no secret value in the dry-run plan");
        h.mocks().sts.on(GetCallerIdentityCommand).rejects(awsError("CredentialsProviderError"));
        assert.equal((await h.run(["escrow-secret", "--all", ...COMMON])).code, 3);
    });

    it("refuses (exit 3) without backup-account credentials instead of reaching the archive with the target account's", async () => {
        const r = await h.run(["escrow-secret", "--all", "--stack", "prod"]);
        assert.equal(r.code, 3);
        assert.match(r.stderr, /backup-account credentials are required to reach the archive bucket and key/);
        assert.match(r.stderr, /next: Pass --backup-profile <profile> or --backup-role-arn/);
        assert.deepEqual(h.sent(), [], "no call with the target account's credentials");
    });
});

describe("dr recover-secret", () => {
    let h: DrHarness;
    let stored: Map<string, string>;
    beforeEach(async () => {
        h = new DrHarness();
        stored = fakeKmsAndArchive(h);
        await h.run(["escrow-secret", SALT, ...COMMON]);
        await h.clock.sleep(3_600_000);
        await h.run(["escrow-secret", SALT, ...COMMON]);
    });
    afterEach(() => h.restore());

    it("re-creates a lost secret, with its DR replica, from the newest escrow", async () => {
        h.mocks().secrets.on(DescribeSecretCommand).rejects(awsError("ResourceNotFoundException"));
        h.mocks().secrets.on(CreateSecretCommand).resolves({});
        const r = await h.run(["recover-secret", SALT, "--restore", ...COMMON]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(
            h.sentOps("GetObject").at(-1)?.Key,
            `secrets-escrow/111111111111/${SALT}/20261126T040000Z.json`,
            "the newest escrow",
        );
        const created = h.sentOps("CreateSecret")[0];
        assert.equal(created.Name, SALT);
        assert.equal(created.SecretString, SALT_VALUE);
        // Under the stack's replica key, so the stack's SecretReplica takes the replica over (never re-keys it).
        assert.deepEqual(created.AddReplicaRegions, [
            { Region: "eu-west-1", KmsKeyId: "alias/prod-env-secret-replicas" },
        ]);
        assert.ok(!r.stdout.includes("bbbb") && !r.stderr.includes("bbbb"), "the value is never printed");
    });

    it("writes the value to a 0600 file with --out", async () => {
        const file = path.join(h.tmp, "salt.json");
        const r = await h.run(["recover-secret", SALT, "--out", file, ...COMMON]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(fs.readFileSync(file, "utf8"), SALT_VALUE);
        assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    });

    it("leaves a matching secret alone and refuses to replace a different one without --overwrite", async () => {
        h.mocks().secrets.on(DescribeSecretCommand).resolves({ Name: SALT });
        const same = await h.run(["recover-secret", SALT, "--restore", ...COMMON]);
        assert.equal(same.code, 0);
        assert.deepEqual(
            h.mutatingSent().filter((op) => op !== "PutObject"),
            [],
        );
        h.mocks().secrets.on(GetSecretValueCommand, { SecretId: SALT }).resolves({ SecretString: "something else" });
        const refused = await h.run(["recover-secret", SALT, "--restore", ...COMMON]);
        assert.equal(refused.code, 2);
        assert.match(refused.stderr, /pass --overwrite/);
        h.mocks().secrets.on(PutSecretValueCommand).resolves({});
        const replaced = await h.run(["recover-secret", SALT, "--restore", "--overwrite", ...COMMON]);
        assert.equal(replaced.code, 0, replaced.stderr);
        assert.equal(h.sentOps("PutSecretValue")[0].SecretString, SALT_VALUE);
    });

    it("after restoring a secret scheduled for deletion, compares its value and keeps a different one unless --overwrite", async () => {
        const secrets = h.mocks().secrets;
        secrets.on(DescribeSecretCommand).resolves({ Name: SALT, DeletedDate: new Date("2026-11-20T00:00:00Z") });
        secrets.on(RestoreSecretCommand).resolves({});
        secrets.on(PutSecretValueCommand).resolves({});
        const same = await h.run(["recover-secret", SALT, "--restore", ...COMMON]);
        assert.equal(same.code, 0, same.stderr);
        assert.match(same.stdout, /already holds this value; nothing changed/);
        secrets.on(GetSecretValueCommand, { SecretId: SALT }).resolves({ SecretString: "the restored old value" });
        const refused = await h.run(["recover-secret", SALT, "--restore", ...COMMON]);
        assert.equal(refused.code, 2);
        assert.match(refused.stderr, /pass --overwrite/);
        assert.equal(h.sentOps("RestoreSecret").length, 2);
        assert.deepEqual(h.sentOps("PutSecretValue"), [], "the restored value is not silently replaced");
        const replaced = await h.run(["recover-secret", SALT, "--restore", "--overwrite", ...COMMON]);
        assert.equal(replaced.code, 0, replaced.stderr);
        assert.equal(h.sentOps("PutSecretValue")[0].SecretString, SALT_VALUE);
    });

    it("refuses (exit 3) without backup-account credentials", async () => {
        const before = h.sent().length;
        const r = await h.run(["recover-secret", SALT, "--out", path.join(h.tmp, "o"), "--stack", "prod"]);
        assert.equal(r.code, 3);
        assert.match(r.stderr, /next: Pass --backup-profile <profile> or --backup-role-arn/);
        assert.equal(h.sent().length, before, "no call made");
    });

    it("refuses an escrow object that was altered", async () => {
        const key = [...stored.keys()].sort().at(-1) as string;
        const obj = JSON.parse(stored.get(key) as string);
        obj.ciphertext = Buffer.from("tampered").toString("base64");
        stored.set(key, JSON.stringify(obj));
        const r = await h.run(["recover-secret", SALT, "--out", path.join(h.tmp, "x"), ...COMMON]);
        assert.equal(r.code, 1);
        assert.ok(!fs.existsSync(path.join(h.tmp, "x")));
    });

    it("under --dry-run decrypts to check the escrow but changes nothing in Secrets Manager", async () => {
        h.mocks().secrets.on(DescribeSecretCommand).rejects(awsError("ResourceNotFoundException"));
        const r = await h.run(["recover-secret", SALT, "--restore", ...COMMON, "--dry-run"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /PASS  decrypt:prod\/submit\/user-sub-hash-salt/);
        assert.equal(h.sentOps("CreateSecret").length, 0);
    });

    it("needs --out or --restore (exit 2) and an escrow to read (exit 2)", async () => {
        assert.equal((await h.run(["recover-secret", SALT, ...COMMON])).code, 2);
        const none = await h.run(["recover-secret", "prod/other", "--out", path.join(h.tmp, "o"), ...COMMON]);
        assert.equal(none.code, 2);
        assert.match(none.stderr, /no escrow of prod\/other from account 111111111111/);
    });
});
