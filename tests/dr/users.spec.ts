import {
    AdminAddUserToGroupCommand,
    AdminCreateUserCommand,
    AdminDisableUserCommand,
    DescribeUserPoolCommand,
    CreateGroupCommand,
    CreateUserImportJobCommand,
    DescribeUserImportJobCommand,
    GetCSVHeaderCommand,
    ListGroupsCommand,
    ListUserPoolsCommand,
    ListUsersCommand,
    ListUsersInGroupCommand,
    StartUserImportJobCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { GetBucketEncryptionCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { DrHarness, awsError } from "../helpers/drHarness";

const OLD_POOL = "eu-west-2_OLDPOOL1";
const NEW_POOL = "eu-west-2_NEWPOOL2";
const EXPORTS_KEY = "arn:aws:kms:eu-west-2:111111111111:key/11111111-2222-3333-4444-555555555555";
const HEADER = [
    "name",
    "given_name",
    "email",
    "email_verified",
    "custom:plan",
    "cognito:mfa_enabled",
    "cognito:username",
];
const attrs = (o: Record<string, string>) => Object.entries(o).map(([Name, Value]) => ({ Name, Value }));

describe("dr export-users", () => {
    let h: DrHarness;
    beforeEach(() => {
        h = new DrHarness();
        const c = h.mocks().cognito;
        c.on(ListUserPoolsCommand, { NextToken: undefined }).resolves({
            UserPools: [{ Id: "eu-west-2_other", Name: "ci-env-user-pool" }],
            NextToken: "p2",
        });
        c.on(ListUserPoolsCommand, { NextToken: "p2" }).resolves({
            UserPools: [{ Id: OLD_POOL, Name: "prod-env-user-pool" }],
        });
        c.on(ListUsersCommand, { UserPoolId: OLD_POOL, PaginationToken: undefined }).resolves({
            Users: [
                {
                    Username: "alice",
                    Enabled: true,
                    UserStatus: "CONFIRMED",
                    Attributes: attrs({
                        sub: "old-sub-a",
                        email: "alice@example.com",
                        email_verified: "true",
                        name: "Alice, A.",
                        "custom:plan": "pro",
                    }),
                },
                {
                    Username: "bob",
                    Enabled: true,
                    UserStatus: "CONFIRMED",
                    Attributes: attrs({ sub: "old-sub-b", email: "bob@example.com", email_verified: "true" }),
                },
            ],
            PaginationToken: "u2",
        });
        c.on(ListUsersCommand, { UserPoolId: OLD_POOL, PaginationToken: "u2" }).resolves({
            Users: [
                {
                    Username: "carol",
                    Enabled: false,
                    UserStatus: "CONFIRMED",
                    Attributes: attrs({
                        sub: "old-sub-c",
                        email: "carol@example.com",
                        email_verified: "false",
                        given_name: 'Carol "C"',
                    }),
                },
            ],
        });
        c.on(ListGroupsCommand, { UserPoolId: OLD_POOL }).resolves({
            Groups: [
                { GroupName: "admins", Precedence: 1 },
                { GroupName: "testers", Description: "beta" },
            ],
        });
        c.on(ListUsersInGroupCommand, { GroupName: "admins", NextToken: undefined }).resolves({
            Users: [{ Username: "alice" }],
            NextToken: "g2",
        });
        c.on(ListUsersInGroupCommand, { GroupName: "admins", NextToken: "g2" }).resolves({
            Users: [{ Username: "carol" }],
        });
        c.on(ListUsersInGroupCommand, { GroupName: "testers" }).resolves({ Users: [{ Username: "bob" }] });
        c.on(GetCSVHeaderCommand).resolves({ UserPoolId: OLD_POOL, CSVHeader: HEADER });
    });
    afterEach(() => h.restore());

    it("finds the stack's pool and writes users, groups and memberships to JSON and the pool's own CSV header", async () => {
        const out = path.join(h.tmp, "export");
        const r = await h.run(["export-users", "--stack", "prod", "--out", out]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const doc = JSON.parse(fs.readFileSync(path.join(out, "users.json"), "utf8"));
        assert.equal(doc.userPoolId, OLD_POOL);
        assert.deepEqual(
            doc.users.map((u: { username: string; sub: string }) => [u.username, u.sub]),
            [
                ["alice", "old-sub-a"],
                ["bob", "old-sub-b"],
                ["carol", "old-sub-c"],
            ],
        );
        assert.deepEqual(doc.memberships, { admins: ["alice", "carol"], testers: ["bob"] });
        assert.deepEqual(doc.csvHeader, HEADER);
        const csv = fs.readFileSync(path.join(out, "users.csv"), "utf8").trim().split("\n");
        assert.equal(csv[0], HEADER.join(","));
        assert.equal(csv[1], '"Alice, A.",,alice@example.com,true,pro,false,alice');
        assert.equal(csv[3], ',"Carol ""C""",carol@example.com,false,,false,carol');
        assert.match(r.stdout, /3 users, 2 groups \(passwords are never exportable\)/);
    });

    it("with --upload, puts both files into the stack's exports bucket under its own key, so a scheduled export outlives its runner", async () => {
        h.mocks().s3.on(PutObjectCommand).resolves({});
        h.mocks()
            .s3.on(GetBucketEncryptionCommand)
            .resolves({
                ServerSideEncryptionConfiguration: {
                    Rules: [
                        {
                            ApplyServerSideEncryptionByDefault: {
                                SSEAlgorithm: "aws:kms",
                                KMSMasterKeyID: EXPORTS_KEY,
                            },
                        },
                    ],
                },
            });
        const out = path.join(h.tmp, "export");
        const r = await h.run(["export-users", "--stack", "prod", "--out", out, "--upload"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const puts = h
            .mocks()
            .s3.commandCalls(PutObjectCommand)
            .map((c) => c.args[0].input);
        assert.deepEqual(
            puts.map((p) => p.Key?.replace(/\/\d{8}T\d{6}Z?\//, "/<time>/")),
            [`cognito-exports/${OLD_POOL}/<time>/users.json`, `cognito-exports/${OLD_POOL}/<time>/users.csv`],
        );
        for (const put of puts) {
            assert.equal(put.Bucket, "prod-env-backup-exports-111111111111-eu-west-2");
            assert.equal(put.ExpectedBucketOwner, "111111111111");
            // The bucket denies a put without these headers (StringNotEqualsIfExists is true when absent).
            assert.equal(put.ServerSideEncryption, "aws:kms");
            assert.equal(put.SSEKMSKeyId, EXPORTS_KEY);
        }
        assert.equal(String(puts[0].Body), fs.readFileSync(path.join(out, "users.json"), "utf8"));
        assert.match(r.stdout, /uploaded to s3:\/\/prod-env-backup-exports-111111111111-eu-west-2\/cognito-exports\//);
    });

    it("reports a group whose members cannot be read and exports everything else", async () => {
        h.mocks()
            .cognito.on(ListUsersInGroupCommand, { GroupName: "testers" })
            .rejects(awsError("AccessDeniedException", "no"));
        const out = path.join(h.tmp, "export");
        const r = await h.run(["export-users", "--user-pool-id", OLD_POOL, "--out", out, "--region", "eu-west-2"]);
        assert.equal(r.code, 1);
        assert.match(r.stdout, /FAIL  group:testers  members not exported: AccessDeniedException: no/);
        assert.match(r.stdout, /PASS  group:admins  2 members/);
        assert.ok(fs.existsSync(path.join(out, "users.csv")));
    });

    it("retries Cognito's TooManyRequestsException", async () => {
        h.mocks()
            .cognito.on(ListUsersCommand, { UserPoolId: OLD_POOL, PaginationToken: "u2" })
            .rejectsOnce(awsError("TooManyRequestsException"))
            .resolves({ Users: [] });
        const r = await h.run(["export-users", "--stack", "prod", "--out", path.join(h.tmp, "e")]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(h.clock.sleeps, [5000]);
    });

    it("keeps --json clean, writes none of the users' data under --dry-run, exits 3 without credentials", async () => {
        const r = await h.run([
            "export-users",
            "--stack",
            "prod",
            "--out",
            path.join(h.tmp, "e"),
            "--json",
            "--dry-run",
        ]);
        assert.deepEqual(r.json().counts, { users: 3, groups: 2, memberships: 3 });
        assert.ok(!fs.existsSync(path.join(h.tmp, "e")), "a dry run writes nothing but its plan");
        h.mocks().sts.on(GetCallerIdentityCommand).rejects(awsError("CredentialsProviderError"));
        assert.equal((await h.run(["export-users", "--stack", "prod"])).code, 3);
    });
});

describe("dr import-users", () => {
    let h: DrHarness;
    let from: string;
    beforeEach(() => {
        h = new DrHarness();
        from = path.join(h.tmp, "export");
        fs.mkdirSync(from);
        fs.writeFileSync(
            path.join(from, "users.json"),
            JSON.stringify({
                userPoolId: OLD_POOL,
                exportedAt: "2026-11-25T00:00:00.000Z",
                csvHeader: HEADER,
                users: [
                    {
                        username: "alice",
                        sub: "old-sub-a",
                        attributes: {
                            sub: "old-sub-a",
                            email: "alice@example.com",
                            email_verified: "true",
                            "custom:plan": "pro",
                        },
                    },
                    {
                        username: "bob",
                        sub: "old-sub-b",
                        attributes: {
                            sub: "old-sub-b",
                            email: "Bob@example.com",
                            email_verified: "true",
                            "custom:legacy": "x",
                        },
                    },
                    {
                        username: "carol",
                        sub: "old-sub-c",
                        attributes: { sub: "old-sub-c", email: "carol@example.com" },
                    },
                ],
                groups: [
                    { name: "admins", precedence: 1 },
                    { name: "testers", description: "beta", roleArn: "arn:aws:iam::111111111111:role/testers" },
                ],
                memberships: { admins: ["alice", "carol"], testers: ["bob"] },
            }),
        );
        const c = h.mocks().cognito;
        c.on(GetCSVHeaderCommand, { UserPoolId: NEW_POOL }).resolves({ CSVHeader: HEADER });
        c.on(CreateUserImportJobCommand).resolves({
            UserImportJob: {
                JobId: "import-abc",
                PreSignedUrl: "https://upload.example/import-abc?sig",
                Status: "Created",
            },
        });
        c.on(StartUserImportJobCommand).resolves({ UserImportJob: { JobId: "import-abc", Status: "Pending" } });
        c.on(DescribeUserImportJobCommand)
            .resolvesOnce({ UserImportJob: { Status: "Pending" } })
            .resolvesOnce({ UserImportJob: { Status: "InProgress" } })
            .resolves({ UserImportJob: { Status: "Succeeded", ImportedUsers: 3, SkippedUsers: 0, FailedUsers: 0 } });
        c.on(ListUsersCommand, { UserPoolId: NEW_POOL, PaginationToken: undefined }).resolves({
            Users: [
                {
                    Username: "alice",
                    UserStatus: "RESET_REQUIRED",
                    Attributes: attrs({ sub: "new-sub-a", email: "alice@example.com" }),
                },
            ],
            PaginationToken: "n2",
        });
        c.on(ListUsersCommand, { UserPoolId: NEW_POOL, PaginationToken: "n2" }).resolves({
            Users: [
                {
                    Username: "bob",
                    UserStatus: "RESET_REQUIRED",
                    Attributes: attrs({ sub: "new-sub-b", email: "bob@example.com" }),
                },
                {
                    Username: "carol",
                    UserStatus: "RESET_REQUIRED",
                    Attributes: attrs({ sub: "new-sub-c", email: "carol@example.com" }),
                },
            ],
        });
        c.on(DescribeUserPoolCommand).resolves({ UserPool: { Id: NEW_POOL, UsernameAttributes: [] } });
        c.on(AdminCreateUserCommand).resolves({});
        c.on(AdminDisableUserCommand).resolves({});
        c.on(ListGroupsCommand, { UserPoolId: NEW_POOL }).resolves({ Groups: [{ GroupName: "admins" }] });
        c.on(CreateGroupCommand).resolves({});
        c.on(AdminAddUserToGroupCommand).resolves({});
    });
    afterEach(() => h.restore());

    const args = () => [
        "import-users",
        "--user-pool-id",
        NEW_POOL,
        "--from",
        from,
        "--logs-role-arn",
        "arn:aws:iam::111111111111:role/cognito-import-logs",
        "--stack",
        "prod",
    ];

    it("imports through a job, uploads the CSV with KMS encryption, maps old sub to new sub and restores groups", async () => {
        const r = await h.run(args());
        assert.equal(
            r.code,
            0,
            "a group role that cannot be carried over and an attribute without a column are warnings, not failures",
        );
        assert.deepEqual(h.sentOps("CreateUserImportJob")[0], {
            UserPoolId: NEW_POOL,
            JobName: "vat-dr-20261126T030000Z",
            CloudWatchLogsRoleArn: "arn:aws:iam::111111111111:role/cognito-import-logs",
        });
        assert.equal(h.uploads.length, 1);
        assert.equal(h.uploads[0].url, "https://upload.example/import-abc?sig");
        assert.equal(h.uploads[0].headers["x-amz-server-side-encryption"], "aws:kms");
        assert.equal(h.uploads[0].body.split("\n")[0], HEADER.join(","));
        assert.deepEqual(h.sentOps("StartUserImportJob")[0], { UserPoolId: NEW_POOL, JobId: "import-abc" });
        assert.equal(h.clock.sleeps.length, 2);
        const mapping = JSON.parse(fs.readFileSync(path.join(from, "sub-mapping.json"), "utf8"));
        assert.deepEqual(
            mapping.mapping.map((m: { oldSub: string; newSub: string }) => [m.oldSub, m.newSub]),
            [
                ["old-sub-a", "new-sub-a"],
                ["old-sub-b", "new-sub-b"],
                ["old-sub-c", "new-sub-c"],
            ],
        );
        assert.deepEqual(mapping.unmatched, []);
        assert.deepEqual(h.sentOps("CreateGroup"), [
            { UserPoolId: NEW_POOL, GroupName: "testers", Description: "beta", Precedence: undefined },
        ]);
        assert.deepEqual(
            h.sentOps("AdminAddUserToGroup").map((i) => `${i.GroupName}:${i.Username}`),
            ["admins:alice", "admins:carol", "testers:bob"],
        );
        const resets = JSON.parse(fs.readFileSync(path.join(from, "password-resets.json"), "utf8"));
        assert.equal(resets.length, 3);
        assert.match(r.stdout, /WARN  attributes  the new pool has no column for custom:legacy/);
        assert.match(
            r.stdout,
            /WARN  group:testers  1 members added; its role arn:aws:iam::111111111111:role\/testers was not carried over/,
        );
        assert.match(r.stdout, /PASS  sub-mapping  3 users mapped/);
        assert.match(r.stdout, /3 users must reset their password/);
    });

    it("creates users without a verified e-mail or phone one by one (the CSV import refuses them) and maps them too", async () => {
        const r = await h.run(args());
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.ok(!h.uploads[0].body.includes("carol"), "carol is not in the CSV");
        const created = h.sentOps("AdminCreateUser");
        assert.equal(created.length, 1);
        assert.equal(created[0].Username, "carol");
        assert.equal(created[0].MessageAction, "SUPPRESS");
        assert.ok(!(created[0].UserAttributes as { Name: string }[]).some((a) => a.Name === "sub"));
        assert.match(r.stdout, /WARN  unverified:carol/);
    });

    it("keeps a disabled user disabled (an import brings every user back enabled)", async () => {
        const doc = JSON.parse(fs.readFileSync(path.join(from, "users.json"), "utf8"));
        doc.users[1].enabled = false;
        fs.writeFileSync(path.join(from, "users.json"), JSON.stringify(doc));
        const r = await h.run(args());
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.deepEqual(h.sentOps("AdminDisableUser"), [{ UserPoolId: NEW_POOL, Username: "bob" }]);
    });

    it("in a pool whose username is not the e-mail, never attaches one user's data to another through an e-mail", async () => {
        h.mocks()
            .cognito.on(ListUsersCommand, { UserPoolId: NEW_POOL, PaginationToken: "n2" })
            .resolves({
                Users: [
                    // Somebody else who happens to carry bob's e-mail address.
                    {
                        Username: "mallory",
                        UserStatus: "CONFIRMED",
                        Attributes: attrs({ sub: "new-sub-m", email: "bob@example.com" }),
                    },
                    {
                        Username: "carol",
                        UserStatus: "RESET_REQUIRED",
                        Attributes: attrs({ sub: "new-sub-c", email: "carol@example.com" }),
                    },
                ],
            });
        const r = await h.run(args());
        assert.equal(r.code, 1);
        const mapping = JSON.parse(fs.readFileSync(path.join(from, "sub-mapping.json"), "utf8"));
        assert.deepEqual(mapping.unmatched, ["bob"]);
        assert.ok(!mapping.mapping.some((m: { newSub: string }) => m.newSub === "new-sub-m"));
    });

    it("in a pool whose username is the e-mail, matches users by e-mail", async () => {
        const c = h.mocks().cognito;
        c.on(DescribeUserPoolCommand).resolves({ UserPool: { Id: NEW_POOL, UsernameAttributes: ["email"] } });
        c.on(ListUsersCommand, { UserPoolId: NEW_POOL, PaginationToken: "n2" }).resolves({
            Users: [
                {
                    Username: "9f1c-uuid",
                    UserStatus: "RESET_REQUIRED",
                    Attributes: attrs({ sub: "new-sub-b", email: "bob@example.com" }),
                },
                {
                    Username: "carol",
                    UserStatus: "RESET_REQUIRED",
                    Attributes: attrs({ sub: "new-sub-c", email: "carol@example.com" }),
                },
            ],
        });
        const r = await h.run(args());
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.ok(h.sentOps("AdminAddUserToGroup").some((i) => i.Username === "9f1c-uuid"));
    });

    it("stops with exit 1 when the import job ends Failed, naming what to do", async () => {
        h.mocks()
            .cognito.on(DescribeUserImportJobCommand)
            .resolves({ UserImportJob: { Status: "Failed", CompletionMessage: "CSV header does not match" } });
        const r = await h.run(args());
        assert.equal(r.code, 1);
        assert.match(r.stderr, /error: user import import-abc ended Failed: CSV header does not match/);
        assert.match(r.stderr, /next: Read the import job's CloudWatch log/);
        assert.ok(!fs.existsSync(path.join(from, "sub-mapping.json")));
    });

    it("reports users that failed to import and a membership that failed, and completes the rest", async () => {
        h.mocks()
            .cognito.on(DescribeUserImportJobCommand)
            .resolves({ UserImportJob: { Status: "Succeeded", ImportedUsers: 2, FailedUsers: 1 } });
        h.mocks().cognito.on(ListUsersCommand, { UserPoolId: NEW_POOL, PaginationToken: "n2" }).resolves({ Users: [] });
        h.mocks()
            .cognito.on(AdminAddUserToGroupCommand, { Username: "alice" })
            .rejects(awsError("UserNotFoundException", "gone"));
        const r = await h.run(args());
        assert.equal(r.code, 1);
        assert.match(r.stdout, /FAIL  import  1 users failed to import/);
        assert.match(
            r.stdout,
            /FAIL  sub-mapping  1 users mapped old sub → new sub; not found in the new pool: bob, carol/,
        );
        assert.match(r.stdout, /FAIL  group:admins  0\/1 members added; failed: alice/);
        assert.ok(fs.existsSync(path.join(from, "sub-mapping.json")));
    });

    it("under --dry-run creates no job, uploads nothing and sends no mutating call", async () => {
        const r = await h.run([...args(), "--dry-run"]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(h.mutatingSent(), []);
        assert.equal(h.uploads.length, 0);
        assert.match(r.stdout, /CognitoIdentityProvider.CreateUserImportJob/);
        assert.match(r.stdout, /HTTPS.PUT users.csv to the import job's pre-signed URL/);
    });

    it("keeps --json stdout clean while the job's progress goes to stderr", async () => {
        const r = await h.run([...args(), "--json"]);
        const doc = r.json();
        assert.equal(doc.mapped, 3);
        assert.equal(doc.passwordResets, 3);
        assert.match(r.stderr, /user import import-abc: InProgress/);
    });

    it("refuses bad input: no logs role, no export, the source pool itself (exit 2); no credentials (exit 3)", async () => {
        assert.equal(
            (await h.run(["import-users", "--user-pool-id", NEW_POOL, "--from", from, "--stack", "prod"])).code,
            2,
        );
        assert.equal(
            (
                await h.run([
                    "import-users",
                    "--user-pool-id",
                    NEW_POOL,
                    "--from",
                    path.join(h.tmp, "nope"),
                    "--logs-role-arn",
                    "arn:x",
                    "--stack",
                    "prod",
                ])
            ).code,
            2,
        );
        assert.equal(
            (
                await h.run([
                    "import-users",
                    "--user-pool-id",
                    OLD_POOL,
                    "--from",
                    from,
                    "--logs-role-arn",
                    "arn:x",
                    "--stack",
                    "prod",
                ])
            ).code,
            2,
        );
        h.mocks().sts.on(GetCallerIdentityCommand).rejects(awsError("CredentialsProviderError"));
        assert.equal((await h.run(args())).code, 3);
    });
});
