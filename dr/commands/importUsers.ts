/**
 * `import-users`: an `export-users` folder into a (new) pool.
 *
 * Creates an import job, uploads the CSV to its pre-signed URL, starts and waits for it; then maps
 * each old `sub` to the new one (a recreated pool gives every user a new `sub`, and the application
 * keys data by a salted hash of it), re-creates groups and memberships, and lists the users who must
 * reset their password (all of them: passwords can never be exported).
 */
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
    ListUsersCommand,
    StartUserImportJobCommand,
    UserImportJobType,
} from "@aws-sdk/client-cognito-identity-provider";
import * as fs from "fs";
import * as path from "path";
import { readAllPages } from "../aws/gate";
import { waitFor } from "../aws/waiter";
import { DrContext } from "../context";
import { ExitCodeValue, UsageError, errorMessage, isCredentialError } from "../errors";
import { compactTimestamp } from "../time";
import { checkAccount } from "./common";
import { ExportedUser, USERS_JSON, UserExport, buildImportCsv, resolveUserPoolId, userExportSchema } from "./cognito";
import { CommandSpec } from "./types";
import * as valid from "../validate";

interface ImportUsersOptions {
    userPoolId?: string;
    from?: string;
    logsRoleArn?: string;
    out?: string;
}

export const SUB_MAPPING_JSON = "sub-mapping.json";
export const PASSWORD_RESETS_JSON = "password-resets.json";

export const importUsersCommand: CommandSpec = {
    name: "import-users",
    summary:
        "import an export-users folder into a pool; write the old-sub → new-sub mapping and the users who must reset their password",
    configure(cmd) {
        cmd.option(
            "--user-pool-id <id>",
            "the pool to import into (default: {env}-env-user-pool of --stack)",
            valid.userPoolId,
        )
            .option("--from <dir>", "the folder written by export-users")
            .option(
                "--logs-role-arn <arn>",
                "role Cognito uses to write the import job's CloudWatch logs (required by CreateUserImportJob)",
                valid.roleArn,
            )
            .option("--out <dir>", "where to write sub-mapping.json and password-resets.json (default: --from)");
    },
    run: (ctx, _args, options) => importUsers(ctx, options as ImportUsersOptions),
};

function readExport(dir: string): UserExport {
    const file = path.join(dir, USERS_JSON);
    if (!fs.existsSync(file))
        throw new UsageError(`${file} does not exist`, "Pass --from with a folder written by export-users.");
    const parsed = userExportSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
    if (!parsed.success)
        throw new UsageError(
            `${file} is not an export-users file: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        );
    return parsed.data;
}

export async function importUsers(ctx: DrContext, options: ImportUsersOptions): Promise<ExitCodeValue> {
    if (!options.from)
        throw new UsageError("--from is required", "Pass --from with the folder written by export-users.");
    if (!options.logsRoleArn)
        throw new UsageError(
            "--logs-role-arn is required",
            "CreateUserImportJob needs a role that lets Cognito write CloudWatch logs; pass its ARN.",
        );
    const logsRoleArn = options.logsRoleArn;
    const exported = readExport(options.from);
    const out = options.out ?? options.from;
    const report = ctx.report();
    await checkAccount(ctx, "target", ctx.stack?.accountId);
    const cognito = ctx.clients().cognito;
    const userPoolId = await resolveUserPoolId(ctx, options.userPoolId);
    if (userPoolId === exported.userPoolId)
        throw new UsageError(
            `the export came from ${userPoolId} itself`,
            "Import into the new pool, not the one the users came from.",
        );

    const header = (await ctx.gate.read(cognito, new GetCSVHeaderCommand({ UserPoolId: userPoolId }))).CSVHeader ?? [];
    const lost = [...new Set(exported.users.flatMap((u) => Object.keys(u.attributes)))].filter(
        (a) => a !== "sub" && !header.includes(a),
    );
    if (lost.length)
        report.check(
            "attributes",
            "warn",
            `the new pool has no column for ${lost.join(", ")}: those values are not imported`,
        );
    // Cognito's CSV import refuses a user whose e-mail and phone are both unverified ("Importing
    // users into user pools from a CSV file": email_verified or phone_number_verified must be true).
    // Those users are created one by one instead (AdminCreateUser, no message sent), never dropped.
    const importable = exported.users.filter(isVerified);
    const unverified = exported.users.filter((u) => !isVerified(u));
    const csv = buildImportCsv(header, importable);
    const pool = (await ctx.gate.read(cognito, new DescribeUserPoolCommand({ UserPoolId: userPoolId }))).UserPool;
    // The pool's real username: with UsernameAttributes [email] the e-mail is the username, unique by
    // definition; otherwise users are matched by username alone (an e-mail need not be unique).
    const emailIsUsername = (pool?.UsernameAttributes ?? []).includes("email");

    const job = await report.step(
        "import job",
        userPoolId,
        async (): Promise<UserImportJobType | undefined> => {
            const created = (
                await ctx.gate.mutate(
                    cognito,
                    new CreateUserImportJobCommand({
                        UserPoolId: userPoolId,
                        JobName: `vat-dr-${compactTimestamp(ctx.clock.now())}`,
                        CloudWatchLogsRoleArn: logsRoleArn,
                    }),
                )
            )?.UserImportJob;
            // Cognito's pre-signed URL is signed for server-side encryption with KMS: the upload must say so.
            await ctx.gate.mutateExternal(
                "HTTPS",
                "PUT users.csv to the import job's pre-signed URL",
                { rows: importable.length },
                () =>
                    ctx.deps.uploader(created?.PreSignedUrl ?? "", csv, {
                        "Content-Type": "text/csv",
                        "x-amz-server-side-encryption": "aws:kms",
                    }),
            );
            const jobId = created?.JobId;
            await ctx.gate.mutate(
                cognito,
                new StartUserImportJobCommand({ UserPoolId: userPoolId, JobId: jobId ?? "<job id>" }),
            );
            if (!jobId) return undefined;
            const { value } = await waitFor(
                `user import ${jobId}`,
                async () => {
                    const j = (
                        await ctx.gate.read(
                            cognito,
                            new DescribeUserImportJobCommand({ UserPoolId: userPoolId, JobId: jobId }),
                        )
                    ).UserImportJob;
                    const status = j?.Status ?? "Unknown";
                    const bad = ["Failed", "Stopped", "Expired"].includes(status);
                    return {
                        status,
                        done: status === "Succeeded",
                        failed: bad ? { reason: j?.CompletionMessage } : undefined,
                        value: j,
                    };
                },
                ctx.waitOptions(
                    "Read the import job's CloudWatch log (log group /aws/cognito/userpool...); fix the rows it names in users.csv, then run again.",
                ),
            );
            return value;
        },
        (j) =>
            j
                ? `${j.ImportedUsers ?? 0} imported, ${j.SkippedUsers ?? 0} skipped, ${j.FailedUsers ?? 0} failed`
                : "(dry run)",
    );
    if (job && (job.FailedUsers ?? 0) > 0) {
        report.check(
            "import",
            "fail",
            `${job.FailedUsers} users failed to import: their rows are in the job's CloudWatch log; the rest carry on`,
        );
    }
    await createUnverified(ctx, report, userPoolId, unverified);
    if (ctx.dryRun) {
        report.line("dry run: no users imported, so no sub mapping was written");
        return report.finish(ctx.dryRun, ctx.gate.calls);
    }

    const newUsers = await readAllPages(
        ctx.gate,
        cognito,
        (token) => new ListUsersCommand({ UserPoolId: userPoolId, Limit: 60, PaginationToken: token }),
        (page) => page.Users,
        (page) => page.PaginationToken,
    );
    const attrs = (u: (typeof newUsers)[number]) =>
        Object.fromEntries((u.Attributes ?? []).map((a) => [a.Name ?? "", a.Value ?? ""]));
    const byUsername = new Map(newUsers.map((u) => [u.Username ?? "", u]));
    // Looked up only with an e-mail, and only when the e-mail is the username (unique).
    const byEmail = new Map(newUsers.map((u) => [attrs(u).email?.toLowerCase(), u]));
    const mapping: { username: string; email?: string; oldSub?: string; newSub: string }[] = [];
    const unmatched: string[] = [];
    /** Old username → username in the new pool (the same, unless the pool's username is the e-mail). */
    const renamed = new Map<string, string>();
    for (const old of exported.users) {
        const email = old.attributes.email?.toLowerCase();
        const match = emailIsUsername && email ? byEmail.get(email) : byUsername.get(old.username);
        const newSub = match ? attrs(match).sub : undefined;
        if (!match || !newSub) unmatched.push(old.username);
        else {
            mapping.push({ username: old.username, email: old.attributes.email, oldSub: old.sub, newSub });
            renamed.set(old.username, match.Username ?? old.username);
        }
    }
    // An import brings every user back enabled: disable again those that were disabled (fraud blocks).
    for (const old of exported.users.filter((u) => u.enabled === false && renamed.has(u.username))) {
        const username = renamed.get(old.username) as string;
        await ctx.gate.mutate(cognito, new AdminDisableUserCommand({ UserPoolId: userPoolId, Username: username }));
        report.check(`disabled:${username}`, "pass", "disabled again, as in the old pool");
    }
    report.check(
        "sub-mapping",
        unmatched.length ? "fail" : "pass",
        `${mapping.length} users mapped old sub → new sub${unmatched.length ? `; not found in the new pool: ${unmatched.slice(0, 10).join(", ")}${unmatched.length > 10 ? "..." : ""}` : ""}`,
    );

    await recreateGroups(ctx, report, userPoolId, exported, renamed);

    const resets = newUsers
        .filter((u) => u.UserStatus === "RESET_REQUIRED")
        .map((u) => ({ username: u.Username, email: attrs(u).email }));
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(
        path.join(out, SUB_MAPPING_JSON),
        `${JSON.stringify({ oldUserPoolId: exported.userPoolId, newUserPoolId: userPoolId, mapping, unmatched }, null, 2)}\n`,
        { mode: 0o600 },
    );
    fs.writeFileSync(path.join(out, PASSWORD_RESETS_JSON), `${JSON.stringify(resets, null, 2)}\n`, { mode: 0o600 });
    report.data.userPoolId = userPoolId;
    report.data.mapped = mapping.length;
    report.data.unmatched = unmatched;
    report.data.passwordResets = resets.length;
    report.line(
        `wrote ${path.join(out, SUB_MAPPING_JSON)} (give it to the application to re-key its data) and ${path.join(out, PASSWORD_RESETS_JSON)}: ${resets.length} users must reset their password`,
    );
    return report.finish(ctx.dryRun, ctx.gate.calls);
}

async function recreateGroups(
    ctx: DrContext,
    report: ReturnType<DrContext["report"]>,
    userPoolId: string,
    exported: UserExport,
    renamed: Map<string, string>,
): Promise<void> {
    const cognito = ctx.clients().cognito;
    const existing = new Set(
        (
            await readAllPages(
                ctx.gate,
                cognito,
                (token) => new ListGroupsCommand({ UserPoolId: userPoolId, Limit: 60, NextToken: token }),
                (page) => page.Groups,
                (page) => page.NextToken,
            )
        ).map((g) => g.GroupName),
    );
    for (const group of exported.groups) {
        const check = `group:${group.name}`;
        try {
            if (!existing.has(group.name)) {
                // A group's IAM role belonged to the old account; it is not carried over.
                await ctx.gate.mutate(
                    cognito,
                    new CreateGroupCommand({
                        UserPoolId: userPoolId,
                        GroupName: group.name,
                        Description: group.description,
                        Precedence: group.precedence,
                    }),
                );
            }
            const members =
                exported.memberships[group.name]?.flatMap((m) => (renamed.has(m) ? [renamed.get(m) as string] : [])) ??
                [];
            const failed: string[] = [];
            for (const username of members) {
                try {
                    await ctx.gate.mutate(
                        cognito,
                        new AdminAddUserToGroupCommand({
                            UserPoolId: userPoolId,
                            GroupName: group.name,
                            Username: username,
                        }),
                    );
                } catch (err) {
                    if (isCredentialError(err)) throw err;
                    failed.push(`${username} (${errorMessage(err)})`);
                }
            }
            if (failed.length)
                report.check(
                    check,
                    "fail",
                    `${members.length - failed.length}/${members.length} members added; failed: ${failed.join("; ")}`,
                );
            else
                report.check(
                    check,
                    group.roleArn ? "warn" : "pass",
                    `${members.length} members added${group.roleArn ? `; its role ${group.roleArn} was not carried over` : ""}`,
                );
        } catch (err) {
            if (isCredentialError(err)) throw err;
            report.check(check, "fail", errorMessage(err));
        }
    }
}

function isVerified(u: ExportedUser): boolean {
    return u.attributes.email_verified === "true" || u.attributes.phone_number_verified === "true";
}

/** Users the CSV import would refuse: created one by one, without an invitation message. */
async function createUnverified(
    ctx: DrContext,
    report: ReturnType<DrContext["report"]>,
    userPoolId: string,
    users: ExportedUser[],
): Promise<void> {
    for (const u of users) {
        try {
            await ctx.gate.mutate(
                ctx.clients().cognito,
                new AdminCreateUserCommand({
                    UserPoolId: userPoolId,
                    Username: u.username,
                    MessageAction: "SUPPRESS",
                    UserAttributes: Object.entries(u.attributes)
                        .filter(([name]) => name !== "sub")
                        .map(([Name, Value]) => ({ Name, Value })),
                }),
            );
            report.check(
                `unverified:${u.username}`,
                "warn",
                "no verified e-mail or phone (the CSV import refuses those): created with AdminCreateUser; it must verify on first sign-in",
            );
        } catch (err) {
            if (isCredentialError(err)) throw err;
            report.check(
                `unverified:${u.username}`,
                "fail",
                `no verified e-mail or phone, and AdminCreateUser failed (${errorMessage(err)}): left unmapped in sub-mapping.json`,
            );
        }
    }
}
