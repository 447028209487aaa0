/**
 * An account rebuilt after a loss, step by step, as the engine would record the deployment stack:
 * the offline plan of a checked-in stack, with every TablePitr and SecretReplica driven through its
 * own provider logic (check, create, read, diff, update) against aws-sdk-client-mock standing in
 * for an account first without the app's tables and secrets, then with them restored. Each step's
 * records carry the outputs those calls returned, which is what the engine hands a stack policy
 * after the update (AnalyzeStack sees the final outputs; Analyze the inputs, which do not change).
 */
import {
    DescribeContinuousBackupsCommand,
    DynamoDBClient,
    UpdateContinuousBackupsCommand,
} from "@aws-sdk/client-dynamodb";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { TablePitrInputs, TablePitrLogic, TablePitrOutputs } from "../../components/dynamodb/pitrProvider";
import { TABLE_PITR_TYPE } from "../../components/dynamodb/tablePitr";
import { SECRET_REPLICA_TYPE } from "../../components/secrets/secretReplica";
import {
    SecretReplicaInputs,
    SecretReplicaLogic,
    SecretReplicaOutputs,
} from "../../components/secrets/secretReplicaProvider";
import { secretReplicaKeyAlias } from "../../naming";
import type { RecordedResource } from "../../offline/types";

type Props = Record<string, unknown>;

/** What the provider calls decided for one dynamic resource at one step. */
export interface DynamicStep {
    urn: string;
    type: string;
    id: string;
    outs: Props;
    /** The preview's diff before this step's update, when there was a previous state. */
    diff?: { changes: boolean; replaces: string[] };
}

export interface TakeoverSteps {
    /** `pulumi up` in the rebuilt account before the restore: nothing of the app exists. */
    emptyAccount: { records: RecordedResource[]; dynamic: DynamicStep[] };
    /** The refresh after the restore, before the update: a restored table whose PITR is not on yet. */
    refreshedAfterRestore: { records: RecordedResource[]; dynamic: DynamicStep[] };
    /** `pulumi up --refresh` after `restore-account` and `recover-secret`: the take-over. */
    afterRestore: { records: RecordedResource[]; dynamic: DynamicStep[] };
}

const UNDERSCORE_PROVIDER = "__provider";

function withOutputs(records: RecordedResource[], steps: DynamicStep[]): RecordedResource[] {
    const byUrn = new Map(steps.map((s) => [s.urn, s]));
    return records.map((r) => {
        const step = byUrn.get(r.urn);
        return step ? { ...r, outputs: { ...step.outs, [UNDERSCORE_PROVIDER]: r.inputs[UNDERSCORE_PROVIDER] } } : r;
    });
}

function notFound(name: string, message: string): Error {
    return Object.assign(new Error(message), { name, $metadata: {} });
}

/**
 * Runs the steps over `records` (an offline update plan) of the stack of `environment` in
 * `accountId`. The restore is taken at its worst for PITR: tables restored without it (a restore
 * stopped before its PITR step), so only the take-over switches it on.
 */
export async function takeoverSteps(
    records: RecordedResource[],
    accountId: string,
    environment: string,
): Promise<TakeoverSteps> {
    const dynamodb = mockClient(DynamoDBClient);
    const secrets = mockClient(SecretsManagerClient);
    const sts = mockClient(STSClient);
    const kms = mockClient(KMSClient);
    try {
        sts.on(GetCallerIdentityCommand).resolves({
            Account: accountId,
            Arn: `arn:aws:sts::${accountId}:assumed-role/deploy/up`,
        });
        const tables = records.filter((r) => r.type === TABLE_PITR_TYPE);
        const replicas = records.filter((r) => r.type === SECRET_REPLICA_TYPE);
        const pitr = new TablePitrLogic();
        const replica = new SecretReplicaLogic();

        // 1. The empty account: DynamoDB and Secrets Manager know none of the app's tables and secrets.
        dynamodb.on(UpdateContinuousBackupsCommand).rejects(notFound("TableNotFoundException", "Table not found"));
        dynamodb.on(DescribeContinuousBackupsCommand).rejects(notFound("TableNotFoundException", "Table not found"));
        secrets
            .on(DescribeSecretCommand)
            .rejects(notFound("ResourceNotFoundException", "Secrets Manager can't find the specified secret."));
        const empty: DynamicStep[] = [];
        for (const r of tables) {
            const inputs = await checked(pitr, r);
            const created = await pitr.create(inputs as unknown as TablePitrInputs);
            empty.push({ urn: r.urn, type: r.type, id: created.id, outs: created.outs as unknown as Props });
        }
        for (const r of replicas) {
            const inputs = await checked(replica, r);
            const created = await replica.create(inputs as unknown as SecretReplicaInputs);
            empty.push({ urn: r.urn, type: r.type, id: created.id, outs: created.outs as unknown as Props });
        }

        // 2. restore-account restored the tables (here without PITR yet); recover-secret re-created each
        //    secret with its DR-region replica under the stack's replica key, named by its alias.
        dynamodb.reset();
        secrets.reset();
        const pitrOn = new Map<string, number>();
        dynamodb
            .on(DescribeContinuousBackupsCommand)
            .callsFake((input: { TableName: string }) =>
                Promise.resolve(continuousBackups(pitrOn.get(input.TableName))),
            );
        dynamodb
            .on(UpdateContinuousBackupsCommand)
            .callsFake(
                (input: { TableName: string; PointInTimeRecoverySpecification: { RecoveryPeriodInDays: number } }) => {
                    pitrOn.set(input.TableName, input.PointInTimeRecoverySpecification.RecoveryPeriodInDays);
                    return Promise.resolve(continuousBackups(pitrOn.get(input.TableName)));
                },
            );
        const alias = secretReplicaKeyAlias(environment);
        secrets.on(DescribeSecretCommand).callsFake((input: { SecretId: string }) => {
            const record = replicas.find((r) => r.inputs.secretId === input.SecretId)!;
            return Promise.resolve({
                ARN: `arn:aws:secretsmanager:${String(record.inputs.region)}:${accountId}:secret:${input.SecretId}-AbCdEf`,
                ReplicationStatus: [{ Region: String(record.inputs.replicaRegion), KmsKeyId: alias, Status: "InSync" }],
            });
        });
        kms.on(DescribeKeyCommand).callsFake((input: { KeyId: string }) => {
            if (input.KeyId !== alias)
                return Promise.reject(notFound("NotFoundException", `Alias ${input.KeyId} is not found.`));
            const keyArn = String(replicas[0]?.inputs.replicaKmsKeyId);
            return Promise.resolve({ KeyMetadata: { KeyId: keyArn.split("/").pop(), Arn: keyArn } });
        });

        const refreshed: DynamicStep[] = [];
        const updated: DynamicStep[] = [];
        for (const step of empty) {
            const record = records.find((r) => r.urn === step.urn)!;
            const logic = step.type === TABLE_PITR_TYPE ? pitr : replica;
            const read = await (logic as TablePitrLogic).read(step.id, step.outs as unknown as TablePitrOutputs);
            refreshed.push({ ...step, id: read.id, outs: read.props as unknown as Props });
            const inputs = await checked(logic, record);
            const diff = await (logic as TablePitrLogic).diff(
                read.id,
                read.props,
                inputs as unknown as TablePitrInputs,
            );
            const outs = diff.changes
                ? (
                      await (logic as SecretReplicaLogic).update(
                          read.id,
                          read.props as unknown as SecretReplicaOutputs,
                          inputs as unknown as SecretReplicaInputs,
                      )
                  ).outs
                : read.props;
            updated.push({ ...step, id: read.id, outs: outs as unknown as Props, diff });
        }
        return {
            emptyAccount: { records: withOutputs(records, empty), dynamic: empty },
            refreshedAfterRestore: { records: withOutputs(records, refreshed), dynamic: refreshed },
            afterRestore: { records: withOutputs(records, updated), dynamic: updated },
        };
    } finally {
        dynamodb.restore();
        secrets.restore();
        sts.restore();
        kms.restore();
    }
}

/** The provider's Check over the program's inputs (without the serialized provider text): it must accept them. */
async function checked(logic: TablePitrLogic | SecretReplicaLogic, record: RecordedResource): Promise<Props> {
    const news = { ...record.inputs };
    delete news[UNDERSCORE_PROVIDER];
    const result = await (logic as TablePitrLogic).check(undefined, news as unknown as TablePitrInputs);
    if (result.failures.length > 0)
        throw new Error(
            `${record.name}: check failed: ${result.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`,
        );
    return result.inputs as unknown as Props;
}

function continuousBackups(days: number | undefined) {
    return {
        ContinuousBackupsDescription: {
            ContinuousBackupsStatus: "ENABLED" as const,
            PointInTimeRecoveryDescription:
                days === undefined
                    ? { PointInTimeRecoveryStatus: "DISABLED" as const }
                    : { PointInTimeRecoveryStatus: "ENABLED" as const, RecoveryPeriodInDays: days },
        },
    };
}
