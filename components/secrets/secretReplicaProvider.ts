/**
 * A replica, in the DR region, of a critical secret another tool owns (the user-sub-hash salt,
 * the HMRC client secret): the logic of the `SecretReplica` dynamic provider, as plain functions
 * over injected clients so tests drive it with aws-sdk-client-mock.
 *
 * "Salt + backups + code = full recovery": losing the salt loses every user's data mapping, so
 * `read` reports a missing or failed replica, or one under another key, and `diff` turns that into
 * an update that replicates again. Nothing here ever removes a replica.
 *
 * A secret that does not exist yet is *pending*, not an error: after an account loss the
 * deployment stack deploys first (its DR-region key must exist before `dr recover-secret`
 * re-creates the secret with a replica under it), so create, update and read record
 * `replicaStatus: "SecretNotFound"`, and the `pulumi up` after the recovery takes the secret over.
 */
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
    DescribeSecretCommand,
    ReplicateSecretToRegionsCommand,
    ReplicationStatusType,
    SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { AWS_REGIONS, secretName } from "../../aws/rules";
import {
    assertTargetAccount,
    AwsTarget,
    awsErrorName,
    clientConfigFor,
    errorMessage,
    InputFailure,
    isKnown,
    StsSender,
    stsClientFor,
    targetFailures,
    throwOnFailures,
} from "../dynamic/awsTarget";

export interface SecretReplicaInputs extends AwsTarget {
    /** Name or ARN of the primary secret in `region`, e.g. `prod/submit/user-sub-hash-salt`. */
    secretId: string;
    /** The DR region that holds the replica; must differ from `region`. */
    replicaRegion: string;
    /** ARN or key id of the customer managed KMS key in `replicaRegion` that encrypts the replica. */
    replicaKmsKeyId: string;
}

/**
 * `Missing` (AWS lists no replica in the region), `SecretNotFound` (no secret yet) and `NotPrimary`
 * (the secret here is itself a replica of another region's, until it is promoted) are ours; the
 * others are Secrets Manager's StatusType.
 */
export type ReplicaStatus = "InSync" | "InProgress" | "Failed" | "Missing" | "SecretNotFound" | "NotPrimary";

export interface SecretReplicaOutputs extends SecretReplicaInputs {
    /** Absent while the secret does not exist. */
    secretArn?: string;
    /** What AWS reports, so a refresh shows a missing or failed replica. */
    replicaStatus: ReplicaStatus;
    replicaStatusMessage?: string;
}

export interface SecretReplicaClients {
    secretsManager: Pick<SecretsManagerClient, "send">;
    sts: StsSender;
    /** KMS in the replica's region, to tell whether a key AWS reports by alias is the configured key. */
    kms: Pick<KMSClient, "send">;
}

export type SecretReplicaClientFactory = (target: AwsTarget & { replicaRegion: string }) => SecretReplicaClients;

const SESSION_NAME = "vat-backup-secret-replica";

/** Clients for the primary secret's region (KMS: the replica's), with the stack's own role. */
export const awsSecretReplicaClients: SecretReplicaClientFactory = (target) => ({
    secretsManager: new SecretsManagerClient(clientConfigFor(target, SESSION_NAME)),
    sts: stsClientFor(target, SESSION_NAME),
    kms: new KMSClient(clientConfigFor({ ...target, region: target.replicaRegion }, SESSION_NAME)),
});

export function secretReplicaId(
    inputs: Pick<SecretReplicaInputs, "accountId" | "region" | "secretId" | "replicaRegion">,
): string {
    return `${inputs.accountId}/${inputs.region}/${inputs.secretId}->${inputs.replicaRegion}`;
}

/** A key ARN and its bare key id name the same key; compare by key id. */
export function kmsKeyIdentity(keyIdOrArn: string): string {
    const match = /^arn:aws:kms:[a-z0-9-]+:\d{12}:key\/(.+)$/.exec(keyIdOrArn);
    return match ? match[1] : keyIdOrArn;
}

export function secretReplicaFailures(inputs: Partial<SecretReplicaInputs>): InputFailure[] {
    const failures = targetFailures(inputs);
    const { secretId, region, accountId, replicaRegion, replicaKmsKeyId } = inputs;
    if (isKnown(secretId)) {
        const arn = /^arn:aws:secretsmanager:([a-z0-9-]+):(\d{12}):secret:.+$/.exec(String(secretId));
        if (String(secretId).startsWith("arn:")) {
            if (!arn) {
                failures.push({
                    property: "secretId",
                    reason: "a secret ARN reads arn:aws:secretsmanager:<region>:<account>:secret:<name>",
                });
            } else if ((isKnown(region) && arn[1] !== region) || (isKnown(accountId) && arn[2] !== accountId)) {
                failures.push({
                    property: "secretId",
                    reason: `the secret ${secretId} is not in account ${accountId}, region ${region}`,
                });
            }
        } else {
            const rule = secretName(String(secretId));
            if (rule) failures.push({ property: "secretId", reason: rule });
        }
    }
    if (isKnown(replicaRegion)) {
        if (!(AWS_REGIONS as readonly string[]).includes(String(replicaRegion))) {
            failures.push({ property: "replicaRegion", reason: `'${replicaRegion}' is not a supported AWS region` });
        } else if (isKnown(region) && replicaRegion === region) {
            failures.push({
                property: "replicaRegion",
                reason: "a replica must live in another region than its primary secret",
            });
        }
    }
    if (isKnown(replicaKmsKeyId)) {
        const key = String(replicaKmsKeyId);
        const keyArn = /^arn:aws:kms:([a-z0-9-]+):\d{12}:key\/[a-zA-Z0-9-]+$/.exec(key);
        if (key.startsWith("alias/") || key.includes(":alias/")) {
            failures.push({
                property: "replicaKmsKeyId",
                reason: "give the key ARN or key id, not an alias: the key AWS reports for the replica is compared with it to detect drift",
            });
        } else if (key.startsWith("arn:") && !keyArn) {
            failures.push({
                property: "replicaKmsKeyId",
                reason: "a KMS key ARN reads arn:aws:kms:<region>:<account>:key/<key id>",
            });
        } else if (keyArn && isKnown(replicaRegion) && keyArn[1] !== replicaRegion) {
            // KMS keys are regional: the replica is encrypted by Secrets Manager in its own region.
            failures.push({
                property: "replicaKmsKeyId",
                reason: `the key is in ${keyArn[1]}, but the replica lives in ${replicaRegion}`,
            });
        } else if (!keyArn && !/^[a-zA-Z0-9-]{1,2048}$/.test(key)) {
            failures.push({ property: "replicaKmsKeyId", reason: "a KMS key id is letters, digits and '-'" });
        }
    }
    return failures;
}

/** Another secret, region or account means another replica: replace. Key, role or drift: update. */
export function diffSecretReplica(
    olds: SecretReplicaOutputs,
    news: SecretReplicaInputs,
): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
    const replaces = (["secretId", "region", "replicaRegion", "accountId"] as const).filter(
        (key) => olds[key] !== news[key],
    );
    const keyChanged = kmsKeyIdentity(olds.replicaKmsKeyId) !== kmsKeyIdentity(news.replicaKmsKeyId);
    const unhealthy = olds.replicaStatus !== "InSync" && olds.replicaStatus !== "InProgress";
    const roleChanged = (olds.assumeRoleArn ?? "") !== (news.assumeRoleArn ?? "");
    return {
        changes: replaces.length > 0 || keyChanged || unhealthy || roleChanged,
        replaces,
        deleteBeforeReplace: false,
    };
}

function targetOf(inputs: SecretReplicaInputs): SecretReplicaInputs {
    const { secretId, region, accountId, replicaRegion, replicaKmsKeyId, assumeRoleArn } = inputs;
    const target = { secretId, region, accountId, replicaRegion, replicaKmsKeyId };
    return assumeRoleArn ? { ...target, assumeRoleArn } : target;
}

function replicaIn(statuses: ReplicationStatusType[] | undefined, region: string): ReplicationStatusType | undefined {
    return (statuses ?? []).find((status) => status.Region === region);
}

function outputsFrom(
    inputs: SecretReplicaInputs,
    secretArn: string,
    replica: ReplicationStatusType | undefined,
): SecretReplicaOutputs {
    const outputs: SecretReplicaOutputs = {
        ...targetOf(inputs),
        // The key AWS reports, so a refresh shows a replica under another key.
        replicaKmsKeyId: replica?.KmsKeyId ?? inputs.replicaKmsKeyId,
        secretArn,
        replicaStatus: (replica?.Status as ReplicaStatus | undefined) ?? "Missing",
    };
    if (replica?.StatusMessage) outputs.replicaStatusMessage = replica.StatusMessage;
    return outputs;
}

/** The state of a SecretReplica whose secret does not exist yet: pending, taken over by a later update. */
export function pendingReplicaOutputs(
    inputs: SecretReplicaInputs,
    status: "SecretNotFound" | "NotPrimary" = "SecretNotFound",
): SecretReplicaOutputs {
    return { ...targetOf(inputs), replicaStatus: status };
}

function where(inputs: SecretReplicaInputs): string {
    return `secret '${inputs.secretId}' in account ${inputs.accountId}, region ${inputs.region}`;
}

function explainFailure(inputs: SecretReplicaInputs, action: string, error: unknown): Error {
    if (awsErrorName(error) === "ResourceNotFoundException") {
        return new Error(
            `Cannot ${action}: ${where(inputs)} does not exist. The application's deployment creates it; deploy that first or fix the name.`,
        );
    }
    return new Error(
        `Cannot ${action} for ${where(inputs)}: ${awsErrorName(error) ?? "Error"}: ${errorMessage(error)}`,
    );
}

export class SecretReplicaLogic {
    constructor(private readonly clientsFor: SecretReplicaClientFactory = awsSecretReplicaClients) {}

    async check(
        _olds: unknown,
        news: SecretReplicaInputs,
    ): Promise<{ inputs: SecretReplicaInputs; failures: InputFailure[] }> {
        return { inputs: news, failures: secretReplicaFailures(news) };
    }

    async create(inputs: SecretReplicaInputs): Promise<{ id: string; outs: SecretReplicaOutputs }> {
        return { id: secretReplicaId(inputs), outs: await this.ensureReplica(inputs) };
    }

    async update(
        _id: string,
        _olds: SecretReplicaOutputs,
        news: SecretReplicaInputs,
    ): Promise<{ outs: SecretReplicaOutputs }> {
        return { outs: await this.ensureReplica(news) };
    }

    async diff(_id: string, olds: SecretReplicaOutputs, news: SecretReplicaInputs) {
        return diffSecretReplica(olds, news);
    }

    /**
     * A secret that does not exist (yet, or any more) reads as pending under the same id: a refresh
     * keeps the resource, and the next `pulumi up` replicates the secret once it is back.
     */
    async read(id: string, props: SecretReplicaOutputs): Promise<{ id: string; props: SecretReplicaOutputs }> {
        const { secretsManager, sts } = this.clientsFor(props);
        await assertTargetAccount(sts, props, `read the replicas of ${where(props)}`);
        try {
            const secret = await secretsManager.send(new DescribeSecretCommand({ SecretId: props.secretId }));
            const replica = replicaIn(secret.ReplicationStatus, props.replicaRegion);
            return {
                id,
                props: outputsFrom(
                    props,
                    secret.ARN ?? props.secretArn ?? props.secretId,
                    await this.asConfigured(props, replica),
                ),
            };
        } catch (error) {
            if (awsErrorName(error) === "ResourceNotFoundException") return { id, props: pendingReplicaOutputs(props) };
            throw explainFailure(props, "read the secret's replicas", error);
        }
    }

    /**
     * Deliberately makes no AWS call. Removing a replica deletes the DR copy of a secret whose loss
     * makes every user's data unrecoverable; no refactor or destroy of this stack may do that.
     */
    async delete(_id: string, _props: SecretReplicaOutputs): Promise<void> {
        return;
    }

    /**
     * Whether the key AWS reports for the replica (an ARN, key id or alias: ReplicationStatusType's
     * KmsKeyId "can be an ARN, Key ID, or Alias", Secrets Manager API Reference) is the configured
     * key. An alias, such as the one `dr recover-secret` passes when it re-creates a secret, is
     * resolved with KMS DescribeKey in the replica's region.
     */
    private async sameKey(inputs: SecretReplicaInputs, reported: string): Promise<boolean> {
        const wanted = kmsKeyIdentity(inputs.replicaKmsKeyId);
        if (kmsKeyIdentity(reported) === wanted) return true;
        if (!reported.startsWith("alias/") && !reported.includes(":alias/")) return false;
        const { kms } = this.clientsFor(inputs);
        try {
            const described = await kms.send(new DescribeKeyCommand({ KeyId: reported }));
            return described.KeyMetadata?.KeyId === wanted;
        } catch (error) {
            if (awsErrorName(error) === "NotFoundException") return false;
            throw explainFailure(inputs, `resolve the replica's key ${reported} in ${inputs.replicaRegion}`, error);
        }
    }

    /** The replica as AWS reports it, its key named as configured when it is the configured key under an alias. */
    private async asConfigured(
        inputs: SecretReplicaInputs,
        replica: ReplicationStatusType | undefined,
    ): Promise<ReplicationStatusType | undefined> {
        if (!replica?.KmsKeyId || kmsKeyIdentity(replica.KmsKeyId) === kmsKeyIdentity(inputs.replicaKmsKeyId))
            return replica;
        return (await this.sameKey(inputs, replica.KmsKeyId))
            ? { ...replica, KmsKeyId: inputs.replicaKmsKeyId }
            : replica;
    }

    private async ensureReplica(inputs: SecretReplicaInputs): Promise<SecretReplicaOutputs> {
        throwOnFailures(`SecretReplica for secret '${inputs.secretId}'`, secretReplicaFailures(inputs));
        const { secretsManager, sts } = this.clientsFor(inputs);
        await assertTargetAccount(sts, inputs, `replicate ${where(inputs)} to ${inputs.replicaRegion}`);

        let secret;
        try {
            secret = await secretsManager.send(new DescribeSecretCommand({ SecretId: inputs.secretId }));
        } catch (error) {
            // Not there yet (an account rebuilt before its secrets are recovered): pending, taken over later.
            if (awsErrorName(error) === "ResourceNotFoundException") return pendingReplicaOutputs(inputs);
            throw explainFailure(inputs, "replicate the secret", error);
        }
        // After a region loss the stack deploys in the surviving region, where the secret is still a
        // replica until the runbook promotes it (StopReplicationToReplica); only a primary can replicate.
        if (secret.PrimaryRegion && secret.PrimaryRegion !== inputs.region)
            return pendingReplicaOutputs(inputs, "NotPrimary");
        const existing = replicaIn(secret.ReplicationStatus, inputs.replicaRegion);
        const secretArn = secret.ARN ?? inputs.secretId;

        if (existing && existing.Status !== "Failed") {
            if (existing.KmsKeyId && !(await this.sameKey(inputs, existing.KmsKeyId))) {
                // Secrets Manager has no call that re-keys a replica: it must be removed and replicated
                // again, which deletes the DR copy in between. That is an operator's decision.
                throw new Error(
                    `The replica of ${where(inputs)} in ${inputs.replicaRegion} is encrypted with ${existing.KmsKeyId}, not ${inputs.replicaKmsKeyId}. ` +
                        "Re-keying a replica means RemoveRegionsFromReplication and replicating again, which deletes the DR copy meanwhile; " +
                        "this provider never removes a replica. Do it by hand (or set replicaKmsKeyId to the key in use), then run `pulumi up` again.",
                );
            }
            return outputsFrom(inputs, secretArn, await this.asConfigured(inputs, existing));
        }

        try {
            const result = await secretsManager.send(
                new ReplicateSecretToRegionsCommand({
                    SecretId: inputs.secretId,
                    AddReplicaRegions: [{ Region: inputs.replicaRegion, KmsKeyId: inputs.replicaKmsKeyId }],
                    // Never overwrite an unrelated secret of the same name in the DR region (it may be
                    // a promoted replica someone is using in a recovery).
                    ForceOverwriteReplicaSecret: false,
                }),
            );
            const replica = replicaIn(result.ReplicationStatus, inputs.replicaRegion);
            if (replica?.Status === "Failed") {
                throw new Error(
                    `Secrets Manager reports the replica in ${inputs.replicaRegion} as Failed: ${replica.StatusMessage ?? "no message"}`,
                );
            }
            return outputsFrom(
                inputs,
                result.ARN ?? secretArn,
                replica ?? { Region: inputs.replicaRegion, KmsKeyId: inputs.replicaKmsKeyId, Status: "InProgress" },
            );
        } catch (error) {
            throw explainFailure(inputs, `replicate the secret to ${inputs.replicaRegion}`, error);
        }
    }
}
