/**
 * Drives the DR command line in-process against aws-sdk-client-mock: one mocked client set per
 * (account, region), a fake clock whose sleeps advance time instantly, captured stdout/stderr, and
 * an uploader that records instead of touching the network.
 */
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { AwsStub, mockClient } from "aws-sdk-client-mock";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { AccountRole, AwsClients, createClients } from "../../dr/aws/clients";
import { isReadOnlyOperation, operationName } from "../../dr/aws/gate";
import { runCli } from "../../dr/cli";
import { DrContext, GlobalOptions } from "../../dr/context";
import { Clock } from "../../dr/time";

export const PROD_ACCOUNT = "111111111111";
export const BACKUP_ACCOUNT = "333333333333";
/** 2026-11-26T03:00:00Z: "now" in every DR test. */
export const NOW = Date.UTC(2026, 10, 26, 3, 0, 0);

export class FakeClock implements Clock {
    readonly sleeps: number[] = [];
    constructor(private t = NOW) {}
    now(): number {
        return this.t;
    }
    async sleep(ms: number): Promise<void> {
        this.sleeps.push(ms);
        this.t += ms;
    }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyMock = AwsStub<any, any, any>;
export type MockSet = Record<keyof AwsClients, AnyMock>;

export interface Upload {
    url: string;
    body: string;
    headers: Record<string, string>;
}

export interface RunResult {
    code: number;
    stdout: string;
    stderr: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    json(): any;
}

export function awsError(name: string, message = name): Error {
    const err = new Error(message);
    err.name = name;
    return err;
}

export class DrHarness {
    readonly clock = new FakeClock();
    readonly uploads: Upload[] = [];
    readonly tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vat-dr-"));
    readonly stateDir = path.join(this.tmp, "state");
    /** Answers the MFA prompt (--mfa-serial); records what was asked. */
    readonly mfaAsked: string[] = [];
    private readonly sets = new Map<string, { clients: AwsClients; mocks: MockSet }>();
    accountIds: Record<AccountRole, string> = { target: PROD_ACCOUNT, backup: BACKUP_ACCOUNT };
    /** Where the Pulumi.<stack>.yaml files are read from (the project folder unless a test sets it). */
    projectDir?: string;

    /**
     * A project folder in tmp holding the project's stack files, with the backup stack's
     * deploymentAccounts replaced (a rebuilt or drill account the vault keys admit, or not).
     */
    projectWithDeploymentAccounts(accounts: { environment: string; accountId: string }[]): string {
        return this.projectWithConfig("backup", { "vat-backup:deploymentAccounts": accounts });
    }

    /** A project folder in tmp holding the project's stack files, with some config keys of one stack set. */
    projectWithConfig(stack: string, values: Record<string, unknown>): string {
        const root = path.resolve(__dirname, "../..");
        const dir = fs.mkdtempSync(path.join(this.tmp, "project-"));
        for (const f of fs.readdirSync(root).filter((n) => /^Pulumi\..+\.yaml$/.test(n)))
            fs.copyFileSync(path.join(root, f), path.join(dir, f));
        const file = path.join(dir, `Pulumi.${stack}.yaml`);
        const doc = YAML.parse(fs.readFileSync(file, "utf8"));
        Object.assign(doc.config, values);
        fs.writeFileSync(file, YAML.stringify(doc));
        this.projectDir = dir;
        return dir;
    }

    /** The mocks of one account in one region (created on first use, with a default identity). */
    mocks(account: AccountRole = "target", region = "eu-west-2"): MockSet {
        return this.entry(account, region).mocks;
    }

    private entry(account: AccountRole, region: string) {
        const key = `${account}/${region}`;
        let set = this.sets.get(key);
        if (!set) {
            // The tool's own client set (adaptive retries and all); aws-sdk-client-mock answers every call.
            const clients: AwsClients = createClients(
                async () => ({ accessKeyId: "test", secretAccessKey: "test" }),
                region,
                1,
            );
            const mocks = Object.fromEntries(Object.entries(clients).map(([k, c]) => [k, mockClient(c)])) as MockSet;
            mocks.sts.on(GetCallerIdentityCommand).callsFake(() => ({
                Account: this.accountIds[account],
                Arn: `arn:aws:sts::${this.accountIds[account]}:assumed-role/oncall/test`,
            }));
            set = { clients, mocks };
            this.sets.set(key, set);
        }
        return set;
    }

    /** A context over the same mocks, for calling a command's exported functions directly (`stderr` to see progress). */
    context(
        command: string,
        opts: Partial<GlobalOptions> = {},
        stderr: (s: string) => void = () => undefined,
    ): DrContext {
        return new DrContext(
            command,
            {
                stateDir: this.stateDir,
                maxAttempts: 1,
                throttleRetries: 5,
                pollSeconds: 30,
                timeoutMinutes: 480,
                region: "eu-west-2",
                ...opts,
            },
            {
                stdout: () => undefined,
                stderr,
                clock: this.clock,
                uploader: async () => undefined,
                env: {},
                clientFactory: (account, region) => this.entry(account, region).clients,
            },
        );
    }

    async run(argv: string[]): Promise<RunResult> {
        const out: string[] = [];
        const err: string[] = [];
        // Long commands record what they started here (never in the project folder).
        const withState = argv.includes("--state-dir") ? argv : ["--state-dir", this.stateDir, ...argv];
        const code = await runCli(withState, {
            stdout: (s) => out.push(s),
            stderr: (s) => err.push(s),
            clock: this.clock,
            clientFactory: (account, region) => this.entry(account, region).clients,
            uploader: async (url, body, headers) => {
                this.uploads.push({ url, body, headers });
            },
            env: {},
            projectDir: this.projectDir,
            mfaCode: async (serial) => {
                this.mfaAsked.push(serial);
                return "123456";
            },
        });
        const stdout = out.join("\n");
        return { code, stdout, stderr: err.join("\n"), json: () => JSON.parse(stdout) };
    }

    /** Every command sent to any mocked client, as `account/region Service.Operation`. */
    sent(): { where: string; operation: string; input: Record<string, unknown> }[] {
        const all: { where: string; operation: string; input: Record<string, unknown> }[] = [];
        for (const [where, set] of this.sets) {
            for (const mock of Object.values(set.mocks)) {
                for (const call of mock.calls()) {
                    const command = call.args[0] as { input: Record<string, unknown> };
                    all.push({ where, operation: operationName(command), input: command.input });
                }
            }
        }
        return all;
    }

    /** Names of the operations sent that change something. */
    mutatingSent(): string[] {
        return this.sent()
            .map((c) => c.operation)
            .filter((op) => !isReadOnlyOperation(op));
    }

    sentOps(operation: string): Record<string, unknown>[] {
        return this.sent()
            .filter((c) => c.operation === operation)
            .map((c) => c.input);
    }

    restore(): void {
        for (const set of this.sets.values()) for (const mock of Object.values(set.mocks)) mock.restore();
        fs.rmSync(this.tmp, { recursive: true, force: true });
    }
}

/** Every region a stack touches, for a test that wants "no mutating call anywhere". */
export const COMMON = ["--stack", "prod", "--backup-profile", "backup"];
