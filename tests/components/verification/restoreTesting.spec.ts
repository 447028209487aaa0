import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import {
    RESTORE_ROLE_POLICY,
    RestoreTesting,
    RestoreTestingArgs,
    restoreTestingErrors,
    underscored,
} from "../../../components/verification/restoreTesting";
import { Registered, runComponent, statement } from "../../helpers/engine";

const TABLE = "arn:aws:dynamodb:eu-west-2:111111111111:table/prod-env-receipts";
const args = (vaultArn: RestoreTestingArgs["vaultArns"][number]): RestoreTestingArgs => ({
    planName: "prod_critical_tables",
    selectionName: "prod_critical_tables",
    vaultArns: [vaultArn],
    tableArns: [TABLE],
    schedule: "cron(0 5 15 * ? *)",
    startWindowHours: 24,
    selectionWindowDays: 7,
    validationWindowHours: 24,
    roleName: "prod-env-restore-testing",
});

describe("RestoreTesting component", () => {
    let run: Registered;
    before(async () => {
        run = await runComponent((provider) => {
            const vault = new aws.backup.Vault("v", { name: "prod-env-backup-vault" }, { provider });
            new RestoreTesting("rt", args(vault.arn), { provider });
        });
    });

    it("tests the latest snapshot of the vault it was given, monthly in UTC, within a start window", () => {
        const plan = run.one("aws:backup/restoreTestingPlan:RestoreTestingPlan").inputs;
        assert.equal(plan.name, "prod_critical_tables");
        assert.equal(plan.scheduleExpression, "cron(0 5 15 * ? *)");
        assert.equal(plan.scheduleExpressionTimezone, "Etc/UTC");
        assert.equal(plan.startWindowHours, 24);
        assert.deepEqual(plan.recoveryPointSelection, {
            algorithm: "LATEST_WITHIN_WINDOW",
            includeVaults: [run.one("aws:backup/vault:Vault").outputs.arn],
            recoveryPointTypes: ["SNAPSHOT"],
            selectionWindowDays: 7,
        });
    });

    it("selects the critical tables as DynamoDB resources, with a validation window and its own role", () => {
        const selection = run.one("aws:backup/restoreTestingSelection:RestoreTestingSelection").inputs;
        const plan = run.one("aws:backup/restoreTestingPlan:RestoreTestingPlan");
        const role = run.one("aws:iam/role:Role");
        assert.equal(selection.restoreTestingPlanName, plan.outputs.name);
        assert.equal(selection.protectedResourceType, "DynamoDB");
        assert.deepEqual(selection.protectedResourceArns, [TABLE]);
        assert.equal(selection.validationWindowHours, 24);
        assert.equal(selection.iamRoleArn, role.outputs.arn);
    });

    it("gives AWS Backup a role for restores and nothing more", () => {
        const role = run.one("aws:iam/role:Role");
        assert.equal(role.inputs.name, "prod-env-restore-testing");
        assert.deepEqual(statement(role, "TrustService", "assumeRolePolicy").Principal, {
            Service: "backup.amazonaws.com",
        });
        assert.deepEqual(
            run.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn),
            [RESTORE_ROLE_POLICY],
        );
    });

    it("rejects names with hyphens: restore testing names are letters, digits and underscores", () => {
        const errors = restoreTestingErrors({ ...args("arn"), planName: "prod-critical", selectionName: "ok_name" });
        assert.equal(errors.length, 1);
        assert.match(
            errors[0],
            /restore testing plan name is 1 to 50 letters, digits and underscores \(no '-'\): 'prod-critical'/,
        );
        assert.equal(underscored("ci-2"), "ci_2");
    });

    it("rejects windows AWS rejects", () => {
        const errors = restoreTestingErrors({
            ...args("arn"),
            startWindowHours: 0,
            selectionWindowDays: 366,
            validationWindowHours: 169,
        });
        assert.deepEqual(errors, [
            "startWindowHours must be a whole number from 1 to 168, not 0",
            "selectionWindowDays must be a whole number from 1 to 365, not 366",
            "validationWindowHours must be a whole number from 0 to 168, not 169",
        ]);
    });

    it("refuses an empty selection or something that is not a table ARN, before registering anything", async () => {
        assert.deepEqual(restoreTestingErrors({ ...args("arn"), tableArns: [] }), [
            "a restore testing selection needs at least one table",
        ]);
        await assert.rejects(
            runComponent((provider) => {
                new RestoreTesting("rt", { ...args("arn"), tableArns: ["prod-env-receipts"] }, { provider });
            }),
            /not a DynamoDB table ARN: 'prod-env-receipts'/,
        );
    });
});
