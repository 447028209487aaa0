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
    it("by default writes cognito-export-<time> in the working folder, 0600, after a step that counts the users", async () => {
        const cwd = process.cwd();
        process.chdir(h.tmp);
        try {
            const r = await h.run(["export-users", "--stack", "prod"]);
            assert.equal(r.code, 0, r.stdout + r.stderr);
            const out = path.join(h.tmp, "cognito-export-20261126T030000Z");
            for (const file of ["users.json", "users.csv"])
                assert.equal(fs.statSync(path.join(out, file)).mode & 0o777, 0o600, `${file} holds personal data`);
            assert.match(r.stdout, /done  eu-west-2_OLDPOOL1: list users  .*  3 users/);
            assert.deepEqual(h.sentOps("GetCSVHeader"), [{ UserPoolId: OLD_POOL }]);
        } finally {
            process.chdir(cwd);
        }
    });

    it("reads every page of groups, keeps what Cognito leaves out as empty, and creates a nested --out", async () => {
        const c = h.mocks().cognito;
        c.on(ListGroupsCommand, { UserPoolId: OLD_POOL }).resolves({
            Groups: [{ GroupName: "admins" }],
            NextToken: "n",
        });
        c.on(ListGroupsCommand, { UserPoolId: OLD_POOL, NextToken: "n" }).resolves({
            Groups: [{ Description: "nameless" }],
        });
        c.on(ListUsersInGroupCommand, { GroupName: "" }).resolves({ Users: [{}] });
        c.on(ListUsersCommand, { UserPoolId: OLD_POOL, PaginationToken: "u2" }).resolves({
            Users: [{ Enabled: true }],
        });
        c.on(GetCSVHeaderCommand).resolves({});
        const out = path.join(h.tmp, "a", "b", "export");
        const r = await h.run(["export-users", "--stack", "prod", "--out", out]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const doc = JSON.parse(fs.readFileSync(path.join(out, "users.json"), "utf8"));
        assert.deepEqual(
            doc.groups.map((g: { name: string }) => g.name),
            ["admins", ""],
        );
        assert.deepEqual(doc.memberships[""], [""]);
        assert.deepEqual(doc.users[2], { username: "", enabled: true, attributes: {} });
        assert.deepEqual(doc.csvHeader, []);
    });

    it("expired credentials while reading a group's members stop the export (exit 3), writing nothing", async () => {
        h.mocks().cognito.on(ListUsersInGroupCommand).rejects(awsError("ExpiredTokenException"));
        const out = path.join(h.tmp, "e");
        assert.equal((await h.run(["export-users", "--stack", "prod", "--out", out])).code, 3);
        assert.ok(!fs.existsSync(out));
    });

    it("under --dry-run says what it would write and upload", async () => {
        const out = path.join(h.tmp, "e");
        const r = await h.run(["export-users", "--stack", "prod", "--out", out, "--upload", "--dry-run"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(
            r.stdout,
            new RegExp(`dry run: would write ${out}/users\\.json and ${out}/users\\.csv \\(3 users\\) and upload them`),
        );
    });

    it("--upload needs --stack (its exports bucket); into an SSE-S3 bucket it says AES256, with each file's content type and a SHA-256 checksum", async () => {
        const cwd = process.cwd();
        process.chdir(h.tmp);
        try {
            // Refused before any call and before the users' data is written anywhere.
            const noStack = await h.run([
                "export-users",
                "--user-pool-id",
                OLD_POOL,
                "--region",
                "eu-west-2",
                "--upload",
            ]);
            assert.equal(noStack.code, 2);
            assert.match(noStack.stderr, /--stack is required with --upload/);
            assert.deepEqual(
                fs.readdirSync(h.tmp).filter((f) => f.startsWith("cognito-export")),
                [],
            );
            assert.deepEqual(h.sentOps("ListUsers"), []);
        } finally {
            process.chdir(cwd);
        }
        h.mocks().s3.on(PutObjectCommand).resolves({});
        h.mocks()
            .s3.on(GetBucketEncryptionCommand)
            .resolves({
                ServerSideEncryptionConfiguration: {
                    Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
                },
            });
        const r = await h.run([
            "export-users",
            "--stack",
            "prod",
            "--out",
            path.join(h.tmp, "e"),
            "--upload",
            "--json",
        ]);
        assert.equal(r.code, 0, r.stderr);
        const puts = h.sentOps("PutObject");
        assert.deepEqual(
            puts.map((p) => [p.ContentType, p.ServerSideEncryption, p.SSEKMSKeyId, p.ChecksumAlgorithm]),
            [
                ["application/json", "AES256", undefined, "SHA256"],
                ["text/csv", "AES256", undefined, "SHA256"],
            ],
        );
        assert.equal(
            r.json().uploaded,
            `s3://prod-env-backup-exports-111111111111-eu-west-2/cognito-exports/${OLD_POOL}/20261126T030000Z/`,
        );
    });

    it("finds exactly one pool named {env}-env-user-pool, or says which to pass (exit 2)", async () => {
        const c = h.mocks().cognito;
        const noStack = await h.run(["export-users", "--region", "eu-west-2"]);
        assert.equal(noStack.code, 2);
        assert.match(
            noStack.stderr,
            /no user pool[\s\S]*Pass --user-pool-id, or --stack to find the pool named \{env\}-env-user-pool/,
        );
        c.on(ListUserPoolsCommand, { NextToken: "p2" }).resolves({ UserPools: [] });
        const none = await h.run(["export-users", "--stack", "prod"]);
        assert.equal(none.code, 2);
        assert.match(
            none.stderr,
            /no user pool named prod-env-user-pool in eu-west-2[\s\S]*Pass --user-pool-id explicitly/,
        );
        c.on(ListUserPoolsCommand, { NextToken: "p2" }).resolves({
            UserPools: [
                { Id: OLD_POOL, Name: "prod-env-user-pool" },
                { Id: "eu-west-2_twin", Name: "prod-env-user-pool" },
            ],
        });
        const two = await h.run(["export-users", "--stack", "prod"]);
        assert.equal(two.code, 2);
        assert.match(two.stderr, /more than one user pool named prod-env-user-pool in eu-west-2/);
        assert.deepEqual(h.sentOps("ListUsers"), [], "no pool guessed");
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

    const rewriteExport = (change: (doc: { users: Record<string, unknown>[]; [k: string]: unknown }) => void) => {
        const doc = JSON.parse(fs.readFileSync(path.join(from, "users.json"), "utf8"));
        change(doc);
        fs.writeFileSync(path.join(from, "users.json"), JSON.stringify(doc));
    };

    it("names the flag or the file in every refusal of its input (exit 2, nothing sent to Cognito)", async () => {
        const role = ["--logs-role-arn", "arn:aws:iam::111111111111:role/cognito-import-logs", "--region", "eu-west-2"];
        const noFrom = await h.run(["import-users", "--user-pool-id", NEW_POOL, ...role, "--stack", "prod"]);
        assert.equal(noFrom.code, 2);
        assert.match(noFrom.stderr, /--from is required/);
        assert.match(noFrom.stderr, /Pass --from with the folder written by export-users/);
        const noRole = await h.run(["import-users", "--user-pool-id", NEW_POOL, "--from", from, "--stack", "prod"]);
        assert.match(noRole.stderr, /--logs-role-arn is required/);
        assert.match(noRole.stderr, /CreateUserImportJob needs a role that lets Cognito write CloudWatch logs/);
        const empty = path.join(h.tmp, "empty");
        fs.mkdirSync(empty);
        const missing = await h.run(["import-users", "--user-pool-id", NEW_POOL, "--from", empty, ...role]);
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /users\.json does not exist/);
        assert.match(missing.stderr, /Pass --from with a folder written by export-users/);
        fs.writeFileSync(path.join(empty, "users.json"), JSON.stringify({ userPoolId: OLD_POOL, users: [{}] }));
        const invalid = await h.run(["import-users", "--user-pool-id", NEW_POOL, "--from", empty, ...role]);
        assert.equal(invalid.code, 2);
        assert.match(invalid.stderr, /users\.json is not an export-users file: exportedAt: .*; users\.0\.username: /);
        const itself = await h.run(["import-users", "--user-pool-id", OLD_POOL, "--from", from, ...role]);
        assert.equal(itself.code, 2);
        assert.match(itself.stderr, /the export came from eu-west-2_OLDPOOL1 itself/);
        assert.match(itself.stderr, /Import into the new pool, not the one the users came from/);
        assert.deepEqual(
            h.sent().filter((c) => !c.operation.endsWith("GetCallerIdentity")),
            [],
            "nothing reached Cognito",
        );
    });

    it("without --stack: imports a user verified by phone through the CSV, counts the job's rows, and lists only RESET_REQUIRED users, 0600", async () => {
        // "Importing users into user pools from a CSV file": a row needs email_verified or phone_number_verified true.
        rewriteExport((doc) => {
            doc.users.push({
                username: "dave",
                attributes: { sub: "old-sub-d", phone_number: "+447700900123", phone_number_verified: "true" },
            });
            (doc.users[1].attributes as Record<string, string>).locale = "en-GB";
        });
        const c = h.mocks().cognito;
        c.on(DescribeUserPoolCommand).resolves({});
        c.on(DescribeUserImportJobCommand)
            .resolvesOnce({})
            .resolves({ UserImportJob: { Status: "Succeeded", ImportedUsers: 3, SkippedUsers: 1, FailedUsers: 0 } });
        c.on(ListUsersCommand, { UserPoolId: NEW_POOL, PaginationToken: "n2" }).resolves({
            Users: [
                {
                    Username: "bob",
                    UserStatus: "CONFIRMED",
                    Attributes: attrs({ sub: "new-sub-b", email: "bob@example.com" }),
                },
                {
                    Username: "carol",
                    UserStatus: "FORCE_CHANGE_PASSWORD",
                    Attributes: attrs({ sub: "new-sub-c", email: "carol@example.com" }),
                },
                { Username: "dave", UserStatus: "RESET_REQUIRED", Attributes: attrs({ sub: "new-sub-d" }) },
            ],
        });
        c.on(ListGroupsCommand, { UserPoolId: NEW_POOL }).resolves({ Groups: [], NextToken: "g2" });
        c.on(ListGroupsCommand, { UserPoolId: NEW_POOL, NextToken: "g2" }).resolves({
            Groups: [{ GroupName: "admins" }, { GroupName: "testers" }],
        });
        const out = path.join(h.tmp, "out");
        const r = await h.run([
            "import-users",
            "--user-pool-id",
            NEW_POOL,
            "--from",
            from,
            "--logs-role-arn",
            "arn:aws:iam::111111111111:role/cognito-import-logs",
            "--region",
            "eu-west-2",
            "--out",
            out,
        ]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const csv = h.uploads[0].body;
        assert.ok(csv.includes("dave"), "a user verified by phone is importable");
        assert.equal(h.uploads[0].headers["Content-Type"], "text/csv");
        assert.deepEqual(
            h.sentOps("AdminCreateUser").map((i) => i.Username),
            ["carol"],
        );
        assert.deepEqual(h.sentOps("DescribeUserPool")[0], { UserPoolId: NEW_POOL });
        assert.deepEqual(h.sentOps("DescribeUserImportJob")[0], { UserPoolId: NEW_POOL, JobId: "import-abc" });
        assert.match(r.stderr, /user import import-abc: Unknown/);
        assert.match(r.stdout, /import job .*3 imported, 1 skipped, 0 failed/);
        assert.match(
            r.stdout,
            /WARN  attributes  the new pool has no column for custom:legacy, locale, phone_number, /,
        );
        assert.match(r.stdout, /PASS  sub-mapping  4 users mapped old sub → new sub$/m);
        assert.deepEqual(h.sentOps("CreateGroup"), [], "both groups exist (on the second page of ListGroups)");
        assert.match(r.stdout, /PASS  group:admins  2 members added$/m);
        const resets = JSON.parse(fs.readFileSync(path.join(out, "password-resets.json"), "utf8"));
        assert.deepEqual(resets, [{ username: "alice", email: "alice@example.com" }, { username: "dave" }]);
        for (const file of ["sub-mapping.json", "password-resets.json"])
            assert.equal(fs.statSync(path.join(out, file)).mode & 0o777, 0o600, `${file} holds personal data`);
        assert.ok(!fs.existsSync(path.join(from, "sub-mapping.json")), "--out, not --from");
        assert.match(r.stdout, /: 2 users must reset their password/);
    });

    it("warns of no lost attribute when every one has a column, and reports a job with no counts as zeros", async () => {
        rewriteExport((doc) => {
            delete (doc.users[1].attributes as Record<string, string>)["custom:legacy"];
        });
        h.mocks()
            .cognito.on(DescribeUserImportJobCommand)
            .resolves({ UserImportJob: { Status: "Succeeded" } });
        const r = await h.run(args());
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.doesNotMatch(r.stdout, /attributes/);
        assert.match(r.stdout, /0 imported, 0 skipped, 0 failed/);
    });

    it("a new-pool user without a sub is not mapped (its data would go nowhere)", async () => {
        h.mocks()
            .cognito.on(ListUsersCommand, { UserPoolId: NEW_POOL, PaginationToken: "n2" })
            .resolves({
                Users: [
                    { Username: "bob", UserStatus: "RESET_REQUIRED" },
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
        assert.match(r.stdout, /FAIL  sub-mapping  2 users mapped old sub → new sub; not found in the new pool: bob$/m);
    });

    it("names at most ten unmatched users, with an ellipsis only beyond ten", async () => {
        for (const count of [10, 11]) {
            rewriteExport((doc) => {
                doc.users = Array.from({ length: count }, (_, i) => ({
                    username: `u${String(i + 1).padStart(2, "0")}`,
                    attributes: { email: `u${i + 1}@example.com`, email_verified: "true" },
                }));
                doc.groups = [];
            });
            h.mocks()
                .cognito.on(ListUsersCommand, { UserPoolId: NEW_POOL, PaginationToken: undefined })
                .resolves({ Users: [] });
            const r = await h.run(args());
            const names = Array.from({ length: 10 }, (_, i) => `u${String(i + 1).padStart(2, "0")}`).join(", ");
            assert.match(
                r.stdout,
                new RegExp(`not found in the new pool: ${names}${count > 10 ? "\\.\\.\\." : ""}$`, "m"),
                `${count} unmatched`,
            );
        }
    });

    it("says a disabled user is disabled again", async () => {
        rewriteExport((doc) => {
            doc.users[0].enabled = false;
        });
        const r = await h.run(args());
        assert.match(r.stdout, /PASS  disabled:alice  disabled again, as in the old pool/);
    });

    it("a job that Expired stops the import and says why", async () => {
        h.mocks()
            .cognito.on(DescribeUserImportJobCommand)
            .resolves({ UserImportJob: { Status: "Expired", CompletionMessage: "not started within 24 hours" } });
        const r = await h.run(args());
        assert.equal(r.code, 1);
        assert.match(r.stderr, /user import import-abc ended Expired: not started within 24 hours/);
        h.mocks()
            .cognito.on(DescribeUserImportJobCommand)
            .resolves({ UserImportJob: { Status: "Stopped" } });
        assert.equal((await h.run(args())).code, 1);
    });

    it("creates an unverified user with its own attributes but the sub, and reports one AdminCreateUser cannot create", async () => {
        const ok = await h.run(args());
        assert.deepEqual(h.sentOps("AdminCreateUser")[0].UserAttributes, [
            { Name: "email", Value: "carol@example.com" },
        ]);
        assert.match(ok.stdout, /WARN  unverified:carol  no verified e-mail or phone \(the CSV import refuses those\)/);
        h.mocks().cognito.on(AdminCreateUserCommand).rejects(awsError("InvalidParameterException", "bad phone"));
        const r = await h.run(args());
        assert.equal(r.code, 1);
        assert.match(
            r.stdout,
            /FAIL  unverified:carol  no verified e-mail or phone, and AdminCreateUser failed \(InvalidParameterException: bad phone\): left unmapped in sub-mapping\.json/,
        );
        h.mocks().cognito.on(AdminCreateUserCommand).rejects(awsError("ExpiredTokenException"));
        assert.equal((await h.run(args())).code, 3, "expired credentials stop the command");
    });

    it("reports a group it cannot create and every member it cannot add; expired credentials stop it (exit 3)", async () => {
        const c = h.mocks().cognito;
        rewriteExport((doc) => {
            doc.groups = [{ name: "admins" }, { name: "testers" }, { name: "empty" }];
        });
        c.on(CreateGroupCommand, { GroupName: "testers" }).rejects(awsError("LimitExceededException", "too many"));
        c.on(AdminAddUserToGroupCommand).rejects(awsError("UserNotFoundException", "gone"));
        const r = await h.run(args());
        assert.equal(r.code, 1);
        assert.match(r.stdout, /FAIL  group:testers  LimitExceededException: too many/);
        assert.match(
            r.stdout,
            /FAIL  group:admins  0\/2 members added; failed: alice \(UserNotFoundException: gone\); carol \(UserNotFoundException: gone\)/,
        );
        assert.match(r.stdout, /PASS  group:empty  0 members added$/m);
        c.on(AdminAddUserToGroupCommand).rejects(awsError("ExpiredTokenException"));
        assert.equal((await h.run(args())).code, 3);
        c.on(AdminAddUserToGroupCommand).resolves({});
        c.on(CreateGroupCommand, { GroupName: "testers" }).rejects(awsError("ExpiredTokenException"));
        assert.equal((await h.run(args())).code, 3);
    });

    it("under --dry-run shows the job it would start and its row count, and never polls a job", async () => {
        const r = await h.run([...args(), "--dry-run"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout + r.stderr, /PUT users\.csv to the import job's pre-signed URL \{"rows":2\}/);
        assert.match(r.stdout + r.stderr, /StartUserImportJob .*"JobId":"<job id>"/);
        assert.match(r.stdout, /import job .*\(dry run\)/);
        assert.match(r.stdout, /dry run: no users imported, so no sub mapping was written/);
        assert.deepEqual(h.sentOps("DescribeUserImportJob"), []);
    });
});
