import * as assert from "node:assert/strict";
import {
    DescribeSecretCommand,
    ReplicateSecretToRegionsCommand,
    SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { SECRET_REPLICA_TYPE, SecretReplica } from "../../../components/secrets/secretReplica";
import type { RecordedResource } from "../../../offline/types";
import { runComponent } from "../../helpers/engine";
import { providerFromSerializedText } from "../../helpers/serializedProvider";

const KEY = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";

describe("SecretReplica dynamic resource", () => {
    /** Registers one SecretReplica on the offline engine and returns what the engine recorded of it. */
    async function register(name: string, secretId: string): Promise<RecordedResource> {
        const run = await runComponent(() => {
            new SecretReplica(name, {
                secretId,
                region: "eu-west-2",
                accountId: "111111111111",
                replicaRegion: "eu-west-1",
                replicaKmsKeyId: KEY,
            });
        });
        return run.named(name);
    }

    it("registers its inputs under its own dynamic type token with a small serialized provider", async () => {
        const { type, inputs } = await register("salt-replica", "prod/submit/user-sub-hash-salt");
        assert.equal(type, SECRET_REPLICA_TYPE);
        assert.equal(type, "pulumi-nodejs:dynamic/backup:SecretReplica");
        assert.equal(inputs.secretId, "prod/submit/user-sub-hash-salt");
        assert.equal(inputs.replicaRegion, "eu-west-1");
        assert.equal(inputs.replicaKmsKeyId, KEY);
        assert.doesNotMatch(String(inputs.__provider), /@aws-sdk|ReplicateSecretToRegions/);
        assert.ok(String(inputs.__provider).length < 8000);
    });

    it("still works after serialization: the deserialized provider replicates through the SDK", async () => {
        const { inputs } = await register("hmrc-secret-replica", "prod/submit/hmrc/client_secret");
        const secrets = mockClient(SecretsManagerClient);
        const sts = mockClient(STSClient);
        try {
            sts.on(GetCallerIdentityCommand).resolves({ Account: "111111111111" });
            secrets.on(DescribeSecretCommand).resolves({
                ARN: "arn:aws:secretsmanager:eu-west-2:111111111111:secret:prod/submit/hmrc/client_secret-Ab12Cd",
            });
            secrets
                .on(ReplicateSecretToRegionsCommand)
                .resolves({ ReplicationStatus: [{ Region: "eu-west-1", KmsKeyId: KEY, Status: "InProgress" }] });

            const result = await providerFromSerializedText(String(inputs.__provider)).create(inputs);

            assert.equal(result.outs.replicaStatus, "InProgress");
            assert.equal(
                secrets.commandCalls(ReplicateSecretToRegionsCommand)[0].args[0].input.SecretId,
                "prod/submit/hmrc/client_secret",
            );
        } finally {
            secrets.restore();
            sts.restore();
        }
    });
});
