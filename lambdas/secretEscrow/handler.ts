/**
 * Secret escrow, in each deployment account: every version that matters of each critical secret
 * (the salt, a JSON registry of versions: every version; the HMRC client secret: AWSCURRENT and
 * AWSPREVIOUS), envelope-encrypted under the backup account's escrow key and written to the exports
 * bucket, which replicates it into both Object Lock archives. `recover-secret` reads these objects
 * (naming/escrowFormat.ts is the one format).
 *
 * Invoked daily by EventBridge Scheduler and within minutes of a change by an EventBridge rule on
 * Secrets Manager's CloudTrail events (PutSecretValue, UpdateSecret, RotateSecret, ...). The
 * deployment account cannot decrypt what it writes: the escrow key grants it GenerateDataKey only.
 *
 * A version created while the run is under way is caught: the versions are listed again at the
 * end, and any new current version is escrowed before the run reports success. A secret that
 * fails is reported (metric and thrown error, so Lambda retries and then parks the event).
 *
 * Each run also reads every secret's replication status (DescribeSecret's ReplicationStatus, the
 * check AWS documents: "Troubleshoot AWS Secrets Manager replication": "call the DescribeSecret
 * API operation") and publishes how many of its replicas Secrets Manager reports `Failed`: a
 * replica fails silently when a later write cannot be re-encrypted in the DR region, and the alarm
 * on this metric is what says so. No EventBridge event for a failed replication is documented.
 */
import { GenerateDataKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
    DescribeSecretCommand,
    GetSecretValueCommand,
    ListSecretVersionIdsCommand,
    SecretVersionsListEntry,
    SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { ESCROW_FORMAT, EscrowObject, encryptionContext, escrowObjectKey, seal } from "../../naming/escrowFormat";
import {
    CloudWatchClient,
    MetricPoint,
    RetryOptions,
    Sender,
    errorName,
    publishMetrics,
    requireEnv,
    withThrottleRetry,
} from "../shared/runtime";

/** Which versions of a secret are escrowed. */
export type EscrowVersions = "all" | "current-and-previous";

export interface EscrowedSecret {
    name: string;
    versions: EscrowVersions;
}

export interface SecretEscrowConfig {
    secrets: EscrowedSecret[];
    bucket: string;
    /** The exports bucket's key: its policy refuses a PUT that does not name it (SSE-KMS). */
    bucketKmsKeyArn: string;
    /** The backup account's escrow key, by key or alias ARN (an alias name alone resolves in the caller's account). */
    keyId: string;
    prefix: string;
    sourceAccount: string;
    sourceRegion: string;
    metricNamespace: string;
}

export interface SecretEscrowDeps extends SecretEscrowConfig {
    secretsManager: Sender;
    kms: Sender;
    s3: Sender;
    cloudwatch: Sender;
    now?: () => Date;
    log?: (entry: Record<string, unknown>) => void;
    retry?: RetryOptions;
}

export interface SecretOutcome {
    secret: string;
    escrowed: { versionId: string; key: string; stages: string[] }[];
    /** Versions listed but gone before they could be read (deleted or deprecated during the run). */
    vanished: string[];
    error?: string;
}

export interface ReplicaHealth {
    secret: string;
    /** Regions whose replica Secrets Manager reports as `Failed`, with its message. */
    failed: { region: string; message?: string }[];
}

export interface EscrowRunOutcome {
    escrowedAt: string;
    secrets: SecretOutcome[];
    /** Per secret whose status could be read; a secret it could not read publishes no replica metric. */
    replicas: ReplicaHealth[];
}

const CURRENT = "AWSCURRENT";
const PREVIOUS = "AWSPREVIOUS";

export function configFromEnv(env: Record<string, string | undefined>): SecretEscrowConfig {
    requireEnv(
        env,
        [
            "ESCROW_SECRETS",
            "ESCROW_BUCKET",
            "ESCROW_KEY_ID",
            "ESCROW_PREFIX",
            "SOURCE_ACCOUNT",
            "AWS_REGION",
            "METRIC_NAMESPACE",
        ],
        "secretEscrow",
    );
    const secrets = JSON.parse(env.ESCROW_SECRETS!) as EscrowedSecret[];
    if (
        !Array.isArray(secrets) ||
        secrets.some((s) => !s.name || !["all", "current-and-previous"].includes(s.versions))
    )
        throw new Error(`ESCROW_SECRETS must be a JSON list of {name, versions: "all" | "current-and-previous"}`);
    return {
        secrets,
        bucket: env.ESCROW_BUCKET!,
        bucketKmsKeyArn: env.ESCROW_BUCKET_KMS_KEY_ARN!,
        keyId: env.ESCROW_KEY_ID!,
        prefix: env.ESCROW_PREFIX!,
        sourceAccount: env.SOURCE_ACCOUNT!,
        sourceRegion: env.AWS_REGION!,
        metricNamespace: env.METRIC_NAMESPACE!,
    };
}

/** Every version of a secret with its staging labels, across pages (deprecated ones included for "all"). */
export async function listVersions(
    deps: Pick<SecretEscrowDeps, "secretsManager" | "retry">,
    secret: EscrowedSecret,
): Promise<SecretVersionsListEntry[]> {
    const versions: SecretVersionsListEntry[] = [];
    let token: string | undefined;
    do {
        const page = await withThrottleRetry(
            () =>
                deps.secretsManager.send(
                    new ListSecretVersionIdsCommand({
                        SecretId: secret.name,
                        IncludeDeprecated: secret.versions === "all",
                        MaxResults: 100,
                        NextToken: token,
                    }),
                ),
            deps.retry,
        );
        versions.push(...(page.Versions ?? []));
        token = page.NextToken;
    } while (token);
    return versions;
}

/** The versions to escrow: all, or those labelled AWSCURRENT / AWSPREVIOUS; the current one last. */
export function selectVersions(versions: SecretVersionsListEntry[], mode: EscrowVersions): SecretVersionsListEntry[] {
    const chosen = versions.filter(
        (v) => v.VersionId && (mode === "all" || (v.VersionStages ?? []).some((s) => s === CURRENT || s === PREVIOUS)),
    );
    const isCurrent = (v: SecretVersionsListEntry) => (v.VersionStages ?? []).includes(CURRENT);
    return [...chosen.filter((v) => !isCurrent(v)), ...chosen.filter(isCurrent)];
}

const isNotFound = (error: unknown) =>
    typeof error === "object" && error !== null && (error as { name?: string }).name === "ResourceNotFoundException";

async function escrowVersion(
    deps: SecretEscrowDeps,
    secret: EscrowedSecret,
    version: SecretVersionsListEntry,
    at: Date,
): Promise<{ key: string } | "vanished"> {
    const versionId = version.VersionId!;
    let value;
    try {
        value = await withThrottleRetry(
            () => deps.secretsManager.send(new GetSecretValueCommand({ SecretId: secret.name, VersionId: versionId })),
            deps.retry,
        );
    } catch (error) {
        // A deprecated version AWS removed between the listing and this read: nothing left to escrow.
        if (isNotFound(error)) return "vanished";
        throw error;
    }
    const plaintext =
        value.SecretString !== undefined
            ? Buffer.from(value.SecretString, "utf8")
            : value.SecretBinary
              ? Buffer.from(value.SecretBinary)
              : undefined;
    if (!plaintext) throw new Error(`version ${versionId} of ${secret.name} has no value`);
    const context = encryptionContext(secret.name, deps.sourceAccount, versionId);
    const dataKey = await withThrottleRetry(
        () =>
            deps.kms.send(
                new GenerateDataKeyCommand({ KeyId: deps.keyId, KeySpec: "AES_256", EncryptionContext: context }),
            ),
        deps.retry,
    );
    if (!dataKey.Plaintext || !dataKey.CiphertextBlob) throw new Error(`KMS returned no data key for ${deps.keyId}`);
    const sealed = seal(plaintext, dataKey.Plaintext, context);
    dataKey.Plaintext.fill(0);
    plaintext.fill(0);
    const stages = version.VersionStages ?? [];
    const obj: EscrowObject = {
        format: ESCROW_FORMAT,
        secretName: secret.name,
        sourceAccount: deps.sourceAccount,
        sourceRegion: deps.sourceRegion,
        versionId,
        versionStages: stages,
        escrowedAt: at.toISOString(),
        kmsKeyId: dataKey.KeyId ?? deps.keyId,
        encryptionContext: context,
        valueType: value.SecretString !== undefined ? "string" : "binary",
        encryptedDataKey: Buffer.from(dataKey.CiphertextBlob).toString("base64"),
        ...sealed,
    };
    const key = escrowObjectKey(
        deps.prefix,
        deps.sourceAccount,
        secret.name,
        at.getTime(),
        stages.includes(CURRENT) ? undefined : versionId,
    );
    // The bucket policy denies a PUT whose SSE header is absent or names another key (StringNotEqualsIfExists).
    await withThrottleRetry(
        () =>
            deps.s3.send(
                new PutObjectCommand({
                    Bucket: deps.bucket,
                    Key: key,
                    Body: JSON.stringify(obj, null, 2),
                    ContentType: "application/json",
                    ExpectedBucketOwner: deps.sourceAccount,
                    ServerSideEncryption: "aws:kms",
                    SSEKMSKeyId: deps.bucketKmsKeyArn,
                    ChecksumAlgorithm: "SHA256",
                }),
            ),
        deps.retry,
    );
    return { key };
}

async function escrowSecret(deps: SecretEscrowDeps, secret: EscrowedSecret, at: Date): Promise<SecretOutcome> {
    const outcome: SecretOutcome = { secret: secret.name, escrowed: [], vanished: [] };
    const done = new Set<string>();
    try {
        // Twice at most: a version that becomes current during the run is escrowed before success.
        for (let pass = 0; pass < 2; pass++) {
            const todo = selectVersions(await listVersions(deps, secret), secret.versions).filter(
                (v) => !done.has(v.VersionId!),
            );
            if (pass > 0 && todo.length === 0) break;
            for (const version of todo) {
                const result = await escrowVersion(deps, secret, version, at);
                done.add(version.VersionId!);
                if (result === "vanished") outcome.vanished.push(version.VersionId!);
                else
                    outcome.escrowed.push({
                        versionId: version.VersionId!,
                        key: result.key,
                        stages: version.VersionStages ?? [],
                    });
            }
        }
        const again = selectVersions(await listVersions(deps, secret), secret.versions).filter(
            (v) => !done.has(v.VersionId!),
        );
        if (again.length)
            throw new Error(
                `${secret.name} kept changing during the run: versions ${again.map((v) => v.VersionId).join(", ")} are not escrowed yet`,
            );
        if (!outcome.escrowed.some((e) => e.stages.includes(CURRENT)))
            throw new Error(`${secret.name} has no AWSCURRENT version escrowed`);
    } catch (error) {
        outcome.error = errorName(error);
    }
    return outcome;
}

/** The replicas of `secret` that Secrets Manager reports as Failed, or undefined when DescribeSecret failed. */
async function replicaHealth(deps: SecretEscrowDeps, secret: EscrowedSecret): Promise<ReplicaHealth | undefined> {
    try {
        const described = await withThrottleRetry(
            () => deps.secretsManager.send(new DescribeSecretCommand({ SecretId: secret.name })),
            deps.retry,
        );
        const statuses = (
            described as { ReplicationStatus?: { Region?: string; Status?: string; StatusMessage?: string }[] }
        )?.ReplicationStatus;
        return {
            secret: secret.name,
            failed: (statuses ?? [])
                .filter((r) => r.Status === "Failed")
                .map((r) => ({ region: r.Region ?? "unknown", message: r.StatusMessage })),
        };
    } catch {
        return undefined;
    }
}

export function makeHandler(deps: SecretEscrowDeps): (event?: unknown) => Promise<EscrowRunOutcome> {
    const now = deps.now ?? (() => new Date());
    const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
    return async () => {
        const at = now();
        const secrets: SecretOutcome[] = [];
        // The salt first: "salt + backups + code = full recovery".
        const ordered = [...deps.secrets].sort(
            (a, b) => Number(b.name.includes("salt")) - Number(a.name.includes("salt")),
        );
        for (const secret of ordered) secrets.push(await escrowSecret(deps, secret, at));
        const replicas: ReplicaHealth[] = [];
        for (const secret of ordered) {
            const health = await replicaHealth(deps, secret);
            if (health) replicas.push(health);
        }
        const points: MetricPoint[] = secrets.flatMap((s) => {
            const dimensions = { SecretName: s.secret };
            return s.error
                ? [{ name: "SecretEscrowFailures", value: 1, unit: "Count" as const, dimensions }]
                : [
                      { name: "SecretEscrowFailures", value: 0, unit: "Count" as const, dimensions },
                      // The age of the newest escrow: zero at the end of a run that escrowed the current version.
                      { name: "SecretEscrowAgeHours", value: 0, unit: "None" as const, dimensions },
                      { name: "SecretVersionsEscrowed", value: s.escrowed.length, unit: "Count" as const, dimensions },
                  ];
        });
        for (const r of replicas)
            points.push({
                name: "SecretReplicaFailures",
                value: r.failed.length,
                unit: "Count",
                dimensions: { SecretName: r.secret },
            });
        const allOk = secrets.every((s) => !s.error);
        if (allOk)
            points.push({
                name: "SecretEscrowRuns",
                value: 1,
                unit: "Count",
                dimensions: { Function: "secret-escrow" },
            });
        await publishMetrics(deps.cloudwatch, deps.metricNamespace, points, at, deps.retry);
        const outcome = { escrowedAt: at.toISOString(), secrets, replicas };
        log({
            action: "secret-escrow",
            escrowedAt: outcome.escrowedAt,
            secrets: secrets.map((s) => ({
                secret: s.secret,
                versions: s.escrowed.map((e) => e.versionId),
                vanished: s.vanished,
                error: s.error,
            })),
            failedReplicas: replicas.filter((r) => r.failed.length > 0),
        });
        if (!allOk) {
            const failed = secrets.filter((s) => s.error);
            throw new Error(`escrow failed for ${failed.map((s) => `${s.secret} (${s.error})`).join("; ")}`);
        }
        return outcome;
    };
}

let configured: ((event?: unknown) => Promise<EscrowRunOutcome>) | undefined;

/** The Lambda entry point: configuration from the environment, clients in the function's region. */
export async function handler(event?: unknown): Promise<EscrowRunOutcome> {
    if (!configured) {
        const config = configFromEnv(process.env);
        const region = config.sourceRegion;
        const kmsRegion = config.keyId.split(":")[3] || region;
        configured = makeHandler({
            ...config,
            secretsManager: new SecretsManagerClient({ region }),
            kms: new KMSClient({ region: kmsRegion }),
            s3: new S3Client({ region }),
            cloudwatch: new CloudWatchClient({ region }),
        });
    }
    return configured(event);
}
