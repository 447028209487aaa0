/**
 * The monthly user-pool round trip (lambdas/userPoolRoundTrip) with aws-sdk-client-mock. The CSV and
 * import-job rules are Cognito's ("Importing users into a user pool", Amazon Cognito Developer
 * Guide): columns from the target pool's GetCSVHeader, `cognito:mfa_enabled` required, only users
 * with a verified e-mail or phone imported, a CloudWatch Logs role for the job, the CSV PUT to the
 * job's pre-signed URL with the SSE-KMS header it is signed for.
 */
import * as assert from "node:assert/strict";
import {
    CognitoIdentityProviderClient,
    CreateUserImportJobCommand,
    CreateUserPoolCommand,
    DeleteUserPoolCommand,
    DescribeUserImportJobCommand,
    GetCSVHeaderCommand,
    ListUsersCommand,
    StartUserImportJobCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import {
    UserPoolRoundTripDeps,
    configFromEnv,
    importCsv,
    makeHandler,
    sampleOf,
} from "../../lambdas/userPoolRoundTrip/handler";
import type { UserExportDocument } from "../../lambdas/userPoolExport/handler";

const PROD = "111111111111";
const SCRATCH = "eu-west-2_Scratch1";
const LOGS_ROLE = `arn:aws:iam::${PROD}:role/prod-env-cognito-import-logs-eu-west-2`;
const HEADER = ["name", "email", "email_verified", "custom:tier", "cognito:mfa_enabled", "cognito:username"];
const throttled = () => Object.assign(new Error("Rate exceeded"), { name: "TooManyRequestsException", $metadata: {} });

const exportedUser = (n: number, verified = true) => ({
    username: `user-${n}`,
    sub: `old-sub-${n}`,
    status: "CONFIRMED",
    enabled: true,
    attributes: {
        sub: `old-sub-${n}`,
        name: `User, ${n}`,
        email: `user${n}@example.com`,
        email_verified: String(verified),
        "custom:tier": n % 2 ? "gold" : "basic",
    },
});

const EXPORT: UserExportDocument = {
    userPoolId: "eu-west-2_Prod",
    exportedAt: "2026-11-01T00:15:00.000Z",
    csvHeader: HEADER,
    users: [...Array.from({ length: 4 }, (_, i) => exportedUser(i)), exportedUser(9, false)],
    groups: [],
    memberships: {},
};

/** What the scratch pool holds after a successful import: the verified users, each with a new sub. */
const importedUsers = (doc = EXPORT) =>
    doc.users
        .filter((u) => u.attributes.email_verified === "true")
        .map((u) => ({
            Username: u.username,
            Attributes: Object.entries({ ...u.attributes, sub: `new-${u.username}` }).map(([Name, Value]) => ({
                Name,
                Value,
            })),
        }));

describe("userPoolRoundTrip Lambda (Cognito CSV import into a scratch pool)", () => {
    const cognito = mockClient(CognitoIdentityProviderClient);
    const s3 = mockClient(S3Client);
    const cw = mockClient(CloudWatchClient);
    let uploads: { url: string; body: string; headers: Record<string, string> }[] = [];

    const deps = (extra: Partial<UserPoolRoundTripDeps> = {}): UserPoolRoundTripDeps => ({
        userPoolName: "prod-env-user-pool",
        bucket: "prod-env-backup-exports-111111111111-eu-west-2",
        exportPrefix: "cognito-exports",
        scratchPoolPrefix: "vat-backup-prod-round-trip-",
        scratchTagKey: "vat-backup:purpose",
        scratchTagValue: "user-pool-round-trip",
        importLogsRoleArn: LOGS_ROLE,
        sampleSize: 3,
        accountId: PROD,
        metricNamespace: "VatBackup/Protection",
        cognito: new CognitoIdentityProviderClient({ region: "eu-west-2" }),
        s3: new S3Client({ region: "eu-west-2" }),
        cloudwatch: new CloudWatchClient({ region: "eu-west-2" }),
        upload: async (url, body, headers) => {
            uploads.push({ url, body, headers });
        },
        now: () => new Date("2026-12-02T06:00:00Z"),
        sleep: async () => undefined,
        log: () => undefined,
        retry: { sleep: async () => undefined },
        ...extra,
    });

    beforeEach(() => {
        for (const m of [cognito, s3, cw]) m.reset();
        uploads = [];
        s3.on(ListObjectsV2Command).resolves({
            Contents: [
                {
                    Key: "cognito-exports/eu-west-2_Prod/20261101T001500Z/users.json",
                    LastModified: new Date("2026-11-01T00:15:00Z"),
                },
                {
                    Key: "cognito-exports/eu-west-2_Prod/20261201T121500Z/users.json",
                    LastModified: new Date("2026-12-01T12:15:00Z"),
                },
                {
                    Key: "cognito-exports/eu-west-2_Prod/20261130T121500Z/users.json",
                    LastModified: new Date("2026-11-30T12:15:00Z"),
                },
            ],
        });
        s3.on(GetObjectCommand).resolves({
            Body: { transformToString: async () => JSON.stringify(EXPORT) },
        } as never);
        cognito.on(CreateUserPoolCommand).resolves({ UserPool: { Id: SCRATCH } });
        cognito.on(GetCSVHeaderCommand).resolves({ CSVHeader: HEADER });
        cognito.on(CreateUserImportJobCommand).resolves({
            UserImportJob: { JobId: "import-1", PreSignedUrl: "https://cognito-idp-import.example/upload?sig=x" },
        });
        cognito.on(StartUserImportJobCommand).resolves({});
        cognito
            .on(DescribeUserImportJobCommand)
            .resolvesOnce({ UserImportJob: { Status: "InProgress" } })
            .resolves({ UserImportJob: { Status: "Succeeded", ImportedUsers: 4, FailedUsers: 0 } });
        cognito.on(ListUsersCommand).resolves({ Users: importedUsers() });
        cognito.on(DeleteUserPoolCommand).resolves({});
        cw.on(PutMetricDataCommand).resolves({});
    });
    after(() => [cognito, s3, cw].forEach((m) => m.restore()));

    const metric = (name: string) =>
        cw
            .commandCalls(PutMetricDataCommand)
            .flatMap((c) => c.args[0].input.MetricData ?? [])
            .filter((d) => d.MetricName === name);

    it("imports the newest export into a tagged scratch pool, compares count and sampled attributes, deletes the pool", async () => {
        const outcome = await makeHandler(deps())();
        assert.deepEqual(outcome.failures, []);
        assert.equal(outcome.exportKey, "cognito-exports/eu-west-2_Prod/20261201T121500Z/users.json");
        assert.deepEqual([outcome.exported, outcome.importable, outcome.imported, outcome.sampled], [5, 4, 4, 3]);
        assert.equal(outcome.scratchPoolDeleted, true);
        const create = cognito.commandCalls(CreateUserPoolCommand)[0].args[0].input;
        assert.equal(create.PoolName, "vat-backup-prod-round-trip-20261202T060000Z");
        // The role may create only pools carrying this tag (aws:RequestTag) and touch only those (aws:ResourceTag).
        assert.deepEqual(create.UserPoolTags, { "vat-backup:purpose": "user-pool-round-trip" });
        // The source pool's custom attributes, so GetCSVHeader offers the same columns.
        assert.deepEqual(create.Schema, [{ Name: "tier", AttributeDataType: "String", Mutable: true }]);
        assert.equal(
            cognito.commandCalls(CreateUserImportJobCommand)[0].args[0].input.CloudWatchLogsRoleArn,
            LOGS_ROLE,
        );
        assert.deepEqual(cognito.commandCalls(DeleteUserPoolCommand)[0].args[0].input, { UserPoolId: SCRATCH });
        assert.deepEqual(
            [metric("UserPoolRoundTripRuns")[0].Value, metric("UserPoolRoundTripFailures")[0].Value],
            [1, 0],
        );
    });

    it("uploads the CSV in the pool's header order with the SSE-KMS header the pre-signed URL is signed for", async () => {
        await makeHandler(deps())();
        assert.equal(uploads.length, 1);
        assert.deepEqual(uploads[0].headers, { "Content-Type": "text/csv", "x-amz-server-side-encryption": "aws:kms" });
        const [header, first, ...rest] = uploads[0].body.trim().split("\n");
        assert.equal(header, HEADER.join(","));
        // A value with a comma is quoted; MFA starts off; the unverified user is not in the CSV.
        assert.equal(first, `"User, 0",user0@example.com,true,basic,false,user-0`);
        assert.equal(rest.length, 3);
        assert.ok(!uploads[0].body.includes("old-sub"), "sub is never imported");
        // StartUserImportJob only after the upload.
        assert.ok(cognito.commandCalls(StartUserImportJobCommand).length === 1);
    });

    it("reports an import job that fails (kind import-job-failed) and still deletes the scratch pool", async () => {
        cognito
            .on(DescribeUserImportJobCommand)
            .resolves({ UserImportJob: { Status: "Failed", CompletionMessage: "CSV header mismatch" } });
        const outcome = await makeHandler(deps())();
        assert.deepEqual(
            outcome.failures.map((f) => f.kind),
            ["import-job-failed"],
        );
        assert.match(outcome.failures[0].detail, /CSV header mismatch/);
        assert.equal(cognito.commandCalls(DeleteUserPoolCommand).length, 1);
        assert.equal(metric("UserPoolRoundTripFailures")[0].Value, 1);
        const byKind = metric("UserPoolRoundTripFailuresByKind");
        assert.deepEqual(byKind[0].Dimensions, [
            { Name: "UserPool", Value: "prod-env-user-pool" },
            { Name: "Kind", Value: "import-job-failed" },
        ]);
    });

    it("retries throttled Cognito calls and passes", async () => {
        cognito
            .on(CreateUserPoolCommand)
            .rejectsOnce(throttled())
            .resolves({ UserPool: { Id: SCRATCH } });
        cognito.on(ListUsersCommand).rejectsOnce(throttled()).resolves({ Users: importedUsers() });
        const outcome = await makeHandler(deps())();
        assert.deepEqual(outcome.failures, []);
        assert.equal(cognito.commandCalls(CreateUserPoolCommand).length, 2);
    });

    it("reports a mismatched attribute by kind, naming the attribute but never a user or a value", async () => {
        const changed = importedUsers();
        changed[1].Attributes = changed[1].Attributes.map((a) =>
            a.Name === "custom:tier" ? { Name: a.Name, Value: "platinum" } : a,
        );
        cognito.on(ListUsersCommand).resolves({ Users: changed });
        const outcome = await makeHandler(deps({ sampleSize: 10 }))();
        assert.deepEqual(
            outcome.failures.map((f) => f.kind),
            ["attribute-mismatch"],
        );
        assert.match(outcome.failures[0].detail, /custom:tier/);
        assert.doesNotMatch(outcome.failures[0].detail, /user-1|platinum|gold/);
    });

    it("reports a count mismatch and a missing sampled user", async () => {
        cognito.on(ListUsersCommand).resolves({ Users: importedUsers().slice(1) });
        const outcome = await makeHandler(deps({ sampleSize: 10 }))();
        assert.deepEqual(
            outcome.failures.map((f) => f.kind),
            ["count-mismatch", "missing-user"],
        );
    });

    it("deletes the scratch pool when a step throws, publishes the failure, then fails the invocation", async () => {
        cognito.on(GetCSVHeaderCommand).rejects(Object.assign(new Error("denied"), { name: "NotAuthorizedException" }));
        await assert.rejects(makeHandler(deps())(), /denied/);
        assert.deepEqual(cognito.commandCalls(DeleteUserPoolCommand)[0].args[0].input, { UserPoolId: SCRATCH });
        assert.equal(metric("UserPoolRoundTripFailures")[0].Value, 1);
    });

    it("reports a scratch pool it could not delete as its own kind", async () => {
        cognito.on(DeleteUserPoolCommand).rejects(Object.assign(new Error("nope"), { name: "InternalErrorException" }));
        const outcome = await makeHandler(deps())();
        assert.deepEqual(
            outcome.failures.map((f) => f.kind),
            ["scratch-pool-not-deleted"],
        );
        assert.equal(outcome.scratchPoolDeleted, false);
    });

    it("gives up on an import job that never finishes (import-timeout) and deletes the pool", async () => {
        cognito.on(DescribeUserImportJobCommand).resolves({ UserImportJob: { Status: "InProgress" } });
        const outcome = await makeHandler(deps({ maxPolls: 3 }))();
        assert.deepEqual(
            outcome.failures.map((f) => f.kind),
            ["import-timeout"],
        );
        assert.equal(cognito.commandCalls(DescribeUserImportJobCommand).length, 3);
        assert.equal(outcome.scratchPoolDeleted, true);
    });

    it("reports no export as its own kind and creates no pool", async () => {
        s3.on(ListObjectsV2Command).resolves({ Contents: [] });
        const outcome = await makeHandler(deps())();
        assert.deepEqual(
            outcome.failures.map((f) => f.kind),
            ["no-export"],
        );
        assert.equal(cognito.commandCalls(CreateUserPoolCommand).length, 0);
    });

    it("samples spread over the whole export, and the CSV helper keeps the header order", () => {
        assert.deepEqual(sampleOf([1, 2, 3, 4, 5, 6], 3), [1, 3, 5]);
        assert.equal(
            importCsv(["cognito:username", "cognito:mfa_enabled"], []),
            "cognito:username,cognito:mfa_enabled\n",
        );
    });

    it("names missing settings at cold start", () => {
        assert.throws(() => configFromEnv({ USER_POOL_NAME: "x" }), /missing environment variables: EXPORT_BUCKET/);
    });
});
