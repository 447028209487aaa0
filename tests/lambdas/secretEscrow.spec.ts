import * as assert from "node:assert/strict";
import { GenerateDataKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
    DescribeSecretCommand,
    GetSecretValueCommand,
    ListSecretVersionIdsCommand,
    ResourceNotFoundException,
    SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { escrowObjectSchema } from "../../dr/commands/escrow";
import { configFromEnv, makeHandler, selectVersions, SecretEscrowDeps } from "../../lambdas/secretEscrow/handler";
import { escrowSecretPrefix, escrowTimeOfKey, unseal } from "../../naming/escrowFormat";

const PROD = "111111111111";
const SALT = "prod/submit/user-sub-hash-salt";
const HMRC = "prod/submit/hmrc/client_secret";
const KEY_ARN = "arn:aws:kms:eu-west-2:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const BUCKET = "prod-env-backup-exports-111111111111-eu-west-2";
const EXPORTS_KEY = "arn:aws:kms:eu-west-2:111111111111:key/0000aaaa-00aa-00aa-00aa-000000aaaaaa";
const DATA_KEY = Buffer.alloc(32, 7);

const throttled = () => Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: {} });

describe("secretEscrow Lambda", () => {
    const sm = mockClient(SecretsManagerClient);
    const kms = mockClient(KMSClient);
    const s3 = mockClient(S3Client);
    const cw = mockClient(CloudWatchClient);
    const now = new Date("2026-11-29T01:30:00Z");
    let logged: Record<string, unknown>[];

    function deps(overrides: Partial<SecretEscrowDeps> = {}): SecretEscrowDeps {
        return {
            secrets: [
                { name: HMRC, versions: "current-and-previous" },
                { name: SALT, versions: "all" },
            ],
            bucket: BUCKET,
            bucketKmsKeyArn: EXPORTS_KEY,
            keyId: "arn:aws:kms:eu-west-2:333333333333:alias/vat-backup-secret-escrow",
            prefix: "secrets-escrow",
            sourceAccount: PROD,
            sourceRegion: "eu-west-2",
            metricNamespace: "VatBackup/Protection",
            secretsManager: new SecretsManagerClient({ region: "eu-west-2" }),
            kms: new KMSClient({ region: "eu-west-2" }),
            s3: new S3Client({ region: "eu-west-2" }),
            cloudwatch: new CloudWatchClient({ region: "eu-west-2" }),
            now: () => now,
            log: (e) => logged.push(e),
            retry: { sleep: async () => undefined },
            ...overrides,
        };
    }

    const saltVersions = [
        { VersionId: "salt-v1", VersionStages: [] },
        { VersionId: "salt-v2", VersionStages: ["AWSPREVIOUS"] },
        { VersionId: "salt-v3", VersionStages: ["AWSCURRENT"] },
    ];
    const hmrcVersions = [
        { VersionId: "hmrc-old", VersionStages: [] },
        { VersionId: "hmrc-prev", VersionStages: ["AWSPREVIOUS"] },
        { VersionId: "hmrc-cur", VersionStages: ["AWSCURRENT"] },
    ];

    beforeEach(() => {
        for (const m of [sm, kms, s3, cw]) m.reset();
        logged = [];
        sm.on(ListSecretVersionIdsCommand, { SecretId: SALT }).resolves({ Versions: saltVersions });
        sm.on(ListSecretVersionIdsCommand, { SecretId: HMRC }).resolves({ Versions: hmrcVersions });
        sm.on(GetSecretValueCommand).callsFake((input: { SecretId: string; VersionId: string }) => ({
            VersionId: input.VersionId,
            SecretString: JSON.stringify({ secret: input.SecretId, version: input.VersionId }),
        }));
        kms.on(GenerateDataKeyCommand).callsFake(() => ({
            KeyId: KEY_ARN,
            Plaintext: new Uint8Array(DATA_KEY),
            CiphertextBlob: new Uint8Array([1, 2, 3]),
        }));
        s3.on(PutObjectCommand).resolves({});
        cw.on(PutMetricDataCommand).resolves({});
    });
    after(() => [sm, kms, s3, cw].forEach((m) => m.restore()));

    const puts = () => s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);

    it("escrows every salt version and the HMRC secret's current and previous, salt first, each under its own encryption context", async () => {
        const outcome = await makeHandler(deps())();
        assert.deepEqual(
            outcome.secrets.map((s) => [s.secret, s.escrowed.map((e) => e.versionId)]),
            [
                [SALT, ["salt-v1", "salt-v2", "salt-v3"]],
                [HMRC, ["hmrc-prev", "hmrc-cur"]],
            ],
        );
        // The salt lists deprecated versions too; the HMRC secret only its labelled ones.
        assert.equal(
            sm.commandCalls(ListSecretVersionIdsCommand, { SecretId: SALT })[0].args[0].input.IncludeDeprecated,
            true,
        );
        assert.equal(
            sm.commandCalls(ListSecretVersionIdsCommand, { SecretId: HMRC })[0].args[0].input.IncludeDeprecated,
            false,
        );
        const contexts = kms.commandCalls(GenerateDataKeyCommand).map((c) => c.args[0].input.EncryptionContext);
        assert.deepEqual(contexts[2], {
            purpose: "vat-backup-secret-escrow",
            secretName: SALT,
            sourceAccount: PROD,
            versionId: "salt-v3",
        });
        for (const put of puts()) {
            assert.equal(put.Bucket, BUCKET);
            assert.equal(put.ExpectedBucketOwner, PROD);
            // The bucket policy refuses a PUT without an SSE-KMS header naming its key (StringNotEqualsIfExists).
            assert.equal(put.ServerSideEncryption, "aws:kms");
            assert.equal(put.SSEKMSKeyId, EXPORTS_KEY);
        }
    });

    it("writes objects recover-secret reads: its schema parses them, the newest key is the current version, and they decrypt", async () => {
        await makeHandler(deps())();
        const saltPuts = puts().filter((p) => p.Key!.startsWith(escrowSecretPrefix("secrets-escrow", PROD, SALT)));
        // recover-secret's choice: the greatest key ending in .json under the secret's prefix.
        const newest = saltPuts.map((p) => p.Key!).sort((a, b) => b.localeCompare(a))[0];
        assert.equal(newest, `secrets-escrow/${PROD}/${SALT}/20261129T013000Z.json`);
        const obj = escrowObjectSchema.parse(JSON.parse(String(saltPuts.find((p) => p.Key === newest)!.Body)));
        assert.equal(obj.versionId, "salt-v3");
        assert.deepEqual(JSON.parse(unseal(obj, DATA_KEY).toString("utf8")), { secret: SALT, version: "salt-v3" });
        assert.equal(escrowTimeOfKey(newest), now.getTime());
    });

    it("publishes the newest escrow's age (0 h) and a run count for the freshness alarms", async () => {
        await makeHandler(deps())();
        const data = cw.commandCalls(PutMetricDataCommand).flatMap((c) => c.args[0].input.MetricData ?? []);
        const age = data.filter((d) => d.MetricName === "SecretEscrowAgeHours");
        assert.deepEqual(
            age.map((d) => [d.Dimensions?.[0].Value, d.Value]),
            [
                [SALT, 0],
                [HMRC, 0],
            ],
        );
        assert.ok(data.some((d) => d.MetricName === "SecretEscrowRuns" && d.Value === 1));
    });

    // "Troubleshoot AWS Secrets Manager replication": DescribeSecret's ReplicationStatus says why a
    // replica failed; the alarms on SecretReplicaFailures (stacks/automation.ts) read this count.
    it("publishes how many replicas of each secret Secrets Manager reports Failed, and escrows all the same", async () => {
        sm.on(DescribeSecretCommand, { SecretId: SALT }).resolves({
            ReplicationStatus: [
                { Region: "eu-west-1", Status: "Failed", StatusMessage: "Access to KMS is not allowed" },
            ],
        });
        sm.on(DescribeSecretCommand, { SecretId: HMRC }).resolves({
            ReplicationStatus: [{ Region: "eu-west-1", Status: "InSync" }],
        });
        const outcome = await makeHandler(deps())();
        const data = cw.commandCalls(PutMetricDataCommand).flatMap((c) => c.args[0].input.MetricData ?? []);
        assert.deepEqual(
            data.filter((d) => d.MetricName === "SecretReplicaFailures").map((d) => [d.Dimensions?.[0].Value, d.Value]),
            [
                [SALT, 1],
                [HMRC, 0],
            ],
        );
        assert.deepEqual(outcome.replicas[0].failed, [
            { region: "eu-west-1", message: "Access to KMS is not allowed" },
        ]);
        assert.ok(
            outcome.secrets.every((s) => !s.error),
            "a failed replica does not fail the escrow",
        );
    });

    it("publishes no replica count for a secret whose status cannot be read", async () => {
        sm.on(DescribeSecretCommand).rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));
        await makeHandler(deps())();
        const data = cw.commandCalls(PutMetricDataCommand).flatMap((c) => c.args[0].input.MetricData ?? []);
        assert.equal(data.filter((d) => d.MetricName === "SecretReplicaFailures").length, 0);
    });

    it("follows ListSecretVersionIds pagination", async () => {
        sm.on(ListSecretVersionIdsCommand, { SecretId: SALT, NextToken: undefined }).resolves({
            Versions: saltVersions.slice(0, 1),
            NextToken: "page-2",
        });
        sm.on(ListSecretVersionIdsCommand, { SecretId: SALT, NextToken: "page-2" }).resolves({
            Versions: saltVersions.slice(1),
        });
        const outcome = await makeHandler(deps())();
        assert.deepEqual(
            outcome.secrets[0].escrowed.map((e) => e.versionId),
            ["salt-v1", "salt-v2", "salt-v3"],
        );
    });

    it("retries throttled Secrets Manager, KMS and S3 calls, then succeeds", async () => {
        sm.on(GetSecretValueCommand)
            .rejectsOnce(throttled())
            .callsFake((input: { SecretId: string; VersionId: string }) => ({
                VersionId: input.VersionId,
                SecretString: "x",
            }));
        kms.on(GenerateDataKeyCommand)
            .rejectsOnce(throttled())
            .callsFake(() => ({
                KeyId: KEY_ARN,
                Plaintext: new Uint8Array(DATA_KEY),
                CiphertextBlob: new Uint8Array([1]),
            }));
        s3.on(PutObjectCommand).rejectsOnce(throttled()).resolves({});
        const outcome = await makeHandler(deps())();
        assert.ok(outcome.secrets.every((s) => !s.error));
        assert.equal(puts().length, 6, "one throttled PUT, then five objects");
        assert.equal(new Set(puts().map((p) => p.Key)).size, 5);
    });

    it("escrows the other secrets when one fails, publishes the failure and throws so Lambda retries and then parks the event", async () => {
        sm.on(ListSecretVersionIdsCommand, { SecretId: HMRC }).rejects(
            Object.assign(new Error("User is not authorized"), { name: "AccessDeniedException" }),
        );
        await assert.rejects(
            makeHandler(deps())(),
            /escrow failed for prod\/submit\/hmrc\/client_secret \(AccessDeniedException/,
        );
        assert.equal(puts().length, 3, "the salt's three versions are escrowed");
        const data = cw.commandCalls(PutMetricDataCommand).flatMap((c) => c.args[0].input.MetricData ?? []);
        assert.ok(
            data.some(
                (d) => d.MetricName === "SecretEscrowFailures" && d.Value === 1 && d.Dimensions?.[0].Value === HMRC,
            ),
        );
        assert.ok(
            !data.some((d) => d.MetricName === "SecretEscrowRuns"),
            "a partial run does not count as a fresh escrow",
        );
    });

    it("escrows a version that became current during the run before reporting success", async () => {
        const rotated = [
            { VersionId: "hmrc-cur", VersionStages: ["AWSPREVIOUS"] },
            { VersionId: "hmrc-new", VersionStages: ["AWSCURRENT"] },
        ];
        sm.on(ListSecretVersionIdsCommand, { SecretId: HMRC })
            .resolvesOnce({ Versions: hmrcVersions })
            .resolves({ Versions: rotated });
        const outcome = await makeHandler(deps())();
        const hmrc = outcome.secrets.find((s) => s.secret === HMRC)!;
        assert.deepEqual(
            hmrc.escrowed.map((e) => e.versionId),
            ["hmrc-prev", "hmrc-cur", "hmrc-new"],
        );
        assert.equal(hmrc.error, undefined);
    });

    it("records a deprecated version that AWS removed between the listing and the read, and goes on", async () => {
        sm.on(GetSecretValueCommand, { SecretId: SALT, VersionId: "salt-v1" }).rejects(
            new ResourceNotFoundException({ message: "version not found", $metadata: {} }),
        );
        const outcome = await makeHandler(deps())();
        assert.deepEqual(outcome.secrets[0].vanished, ["salt-v1"]);
        assert.equal(outcome.secrets[0].error, undefined);
    });

    it("fails a secret that keeps changing faster than it can be escrowed", async () => {
        let n = 0;
        sm.on(ListSecretVersionIdsCommand, { SecretId: HMRC }).callsFake(() => {
            n++;
            return { Versions: [{ VersionId: `hmrc-${n}`, VersionStages: ["AWSCURRENT"] }] };
        });
        await assert.rejects(makeHandler(deps())(), /kept changing during the run/);
    });

    it("selects AWSCURRENT and AWSPREVIOUS only for current-and-previous, the current version last", () => {
        assert.deepEqual(
            selectVersions(hmrcVersions, "current-and-previous").map((v) => v.VersionId),
            ["hmrc-prev", "hmrc-cur"],
        );
        assert.deepEqual(
            selectVersions([...saltVersions].reverse(), "all").map((v) => v.VersionId),
            ["salt-v2", "salt-v1", "salt-v3"],
        );
    });

    it("refuses a deployment without its settings, naming the missing variables", () => {
        assert.throws(() => configFromEnv({}), /missing environment variables: ESCROW_SECRETS/);
        assert.throws(
            () =>
                configFromEnv({
                    ESCROW_SECRETS: '[{"name":"x","versions":"some"}]',
                    ESCROW_BUCKET: "b",
                    ESCROW_BUCKET_KMS_KEY_ARN: "k",
                    ESCROW_KEY_ID: "k",
                    ESCROW_PREFIX: "p",
                    SOURCE_ACCOUNT: PROD,
                    AWS_REGION: "eu-west-2",
                    METRIC_NAMESPACE: "n",
                }),
            /ESCROW_SECRETS must be/,
        );
    });
});
