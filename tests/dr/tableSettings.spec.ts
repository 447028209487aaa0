/**
 * What a restore does not carry, read from the source table and put back on the new one. DynamoDB
 * developer guide, "Restoring a DynamoDB table from a backup" (and RestoreTableToPointInTime): tags,
 * stream settings, TTL and PITR settings must be set up by hand on a restored table.
 */
import {
    DescribeContinuousBackupsCommand,
    DescribeTableCommand,
    DescribeTimeToLiveCommand,
    ListTagsOfResourceCommand,
    TagResourceCommand,
    UpdateContinuousBackupsCommand,
    UpdateTableCommand,
    UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { strict as assert } from "assert";
import { applyTableSettings, readTableSettings, waitTableActive } from "../../dr/commands/tableSettings";
import { CredentialsError } from "../../dr/errors";
import { DrHarness, awsError } from "../helpers/drHarness";

const ARN = "arn:aws:dynamodb:eu-west-2:111111111111:table/t-restored";

describe("dr table settings: read from the source table", () => {
    let h: DrHarness;
    beforeEach(() => (h = new DrHarness()));
    afterEach(() => h.restore());

    const read = (table: object) =>
        readTableSettings(h.context("restore-pitr"), h.context("restore-pitr").clients(), { TableName: "t", ...table });
    const pitr = (d?: object) => ({
        ContinuousBackupsDescription: {
            ContinuousBackupsStatus: "ENABLED" as const,
            PointInTimeRecoveryDescription: d,
        },
    });

    it("keeps PITR's window (35 days when AWS names none), and nothing when PITR is off", async () => {
        const d = h.mocks().dynamodb;
        d.on(DescribeTimeToLiveCommand).resolves({});
        d.on(DescribeContinuousBackupsCommand).resolves(
            pitr({ PointInTimeRecoveryStatus: "ENABLED", RecoveryPeriodInDays: 14 }),
        );
        assert.equal((await read({})).pitrDays, 14);
        d.on(DescribeContinuousBackupsCommand).resolves(pitr({ PointInTimeRecoveryStatus: "ENABLED" }));
        assert.equal((await read({})).pitrDays, 35);
        d.on(DescribeContinuousBackupsCommand).resolves(
            pitr({ PointInTimeRecoveryStatus: "DISABLED", RecoveryPeriodInDays: 14 }),
        );
        assert.equal((await read({})).pitrDays, undefined);
        d.on(DescribeContinuousBackupsCommand).resolves({});
        assert.equal((await read({})).pitrDays, undefined);
    });

    it("keeps the TTL attribute while TTL is ENABLED or ENABLING, not while it is switched off", async () => {
        const d = h.mocks().dynamodb;
        d.on(DescribeContinuousBackupsCommand).resolves({});
        for (const [status, expected] of [
            ["ENABLED", "expiresAt"],
            ["ENABLING", "expiresAt"],
            ["DISABLING", undefined],
            ["DISABLED", undefined],
        ] as const) {
            d.on(DescribeTimeToLiveCommand).resolves({
                TimeToLiveDescription: { TimeToLiveStatus: status, AttributeName: "expiresAt" },
            });
            assert.equal((await read({})).ttlAttribute, expected, status);
        }
        d.on(DescribeTimeToLiveCommand).resolves({});
        assert.equal((await read({})).ttlAttribute, undefined);
    });

    // DynamoDB developer guide, "Tagging resources": the aws: prefix is reserved for AWS's own tags.
    it("keeps every tag over every page except AWS's own, and the protection and stream flags", async () => {
        const d = h.mocks().dynamodb;
        d.on(DescribeContinuousBackupsCommand).resolves({});
        d.on(DescribeTimeToLiveCommand).resolves({});
        d.on(ListTagsOfResourceCommand, { NextToken: undefined }).resolves({
            Tags: [
                { Key: "owner", Value: "vat" },
                { Key: "aws:cloudformation:stack-name", Value: "x" },
            ],
            NextToken: "p2",
        });
        d.on(ListTagsOfResourceCommand, { NextToken: "p2" }).resolves({ Tags: [{ Key: "env", Value: "prod" }] });
        const settings = await read({
            TableArn: "arn:aws:dynamodb:eu-west-2:111111111111:table/t",
            DeletionProtectionEnabled: true,
            StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
        });
        assert.deepEqual(settings, {
            pitrDays: undefined,
            ttlAttribute: undefined,
            tags: [
                { Key: "owner", Value: "vat" },
                { Key: "env", Value: "prod" },
            ],
            deletionProtection: true,
            streamEnabled: true,
        });
        assert.equal(h.sentOps("ListTagsOfResource")[0].ResourceArn, "arn:aws:dynamodb:eu-west-2:111111111111:table/t");
        const bare = await read({});
        assert.deepEqual([bare.tags, bare.deletionProtection, bare.streamEnabled], [[], false, false]);
        assert.equal(h.sentOps("ListTagsOfResource").length, 2, "no ARN, no tag listing");
    });
});

describe("dr table settings: put back on the restored table", () => {
    let h: DrHarness;
    let progress: string[];
    beforeEach(() => {
        h = new DrHarness();
        progress = [];
        const d = h.mocks().dynamodb;
        d.on(DescribeContinuousBackupsCommand).resolves({
            ContinuousBackupsDescription: { ContinuousBackupsStatus: "ENABLED" },
        });
        d.on(DescribeTimeToLiveCommand).resolves({});
        d.on(UpdateContinuousBackupsCommand).resolves({});
        d.on(UpdateTimeToLiveCommand).resolves({});
        d.on(TagResourceCommand).resolves({});
        d.on(UpdateTableCommand).resolves({});
    });
    afterEach(() => h.restore());

    const apply = async (settings: Parameters<typeof applyTableSettings>[5], opts = {}) => {
        const ctx = h.context("restore-pitr", opts, (s) => progress.push(s));
        const report = ctx.report();
        await applyTableSettings(ctx, ctx.clients(), report, "t-restored", ARN, settings);
        return report;
    };
    const all = {
        pitrDays: 14,
        ttlAttribute: "expiresAt",
        tags: [{ Key: "owner", Value: "vat" }],
        deletionProtection: true,
        streamEnabled: true,
    };

    it("sends PITR with its window, TTL, the tags and deletion protection, and warns that the stream is the stack's", async () => {
        const report = await apply(all);
        assert.deepEqual(h.mutatingSent(), [
            "UpdateContinuousBackups",
            "UpdateTimeToLive",
            "TagResource",
            "UpdateTable",
        ]);
        assert.deepEqual(h.sentOps("UpdateContinuousBackups")[0], {
            TableName: "t-restored",
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 14 },
        });
        assert.deepEqual(h.sentOps("UpdateTimeToLive")[0], {
            TableName: "t-restored",
            TimeToLiveSpecification: { Enabled: true, AttributeName: "expiresAt" },
        });
        assert.deepEqual(h.sentOps("TagResource")[0], { ResourceArn: ARN, Tags: [{ Key: "owner", Value: "vat" }] });
        assert.deepEqual(h.sentOps("UpdateTable")[0], { TableName: "t-restored", DeletionProtectionEnabled: true });
        assert.deepEqual(report.checks, [
            {
                name: "stream:t-restored",
                status: "warn",
                detail: "the source table had a stream; a restore does not carry it: redeploy the application stack that owns the stream and its consumers",
            },
        ]);
        assert.deepEqual(
            report.steps.map((s) => s.step),
            ["enable PITR", "enable TTL", "tag", "deletion protection"],
        );
    });

    it("sets nothing the source did not have", async () => {
        const report = await apply({ tags: [], deletionProtection: false, streamEnabled: false });
        assert.deepEqual(h.sent(), []);
        assert.deepEqual([report.checks, report.steps], [[], []]);
    });

    // DynamoDB API reference, UpdateContinuousBackups: ContinuousBackupsUnavailableException, "Backups
    // have not yet been enabled for this table" (a restored table, for a while).
    it("waits for continuous backups to be ENABLED, then retries PITR while DynamoDB says they are unavailable", async () => {
        const d = h.mocks().dynamodb;
        d.on(DescribeContinuousBackupsCommand)
            .resolvesOnce({})
            .resolvesOnce({ ContinuousBackupsDescription: { ContinuousBackupsStatus: "DISABLED" } })
            .resolves({ ContinuousBackupsDescription: { ContinuousBackupsStatus: "ENABLED" } });
        d.on(UpdateContinuousBackupsCommand)
            .rejectsOnce(
                awsError("ContinuousBackupsUnavailableException", "Backups have not yet been enabled for this table"),
            )
            .rejectsOnce(
                awsError("ContinuousBackupsUnavailableException", "Backups have not yet been enabled for this table"),
            )
            .resolves({});
        const report = await apply({ pitrDays: 35, tags: [], deletionProtection: false, streamEnabled: false });
        assert.equal(report.failed, false);
        assert.equal(h.sentOps("DescribeContinuousBackups").length, 3);
        assert.ok(
            progress.some((l) => /continuous backups of t-restored: UNKNOWN/.test(l)),
            progress.join("\n"),
        );
        assert.ok(progress.some((l) => /continuous backups of t-restored: DISABLED/.test(l)));
        assert.deepEqual(h.clock.sleeps, [30_000, 30_000, 10_000, 20_000], "two polls, then the doubling retry delays");
        assert.equal(h.sentOps("UpdateContinuousBackups").length, 3);
    });

    it("gives up after six attempts, or at once on another error, and says to set it by hand", async () => {
        const d = h.mocks().dynamodb;
        d.on(UpdateContinuousBackupsCommand).rejects(awsError("ContinuousBackupsUnavailableException", "not yet"));
        d.on(UpdateTimeToLiveCommand).rejects(awsError("ValidationException", "bad attribute"));
        const report = await apply({
            pitrDays: 35,
            ttlAttribute: "expiresAt",
            tags: [],
            deletionProtection: true,
            streamEnabled: false,
        });
        assert.equal(h.sentOps("UpdateContinuousBackups").length, 6);
        assert.deepEqual(h.clock.sleeps, [10_000, 20_000, 40_000, 80_000, 160_000]);
        assert.equal(h.sentOps("UpdateTimeToLive").length, 1);
        assert.deepEqual(
            report.checks.map((c) => `${c.status} ${c.name} ${c.detail}`),
            [
                "fail enable PITR:t-restored ContinuousBackupsUnavailableException: not yet: set it by hand (see docs/runbook.md)",
                "fail enable TTL:t-restored ValidationException: bad attribute: set it by hand (see docs/runbook.md)",
            ],
        );
        assert.equal(h.sentOps("UpdateTable").length, 1, "one refused setting does not stop the others");
    });

    // DynamoDB API reference, UpdateTimeToLive: enabling TTL that is already enabled is refused
    // ("TimeToLive is already enabled"); LimitExceededException while other table operations run.
    it("leaves TTL alone when already on for that attribute, re-sets it for another, and retries while DynamoDB is busy", async () => {
        const d = h.mocks().dynamodb;
        d.on(DescribeTimeToLiveCommand).resolves({
            TimeToLiveDescription: { TimeToLiveStatus: "ENABLED", AttributeName: "expiresAt" },
        });
        await apply({ ttlAttribute: "expiresAt", tags: [], deletionProtection: false, streamEnabled: false });
        assert.deepEqual(h.sentOps("UpdateTimeToLive"), []);
        d.on(DescribeTimeToLiveCommand).resolves({
            TimeToLiveDescription: { TimeToLiveStatus: "ENABLED", AttributeName: "ttl" },
        });
        d.on(UpdateTimeToLiveCommand).rejectsOnce(awsError("LimitExceededException", "busy")).resolves({});
        const report = await apply({
            ttlAttribute: "expiresAt",
            tags: [],
            deletionProtection: false,
            streamEnabled: false,
        });
        assert.equal(report.failed, false);
        assert.equal(h.sentOps("UpdateTimeToLive").length, 2);
        d.on(DescribeTimeToLiveCommand).resolves({
            TimeToLiveDescription: { TimeToLiveStatus: "DISABLED", AttributeName: "expiresAt" },
        });
        await apply({ ttlAttribute: "expiresAt", tags: [], deletionProtection: false, streamEnabled: false });
        assert.equal(h.sentOps("UpdateTimeToLive").length, 3);
    });

    it("stops the whole command on expired credentials instead of reporting one setting", async () => {
        h.mocks().dynamodb.on(UpdateTableCommand).rejects(new CredentialsError("expired"));
        await assert.rejects(apply({ tags: [], deletionProtection: true, streamEnabled: false }), CredentialsError);
    });

    it("under --dry-run shows every setting without reading or waiting on a table that does not exist yet", async () => {
        const ctx = h.context("restore-pitr", { dryRun: true });
        await applyTableSettings(ctx, ctx.clients(), ctx.report(), "t-restored", ARN, all);
        assert.deepEqual(h.sent(), []);
        assert.deepEqual(
            ctx.gate.calls.map((c) => c.operation),
            ["UpdateContinuousBackups", "UpdateTimeToLive", "TagResource", "UpdateTable"],
        );
    });

    it("waits for the new table to be visible and ACTIVE, and returns it", async () => {
        h.mocks()
            .dynamodb.on(DescribeTableCommand)
            .rejectsOnce(awsError("ResourceNotFoundException"))
            .resolvesOnce({ Table: { TableName: "t-restored", TableStatus: "CREATING" } })
            .resolves({ Table: { TableName: "t-restored", TableStatus: "ACTIVE", ItemCount: 3 } });
        const ctx = h.context("restore-pitr", {}, (s) => progress.push(s));
        const table = await waitTableActive(ctx, ctx.clients(), "t-restored", "table t-restored");
        assert.equal(table?.ItemCount, 3);
        assert.ok(
            progress.some((l) => /table t-restored: CREATING \(not visible yet\)/.test(l)),
            progress.join("\n"),
        );
        assert.ok(progress.some((l) => /table t-restored: CREATING$/.test(l)));
        h.mocks().dynamodb.on(DescribeTableCommand).rejects(awsError("AccessDeniedException", "no"));
        await assert.rejects(
            waitTableActive(ctx, ctx.clients(), "t-restored", "table t-restored"),
            /AccessDeniedException|no/,
        );
    });
});
