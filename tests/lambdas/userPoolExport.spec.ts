import * as assert from "node:assert/strict";
import {
    CognitoIdentityProviderClient,
    GetCSVHeaderCommand,
    ListGroupsCommand,
    ListUserPoolsCommand,
    ListUsersCommand,
    ListUsersInGroupCommand,
    UserType,
} from "@aws-sdk/client-cognito-identity-provider";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { userExportSchema } from "../../dr/commands/cognito";
import { UserPoolExportDeps, configFromEnv, makeHandler } from "../../lambdas/userPoolExport/handler";

const POOL_ID = "eu-west-2_AbCdEf123";
const throttled = () => Object.assign(new Error("Rate exceeded"), { name: "TooManyRequestsException", $metadata: {} });
const user = (n: number): UserType => ({
    Username: `user-${n}`,
    UserStatus: "CONFIRMED",
    Enabled: n % 2 === 0,
    Attributes: [
        { Name: "sub", Value: `sub-${n}` },
        { Name: "email", Value: `user${n}@example.com` },
    ],
});

describe("userPoolExport Lambda", () => {
    const cognito = mockClient(CognitoIdentityProviderClient);
    const s3 = mockClient(S3Client);
    const cw = mockClient(CloudWatchClient);
    const now = new Date("2026-11-29T03:15:00Z");

    const deps = (): UserPoolExportDeps => ({
        userPoolName: "prod-env-user-pool",
        bucket: "prod-env-backup-exports-111111111111-eu-west-2",
        bucketKmsKeyArn: "arn:aws:kms:eu-west-2:111111111111:key/0000aaaa-00aa-00aa-00aa-000000aaaaaa",
        prefix: "cognito-exports",
        accountId: "111111111111",
        metricNamespace: "VatBackup/Protection",
        cognito: new CognitoIdentityProviderClient({ region: "eu-west-2" }),
        s3: new S3Client({ region: "eu-west-2" }),
        cloudwatch: new CloudWatchClient({ region: "eu-west-2" }),
        now: () => now,
        log: () => undefined,
        retry: { sleep: async () => undefined },
    });

    beforeEach(() => {
        for (const m of [cognito, s3, cw]) m.reset();
        cognito.on(ListUserPoolsCommand).resolves({
            UserPools: [
                { Id: "eu-west-2_other", Name: "ci-env-user-pool" },
                { Id: POOL_ID, Name: "prod-env-user-pool" },
            ],
        });
        // ListUsers returns at most 60 users a page, then a PaginationToken (Cognito API reference, ListUsers).
        cognito.on(ListUsersCommand, { PaginationToken: undefined }).resolves({
            Users: Array.from({ length: 60 }, (_, i) => user(i)),
            PaginationToken: "more",
        });
        cognito.on(ListUsersCommand, { PaginationToken: "more" }).resolves({ Users: [user(60)] });
        cognito.on(ListGroupsCommand).resolves({ Groups: [{ GroupName: "admins", Precedence: 1 }] });
        cognito.on(ListUsersInGroupCommand, { NextToken: undefined }).resolves({
            Users: [{ Username: "user-1" }],
            NextToken: "g2",
        });
        cognito.on(ListUsersInGroupCommand, { NextToken: "g2" }).resolves({ Users: [{ Username: "user-2" }] });
        cognito.on(GetCSVHeaderCommand).resolves({ CSVHeader: ["cognito:username", "email", "cognito:mfa_enabled"] });
        s3.on(PutObjectCommand).resolves({});
        cw.on(PutMetricDataCommand).resolves({});
    });
    after(() => [cognito, s3, cw].forEach((m) => m.restore()));

    it("exports every user across pages with sub, status, enabled and attributes, in the users.json import-users reads", async () => {
        const outcome = await makeHandler(deps())();
        assert.deepEqual(outcome, {
            userPoolId: POOL_ID,
            key: `cognito-exports/${POOL_ID}/20261129T031500Z/users.json`,
            users: 61,
            groups: 1,
        });
        assert.ok(cognito.commandCalls(ListUsersCommand).every((c) => c.args[0].input.Limit === 60));
        const put = s3.commandCalls(PutObjectCommand)[0].args[0].input;
        assert.equal(put.Bucket, "prod-env-backup-exports-111111111111-eu-west-2");
        assert.equal(put.ExpectedBucketOwner, "111111111111");
        // The bucket policy refuses a PUT without an SSE-KMS header naming its key.
        assert.equal(put.ServerSideEncryption, "aws:kms");
        assert.match(String(put.SSEKMSKeyId), /^arn:aws:kms:eu-west-2:111111111111:key\//);
        const doc = userExportSchema.parse(JSON.parse(String(put.Body)));
        assert.equal(doc.users.length, 61);
        assert.deepEqual(doc.users[2], {
            username: "user-2",
            sub: "sub-2",
            status: "CONFIRMED",
            enabled: true,
            attributes: { sub: "sub-2", email: "user2@example.com" },
        });
        assert.deepEqual(doc.memberships, { admins: ["user-1", "user-2"] });
        assert.deepEqual(doc.csvHeader, ["cognito:username", "email", "cognito:mfa_enabled"]);
    });

    it("publishes a run count and the number of users for the freshness alarm", async () => {
        await makeHandler(deps())();
        const data = cw.commandCalls(PutMetricDataCommand).flatMap((c) => c.args[0].input.MetricData ?? []);
        assert.deepEqual(
            data.map((d) => [d.MetricName, d.Value]),
            [
                ["UserPoolExportRuns", 1],
                ["UserPoolExportedUsers", 61],
            ],
        );
    });

    it("retries a throttled ListUsers page instead of exporting a partial pool", async () => {
        cognito
            .on(ListUsersCommand, { PaginationToken: "more" })
            .rejectsOnce(throttled())
            .resolves({ Users: [user(60)] });
        const outcome = await makeHandler(deps())();
        assert.equal(outcome.users, 61);
    });

    it("fails the whole run (no object, no run metric) when a group's members cannot be read", async () => {
        cognito
            .on(ListUsersInGroupCommand)
            .rejects(Object.assign(new Error("denied"), { name: "NotAuthorizedException" }));
        await assert.rejects(makeHandler(deps())(), /denied/);
        assert.equal(s3.commandCalls(PutObjectCommand).length, 0);
        assert.equal(cw.commandCalls(PutMetricDataCommand).length, 0);
    });

    it("refuses to guess when no pool or several carry the name", async () => {
        cognito.on(ListUserPoolsCommand).resolves({ UserPools: [] });
        await assert.rejects(makeHandler(deps())(), /no user pool named prod-env-user-pool/);
    });

    it("names missing settings at cold start", () => {
        assert.throws(() => configFromEnv({ USER_POOL_NAME: "x" }), /missing environment variables: EXPORT_BUCKET/);
    });
});
