import * as assert from "node:assert/strict";
import {
    DescribeSecretCommand,
    ReplicateSecretToRegionsCommand,
    ResourceNotFoundException,
    SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import {
    diffSecretReplica,
    SecretReplicaInputs,
    SecretReplicaLogic,
    SecretReplicaOutputs,
    secretReplicaFailures,
} from "../../../components/secrets/secretReplicaProvider";

const PROD = "111111111111";
const DR_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const DR_KEY_ARN = `arn:aws:kms:eu-west-1:${PROD}:key/${DR_KEY_ID}`;
const SALT_ARN = `arn:aws:secretsmanager:eu-west-2:${PROD}:secret:prod/submit/user-sub-hash-salt-AbCdEf`;
const inputs: SecretReplicaInputs = {
    secretId: "prod/submit/user-sub-hash-salt",
    region: "eu-west-2",
    accountId: PROD,
    replicaRegion: "eu-west-1",
    replicaKmsKeyId: DR_KEY_ARN,
    assumeRoleArn: `arn:aws:iam::${PROD}:role/prod-env-deployment`,
};
const healthy: SecretReplicaOutputs = { ...inputs, secretArn: SALT_ARN, replicaStatus: "InSync" };

describe("SecretReplica provider logic", () => {
    const logic = new SecretReplicaLogic();
    const mockSecrets = () => mockClient(SecretsManagerClient);
    const mockSts = () => mockClient(STSClient);
    const mockKms = () => mockClient(KMSClient);
    let secrets: ReturnType<typeof mockSecrets>;
    let sts: ReturnType<typeof mockSts>;
    let kms: ReturnType<typeof mockKms>;

    before(() => {
        secrets = mockSecrets();
        sts = mockSts();
        kms = mockKms();
    });
    after(() => {
        secrets.restore();
        sts.restore();
        kms.restore();
    });
    beforeEach(() => {
        secrets.reset();
        sts.reset();
        kms.reset();
        sts.on(GetCallerIdentityCommand).resolves({
            Account: PROD,
            Arn: `arn:aws:sts::${PROD}:assumed-role/prod-env-deployment/s`,
        });
    });

    it("create replicates a secret without a replica to the DR region under the DR key", async () => {
        secrets.on(DescribeSecretCommand).resolves({ ARN: SALT_ARN, Name: inputs.secretId });
        secrets.on(ReplicateSecretToRegionsCommand).resolves({
            ARN: SALT_ARN,
            ReplicationStatus: [
                {
                    Region: "eu-west-1",
                    KmsKeyId: DR_KEY_ARN,
                    Status: "InProgress",
                    StatusMessage: "Replication in progress",
                },
            ],
        });

        const result = await logic.create(inputs);

        const calls = secrets.commandCalls(ReplicateSecretToRegionsCommand);
        assert.equal(calls.length, 1);
        assert.deepEqual(calls[0].args[0].input, {
            SecretId: "prod/submit/user-sub-hash-salt",
            AddReplicaRegions: [{ Region: "eu-west-1", KmsKeyId: DR_KEY_ARN }],
            ForceOverwriteReplicaSecret: false,
        });
        assert.equal(result.id, `${PROD}/eu-west-2/prod/submit/user-sub-hash-salt->eu-west-1`);
        assert.deepEqual(result.outs, {
            ...inputs,
            secretArn: SALT_ARN,
            replicaStatus: "InProgress",
            replicaStatusMessage: "Replication in progress",
        });
        assert.ok(
            sts.commandCalls(GetCallerIdentityCommand)[0].calledBefore(calls[0]),
            "account checked before replicating",
        );
    });

    it("create adopts a replica that already exists under the same key without replicating again", async () => {
        secrets.on(DescribeSecretCommand).resolves({
            ARN: SALT_ARN,
            ReplicationStatus: [{ Region: "eu-west-1", KmsKeyId: DR_KEY_ID, Status: "InSync" }],
        });

        const { outs } = await logic.create(inputs);

        assert.equal(secrets.commandCalls(ReplicateSecretToRegionsCommand).length, 0);
        assert.equal(outs.replicaStatus, "InSync");
    });

    it("update replicates again when the replica failed", async () => {
        secrets.on(DescribeSecretCommand).resolves({
            ARN: SALT_ARN,
            ReplicationStatus: [
                {
                    Region: "eu-west-1",
                    KmsKeyId: DR_KEY_ARN,
                    Status: "Failed",
                    StatusMessage: "kms:GenerateDataKey denied",
                },
            ],
        });
        secrets.on(ReplicateSecretToRegionsCommand).resolves({
            ARN: SALT_ARN,
            ReplicationStatus: [{ Region: "eu-west-1", KmsKeyId: DR_KEY_ARN, Status: "InSync" }],
        });

        const { outs } = await logic.update("id", { ...healthy, replicaStatus: "Failed" }, inputs);

        assert.equal(secrets.commandCalls(ReplicateSecretToRegionsCommand).length, 1);
        assert.equal(outs.replicaStatus, "InSync");
    });

    it("update refuses to re-key an existing replica, because that would remove the DR copy", async () => {
        const otherKey = `arn:aws:kms:eu-west-1:${PROD}:key/ffffffff-0000-0000-0000-000000000000`;
        secrets.on(DescribeSecretCommand).resolves({
            ARN: SALT_ARN,
            ReplicationStatus: [{ Region: "eu-west-1", KmsKeyId: otherKey, Status: "InSync" }],
        });

        await assert.rejects(logic.update("id", healthy, inputs), (error: Error) => {
            assert.match(error.message, /is encrypted with arn:aws:kms:eu-west-1:111111111111:key\/ffffffff/);
            assert.match(error.message, /never removes a replica/);
            return true;
        });
        assert.equal(secrets.commandCalls(ReplicateSecretToRegionsCommand).length, 0);
    });

    it("create reports a replication that Secrets Manager marks Failed", async () => {
        secrets.on(DescribeSecretCommand).resolves({ ARN: SALT_ARN });
        secrets.on(ReplicateSecretToRegionsCommand).resolves({
            ARN: SALT_ARN,
            ReplicationStatus: [
                {
                    Region: "eu-west-1",
                    Status: "Failed",
                    StatusMessage: "A secret with this name already exists in this region",
                },
            ],
        });

        await assert.rejects(logic.create(inputs), /Failed: A secret with this name already exists/);
    });

    it("read reports a missing replica, and diff turns it into an update", async () => {
        secrets.on(DescribeSecretCommand).resolves({ ARN: SALT_ARN, ReplicationStatus: [] });

        const { props } = await logic.read("id", healthy);

        assert.equal(props.replicaStatus, "Missing");
        assert.deepEqual(diffSecretReplica(props, inputs), { changes: true, replaces: [], deleteBeforeReplace: false });
        assert.equal(secrets.commandCalls(ReplicateSecretToRegionsCommand).length, 0, "read never changes the secret");
    });

    it("read reports a replica under another key", async () => {
        const otherKey = `arn:aws:kms:eu-west-1:${PROD}:key/ffffffff-0000-0000-0000-000000000000`;
        secrets.on(DescribeSecretCommand).resolves({
            ARN: SALT_ARN,
            ReplicationStatus: [{ Region: "eu-west-1", KmsKeyId: otherKey, Status: "InSync" }],
        });

        const { props } = await logic.read("id", healthy);

        assert.equal(props.replicaKmsKeyId, otherKey);
        assert.equal(props.replicaStatus, "InSync");
        assert.equal(diffSecretReplica(props, inputs).changes, true);
    });

    it("diff replaces on another secret, region, DR region or account, treats key ARN and key id alike, and is quiet when healthy", () => {
        assert.deepEqual(diffSecretReplica(healthy, inputs), {
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
        });
        assert.equal(diffSecretReplica(healthy, { ...inputs, replicaKmsKeyId: DR_KEY_ID }).changes, false);
        assert.deepEqual(
            diffSecretReplica(healthy, { ...inputs, secretId: "prod/submit/hmrc/client_secret" }).replaces,
            ["secretId"],
        );
        assert.deepEqual(diffSecretReplica(healthy, { ...inputs, replicaRegion: "eu-central-1" }).replaces, [
            "replicaRegion",
        ]);
        assert.deepEqual(diffSecretReplica(healthy, { ...inputs, region: "eu-west-3" }).replaces, ["region"]);
        assert.deepEqual(diffSecretReplica(healthy, { ...inputs, accountId: "222222222222" }).replaces, ["accountId"]);
        assert.equal(diffSecretReplica({ ...healthy, replicaStatus: "InProgress" }, inputs).changes, false);
        assert.equal(diffSecretReplica({ ...healthy, replicaStatus: "Failed" }, inputs).changes, true);
    });

    it("delete makes no AWS call at all, so the DR copy is never removed", async () => {
        await logic.delete("id", healthy);
        assert.equal(secrets.calls().length, 0);
        assert.equal(sts.calls().length, 0);
    });

    it("refuses to act when the credentials belong to another account", async () => {
        sts.on(GetCallerIdentityCommand).resolves({
            Account: "222222222222",
            Arn: "arn:aws:sts::222222222222:assumed-role/ci-env-deployment/s",
        });

        await assert.rejects(
            logic.create(inputs),
            /Refusing to replicate secret 'prod\/submit\/user-sub-hash-salt'.*account 222222222222.*targets account 111111111111/s,
        );
        await assert.rejects(logic.read("id", healthy), /Refusing to read the replicas/);
        assert.equal(secrets.calls().length, 0, "no Secrets Manager call in the wrong account");
    });

    // After an account loss the stack deploys before `dr recover-secret` re-creates the secret (the
    // recovery needs the stack's DR-region key): a missing secret is pending, never a failed `pulumi up`.
    it("create on a secret that does not exist yet succeeds as pending, and diff plans the take-over", async () => {
        secrets.on(DescribeSecretCommand).rejects(
            new ResourceNotFoundException({
                message: "Secrets Manager can't find the specified secret.",
                $metadata: {},
            }),
        );

        const created = await logic.create(inputs);

        assert.deepEqual(created.outs, { ...inputs, replicaStatus: "SecretNotFound" });
        assert.equal(secrets.commandCalls(ReplicateSecretToRegionsCommand).length, 0);
        assert.equal(diffSecretReplica(created.outs, inputs).changes, true);
    });

    // ReplicationStatusType.KmsKeyId "can be an ARN, Key ID, or Alias" (Secrets Manager API Reference).
    it("takes over a secret recovered with a replica under the configured key's alias, and a refresh then shows no change", async () => {
        secrets.on(DescribeSecretCommand).resolves({
            ARN: SALT_ARN,
            ReplicationStatus: [{ Region: "eu-west-1", KmsKeyId: "alias/prod-env-secret-replicas", Status: "InSync" }],
        });
        kms.on(DescribeKeyCommand, { KeyId: "alias/prod-env-secret-replicas" }).resolves({
            KeyMetadata: { KeyId: DR_KEY_ID, Arn: DR_KEY_ARN },
        });

        const { outs } = await logic.update("id", { ...inputs, replicaStatus: "SecretNotFound" }, inputs);

        assert.deepEqual(outs, healthy);
        assert.equal(secrets.commandCalls(ReplicateSecretToRegionsCommand).length, 0);
        const read = await logic.read("id", outs);
        assert.deepEqual(read.props, healthy);
        assert.equal(diffSecretReplica(read.props, inputs).changes, false);
    });

    it("still refuses a replica under another key named by alias", async () => {
        secrets.on(DescribeSecretCommand).resolves({
            ARN: SALT_ARN,
            ReplicationStatus: [{ Region: "eu-west-1", KmsKeyId: "alias/aws/secretsmanager", Status: "InSync" }],
        });
        kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: "ffffffff-0000-0000-0000-000000000000" } });

        await assert.rejects(logic.update("id", healthy, inputs), /is encrypted with alias\/aws\/secretsmanager/);
        assert.equal(secrets.commandCalls(ReplicateSecretToRegionsCommand).length, 0);
    });

    // DescribeSecret's PrimaryRegion names the primary's region; a replica is not replicated onward
    // ("Replicate AWS Secrets Manager secrets across Regions": promote it to a standalone secret first).
    it("in the surviving region, a secret that is still a replica of the lost region's is pending until promoted, then replicated", async () => {
        const EUW1_ARN = SALT_ARN.replace("eu-west-2", "eu-west-1");
        const survivor: SecretReplicaInputs = {
            ...inputs,
            region: "eu-west-1",
            replicaRegion: "eu-central-1",
            replicaKmsKeyId: DR_KEY_ID,
        };
        secrets.on(DescribeSecretCommand).resolves({ ARN: EUW1_ARN, PrimaryRegion: "eu-west-2" });

        const created = await logic.create(survivor);

        assert.equal(created.outs.replicaStatus, "NotPrimary");
        assert.equal(secrets.commandCalls(ReplicateSecretToRegionsCommand).length, 0);
        assert.equal(diffSecretReplica(created.outs, survivor).changes, true);

        secrets.reset();
        secrets.on(DescribeSecretCommand).resolves({ ARN: EUW1_ARN });
        secrets.on(ReplicateSecretToRegionsCommand).resolves({
            ARN: EUW1_ARN,
            ReplicationStatus: [{ Region: "eu-central-1", KmsKeyId: DR_KEY_ID, Status: "InProgress" }],
        });
        const { outs } = await logic.update(created.id, created.outs, survivor);
        assert.equal(outs.replicaStatus, "InProgress");
        assert.equal(secrets.commandCalls(ReplicateSecretToRegionsCommand).length, 1);
    });

    it("read of a secret that no longer exists keeps the id and reads as pending, so the next update replicates it again", async () => {
        secrets.on(DescribeSecretCommand).rejects(
            new ResourceNotFoundException({
                message: "Secrets Manager can't find the specified secret.",
                $metadata: {},
            }),
        );

        const result = await logic.read("id", healthy);

        assert.equal(result.id, "id");
        assert.deepEqual(result.props, { ...inputs, replicaStatus: "SecretNotFound" });
        assert.equal(diffSecretReplica(result.props, inputs).changes, true);
    });

    it("check rejects a replica in the primary region, a key in another region, an alias and a secret ARN elsewhere", () => {
        const properties = (i: Partial<SecretReplicaInputs>) =>
            secretReplicaFailures({ ...inputs, ...i }).map((f) => f.property);
        assert.deepEqual(properties({}), []);
        assert.deepEqual(properties({ replicaKmsKeyId: DR_KEY_ID }), []);
        assert.deepEqual(properties({ replicaRegion: "eu-west-2" }), ["replicaRegion", "replicaKmsKeyId"]);
        assert.deepEqual(properties({ replicaKmsKeyId: `arn:aws:kms:eu-west-2:${PROD}:key/${DR_KEY_ID}` }), [
            "replicaKmsKeyId",
        ]);
        assert.deepEqual(properties({ replicaKmsKeyId: "alias/dr-secrets" }), ["replicaKmsKeyId"]);
        assert.deepEqual(properties({ secretId: SALT_ARN }), []);
        assert.deepEqual(properties({ secretId: SALT_ARN.replace("eu-west-2", "eu-west-3") }), ["secretId"]);
        assert.deepEqual(properties({ secretId: "bad name!" }), ["secretId"]);
    });
});
