/**
 * dr/commands/common.ts: the pieces several commands share, called directly where no command shows
 * them alone.
 */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { strict as assert } from "assert";
import { describeTableIfExists, guardCheck, parseList } from "../../dr/commands/common";
import { DrHarness, awsError } from "../helpers/drHarness";

describe("dr common pieces", () => {
    let h: DrHarness;
    beforeEach(() => (h = new DrHarness()));
    afterEach(() => h.restore());

    it("parseList splits a comma list, trimming and dropping empty entries", () => {
        assert.deepEqual(parseList(" prod-env-receipts, ,prod-env-bundles ,"), [
            "prod-env-receipts",
            "prod-env-bundles",
        ]);
        assert.equal(parseList(undefined), undefined);
    });

    it("guardCheck turns a failure into a FAIL check and lets the rest go on, but expired credentials stop everything", async () => {
        const ctx = h.context("verify");
        const report = ctx.report();
        await guardCheck(report, "pitr:t", async () => {
            throw awsError("AccessDeniedException", "no");
        });
        assert.deepEqual(
            report.checks.map((c) => [c.name, c.status, c.detail]),
            [["pitr:t", "fail", "AccessDeniedException: no"]],
        );
        await assert.rejects(
            guardCheck(report, "pitr:u", async () => {
                throw awsError("ExpiredTokenException");
            }),
            /ExpiredTokenException/,
        );
    });

    it("describeTableIfExists: a missing table is undefined, any other error is the caller's", async () => {
        const ctx = h.context("x");
        const d = h.mocks().dynamodb;
        d.on(DescribeTableCommand, { TableName: "gone" }).rejects(awsError("ResourceNotFoundException"));
        d.on(DescribeTableCommand, { TableName: "locked" }).rejects(awsError("AccessDeniedException", "denied"));
        assert.equal(await describeTableIfExists(ctx.gate, ctx.clients(), "gone"), undefined);
        await assert.rejects(describeTableIfExists(ctx.gate, ctx.clients(), "locked"), /denied/);
    });
});
