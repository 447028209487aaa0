/**
 * escrow-secret: the order it escrows in, what it refuses to escrow, and what it writes.
 */
import { GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { strict as assert } from "assert";
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
