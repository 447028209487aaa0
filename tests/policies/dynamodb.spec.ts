import * as assert from "assert";
import { pitrEnabled, pitrRecoveryPeriod, replicaPitr } from "../../policies/dynamodb";
import { TABLE } from "../../policies/lib/tokens";
import {
    assertCompliant,
    assertNotApplicable,
    assertViolation,
    resourceArgs,
    runPolicy,
    unknown,
} from "../helpers/policyHarness";

const table = (extra: Record<string, unknown> = {}) =>
    resourceArgs(
        TABLE,
        { name: "prod-env-receipts", hashKey: "hashedSub", pointInTimeRecovery: { enabled: true }, ...extra },
        { name: "receipts" },
    );

describe("policies/dynamodb", () => {
    describe("dynamodb-pitr-enabled", () => {
        it("passes a table with PITR enabled", () => {
            assertCompliant(runPolicy(pitrEnabled, table()));
        });
        it("flags a table without a pointInTimeRecovery block (the provider default is off)", () => {
            assertViolation(
                runPolicy(pitrEnabled, table({ pointInTimeRecovery: undefined })),
                "Table 'receipts' has no pointInTimeRecovery block",
            );
        });
        it("flags a table with PITR disabled", () => {
            assertViolation(
                runPolicy(pitrEnabled, table({ pointInTimeRecovery: { enabled: false } })),
                "has point-in-time recovery disabled",
            );
        });
        it("is not applicable to other resource types", () => {
            assertNotApplicable(
                runPolicy(pitrEnabled, resourceArgs("aws:s3/bucket:Bucket", {})),
                "aws:dynamodb/table:Table",
            );
        });
        it("cannot run during preview when PITR is computed, and says so as the engine does", () => {
            const outcome = runPolicy(pitrEnabled, table({ pointInTimeRecovery: unknown.object }));
            assert.match(
                outcome.previewSkipped ?? "",
                /can't run policy 'dynamodb-pitr-enabled' .* during preview: Object value at \.pointInTimeRecovery/,
            );
            assert.deepStrictEqual(outcome.violations, []);
        });
    });

    describe("dynamodb-pitr-recovery-period", () => {
        it("passes the AWS default period (35 days) when none is set", () => {
            assertCompliant(runPolicy(pitrRecoveryPeriod, table()));
        });
        it("flags a period shorter than the default minimum of 35 days", () => {
            assertViolation(
                runPolicy(
                    pitrRecoveryPeriod,
                    table({ pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 7 } }),
                ),
                "keeps point-in-time recovery for 7 days; at least 35 are required",
            );
        });
        it("honours a configured minimum", () => {
            const args = resourceArgs(
                TABLE,
                { pointInTimeRecovery: { enabled: true, recoveryPeriodInDays: 14 } },
                { name: "t", config: { minRecoveryPeriodDays: 14 } },
            );
            assertCompliant(runPolicy(pitrRecoveryPeriod, args));
        });
        it("leaves a disabled PITR to dynamodb-pitr-enabled (one finding per cause)", () => {
            assertCompliant(
                runPolicy(
                    pitrRecoveryPeriod,
                    table({ pointInTimeRecovery: { enabled: false, recoveryPeriodInDays: 1 } }),
                ),
            );
        });
    });

    describe("dynamodb-replica-pitr", () => {
        it("passes a global table whose replicas all have PITR", () => {
            assertCompliant(
                runPolicy(replicaPitr, table({ replicas: [{ regionName: "eu-west-1", pointInTimeRecovery: true }] })),
            );
        });
        it("flags a replica without PITR, naming its region", () => {
            const outcome = runPolicy(
                replicaPitr,
                table({
                    replicas: [{ regionName: "eu-west-1", pointInTimeRecovery: true }, { regionName: "us-east-1" }],
                }),
            );
            assertViolation(outcome, "Replica of table 'receipts' in us-east-1 has point-in-time recovery off");
        });
    });
});
