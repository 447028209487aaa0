import * as assert from "node:assert/strict";
import {
    BackupClient,
    DescribeRecoveryPointCommand,
    InvalidRequestException,
    LimitExceededException,
    StartCopyJobCommand,
} from "@aws-sdk/client-backup";
import { mockClient } from "aws-sdk-client-mock";
import {
    BackupEvent,
    configFromEnv,
    CopyOutcome,
    handler,
    idempotencyTokenFor,
    makeHandler,
} from "../../lambdas/copyToDrRegion/handler";
import { centralVaultArn, DR_VAULT_NAME } from "../../naming";

const BACKUP = "333333333333";
const CENTRAL_VAULT_ARN = centralVaultArn(BACKUP, "eu-west-2");
const DR_VAULT_ARN = centralVaultArn(BACKUP, "eu-west-1", DR_VAULT_NAME);
const COPY_ROLE_ARN = `arn:aws:iam::${BACKUP}:role/vat-backup-dr-copy`;
const RECOVERY_POINT_ARN = `arn:aws:backup:eu-west-2:${BACKUP}:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45`;

/** A COMPLETED copy from prod's local vault into the central vault, shaped like AWS's example event. */
function copyIntoCentral(overrides: Partial<BackupEvent> = {}, detail: Record<string, unknown> = {}): BackupEvent {
    return {
        source: "aws.backup",
        "detail-type": "Copy Job State Change",
        account: "111111111111",
        region: "eu-west-2",
        detail: {
            copyJobId: "0175DE71-5784-589F-D8AC-541ACCB4CAC8",
            resourceType: "DynamoDB",
            resourceArn: "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-receipts",
            sourceBackupVaultArn: "arn:aws:backup:eu-west-2:111111111111:backup-vault:prod-env-backup-vault",
            state: "COMPLETED",
            destinationBackupVaultArn: CENTRAL_VAULT_ARN,
            destinationRecoveryPointArn: RECOVERY_POINT_ARN,
            ...detail,
        },
        ...overrides,
    };
}

describe("copyToDrRegion Lambda", () => {
    const mockBackup = () => mockClient(BackupClient);
    let backup: ReturnType<typeof mockBackup>;
    let logged: Record<string, unknown>[];
    const now = new Date("2026-11-26T03:00:00Z");

    function run(event: BackupEvent): Promise<CopyOutcome> {
        return makeHandler({
            backup: new BackupClient({ region: "eu-west-2" }),
            centralVaultArn: CENTRAL_VAULT_ARN,
            drVaultArn: DR_VAULT_ARN,
            iamRoleArn: COPY_ROLE_ARN,
            log: (entry) => logged.push(entry),
            now: () => now,
        })(event);
    }

    before(() => {
        backup = mockBackup();
    });
    after(() => backup.restore());
    beforeEach(() => {
        backup.reset();
        logged = [];
        backup.on(DescribeRecoveryPointCommand).resolves({
            RecoveryPointArn: RECOVERY_POINT_ARN,
            Status: "COMPLETED",
            StorageClass: "WARM",
            Lifecycle: { MoveToColdStorageAfterDays: 90, DeleteAfterDays: 2555 },
            CalculatedLifecycle: {
                MoveToColdStorageAt: new Date("2027-02-24T04:00:00Z"),
                DeleteAt: new Date("2033-11-24T04:00:00Z"),
            },
        });
        backup.on(StartCopyJobCommand).resolves({ CopyJobId: "DR-COPY-1" });
    });

    it("copies a completed copy from the central vault into the DR vault with the same retention", async () => {
        const outcome = await run(copyIntoCentral());

        const describe = backup.commandCalls(DescribeRecoveryPointCommand);
        assert.deepEqual(describe[0].args[0].input, {
            BackupVaultName: "central-backup-vault",
            RecoveryPointArn: RECOVERY_POINT_ARN,
        });
        const start = backup.commandCalls(StartCopyJobCommand);
        assert.equal(start.length, 1);
        assert.deepEqual(start[0].args[0].input, {
            RecoveryPointArn: RECOVERY_POINT_ARN,
            SourceBackupVaultName: "central-backup-vault",
            DestinationBackupVaultArn: `arn:aws:backup:eu-west-1:${BACKUP}:backup-vault:dr-backup-vault`,
            IamRoleArn: COPY_ROLE_ARN,
            IdempotencyToken: idempotencyTokenFor(RECOVERY_POINT_ARN, DR_VAULT_ARN),
            Lifecycle: { MoveToColdStorageAfterDays: 90, DeleteAfterDays: 2555 },
        });
        assert.deepEqual(outcome, {
            action: "copy-started",
            copyJobId: "DR-COPY-1",
            recoveryPointArn: RECOVERY_POINT_ARN,
            destinationBackupVaultArn: DR_VAULT_ARN,
            idempotencyToken: idempotencyTokenFor(RECOVERY_POINT_ARN, DR_VAULT_ARN),
            lifecycle: { MoveToColdStorageAfterDays: 90, DeleteAfterDays: 2555 },
        });
        assert.equal(logged[0].action, "copy-started");
    });

    it("derives one idempotency token per recovery point, so a retried event cannot copy twice", () => {
        const token = idempotencyTokenFor(RECOVERY_POINT_ARN, DR_VAULT_ARN);
        assert.equal(token, idempotencyTokenFor(RECOVERY_POINT_ARN, DR_VAULT_ARN));
        assert.notEqual(token, idempotencyTokenFor(RECOVERY_POINT_ARN.replace("1EB3", "2FC4"), DR_VAULT_ARN));
        assert.match(token, /^[0-9a-f]{64}$/);
    });

    it("keeps the days left before deletion when only the calculated lifecycle is known", async () => {
        backup.on(DescribeRecoveryPointCommand).resolves({
            StorageClass: "WARM",
            Status: "COMPLETED",
            CalculatedLifecycle: { DeleteAt: new Date("2026-12-31T03:00:00Z") },
        });
        await run(copyIntoCentral());
        assert.deepEqual(backup.commandCalls(StartCopyJobCommand)[0].args[0].input.Lifecycle, { DeleteAfterDays: 35 });
    });

    const ignoredEvents: [string, BackupEvent, RegExp][] = [
        ["another source", copyIntoCentral({ source: "aws.ec2" }), /source is aws.ec2/],
        [
            "another detail-type",
            copyIntoCentral({ "detail-type": "Backup Job State Change" }),
            /detail-type is Backup Job State Change/,
        ],
        [
            "a RUNNING copy",
            copyIntoCentral({}, { state: "RUNNING", destinationRecoveryPointArn: {} }),
            /state is RUNNING/,
        ],
        ["a FAILED copy", copyIntoCentral({}, { state: "FAILED", destinationRecoveryPointArn: {} }), /state is FAILED/],
        ["a CREATED copy", copyIntoCentral({}, { state: "CREATED" }), /state is CREATED/],
        [
            "its own copy into the DR vault",
            copyIntoCentral({}, { destinationBackupVaultArn: DR_VAULT_ARN }),
            /not the central vault/,
        ],
        [
            "a copy into a deployment account's vault",
            copyIntoCentral(
                {},
                {
                    destinationBackupVaultArn:
                        "arn:aws:backup:eu-west-2:111111111111:backup-vault:prod-env-backup-vault",
                },
            ),
            /not the central vault/,
        ],
    ];
    for (const [what, event, reason] of ignoredEvents) {
        it(`ignores ${what} without calling AWS Backup`, async () => {
            const outcome = await run(event);
            assert.equal(outcome.action, "ignored");
            assert.match((outcome as { reason: string }).reason, reason);
            assert.equal(backup.calls().length, 0);
        });
    }

    it("skips a recovery point already in cold storage, with the reason, and starts no copy", async () => {
        backup.on(DescribeRecoveryPointCommand).resolves({
            StorageClass: "COLD",
            Status: "COMPLETED",
            Lifecycle: { DeleteAfterDays: 2555, MoveToColdStorageAfterDays: 90 },
        });

        const outcome = await run(copyIntoCentral());

        assert.deepEqual(outcome, {
            action: "skipped",
            reason: "recovery point is in COLD storage; AWS Backup copies only warm recovery points",
            recoveryPointArn: RECOVERY_POINT_ARN,
        });
        assert.equal(backup.commandCalls(StartCopyJobCommand).length, 0);
        assert.equal(logged[0].action, "skipped");
    });

    it("rethrows throttling untouched so Lambda retries the event", async () => {
        const throttled = new LimitExceededException({ message: "Rate exceeded", $metadata: {} });
        backup.on(StartCopyJobCommand).rejects(throttled);
        await assert.rejects(run(copyIntoCentral()), (error) => error === throttled);

        const slowDown = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
        backup.on(DescribeRecoveryPointCommand).rejects(slowDown);
        await assert.rejects(run(copyIntoCentral()), (error) => error === slowDown);
    });

    it("fails with a clear message when StartCopyJob is refused", async () => {
        backup.on(StartCopyJobCommand).rejects(
            new InvalidRequestException({
                message: "Vault dr-backup-vault does not allow this copy",
                $metadata: {},
            }),
        );

        await assert.rejects(run(copyIntoCentral()), (error: Error) => {
            assert.match(
                error.message,
                /StartCopyJob of arn:aws:backup:eu-west-2:333333333333:recovery-point:1EB3B5E7.* from central-backup-vault into arn:aws:backup:eu-west-1:333333333333:backup-vault:dr-backup-vault failed/,
            );
            assert.match(error.message, /InvalidRequestException: Vault dr-backup-vault does not allow this copy/);
            return true;
        });
    });

    it("fails when StartCopyJob returns no copy job id", async () => {
        backup.on(StartCopyJobCommand).resolves({});
        await assert.rejects(run(copyIntoCentral()), /returned no CopyJobId/);
    });

    it("fails a COMPLETED copy into the central vault that names no recovery point", async () => {
        await assert.rejects(
            run(copyIntoCentral({}, { destinationRecoveryPointArn: {} })),
            /without a destinationRecoveryPointArn/,
        );
        assert.equal(backup.calls().length, 0);
    });

    describe("configuration from the environment", () => {
        const env = { CENTRAL_VAULT_ARN, DR_VAULT_ARN, COPY_ROLE_ARN };

        it("reads the three settings", () => {
            assert.deepEqual(configFromEnv(env), {
                centralVaultArn: CENTRAL_VAULT_ARN,
                drVaultArn: DR_VAULT_ARN,
                iamRoleArn: COPY_ROLE_ARN,
            });
        });

        it("refuses missing, malformed or same-region settings", () => {
            assert.throws(
                () => configFromEnv({ CENTRAL_VAULT_ARN }),
                /missing environment variables: DR_VAULT_ARN, COPY_ROLE_ARN/,
            );
            assert.throws(
                () => configFromEnv({ ...env, DR_VAULT_ARN: "dr-backup-vault" }),
                /DR_VAULT_ARN 'dr-backup-vault' is not a backup vault ARN/,
            );
            assert.throws(
                () => configFromEnv({ ...env, DR_VAULT_ARN: centralVaultArn(BACKUP, "eu-west-2", DR_VAULT_NAME) }),
                /another region/,
            );
            assert.throws(
                () =>
                    configFromEnv({
                        ...env,
                        DR_VAULT_ARN: centralVaultArn("111111111111", "eu-west-1", DR_VAULT_NAME),
                    }),
                /backup account 333333333333/,
            );
            assert.throws(() => configFromEnv({ ...env, COPY_ROLE_ARN: "vat-backup-dr-copy" }), /COPY_ROLE_ARN/);
        });

        it("the entry point uses them and a client in the central vault's region", async () => {
            const saved = { ...process.env };
            Object.assign(process.env, env);
            try {
                const outcome = await handler(copyIntoCentral());
                assert.equal(outcome.action, "copy-started");
                assert.equal(
                    backup.commandCalls(StartCopyJobCommand)[0].args[0].input.DestinationBackupVaultArn,
                    DR_VAULT_ARN,
                );
            } finally {
                process.env = saved;
            }
        });
    });
});
