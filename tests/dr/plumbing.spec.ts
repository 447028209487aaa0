import { ListTablesCommand, RestoreTableToPointInTimeCommand, DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { strict as assert } from "assert";
import { Readable } from "stream";
import { awsClientFactory, createClients, credentialProvider } from "../../dr/aws/clients";
import { AwsGate, readAllPages } from "../../dr/aws/gate";
import { waitFor } from "../../dr/aws/waiter";
import { CredentialsError, ExitCode, JobFailedError, WaitTimeoutError } from "../../dr/errors";
import { tableCriticality } from "../../dr/stack";
import { formatDuration, parseTime } from "../../dr/time";
import { DrHarness, FakeClock, NOW, awsError } from "../helpers/drHarness";

const staticCredentials = async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" });

/** Answers DynamoDB calls in-process: throttles `throttles` times, then lists one table. */
function throttlingHandler(throttles: number) {
    let calls = 0;
    return {
        get calls() {
            return calls;
        },
        handle: async () => {
            calls++;
            const throttled = calls <= throttles;
            const body = throttled
                ? { __type: "com.amazonaws.dynamodb.v20120810#ThrottlingException", message: "Rate exceeded" }
                : { TableNames: ["t1"] };
            return {
                response: {
                    statusCode: throttled ? 400 : 200,
                    headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": `r${calls}` },
                    body: Readable.from([Buffer.from(JSON.stringify(body))]),
                },
            };
        },
        updateHttpClientConfig: () => undefined,
        httpHandlerConfigs: () => ({}),
    };
}

/** An STS that records each request body and answers AssumeRole as `assumedRoleArn`. */
function recordingSts(bodies: string[], assumedRoleArn = "arn:aws:sts::111111111111:assumed-role/r/x") {
    return {
        handle: async (request: { body: string }) => {
            bodies.push(String(request.body));
            const xml = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>${assumedRoleArn}</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>`;
            return {
                response: {
                    statusCode: 200,
                    headers: { "content-type": "text/xml" },
                    body: Readable.from([Buffer.from(xml)]),
                },
            };
        },
        updateHttpClientConfig: () => undefined,
        httpHandlerConfigs: () => ({}),
    };
}

describe("dr AWS plumbing", () => {
    describe("clients", () => {
        it("configures every client with retry mode adaptive and the given attempts", async () => {
            const clients = createClients(staticCredentials, "eu-west-2", 4);
            for (const [name, client] of Object.entries(clients)) {
                const config = client.config as unknown as {
                    retryStrategy: () => Promise<{ mode: string }>;
                    maxAttempts: () => Promise<number>;
                    region: () => Promise<string>;
                };
                assert.equal((await config.retryStrategy()).mode, "adaptive", name);
                assert.equal(await config.maxAttempts(), 4, name);
                assert.equal(await config.region(), "eu-west-2", name);
            }
        });

        it("retries a throttled call inside the SDK's adaptive mode, without the network", async () => {
            const handler = throttlingHandler(1);
            const clients = createClients(staticCredentials, "eu-west-2", 2, { requestHandler: handler });
            const out = await clients.dynamodb.send(new ListTablesCommand({}));
            assert.deepEqual(out.TableNames, ["t1"]);
            assert.equal(handler.calls, 2);
        });

        // STS API reference, AssumeRole: SerialNumber and TokenCode answer a trust policy that
        // requires MFA (aws:MultiFactorAuthPresent); a missing code is "access denied".
        it("assumes a role with the MFA device and the code asked for (--mfa-serial / --backup-mfa-serial)", async () => {
            const bodies: string[] = [];
            const asked: string[] = [];
            const sts = recordingSts(bodies, "arn:aws:sts::333333333333:assumed-role/vat-backup-dr-copy-back/x");
            const provider = credentialProvider(
                {
                    roleArn: "arn:aws:iam::333333333333:role/vat-backup-dr-copy-back",
                    mfaSerial: "arn:aws:iam::333333333333:mfa/oncall",
                    mfaCode: async (serial) => {
                        asked.push(serial);
                        return "123456";
                    },
                },
                "eu-west-2",
                { base: staticCredentials, requestHandler: sts },
            );
            const creds = await provider();
            assert.equal(creds.accessKeyId, "ASIA");
            assert.deepEqual(asked, ["arn:aws:iam::333333333333:mfa/oncall"]);
            const params = new URLSearchParams(bodies[0]);
            assert.equal(params.get("Action"), "AssumeRole");
            assert.equal(params.get("SerialNumber"), "arn:aws:iam::333333333333:mfa/oncall");
            assert.equal(params.get("TokenCode"), "123456");
        });

        it("builds one client set per account and region, reused", () => {
            const factory = awsClientFactory({
                target: { profile: "prod" },
                backup: { roleArn: "arn:aws:iam::333333333333:role/oncall" },
                maxAttempts: 3,
            });
            assert.equal(factory("target", "eu-west-2"), factory("target", "eu-west-2"));
            assert.notEqual(factory("target", "eu-west-2"), factory("backup", "eu-west-2"));
            assert.notEqual(factory("backup", "eu-west-2"), factory("backup", "eu-west-1"));
        });
    });

    describe("gate", () => {
        const client = (send: (c: unknown) => Promise<unknown>) => ({ send });
        const gate = (dryRun: boolean, notices: string[] = []) =>
            new AwsGate({
                dryRun,
                clock: new FakeClock(),
                notice: (l) => notices.push(l),
                throttleRetries: 2,
                throttleBaseDelayMs: 1000,
            });

        it("refuses a mutating operation sent as a read, and a read sent as a mutation", async () => {
            const c = client(async () => ({}));
            await assert.rejects(
                gate(false).read(
                    c,
                    new RestoreTableToPointInTimeCommand({ SourceTableName: "a", TargetTableName: "b" }),
                ),
                /changes state/,
            );
            await assert.rejects(
                gate(false).mutate(c, new DescribeTableCommand({ TableName: "a" })),
                /changes nothing/,
            );
        });

        it("under dry run sends no mutation, records it, and never echoes a secret value", async () => {
            const secrets = new SecretsManagerClient({ region: "eu-west-2" });
            const mock = mockClient(secrets);
            const notices: string[] = [];
            const g = gate(true, notices);
            const out = await g.mutate(secrets, new PutSecretValueCommand({ SecretId: "s", SecretString: "hunter2" }));
            mock.restore();
            assert.equal(out, undefined);
            assert.equal(mock.calls().length, 0);
            assert.deepEqual(g.calls[0], {
                service: "SecretsManager",
                operation: "PutSecretValue",
                account: "target",
                mutating: true,
                skipped: true,
                input: { SecretId: "s", SecretString: "<redacted>" },
            });
            assert.ok(!notices.join("").includes("hunter2"));
        });

        it("turns an expired token into a CredentialsError (exit 3)", async () => {
            const err = await gate(false)
                .read(
                    client(async () => Promise.reject(awsError("ExpiredTokenException"))),
                    new ListTablesCommand({}),
                )
                .catch((e) => e);
            assert.ok(err instanceof CredentialsError);
            assert.equal(err.exitCode, ExitCode.NO_CREDENTIALS);
        });

        it("backs off exponentially on throttling, then gives up with the AWS error", async () => {
            const clock = new FakeClock();
            const g = new AwsGate({
                dryRun: false,
                clock,
                notice: () => undefined,
                throttleRetries: 3,
                throttleBaseDelayMs: 1000,
            });
            await assert.rejects(
                g.read(
                    client(async () => Promise.reject(awsError("ThrottlingException"))),
                    new ListTablesCommand({}),
                ),
                { name: "ThrottlingException" },
            );
            assert.deepEqual(clock.sleeps, [1000, 2000, 4000]);
        });
    });

    describe("waiter", () => {
        const progress = { update: () => undefined, done: () => undefined };

        it("gives up at the timeout, saying the job may still finish (exit 1)", async () => {
            const clock = new FakeClock();
            const err = await waitFor("copy t", async () => ({ status: "RUNNING", done: false }), {
                clock,
                progress,
                intervalMs: 60_000,
                timeoutMs: 300_000,
                failureHint: "",
            }).catch((e) => e);
            assert.ok(err instanceof WaitTimeoutError);
            assert.equal(err.exitCode, ExitCode.FAILED);
            assert.match(err.message, /copy t still RUNNING after 5 minutes/);
            assert.match(err.hint, /--timeout-minutes/);
        });

        it("turns a failed job into a JobFailedError carrying AWS's reason and what to do", async () => {
            const clock = new FakeClock();
            const err = await waitFor(
                "restore t",
                async () => ({ status: "ABORTED", done: false, failed: { reason: "by user" } }),
                { clock, progress, intervalMs: 1, timeoutMs: 10, failureHint: "run again" },
            ).catch((e) => e);
            assert.ok(err instanceof JobFailedError);
            assert.equal(err.message, "restore t ended ABORTED: by user");
            assert.equal(err.hint, "run again");
        });
    });

    describe("command line", () => {
        let h: DrHarness;
        beforeEach(() => (h = new DrHarness()));
        afterEach(() => h.restore());

        it("exits 0 for --help and 2 for a missing argument, an unknown option or a bad number", async () => {
            const help = await h.run(["restore-pitr", "--help"]);
            assert.equal(help.code, 0);
            assert.match(help.stdout, /--to <time>/);
            assert.equal((await h.run(["restore-pitr"])).code, 2);
            assert.equal((await h.run(["verify", "--no-such-flag"])).code, 2);
            const badPoll = await h.run(["verify", "--poll-seconds", "0"]);
            assert.equal(badPoll.code, 2);
            assert.match(
                badPoll.stderr,
                /--poll-seconds <n>' argument '0' is invalid. '0' is not a whole number from 1/,
            );
            assert.equal((await h.run(["verify", "--stack", "prod", "--rpo-hours", "soon"])).code, 2);
            const backupStack = await h.run(["verify", "--stack", "backup"]);
            assert.equal(backupStack.code, 2);
            assert.match(
                backupStack.stderr,
                /stack 'backup' is the backup stack; the DR commands work on a deployment stack/,
            );
        });

        it("prints a failure as a JSON document too under --json", async () => {
            h.mocks().sts.on(GetCallerIdentityCommand).rejects(awsError("CredentialsProviderError", "no creds"));
            const r = await h.run(["verify", "--stack", "prod", "--json"]);
            assert.equal(r.code, 3);
            const doc = r.json();
            assert.equal(doc.ok, false);
            assert.equal(doc.exitCode, 3);
            assert.match(doc.hint, /aws sso login/);
        });
    });

    describe("time and criticality", () => {
        it("reads relative and zoned absolute times, and refuses the rest", () => {
            assert.equal(parseTime("-15m", NOW).getTime(), NOW - 15 * 60_000);
            assert.equal(parseTime("-1h30m", NOW).getTime(), NOW - 90 * 60_000);
            assert.equal(parseTime("-2d", NOW).getTime(), NOW - 2 * 86_400_000);
            assert.equal(parseTime("2026-11-26T02:00:00+01:00", NOW).toISOString(), "2026-11-26T01:00:00.000Z");
            for (const bad of ["15m", "-15x", "2026-11-26", "2026-11-26T02:00:00", "tomorrow"])
                assert.throws(() => parseTime(bad, NOW), /neither an ISO time/, bad);
        });

        it("formats durations for people", () => {
            assert.equal(formatDuration(45_000), "45s");
            assert.equal(formatDuration(725_000), "12m05s");
            assert.equal(formatDuration(3 * 3_600_000 + 7 * 60_000), "3h07m");
        });

        it("knows each table's criticality from the requirements", () => {
            assert.equal(tableCriticality("prod-env-receipts"), "critical");
            assert.equal(tableCriticality("ci-env-passes"), "high");
            assert.equal(tableCriticality("prod-env-hmrc-api-requests"), "medium");
            assert.equal(tableCriticality("prod-env-submit-vat-async-requests"), "low");
            assert.equal(tableCriticality("prod-env-something-new"), "high");
        });
    });
});

describe("dr AWS plumbing: role sessions, dry-run notices and paging", () => {
    // STS API reference, AssumeRole: RoleSessionName names the session in CloudTrail; a chained
    // role session lasts at most one hour (DurationSeconds 3600); SerialNumber/TokenCode only with MFA.
    it("assumes --role-arn as session vat-dr for an hour, asking for no MFA code unless a device and a prompt are both given", async () => {
        const base = async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" });
        for (const [opts, session] of [
            [{ roleArn: "arn:aws:iam::111111111111:role/oncall" }, "vat-dr"],
            [
                { roleArn: "arn:aws:iam::111111111111:role/oncall", mfaSerial: "arn:aws:iam::111111111111:mfa/x" },
                "vat-dr",
            ],
            [{ roleArn: "arn:aws:iam::111111111111:role/oncall", roleSessionName: "drill-7" }, "drill-7"],
        ] as const) {
            const bodies: string[] = [];
            const provider = credentialProvider(opts, "eu-west-2", { base, requestHandler: recordingSts(bodies) });
            assert.equal((await provider()).accessKeyId, "ASIA");
            const params = new URLSearchParams(bodies[0]);
            assert.equal(params.get("RoleSessionName"), session);
            assert.equal(params.get("DurationSeconds"), "3600");
            assert.equal(params.get("SerialNumber"), null, "no MFA device sent without a way to ask for its code");
        }
        const bare = credentialProvider({}, "eu-west-2", { base });
        assert.equal(bare, base, "without --role-arn the base credentials are used as they are");
    });

    const gate = (dryRun: boolean, notices: string[]) =>
        new AwsGate({
            dryRun,
            clock: new FakeClock(),
            notice: (l) => notices.push(l),
            throttleRetries: 0,
            throttleBaseDelayMs: 1000,
        });

    it("under --dry-run says each read it makes and each change it would make, with the account; otherwise says nothing", async () => {
        const h = new DrHarness();
        try {
            const d = h.mocks().dynamodb;
            d.on(DescribeTableCommand).resolves({ Table: { TableName: "t" } });
            const dynamodb = h.context("x").clients().dynamodb;
            const notices: string[] = [];
            const dry = gate(true, notices);
            await dry.read(dynamodb, new DescribeTableCommand({ TableName: "t" }));
            await dry.read(dynamodb, new DescribeTableCommand({ TableName: "t" }), "backup");
            assert.equal(
                await dry.mutate(
                    dynamodb,
                    new RestoreTableToPointInTimeCommand({ SourceTableName: "a", TargetTableName: "b" }),
                ),
                undefined,
            );
            assert.deepEqual(notices, [
                "[dry-run] reading DynamoDB.DescribeTable (target)",
                "[dry-run] reading DynamoDB.DescribeTable (backup)",
                '[dry-run] would call DynamoDB.RestoreTableToPointInTime (target) {"SourceTableName":"a","TargetTableName":"b"}',
            ]);
            assert.deepEqual(
                dry.calls.map((c) => [c.operation, c.account, c.mutating, c.skipped]),
                [
                    ["DescribeTable", "target", false, false],
                    ["DescribeTable", "backup", false, false],
                    ["RestoreTableToPointInTime", "target", true, true],
                ],
            );
            const quiet: string[] = [];
            const real = gate(false, quiet);
            await real.read(dynamodb, new DescribeTableCommand({ TableName: "t" }));
            await real.mutateExternal("HTTPS", "PUT x", { rows: 1 }, async () => undefined);
            assert.deepEqual(quiet, []);
            assert.deepEqual(
                real.calls.map((c) => [c.operation, c.account, c.mutating, c.skipped]),
                [
                    ["DescribeTable", "target", false, false],
                    ["PUT x", "target", true, false],
                ],
            );
        } finally {
            h.restore();
        }
    });

    it("reads every page, a page without items counting as none", async () => {
        const h = new DrHarness();
        try {
            h.mocks()
                .dynamodb.on(ListTablesCommand, { ExclusiveStartTableName: undefined })
                .resolves({ LastEvaluatedTableName: "a" });
            h.mocks()
                .dynamodb.on(ListTablesCommand, { ExclusiveStartTableName: "a" })
                .resolves({ TableNames: ["b"] });
            const all = await readAllPages(
                gate(false, []),
                h.context("x").clients().dynamodb,
                (token) => new ListTablesCommand({ ExclusiveStartTableName: token }),
                (page) => page.TableNames,
                (page) => page.LastEvaluatedTableName,
            );
            assert.deepEqual(all, ["b"]);
        } finally {
            h.restore();
        }
    });
});
