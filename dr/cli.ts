#!/usr/bin/env node
/**
 * vat-dr: the disaster-recovery and operations command line.
 *
 * A separate program beside the Pulumi program: it reads the same stack config and names, and talks
 * to AWS with the SDK. `npm run dr -- <command> --help` lists the options of each command.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { DrContext, DrDeps, GlobalOptions, fetchUploader } from "./context";
import { DrError, ExitCode, errorMessage } from "./errors";
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
];

function wholeNumber(name: string, min: number) {
    return (value: string): number => {
        const n = Number(value);
        if (!Number.isInteger(n) || n < min)
            throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}, got '${value}'`);
        return n;
    };
}

function buildProgram(deps: DrDeps, setExit: (code: number) => void): Command {
    const program = new Command("vat-dr")
        .description(
            "Disaster recovery for the VAT estate: verify backups, restore tables and accounts, export users, escrow secrets, run drills.",
        )
        .option("--profile <name>", "AWS profile of the account to work in (default credential chain otherwise)")
        .option("--region <region>", "AWS region (default: the stack's region, then AWS_REGION)")
        .option("--role-arn <arn>", "role to assume in the account to work in")
        .option("--backup-profile <name>", "AWS profile for the backup account")
        .option("--backup-role-arn <arn>", "role to assume in the backup account")
        .option(
            "--backup-region <region>",
            "backup account's primary region (default: the stack's backupAccount.region)",
        )
        .option("--stack <name>", "read tables, secrets, accounts and vaults from Pulumi.<name>.yaml")
        .option("--dry-run", "show every call it would make; make no call that changes anything")
        .option("--json", "one JSON document on stdout (progress stays on stderr)")
        .addOption(
            new Option("--max-attempts <n>", "attempts per call inside the SDK (adaptive retry)")
                .argParser(wholeNumber("--max-attempts", 1))
                .default(10),
        )
        .addOption(
            new Option("--throttle-retries <n>", "further patient retries once the SDK gives up on throttling")
                .argParser(wholeNumber("--throttle-retries", 0))
                .default(5),
        )
        .addOption(
            new Option("--poll-seconds <n>", "seconds between polls of a running job")
                .argParser(wholeNumber("--poll-seconds", 1))
                .default(30),
        )
        .addOption(
            new Option("--timeout-minutes <n>", "give up waiting on a job after this long")
                .argParser(wholeNumber("--timeout-minutes", 1))
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
            if (
                err.code === "commander.helpDisplayed" ||
                err.code === "commander.version" ||
                err.code === "commander.help"
            )
                return ExitCode.OK;
            return ExitCode.BAD_INPUT;
        }
        throw err;
    }
    return exitCode;
}

/** The real process: real clock, real AWS, real stdout/stderr. */
export function main(argv: string[]): void {
    runCli(argv, {
        stdout: (s) => process.stdout.write(`${s}\n`),
        stderr: (s) => process.stderr.write(`${s}\n`),
        clock: systemClock,
        uploader: fetchUploader,
        env: process.env,
    }).then(
        (code) => (process.exitCode = code),
        (err) => {
            process.stderr.write(`error: ${errorMessage(err)}\n`);
            process.exitCode = ExitCode.FAILED;
        },
    );
}

if (require.main === module) main(process.argv.slice(2));
