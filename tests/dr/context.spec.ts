/**
 * The context every command starts from: which region and account it works in, with whose
 * credentials, how long it waits, and the uploader and MFA prompt it uses for real.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { PassThrough } from "stream";
import { AccountRole, AwsClients } from "../../dr/aws/clients";
import { DrContext, DrDeps, GlobalOptions, fetchUploader, terminalMfaCode } from "../../dr/context";
import { CredentialsError, ExitCode, MissingConfigError, UsageError } from "../../dr/errors";
import { FakeClock } from "../helpers/drHarness";

const BASE: GlobalOptions = {
    stateDir: path.join(os.tmpdir(), "vat-dr-context-state"),
    maxAttempts: 1,
    throttleRetries: 1,
    pollSeconds: 30,
    timeoutMinutes: 480,
};

function deps(env: Record<string, string> = {}, extra: Partial<DrDeps> = {}): DrDeps {
    return {
        stdout: () => undefined,
        stderr: () => undefined,
        clock: new FakeClock(),
        uploader: async () => undefined,
        env,
        ...extra,
    };
}

describe("dr context: where and as whom a command works", () => {
    it("works in --region, else the stack's region, else AWS_REGION, else AWS_DEFAULT_REGION", () => {
        const env = { AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: "us-west-2" };
        assert.equal(
            new DrContext("verify", { ...BASE, region: "eu-west-1", stack: "prod" }, deps(env)).region,
            "eu-west-1",
        );
        assert.equal(new DrContext("verify", { ...BASE, stack: "prod" }, deps(env)).region, "eu-west-2");
        assert.equal(new DrContext("verify", BASE, deps(env)).region, "us-east-1");
        assert.equal(new DrContext("verify", BASE, deps({ AWS_DEFAULT_REGION: "us-west-2" })).region, "us-west-2");
    });

    // STS AssumeRole: SerialNumber and TokenCode answer a role's MFA condition; a profile's MFA is the profile's.
    it("an MFA device needs the role it answers for, and the message says which flag to add", () => {
        assert.throws(
            () =>
                new DrContext(
                    "verify",
                    { ...BASE, region: "eu-west-2", mfaSerial: "arn:aws:iam::111111111111:mfa/oncall" },
                    deps(),
                ),
            (err: unknown) =>
                err instanceof UsageError &&
                /mfa_serial in ~\/\.aws\/config/.test(err.hint) &&
                /pass --role-arn too/.test(err.message),
        );
        assert.throws(
            () =>
                new DrContext(
                    "verify",
                    { ...BASE, region: "eu-west-2", backupMfaSerial: "arn:aws:iam::333333333333:mfa/oncall" },
                    deps(),
                ),
            (err: unknown) =>
                err instanceof UsageError &&
                err.hint ===
                    "For the copy-back role: --backup-role-arn arn:aws:iam::<backup account>:role/vat-backup-dr-copy-back.",
        );
    });

    it("with no region anywhere stops with exit 3 and says where a region comes from", () => {
        assert.throws(
            () => new DrContext("verify", BASE, deps()),
            (err: unknown) =>
                err instanceof MissingConfigError &&
                err.exitCode === ExitCode.NO_CREDENTIALS &&
                err.message === "no AWS region to work in" &&
                err.hint === "Pass --region, or --stack <name> to use the stack's region, or set AWS_REGION.",
        );
    });

    it("reads the backup account in --backup-region, else the backup account's region the stack names, else the working region", () => {
        const seen: string[] = [];
        const clientFactory = (account: AccountRole, region: string) => {
            seen.push(`${account}/${region}`);
            return {} as AwsClients;
        };
        const inStack = new DrContext(
            "verify",
            { ...BASE, stack: "prod", region: "eu-west-1" },
            deps({}, { clientFactory }),
        );
        assert.equal(inStack.backupRegion, "eu-west-2", "Pulumi.prod.yaml: vat-backup:backupAccount.region");
        inStack.clients("backup");
        inStack.clients();
        inStack.clients("backup", "eu-west-1");
        assert.deepEqual(seen, ["backup/eu-west-2", "target/eu-west-1", "backup/eu-west-1"]);
        const named = new DrContext("verify", { ...BASE, stack: "prod", backupRegion: "eu-central-1" }, deps());
        assert.equal(named.backupRegion, "eu-central-1");
        assert.equal(new DrContext("verify", { ...BASE, region: "eu-west-1" }, deps()).backupRegion, "eu-west-1");
    });

    it("needs --stack (exit 2) and backup-account credentials (exit 3) where a command says so, naming the flags", () => {
        const ctx = new DrContext("restore-account", { ...BASE, region: "eu-west-2" }, deps());
        assert.throws(
            () => ctx.requireStack("to restore an account"),
            (err: unknown) =>
                err instanceof UsageError &&
                err.message === "--stack is required to restore an account" &&
                /Pass --stack prod \(or ci\)/.test(err.hint),
        );
        assert.throws(
            () => ctx.requireBackupCredentials("to restore an account"),
            (err: unknown) =>
                err instanceof CredentialsError &&
                err.exitCode === ExitCode.NO_CREDENTIALS &&
                err.message === "backup-account credentials are required to restore an account" &&
                /--backup-profile <profile> or --backup-role-arn/.test(err.hint),
        );
        assert.equal(ctx.hasBackupCredentials, false);
        for (const backup of [{ backupProfile: "backup" }, { backupRoleArn: "arn:aws:iam::333333333333:role/x" }]) {
            const withBackup = new DrContext("drill", { ...BASE, region: "eu-west-2", ...backup }, deps());
            assert.equal(withBackup.hasBackupCredentials, true);
            withBackup.requireBackupCredentials("to drill");
        }
    });

    it("polls every --poll-seconds, gives up after --timeout-minutes, and reports as JSON under --json", () => {
        const ctx = new DrContext(
            "verify",
            { ...BASE, region: "eu-west-2", pollSeconds: 7, timeoutMinutes: 3, json: true, dryRun: true },
            deps(),
        );
        const wait = ctx.waitOptions("look in the console");
        assert.equal(wait.intervalMs, 7000);
        assert.equal(wait.timeoutMs, 180_000);
        assert.equal(wait.failureHint, "look in the console");
        assert.equal(wait.clock, ctx.clock);
        assert.equal(ctx.dryRun, true);
        const out: string[] = [];
        const jsonCtx = new DrContext(
            "verify",
            { ...BASE, region: "eu-west-2", json: true },
            deps({}, { stdout: (s) => out.push(s) }),
        );
        const report = jsonCtx.report();
        report.line("for people only");
        report.finish(false, []);
        assert.equal(out.length, 1);
        assert.equal(JSON.parse(out[0]).command, "verify");
    });

    describe("the real credentials (no client factory injected)", () => {
        const saved = { ...process.env };
        let dir: string;
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "vat-dr-creds-"));
            fs.writeFileSync(
                path.join(dir, "credentials"),
                "[prod-oncall]\naws_access_key_id = AKIAPRODONCALL\naws_secret_access_key = p\n" +
                    "[backup-oncall]\naws_access_key_id = AKIABACKUPONCALL\naws_secret_access_key = b\n",
            );
            fs.writeFileSync(path.join(dir, "config"), "");
            for (const k of ["AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"])
                delete process.env[k];
            process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, "credentials");
            process.env.AWS_CONFIG_FILE = path.join(dir, "config");
        });
        afterEach(() => {
            process.env = { ...saved };
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("signs target calls with --profile and backup calls with --backup-profile, each client in its region", async () => {
            const ctx = new DrContext(
                "restore-account",
                { ...BASE, stack: "prod", region: "eu-west-1", profile: "prod-oncall", backupProfile: "backup-oncall" },
                deps(),
            );
            const target = ctx.clients().dynamodb.config;
            const backup = ctx.clients("backup").backup.config;
            assert.equal((await target.credentials()).accessKeyId, "AKIAPRODONCALL");
            assert.equal(await target.region(), "eu-west-1");
            assert.equal((await backup.credentials()).accessKeyId, "AKIABACKUPONCALL");
            assert.equal(await backup.region(), "eu-west-2");
            assert.equal(await target.maxAttempts(), 1, "--max-attempts");
        });

        it("without backup-account credentials, backup clients fall back to the target's profile (commands that need the backup account refuse first)", async () => {
            const ctx = new DrContext("verify", { ...BASE, stack: "prod", profile: "prod-oncall" }, deps());
            assert.equal(ctx.hasBackupCredentials, false);
            assert.equal((await ctx.clients("backup").backup.config.credentials()).accessKeyId, "AKIAPRODONCALL");
        });
    });
});

describe("dr context: the uploader and the MFA prompt", () => {
    let server: http.Server;
    let received: { method?: string; body: string; headers: http.IncomingHttpHeaders }[];
    let status = 200;
    beforeEach(async () => {
        received = [];
        server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => {
                received.push({ method: req.method, body, headers: req.headers });
                res.writeHead(status);
                res.end(status === 200 ? "" : "Request has expired");
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    });
    afterEach(() => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
    });

    // Cognito CreateUserImportJob returns a PreSignedUrl: the CSV is uploaded with an HTTP PUT carrying
    // the x-amz-server-side-encryption header (Cognito developer guide, "Importing users into a user pool").
    it("PUTs the body with the headers to the pre-signed URL, and fails with the HTTP status and S3's answer", async () => {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/import.csv`;
        await fetchUploader(url, "a,b\n1,2\n", { "x-amz-server-side-encryption": "aws:kms" });
        assert.equal(received[0].method, "PUT");
        assert.equal(received[0].body, "a,b\n1,2\n");
        assert.equal(received[0].headers["x-amz-server-side-encryption"], "aws:kms");
        status = 403;
        await assert.rejects(
            fetchUploader(url, "x", {}),
            /^Error: upload to the pre-signed URL failed: HTTP 403 Request has expired$/,
        );
    });

    describe("asks for the MFA code on the terminal", () => {
        const stdin = Object.getOwnPropertyDescriptor(process, "stdin")!;
        const write = process.stderr.write;
        let input: PassThrough;
        let prompted: string;
        beforeEach(() => {
            input = new PassThrough();
            prompted = "";
            Object.defineProperty(process, "stdin", { value: input, configurable: true });
            process.stderr.write = ((s: string) => {
                prompted += s;
                return true;
            }) as typeof process.stderr.write;
        });
        afterEach(() => {
            Object.defineProperty(process, "stdin", stdin);
            process.stderr.write = write;
        });

        it("prompts on stderr naming the device, and takes a 6-digit code", async () => {
            const code = terminalMfaCode("arn:aws:iam::333333333333:mfa/oncall");
            setImmediate(() => input.write(" 123456 \n"));
            assert.equal(await code, "123456");
            assert.equal(prompted, "MFA code for arn:aws:iam::333333333333:mfa/oncall: ");
        });

        for (const typed of ["12345", "1234567", "x123456"])
            it(`refuses '${typed}': anything but six digits (exit 2)`, async () => {
                const code = terminalMfaCode("arn:aws:iam::333333333333:mfa/oncall");
                setImmediate(() => input.write(`${typed}\n`));
                await assert.rejects(
                    code,
                    (err: unknown) =>
                        err instanceof UsageError && err.message === `'${typed}' is not a 6-digit MFA code`,
                );
            });
    });
});
