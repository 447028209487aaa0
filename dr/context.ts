/**
 * Everything a command needs, built once from the global options: the gate every AWS call goes
 * through, the clients per account and region, the stack config, the clock and the report.
 */
import { DeploymentConfig } from "../stacks/config";
import { AccountRole, AwsClients, ClientFactory, awsClientFactory } from "./aws/clients";
import { AwsGate } from "./aws/gate";
import { Progress, WaitOptions, stderrProgress } from "./aws/waiter";
import { CredentialsError, MissingConfigError, UsageError } from "./errors";
import { Report, Writers } from "./output";
import { loadStack } from "./stack";
import { Clock } from "./time";

/** Uploads a file to a pre-signed URL (the Cognito import); injected so tests never touch the network. */
export type Uploader = (url: string, body: string, headers: Record<string, string>) => Promise<void>;

export const fetchUploader: Uploader = async (url, body, headers) => {
    const response = await fetch(url, { method: "PUT", body, headers });
    if (!response.ok)
        throw new Error(`upload to the pre-signed URL failed: HTTP ${response.status} ${await response.text()}`);
};

export interface DrDeps extends Writers {
    clock: Clock;
    /** Defaults to real SDK clients built from --profile/--role-arn/--backup-*. */
    clientFactory?: ClientFactory;
    uploader: Uploader;
    /** Where the Pulumi.<stack>.yaml files live (the project folder by default). */
    projectDir?: string;
    env: Record<string, string | undefined>;
    /** Answers an MFA code for --mfa-serial/--backup-mfa-serial (the terminal by default). */
    mfaCode?: (serial: string) => Promise<string>;
}

/** Asks for the MFA code on the terminal (stderr, so --json stdout stays one document). */
export const terminalMfaCode = async (serial: string): Promise<string> => {
    const readline = await import("readline/promises");
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    try {
        const code = (await rl.question(`MFA code for ${serial}: `)).trim();
        if (!/^\d{6}$/.test(code)) throw new UsageError(`'${code}' is not a 6-digit MFA code`);
        return code;
    } finally {
        rl.close();
    }
};

export interface GlobalOptions {
    profile?: string;
    region?: string;
    roleArn?: string;
    mfaSerial?: string;
    backupProfile?: string;
    backupRoleArn?: string;
    backupMfaSerial?: string;
    stateDir: string;
    backupRegion?: string;
    stack?: string;
    dryRun?: boolean;
    json?: boolean;
    maxAttempts: number;
    throttleRetries: number;
    pollSeconds: number;
    timeoutMinutes: number;
}

export class DrContext {
    readonly gate: AwsGate;
    readonly progress: Progress;
    readonly stack: DeploymentConfig | undefined;
    readonly region: string;
    private readonly factory: ClientFactory;

    constructor(
        readonly command: string,
        readonly opts: GlobalOptions,
        readonly deps: DrDeps,
    ) {
        if (opts.mfaSerial && !opts.roleArn)
            throw new UsageError(
                "--mfa-serial answers the MFA condition of a role: pass --role-arn too",
                "With a profile alone the MFA is the profile's business (aws sso login, or mfa_serial in ~/.aws/config).",
            );
        if (opts.backupMfaSerial && !opts.backupRoleArn)
            throw new UsageError(
                "--backup-mfa-serial answers the MFA condition of a role: pass --backup-role-arn too",
                "For the copy-back role: --backup-role-arn arn:aws:iam::<backup account>:role/vat-backup-dr-copy-back.",
            );
        this.progress = stderrProgress(deps.stderr);
        this.gate = new AwsGate({
            dryRun: Boolean(opts.dryRun),
            clock: deps.clock,
            notice: deps.stderr,
            throttleRetries: opts.throttleRetries,
            throttleBaseDelayMs: 5_000,
        });
        this.stack = opts.stack ? loadStack(opts.stack, deps.projectDir) : undefined;
        const region = opts.region ?? this.stack?.region ?? deps.env.AWS_REGION ?? deps.env.AWS_DEFAULT_REGION;
        if (!region)
            throw new MissingConfigError(
                "no AWS region to work in",
                "Pass --region, or --stack <name> to use the stack's region, or set AWS_REGION.",
            );
        this.region = region;
        this.factory =
            deps.clientFactory ??
            awsClientFactory({
                target: {
                    profile: opts.profile,
                    roleArn: opts.roleArn,
                    roleSessionName: `vat-dr-${command}`,
                    mfaSerial: opts.mfaSerial,
                    mfaCode: deps.mfaCode,
                },
                backup: this.hasBackupCredentials
                    ? {
                          profile: opts.backupProfile,
                          roleArn: opts.backupRoleArn,
                          roleSessionName: `vat-dr-${command}`,
                          mfaSerial: opts.backupMfaSerial,
                          mfaCode: deps.mfaCode,
                      }
                    : undefined,
                maxAttempts: opts.maxAttempts,
            });
    }

    get clock(): Clock {
        return this.deps.clock;
    }

    get dryRun(): boolean {
        return this.gate.dryRun;
    }

    get hasBackupCredentials(): boolean {
        return Boolean(this.opts.backupProfile || this.opts.backupRoleArn);
    }

    /** The stack config, or a clear bad-input error when the command needs it. */
    requireStack(why: string): DeploymentConfig {
        if (!this.stack)
            throw new UsageError(
                `--stack is required ${why}`,
                "Pass --stack prod (or ci): the tool reads the tables, secrets and accounts from Pulumi.<stack>.yaml.",
            );
        return this.stack;
    }

    /** Backup-account credentials are never guessed: restoring from the wrong account is worse than stopping. */
    requireBackupCredentials(why: string): void {
        if (!this.hasBackupCredentials) {
            throw new CredentialsError(
                `backup-account credentials are required ${why}`,
                "Pass --backup-profile <profile> or --backup-role-arn <arn of a role in the backup account> (for restore-account and drill: the copy-back role vat-backup-dr-copy-back).",
            );
        }
    }

    get backupRegion(): string {
        return this.opts.backupRegion ?? this.stack?.backupAccount.region ?? this.region;
    }

    clients(
        account: AccountRole = "target",
        region = account === "backup" ? this.backupRegion : this.region,
    ): AwsClients {
        return this.factory(account, region);
    }

    report(): Report {
        return new Report(this.command, Boolean(this.opts.json), this.deps, this.deps.clock);
    }

    waitOptions(failureHint: string): WaitOptions {
        return {
            clock: this.deps.clock,
            progress: this.progress,
            intervalMs: this.opts.pollSeconds * 1000,
            timeoutMs: this.opts.timeoutMinutes * 60_000,
            failureHint,
        };
    }
}
