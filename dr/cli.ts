#!/usr/bin/env node
/**
 * vat-dr: the disaster-recovery and operations command line.
 *
 * A separate program beside the Pulumi program: it reads the same stack config and names, and talks
 * to AWS with the SDK. `npm run dr -- <command> --help` lists the options of each command.
 */
import { Command, CommanderError, Option } from "commander";
import { DrContext, DrDeps, GlobalOptions, fetchUploader, terminalMfaCode } from "./context";
import { DrError, ExitCode, errorMessage } from "./errors";
import * as valid from "./validate";
import { systemClock } from "./time";
import { CommandSpec } from "./commands/types";
import { verifyCommand } from "./commands/verify";
import { restorePitrCommand } from "./commands/restorePitr";
import { exportTableCommand } from "./commands/exportTable";
import { restoreAccountCommand } from "./commands/restoreAccount";
import { exportUsersCommand } from "./commands/exportUsers";
import { importUsersCommand } from "./commands/importUsers";
import { escrowSecretCommand } from "./commands/escrowSecret";
import { recoverSecretCommand } from "./commands/recoverSecret";
import { drillCommand } from "./commands/drill";
import { restoreFromExportCommand } from "./commands/restoreFromExport";

export const COMMANDS: CommandSpec[] = [
    verifyCommand,
    restorePitrCommand,
    exportTableCommand,
    restoreAccountCommand,
    exportUsersCommand,
    importUsersCommand,
    escrowSecretCommand,
    recoverSecretCommand,
    drillCommand,
    restoreFromExportCommand,
];

function buildProgram(deps: DrDeps, setExit: (code: number) => void, parseOnly = false): Command {
    const program = new Command("vat-dr")
        .description(
            "Disaster recovery for the VAT estate: verify backups, restore tables and accounts, export users, escrow secrets, run drills.",
        )
        .option("--profile <name>", "AWS profile of the account to work in (default credential chain otherwise)")
        .addOption(
            new Option("--region <region>", "AWS region (default: the stack's region, then AWS_REGION)").argParser(
                valid.region,
            ),
        )
        .addOption(new Option("--role-arn <arn>", "role to assume in the account to work in").argParser(valid.roleArn))
        .addOption(
            new Option(
                "--mfa-serial <arn>",
                "MFA device to answer the --role-arn trust's MFA condition with (the code is asked on the terminal)",
            ).argParser(valid.mfaSerial),
        )
        .option("--backup-profile <name>", "AWS profile for the backup account")
        .addOption(
            new Option(
                "--backup-role-arn <arn>",
                "role to assume in the backup account (the copy-back role for restore-account and drill)",
            ).argParser(valid.roleArn),
        )
        .addOption(
            new Option(
                "--backup-mfa-serial <arn>",
                "MFA device for --backup-role-arn (the copy-back role's trust requires MFA; the code is asked on the terminal)",
            ).argParser(valid.mfaSerial),
        )
        .addOption(
            new Option(
                "--backup-region <region>",
                "backup account's primary region (default: the stack's backupAccount.region)",
            ).argParser(valid.region),
        )
        .option(
            "--state-dir <dir>",
            "where long commands record what they started, so the same command run again resumes it",
            ".vat-dr-state",
        )
        .option("--stack <name>", "read tables, secrets, accounts and vaults from Pulumi.<name>.yaml")
        .option("--dry-run", "show every call it would make; make no call that changes anything")
        .option("--json", "one JSON document on stdout (progress stays on stderr)")
        .addOption(
            new Option("--max-attempts <n>", "attempts per call inside the SDK (adaptive retry)")
                .argParser(valid.wholeNumber(1))
                .default(10),
        )
        .addOption(
            new Option("--throttle-retries <n>", "further patient retries once the SDK gives up on throttling")
                .argParser(valid.wholeNumber(0))
                .default(5),
        )
        .addOption(
            new Option("--poll-seconds <n>", "seconds between polls of a running job")
                .argParser(valid.wholeNumber(1))
                .default(30),
        )
        .addOption(
            new Option("--timeout-minutes <n>", "give up waiting on a job after this long")
                .argParser(valid.wholeNumber(1))
                .default(480),
        )
        .exitOverride()
        .configureOutput({
            writeOut: (s) => deps.stdout(s.replace(/\n$/, "")),
            writeErr: (s) => deps.stderr(s.replace(/\n$/, "")),
        });

    for (const spec of COMMANDS) {
        const cmd = program.command(spec.name).description(spec.summary).exitOverride();
        spec.configure(cmd);
        cmd.action(async (...actionArgs: unknown[]) => {
            if (parseOnly) return;
            const self = actionArgs[actionArgs.length - 1] as Command;
            const globals = self.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
            const positional = self.processedArgs.flatMap((a: unknown) =>
                a === undefined ? [] : Array.isArray(a) ? (a as string[]) : [String(a)],
            );
            try {
                const ctx = new DrContext(spec.name, globals, deps);
                setExit(await spec.run(ctx, positional, self.opts()));
            } catch (err) {
                setExit(reportError(spec.name, err, Boolean(globals.json), deps));
            }
        });
    }
    return program;
}

function reportError(command: string, err: unknown, json: boolean, deps: DrDeps): number {
    const known = err instanceof DrError;
    const exitCode = known ? err.exitCode : ExitCode.FAILED;
    const message = known ? err.message : errorMessage(err);
    const hint = known
        ? err.hint
        : "The AWS error above is what stopped the command; fix its cause and run the command again (it refuses to redo what is already done).";
    deps.stderr(`error: ${message}`);
    deps.stderr(`next: ${hint}`);
    if (json) deps.stdout(JSON.stringify({ command, ok: false, exitCode, error: message, hint }, null, 2));
    return exitCode;
}

/** Runs the command line and returns the exit code; never calls process.exit, so tests can drive it. */
export async function runCli(argv: string[], deps: DrDeps): Promise<number> {
    let exitCode: number = ExitCode.OK;
    const program = buildProgram(deps, (code) => (exitCode = code));
    try {
        await program.parseAsync(argv, { from: "user" });
    } catch (err) {
        if (err instanceof CommanderError) {
            // --help, `help`, or no command at all (the help, on stderr). The program has no --version.
            if (err.code === "commander.helpDisplayed" || err.code === "commander.help") return ExitCode.OK;
            // --json promises one JSON document on stdout, usage errors included.
            if (argv.includes("--json"))
                deps.stdout(
                    JSON.stringify(
                        {
                            command: argv.find((a) => COMMANDS.some((c) => c.name === a)) ?? null,
                            ok: false,
                            exitCode: ExitCode.BAD_INPUT,
                            error: err.message.replace(/^error: /, ""),
                            hint: "Run the command with --help to see the expected arguments.",
                        },
                        null,
                        2,
                    ),
                );
            return ExitCode.BAD_INPUT;
        }
        throw err;
    }
    return exitCode;
}

/**
 * Parses a command line with the CLI's own parser and runs nothing: the runbook's commands are
 * checked with it, so a command or flag the CLI lacks fails a test. Returns the usage error, if any.
 */
export async function parseCommandLine(argv: string[]): Promise<string | undefined> {
    const program = buildProgram(
        {
            stdout: () => undefined,
            // Commander's error carries the same line it writes to stderr.
            stderr: () => undefined,
            clock: systemClock,
            uploader: fetchUploader,
            env: {},
        },
        () => undefined,
        true,
    );
    try {
        await program.parseAsync(argv, { from: "user" });
        return undefined;
    } catch (err) {
        if (err instanceof CommanderError) return err.message;
        throw err;
    }
}

/** The real process: real clock, real AWS, real stdout/stderr. */
export function main(argv: string[]): void {
    runCli(argv, {
        stdout: (s) => process.stdout.write(`${s}\n`),
        stderr: (s) => process.stderr.write(`${s}\n`),
        clock: systemClock,
        uploader: fetchUploader,
        env: process.env,
        mfaCode: terminalMfaCode,
    }).then(
        (code) => (process.exitCode = code),
        (err) => {
            process.stderr.write(`error: ${errorMessage(err)}\n`);
            process.exitCode = ExitCode.FAILED;
        },
    );
}

if (require.main === module) main(process.argv.slice(2));
