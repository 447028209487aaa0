/**
 * Point-in-time recovery on a DynamoDB table that another tool owns: the logic of the `TablePitr`
 * dynamic provider, as plain functions over injected clients so tests drive it with
 * aws-sdk-client-mock.
 *
 * PITR was once switched off silently by an unrelated refactor, so `read` reports what AWS really
 * has (PITR off, another recovery period) and `diff` turns that drift into an update that switches
 * it back on. Nothing here ever switches PITR off.
 *
 * A table that does not exist yet is *pending*, not an error: after an account or region loss the
 * deployment stack deploys into an empty account before the tables are restored into it (the
 * copy-back restore needs the stack's vault first). Create, update and read then record
 * `tableExists: false` and claim nothing about PITR; every later preview shows an update for the
 * resource, and the `pulumi up` after the restore takes the table over and switches PITR on.
 */
import {
    ContinuousBackupsDescription,
    DescribeContinuousBackupsCommand,
    DynamoDBClient,
    UpdateContinuousBackupsCommand,
} from "@aws-sdk/client-dynamodb";
import { dynamoDbTableName } from "../../aws/rules";
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

export interface TablePitrInputs extends AwsTarget {
    tableName: string;
    /** 1 to 35 days: the range UpdateContinuousBackups accepts for RecoveryPeriodInDays. */
    recoveryPeriodDays: number;
}

export interface TablePitrOutputs extends TablePitrInputs {
    tableArn: string;
    /** False while the table does not exist (DynamoDB answers TableNotFoundException): PITR is pending. */
    tableExists: boolean;
    /** What AWS reports, so a refresh shows PITR switched off. Absent while the table does not exist. */
    pitrEnabled?: boolean;
    /** PointInTimeRecoveryStatus as AWS reports it: ENABLED or DISABLED. Absent while the table does not exist. */
    pitrStatus?: string;
    /** ContinuousBackupsStatus: ENABLED or DISABLED. Absent while the table does not exist. */
    continuousBackupsStatus?: string;
    // No restorable-window timestamps: LatestRestorableDateTime moves with every read, so a refresh
    // with nothing changed would always show a diff. `npm run dr -- verify` reads the window instead.
}

export interface PitrClients {
    dynamodb: Pick<DynamoDBClient, "send">;
    sts: StsSender;
}

export type PitrClientFactory = (target: AwsTarget) => PitrClients;

const SESSION_NAME = "vat-backup-table-pitr";
export const MIN_RECOVERY_PERIOD_DAYS = 1;
export const MAX_RECOVERY_PERIOD_DAYS = 35;

/** Clients for the stack's own region and role, never the provider host's default region. */
export const awsPitrClients: PitrClientFactory = (target) => ({
    dynamodb: new DynamoDBClient(clientConfigFor(target, SESSION_NAME)),
    sts: stsClientFor(target, SESSION_NAME),
});

export function tablePitrId(inputs: Pick<TablePitrInputs, "accountId" | "region" | "tableName">): string {
    return `${inputs.accountId}/${inputs.region}/${inputs.tableName}`;
}

export function tableArn(inputs: Pick<TablePitrInputs, "accountId" | "region" | "tableName">): string {
    return `arn:aws:dynamodb:${inputs.region}:${inputs.accountId}:table/${inputs.tableName}`;
}

export function tablePitrFailures(inputs: Partial<TablePitrInputs>): InputFailure[] {
    const failures = targetFailures(inputs);
    if (isKnown(inputs.tableName)) {
        const rule = dynamoDbTableName(String(inputs.tableName));
        if (rule) failures.push({ property: "tableName", reason: rule });
    }
    const days = inputs.recoveryPeriodDays;
    if (
        isKnown(days) &&
        !(Number.isInteger(days) && days! >= MIN_RECOVERY_PERIOD_DAYS && days! <= MAX_RECOVERY_PERIOD_DAYS)
    ) {
        failures.push({
            property: "recoveryPeriodDays",
            reason: `${days} is outside the ${MIN_RECOVERY_PERIOD_DAYS} to ${MAX_RECOVERY_PERIOD_DAYS} whole days DynamoDB PITR accepts`,
        });
    }
    return failures;
}

/**
 * Table identity changes mean another table: replace. Period, role or drift: update in place. A
 * pending table (PITR not known to be on) is drift too: every `pulumi up` looks for the table again.
 */
export function diffTablePitr(
    olds: TablePitrOutputs,
    news: TablePitrInputs,
): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
    const replaces = (["tableName", "region", "accountId"] as const).filter((key) => olds[key] !== news[key]);
    const drifted = olds.pitrEnabled !== true || olds.recoveryPeriodDays !== news.recoveryPeriodDays;
    const roleChanged = (olds.assumeRoleArn ?? "") !== (news.assumeRoleArn ?? "");
    return { changes: replaces.length > 0 || drifted || roleChanged, replaces, deleteBeforeReplace: false };
}

function targetOf(inputs: TablePitrInputs): TablePitrInputs {
    const { tableName, recoveryPeriodDays, region, accountId, assumeRoleArn } = inputs;
    return assumeRoleArn
        ? { tableName, recoveryPeriodDays, region, accountId, assumeRoleArn }
        : { tableName, recoveryPeriodDays, region, accountId };
}

function outputsFrom(inputs: TablePitrInputs, description: ContinuousBackupsDescription | undefined): TablePitrOutputs {
    const pitr = description?.PointInTimeRecoveryDescription;
    const pitrStatus = pitr?.PointInTimeRecoveryStatus ?? "DISABLED";
    const outputs: TablePitrOutputs = {
        ...targetOf(inputs),
        // The real period, so a refresh shows a period someone changed by hand.
        recoveryPeriodDays: pitr?.RecoveryPeriodInDays ?? inputs.recoveryPeriodDays,
        tableArn: tableArn(inputs),
        tableExists: true,
        pitrEnabled: pitrStatus === "ENABLED",
        pitrStatus,
        continuousBackupsStatus: description?.ContinuousBackupsStatus ?? "DISABLED",
    };
    return outputs;
}

/**
 * The state of a TablePitr whose table does not exist yet: no PITR fields at all (there is no
 * table whose PITR is on or off), so nothing downstream mistakes it for PITR switched off, and
 * `diff` (PITR not known to be on) plans the update that takes the table over once it exists.
 */
export function pendingOutputs(inputs: TablePitrInputs): TablePitrOutputs {
    return { ...targetOf(inputs), tableArn: tableArn(inputs), tableExists: false };
}

function explainFailure(inputs: TablePitrInputs, action: string, error: unknown): Error {
    const where = `table '${inputs.tableName}' in account ${inputs.accountId}, region ${inputs.region}`;
    return new Error(`Cannot ${action} on ${where}: ${awsErrorName(error) ?? "Error"}: ${errorMessage(error)}`);
}

export class TablePitrLogic {
    constructor(private readonly clientsFor: PitrClientFactory = awsPitrClients) {}

    async check(_olds: unknown, news: TablePitrInputs): Promise<{ inputs: TablePitrInputs; failures: InputFailure[] }> {
        return { inputs: news, failures: tablePitrFailures(news) };
    }

    async create(inputs: TablePitrInputs): Promise<{ id: string; outs: TablePitrOutputs }> {
        return { id: tablePitrId(inputs), outs: await this.enable(inputs) };
    }

    async update(_id: string, _olds: TablePitrOutputs, news: TablePitrInputs): Promise<{ outs: TablePitrOutputs }> {
        return { outs: await this.enable(news) };
    }

    async diff(_id: string, olds: TablePitrOutputs, news: TablePitrInputs) {
        return diffTablePitr(olds, news);
    }

    /**
     * A table that does not exist (yet, or any more) reads as pending under the same id, not as an
     * empty id (Pulumi's `dynamic.ReadResult.id`, "blank if missing", would make `pulumi refresh`
     * drop the resource): the resource stands for "PITR on this table whenever it exists", so a
     * refresh keeps it, and the next `pulumi up` switches PITR on as soon as the table is back.
     */
    async read(id: string, props: TablePitrOutputs): Promise<{ id: string; props: TablePitrOutputs }> {
        const { dynamodb, sts } = this.clientsFor(props);
        await assertTargetAccount(sts, props, `read PITR of table '${props.tableName}'`);
        try {
            const result = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: props.tableName }));
            return { id, props: outputsFrom(props, result.ContinuousBackupsDescription) };
        } catch (error) {
            if (awsErrorName(error) === "TableNotFoundException") return { id, props: pendingOutputs(props) };
            throw explainFailure(props, "read point-in-time recovery", error);
        }
    }

    /**
     * Deliberately makes no AWS call. The table belongs to the application's own deployment and
     * PITR is its last line of defence: removing this resource (a refactor, a stack rename, a
     * destroy of the backup stack) must never switch PITR off on a live table.
     */
    async delete(_id: string, _props: TablePitrOutputs): Promise<void> {
        return;
    }

    private async enable(inputs: TablePitrInputs): Promise<TablePitrOutputs> {
        throwOnFailures(`TablePitr for table '${inputs.tableName}'`, tablePitrFailures(inputs));
        const { dynamodb, sts } = this.clientsFor(inputs);
        await assertTargetAccount(sts, inputs, `enable PITR on table '${inputs.tableName}'`);
        try {
            const result = await dynamodb.send(
                new UpdateContinuousBackupsCommand({
                    TableName: inputs.tableName,
                    PointInTimeRecoverySpecification: {
                        PointInTimeRecoveryEnabled: true,
                        RecoveryPeriodInDays: inputs.recoveryPeriodDays,
                    },
                }),
            );
            return outputsFrom(inputs, result.ContinuousBackupsDescription);
        } catch (error) {
            // Not there yet (an account rebuilt before its tables are restored): pending, taken over later.
            if (awsErrorName(error) === "TableNotFoundException") return pendingOutputs(inputs);
            throw explainFailure(inputs, "enable point-in-time recovery", error);
        }
    }
}
