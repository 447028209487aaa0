/**
 * `SecretReplica`: keeps a DR-region replica of a critical secret this program does not own.
 *
 * A thin wrapper: the logic lives in `secretReplicaProvider.ts` and is loaded by the provider at
 * run time (see `loadProjectModule`), so the serialized provider stays a few lines long.
 */
import * as pulumi from "@pulumi/pulumi";
import { accountRootArn } from "../../naming";
import { loadProjectModule } from "../dynamic/loadProjectModule";
import { PolicyStatement } from "../iam/policyDocument";
import type { SecretReplicaInputs, SecretReplicaLogic, SecretReplicaOutputs } from "./secretReplicaProvider";

export interface SecretReplicaArgs {
    /** Name or ARN of the primary secret, e.g. `prod/submit/user-sub-hash-salt`. */
    secretId: pulumi.Input<string>;
    /** The secret's own (primary) region and account; the provider refuses to act anywhere else. */
    region: pulumi.Input<string>;
    accountId: pulumi.Input<string>;
    /** The DR region, e.g. `eu-west-1`. */
    replicaRegion: pulumi.Input<string>;
    /** ARN or key id of the customer managed key in `replicaRegion` (not an alias). */
    replicaKmsKeyId: pulumi.Input<string>;
    /** The stack's deployment role in `accountId`; assumed for every call. */
    assumeRoleArn?: pulumi.Input<string>;
}

/**
 * The replica key's statement for whoever writes the primary secret later (the application, a
 * rotation function): every new version is replicated with the caller's identity, which then needs
 * kms:GenerateDataKey and kms:Encrypt on the replica's key ("ReplicateSecretToRegions", Secrets Manager
 * API Reference; "Troubleshoot AWS Secrets Manager replication"). Admitted only through Secrets Manager
 * in the primary or the replica region (kms:ViaService) and only for this account (kms:CallerAccount);
 * who may write the secret at all is the secret's IAM policies' decision.
 */
export function replicaWritersKeyStatement(accountId: string, regions: string[]): PolicyStatement {
    return {
        Sid: "SecretWritersReplicate",
        Effect: "Allow",
        Principal: { AWS: accountRootArn(accountId) },
        Action: ["kms:GenerateDataKey", "kms:Encrypt", "kms:DescribeKey"],
        Resource: "*",
        Condition: {
            StringEquals: {
                "kms:ViaService": regions.map((r) => `secretsmanager.${r}.amazonaws.com`),
                "kms:CallerAccount": accountId,
            },
        },
    };
}

/** Type token the engine records: `pulumi-nodejs:dynamic/<module>:<type>`. */
export const SECRET_REPLICA_TYPE = "pulumi-nodejs:dynamic/backup:SecretReplica";

/** In the state of every deployed SecretReplica: never move this file (the provider-host spec pins it). */
export const SECRET_REPLICA_LOGIC_MODULE = "components/secrets/secretReplicaProvider";

function secretReplicaLogic(): SecretReplicaLogic {
    const logic = loadProjectModule(SECRET_REPLICA_LOGIC_MODULE) as {
        SecretReplicaLogic: new () => SecretReplicaLogic;
    };
    return new logic.SecretReplicaLogic();
}

/** The serialized provider: each method loads the logic when it runs, capturing nothing else. */
export const secretReplicaProvider: pulumi.dynamic.ResourceProvider<SecretReplicaInputs, SecretReplicaOutputs> = {
    check: (olds, news) => secretReplicaLogic().check(olds, news),
    diff: (id, olds, news) => secretReplicaLogic().diff(id, olds, news),
    create: (inputs) => secretReplicaLogic().create(inputs),
    read: (id, props) => secretReplicaLogic().read(id, props as SecretReplicaOutputs),
    update: (id, olds, news) => secretReplicaLogic().update(id, olds, news),
    delete: (id, props) => secretReplicaLogic().delete(id, props),
};

export class SecretReplica extends pulumi.dynamic.Resource {
    declare public readonly secretId: pulumi.Output<string>;
    /** Absent while the secret does not exist. */
    declare public readonly secretArn: pulumi.Output<string | undefined>;
    declare public readonly replicaRegion: pulumi.Output<string>;
    declare public readonly replicaKmsKeyId: pulumi.Output<string>;
    /** `SecretNotFound` while the secret does not exist: the replica is pending until a `pulumi up` after it appears. */
    declare public readonly replicaStatus: pulumi.Output<string>;
    declare public readonly replicaStatusMessage: pulumi.Output<string | undefined>;

    constructor(name: string, args: SecretReplicaArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            secretReplicaProvider,
            name,
            {
                secretId: args.secretId,
                region: args.region,
                accountId: args.accountId,
                replicaRegion: args.replicaRegion,
                replicaKmsKeyId: args.replicaKmsKeyId,
                assumeRoleArn: args.assumeRoleArn,
                secretArn: undefined,
                replicaStatus: undefined,
                replicaStatusMessage: undefined,
            },
            opts,
            "backup",
            "SecretReplica",
        );
    }
}
