import * as assert from "node:assert/strict";
import {
    DescribeContinuousBackupsCommand,
    DynamoDBClient,
    TableNotFoundException,
    UpdateContinuousBackupsCommand,
} from "@aws-sdk/client-dynamodb";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import {
    awsPitrClients,
    diffTablePitr,
    TablePitrInputs,
    TablePitrLogic,
    TablePitrOutputs,
    tablePitrFailures,
} from "../../../components/dynamodb/pitrProvider";
import { clientConfigFor } from "../../../components/dynamic/awsTarget";

const PROD = "111111111111";
const inputs: TablePitrInputs = {
    tableName: "prod-env-receipts",
    recoveryPeriodDays: 35,
    region: "eu-west-2",
    accountId: PROD,
    assumeRoleArn: `arn:aws:iam::${PROD}:role/prod-env-deployment`,
};
const earliest = new Date("2026-10-22T10:00:00Z");
const latest = new Date("2026-11-26T09:55:00Z");

function pitrDescription(status: "ENABLED" | "DISABLED", days?: number) {
    return {
        ContinuousBackupsDescription: {
            ContinuousBackupsStatus: "ENABLED" as const,
            PointInTimeRecoveryDescription:
                status === "ENABLED"
                    ? {
                          PointInTimeRecoveryStatus: status,
                          RecoveryPeriodInDays: days,
                          EarliestRestorableDateTime: earliest,
                          LatestRestorableDateTime: latest,
                      }
                    : { PointInTimeRecoveryStatus: status },
        },
    };
}

describe("TablePitr provider logic", () => {
    const logic = new TablePitrLogic();
    const mockDynamoDb = () => mockClient(DynamoDBClient);
    const mockSts = () => mockClient(STSClient);
    let dynamodb: ReturnType<typeof mockDynamoDb>;
    let sts: ReturnType<typeof mockSts>;

    before(() => {
        dynamodb = mockDynamoDb();
        sts = mockSts();
    });
    after(() => {
        dynamodb.restore();
        sts.restore();
    });

    beforeEach(() => {
        dynamodb.reset();
        sts.reset();
        sts.on(GetCallerIdentityCommand).resolves({
            Account: PROD,
            Arn: `arn:aws:sts::${PROD}:assumed-role/prod-env-deployment/s`,
        });
    });

    it("create switches PITR on with the requested recovery period, and keeps no restorable-window timestamps (they move with every read)", async () => {
        dynamodb.on(UpdateContinuousBackupsCommand).resolves(pitrDescription("ENABLED", 35));

        const result = await logic.create(inputs);

        const calls = dynamodb.commandCalls(UpdateContinuousBackupsCommand);
        assert.equal(calls.length, 1);
        assert.deepEqual(calls[0].args[0].input, {
            TableName: "prod-env-receipts",
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
        });
        assert.equal(result.id, `${PROD}/eu-west-2/prod-env-receipts`);
        assert.deepEqual(result.outs, {
            ...inputs,
            tableArn: `arn:aws:dynamodb:eu-west-2:${PROD}:table/prod-env-receipts`,
            tableExists: true,
            pitrEnabled: true,
            pitrStatus: "ENABLED",
            continuousBackupsStatus: "ENABLED",
        });
    });

    it("checks the account with STS before the mutating call", async () => {
        dynamodb.on(UpdateContinuousBackupsCommand).resolves(pitrDescription("ENABLED", 35));
        await logic.create(inputs);
        const stsCall = sts.commandCalls(GetCallerIdentityCommand)[0];
        const updateCall = dynamodb.commandCalls(UpdateContinuousBackupsCommand)[0];
        assert.ok(stsCall.calledBefore(updateCall), "GetCallerIdentity must run before UpdateContinuousBackups");
    });

    it("update applies a new recovery period", async () => {
        dynamodb.on(UpdateContinuousBackupsCommand).resolves(pitrDescription("ENABLED", 14));
        const olds: TablePitrOutputs = {
            ...inputs,
            tableArn: "x",
            tableExists: true,
            pitrEnabled: true,
            pitrStatus: "ENABLED",
            continuousBackupsStatus: "ENABLED",
        };

        const { outs } = await logic.update("id", olds, { ...inputs, recoveryPeriodDays: 14 });

        assert.equal(
            dynamodb.commandCalls(UpdateContinuousBackupsCommand)[0].args[0].input.PointInTimeRecoverySpecification
                ?.RecoveryPeriodInDays,
            14,
        );
        assert.equal(outs.recoveryPeriodDays, 14);
        assert.equal(outs.pitrEnabled, true);
    });

    it("read reports PITR switched off by someone else, and diff turns it into an update", async () => {
        dynamodb.on(DescribeContinuousBackupsCommand).resolves(pitrDescription("DISABLED"));
        const stored: TablePitrOutputs = {
            ...inputs,
            tableArn: "x",
            tableExists: true,
            pitrEnabled: true,
            pitrStatus: "ENABLED",
            continuousBackupsStatus: "ENABLED",
        };

        const { props } = await logic.read("id", stored);

        assert.equal(props.pitrEnabled, false);
        assert.equal(props.pitrStatus, "DISABLED");
        assert.deepEqual(diffTablePitr(props, inputs), { changes: true, replaces: [], deleteBeforeReplace: false });
        assert.equal(dynamodb.commandCalls(UpdateContinuousBackupsCommand).length, 0, "read never changes the table");
    });

    it("a refresh with nothing changed shows no change, though AWS's restorable window moved", async () => {
        dynamodb.on(UpdateContinuousBackupsCommand).resolves(pitrDescription("ENABLED", 35));
        const created = await logic.create(inputs);
        dynamodb.on(DescribeContinuousBackupsCommand).resolves({
            ContinuousBackupsDescription: {
                ContinuousBackupsStatus: "ENABLED",
                PointInTimeRecoveryDescription: {
                    PointInTimeRecoveryStatus: "ENABLED",
                    RecoveryPeriodInDays: 35,
                    EarliestRestorableDateTime: new Date("2026-01-02T00:00:00Z"),
                    LatestRestorableDateTime: new Date("2026-03-01T12:34:56Z"),
                },
            },
        });

        const read = await logic.read(created.id, created.outs);

        assert.equal(read.id, created.id);
        assert.deepEqual(read.props, created.outs);
        assert.equal(diffTablePitr(read.props, inputs).changes, false);
    });

    // Pulumi's dynamic.ReadResult: `id` is "the ID of the resource read back (or blank if missing)".
    // A blank id would drop the resource at the next refresh; a throw would fail every refresh while
    // the table is gone. Neither: the resource stays, pending, and the next update takes the table over.
    it("read of a table that no longer exists keeps the id and reads as pending (no PITR claim), and diff plans the take-over", async () => {
        dynamodb
            .on(DescribeContinuousBackupsCommand)
            .rejects(new TableNotFoundException({ message: "Table not found: prod-env-receipts", $metadata: {} }));
        const stored: TablePitrOutputs = {
            ...inputs,
            tableArn: "x",
            tableExists: true,
            pitrEnabled: true,
            pitrStatus: "ENABLED",
            continuousBackupsStatus: "ENABLED",
        };

        const result = await logic.read("id", stored);

        assert.equal(result.id, "id");
        assert.deepEqual(result.props, {
            ...inputs,
            tableArn: "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-receipts",
            tableExists: false,
        });
        assert.equal(diffTablePitr(result.props, inputs).changes, true);
    });

    it("read reports a recovery period changed by hand", async () => {
        dynamodb.on(DescribeContinuousBackupsCommand).resolves(pitrDescription("ENABLED", 7));
        const stored: TablePitrOutputs = {
            ...inputs,
            tableArn: "x",
            tableExists: true,
            pitrEnabled: true,
            pitrStatus: "ENABLED",
            continuousBackupsStatus: "ENABLED",
        };

        const { props } = await logic.read("id", stored);

        assert.equal(props.recoveryPeriodDays, 7);
        assert.equal(props.pitrEnabled, true);
        assert.equal(diffTablePitr(props, inputs).changes, true);
    });

    it("diff replaces on another table, region or account and is quiet when nothing changed", () => {
        const olds: TablePitrOutputs = {
            ...inputs,
            tableArn: "x",
            tableExists: true,
            pitrEnabled: true,
            pitrStatus: "ENABLED",
            continuousBackupsStatus: "ENABLED",
        };
        assert.deepEqual(diffTablePitr(olds, inputs), { changes: false, replaces: [], deleteBeforeReplace: false });
        assert.deepEqual(diffTablePitr(olds, { ...inputs, tableName: "prod-env-bundles" }).replaces, ["tableName"]);
        assert.deepEqual(diffTablePitr(olds, { ...inputs, region: "eu-west-1" }).replaces, ["region"]);
        assert.deepEqual(diffTablePitr(olds, { ...inputs, accountId: "222222222222" }).replaces, ["accountId"]);
        assert.deepEqual(diffTablePitr(olds, { ...inputs, recoveryPeriodDays: 30 }), {
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
        });
        assert.deepEqual(
            diffTablePitr(olds, { ...inputs, assumeRoleArn: `arn:aws:iam::${PROD}:role/other` }).changes,
            true,
        );
    });

    it("delete makes no AWS call at all, so PITR is never switched off", async () => {
        const olds: TablePitrOutputs = {
            ...inputs,
            tableArn: "x",
            tableExists: true,
            pitrEnabled: true,
            pitrStatus: "ENABLED",
            continuousBackupsStatus: "ENABLED",
        };
        await logic.delete("id", olds);
        assert.equal(dynamodb.calls().length, 0);
        assert.equal(sts.calls().length, 0);
    });

    it("refuses to touch a table when the credentials belong to another account", async () => {
        sts.on(GetCallerIdentityCommand).resolves({
            Account: "999999999999",
            Arn: "arn:aws:iam::999999999999:user/someone",
        });

        await assert.rejects(logic.create(inputs), (error: Error) => {
            assert.match(error.message, /Refusing to enable PITR on table 'prod-env-receipts'/);
            assert.match(error.message, /account 999999999999/);
            assert.match(error.message, /targets account 111111111111/);
            return true;
        });
        await assert.rejects(logic.read("id", { ...inputs } as TablePitrOutputs), /Refusing to read PITR/);
        assert.equal(dynamodb.calls().length, 0, "no DynamoDB call in the wrong account");
    });

    // An account rebuilt after a loss: the deployment stack deploys before the tables are restored
    // (the copy-back restore needs its vault), so a missing table is pending, never a failed `pulumi up`.
    it("create on a table that does not exist yet succeeds as pending, and the update after the restore switches PITR on", async () => {
        dynamodb
            .on(UpdateContinuousBackupsCommand)
            .rejects(new TableNotFoundException({ message: "Table not found: prod-env-receipts", $metadata: {} }));

        const created = await logic.create(inputs);

        assert.equal(created.id, "111111111111/eu-west-2/prod-env-receipts");
        assert.equal(created.outs.tableExists, false);
        assert.ok(!("pitrEnabled" in created.outs), "no PITR claim for a table that does not exist");
        assert.equal((await logic.diff(created.id, created.outs, inputs)).changes, true);

        dynamodb.reset();
        dynamodb.on(UpdateContinuousBackupsCommand).resolves(pitrDescription("ENABLED", 35));
        const updated = await logic.update(created.id, created.outs, inputs);

        assert.equal(updated.outs.tableExists, true);
        assert.equal(updated.outs.pitrEnabled, true);
        assert.deepEqual(dynamodb.commandCalls(UpdateContinuousBackupsCommand)[0].args[0].input, {
            TableName: "prod-env-receipts",
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
        });
        assert.equal((await logic.diff(created.id, updated.outs, inputs)).changes, false);
    });

    it("names the table, region and account when DynamoDB refuses for another reason", async () => {
        dynamodb
            .on(UpdateContinuousBackupsCommand)
            .rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));

        await assert.rejects(logic.create(inputs), (error: Error) => {
            assert.match(
                error.message,
                /table 'prod-env-receipts' in account 111111111111, region eu-west-2: AccessDeniedException: not authorized/,
            );
            return true;
        });
    });

    it("check rejects periods outside 1..35, bad accounts and a role in another account", async () => {
        const bad = {
            ...inputs,
            recoveryPeriodDays: 36,
            accountId: "1234",
            assumeRoleArn: "arn:aws:iam::222222222222:role/x",
        };
        const failures = tablePitrFailures(bad)
            .map((f) => f.property)
            .sort();
        assert.deepEqual(failures, ["accountId", "assumeRoleArn", "recoveryPeriodDays"]);
        assert.deepEqual(
            tablePitrFailures({ ...inputs, recoveryPeriodDays: 0 }).map((f) => f.property),
            ["recoveryPeriodDays"],
        );
        assert.deepEqual(
            tablePitrFailures({ ...inputs, recoveryPeriodDays: 1.5 }).map((f) => f.property),
            ["recoveryPeriodDays"],
        );
        assert.match(
            tablePitrFailures({ ...inputs, assumeRoleArn: "arn:aws:iam::222222222222:role/x" })[0].reason,
            /not in account 111111111111/,
        );
        assert.deepEqual((await logic.check({}, inputs)).failures, []);
        await assert.rejects(logic.create({ ...inputs, recoveryPeriodDays: 36 }), /recoveryPeriodDays/);
        assert.equal(sts.calls().length, 0, "invalid inputs are refused before any call");
    });

    it("check lets values that are unknown at preview through", () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        assert.deepEqual(tablePitrFailures({ ...inputs, accountId: unknown, assumeRoleArn: unknown }), []);
    });

    it("builds clients for the stack's region and assumes the stack's role", async () => {
        const clients = awsPitrClients(inputs);
        assert.equal(await (clients.dynamodb as DynamoDBClient).config.region(), "eu-west-2");
        assert.equal(await (clients.sts as STSClient).config.region(), "eu-west-2");
        assert.equal(
            typeof clientConfigFor(inputs, "s").credentials,
            "function",
            "role credentials come from fromTemporaryCredentials",
        );
        const { assumeRoleArn: _ignored, ...withoutRole } = inputs;
        assert.deepEqual(clientConfigFor(withoutRole, "s"), { region: "eu-west-2" });
    });
});
