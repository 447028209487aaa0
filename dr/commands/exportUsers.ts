/**
 * `export-users`: a Cognito pool's users, groups and memberships, to JSON and to a CSV in the
 * header the pool itself asks for (GetCSVHeader), ready for `import-users` into a new pool.
 * Passwords can never be exported: recovery forces a password reset.
 */
import {
    GetCSVHeaderCommand,
    ListGroupsCommand,
    ListUsersCommand,
    ListUsersInGroupCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { bucketEncryption } from "./exportTable";
import * as fs from "fs";
import * as path from "path";
import * as naming from "../../naming";
import { readAllPages } from "../aws/gate";
import { DrContext } from "../context";
import { Report } from "../output";
import { ExitCodeValue, errorMessage, isCredentialError } from "../errors";
import { compactTimestamp } from "../time";
import { checkAccount } from "./common";
import {
    ExportedGroup,
    ExportedUser,
    USERS_CSV,
    USERS_JSON,
    UserExport,
    buildImportCsv,
    resolveUserPoolId,
} from "./cognito";
import { CommandSpec } from "./types";
import * as valid from "../validate";

interface ExportUsersOptions {
    userPoolId?: string;
    out?: string;
    upload?: boolean;
}

/** Where `--upload` puts an export in the stack's exports bucket. */
export const USER_EXPORT_PREFIX = "cognito-exports";

export const exportUsersCommand: CommandSpec = {
    name: "export-users",
    summary: "export Cognito users, groups and memberships to JSON and to the pool's import CSV",
    configure(cmd) {
        cmd.option("--user-pool-id <id>", "the pool (default: {env}-env-user-pool of --stack)", valid.userPoolId)
            .option("--out <dir>", "folder for users.json and users.csv (default cognito-export-<timestamp>)")
            .option(
                "--upload",
                "also put both files into the stack's exports bucket (cognito-exports/<pool>/<timestamp>/), under the bucket's own key",
            );
    },
    run: (ctx, _args, options) => exportUsers(ctx, options as ExportUsersOptions),
};

export async function exportUsers(ctx: DrContext, options: ExportUsersOptions): Promise<ExitCodeValue> {
    // Checked before anything is read or written: the upload goes to the stack's exports bucket.
    if (options.upload) ctx.requireStack("with --upload");
    const report = ctx.report();
    await checkAccount(ctx, "target", ctx.stack?.accountId);
    const cognito = ctx.clients().cognito;
    const userPoolId = await resolveUserPoolId(ctx, options.userPoolId);
    const out = options.out ?? `cognito-export-${compactTimestamp(ctx.clock.now())}`;

    const users: ExportedUser[] = await report.step(
        "list users",
        userPoolId,
        async () =>
            (
                await readAllPages(
                    ctx.gate,
                    cognito,
                    (token) => new ListUsersCommand({ UserPoolId: userPoolId, Limit: 60, PaginationToken: token }),
                    (page) => page.Users,
                    (page) => page.PaginationToken,
                )
            ).map((u) => {
                const attributes = Object.fromEntries((u.Attributes ?? []).map((a) => [a.Name ?? "", a.Value ?? ""]));
                return {
                    username: u.Username ?? "",
                    sub: attributes.sub,
                    status: u.UserStatus,
                    enabled: u.Enabled,
                    attributes,
                };
            }),
        (list) => `${list.length} users`,
    );
    const groups: ExportedGroup[] = (
        await readAllPages(
            ctx.gate,
            cognito,
            (token) => new ListGroupsCommand({ UserPoolId: userPoolId, Limit: 60, NextToken: token }),
            (page) => page.Groups,
            (page) => page.NextToken,
        )
    ).map((g) => ({
        name: g.GroupName ?? "",
        description: g.Description,
        precedence: g.Precedence,
        roleArn: g.RoleArn,
    }));

    const memberships: Record<string, string[]> = {};
    for (const group of groups) {
        try {
            const members = await readAllPages(
                ctx.gate,
                cognito,
                (token) =>
                    new ListUsersInGroupCommand({
                        UserPoolId: userPoolId,
                        GroupName: group.name,
                        Limit: 60,
                        NextToken: token,
                    }),
                (page) => page.Users,
                (page) => page.NextToken,
            );
            memberships[group.name] = members.map((m) => m.Username ?? "");
            report.check(`group:${group.name}`, "pass", `${members.length} members`);
        } catch (err) {
            if (isCredentialError(err)) throw err;
            report.check(`group:${group.name}`, "fail", `members not exported: ${errorMessage(err)}`);
        }
    }
    const header = (await ctx.gate.read(cognito, new GetCSVHeaderCommand({ UserPoolId: userPoolId }))).CSVHeader ?? [];
    const doc: UserExport = {
        userPoolId,
        exportedAt: new Date(ctx.clock.now()).toISOString(),
        csvHeader: header,
        users,
        groups,
        memberships,
    };

    report.data.userPoolId = userPoolId;
    report.data.out = out;
    report.data.counts = {
        users: users.length,
        groups: groups.length,
        memberships: Object.values(memberships).reduce((n, m) => n + m.length, 0),
    };
    if (ctx.dryRun) {
        // The export is the users' personal data: a dry run reads it and writes none of it.
        report.line(
            `dry run: would write ${path.join(out, USERS_JSON)} and ${path.join(out, USERS_CSV)} (${users.length} users)${options.upload ? " and upload them" : ""}`,
        );
        return report.finish(ctx.dryRun, ctx.gate.calls);
    }
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, USERS_JSON), `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
    fs.writeFileSync(path.join(out, USERS_CSV), buildImportCsv(header, users), { mode: 0o600 });
    report.line(
        `wrote ${path.join(out, USERS_JSON)} and ${path.join(out, USERS_CSV)}: ${users.length} users, ${groups.length} groups (passwords are never exportable)`,
    );
    if (options.upload) report.data.uploaded = await uploadExport(ctx, report, userPoolId, out);
    return report.finish(ctx.dryRun, ctx.gate.calls);
}

/**
 * A scheduled export is only worth something if it outlives the machine that made it: put it into
 * the exports bucket, which replicates into the backup account's Object Lock archive. The bucket's
 * own key is named in the request: its policy denies a put whose encryption headers are absent or
 * other (StringNotEqualsIfExists evaluates to true when the key is missing from the request, "IAM
 * JSON policy elements: Condition operators", ...IfExists).
 */
async function uploadExport(ctx: DrContext, report: Report, userPoolId: string, out: string): Promise<string> {
    const stack = ctx.requireStack("with --upload");
    const bucket = naming.exportsBucketName(stack.environment, stack.accountId, stack.region);
    const prefix = `${USER_EXPORT_PREFIX}/${userPoolId}/${compactTimestamp(ctx.clock.now())}`;
    const encryption = await bucketEncryption(ctx, bucket, stack.accountId);
    const headers =
        encryption.S3SseAlgorithm === "KMS"
            ? { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: encryption.S3SseKmsKeyId }
            : { ServerSideEncryption: "AES256" as const };
    for (const file of [USERS_JSON, USERS_CSV]) {
        await ctx.gate.mutate(
            ctx.clients().s3,
            new PutObjectCommand({
                Bucket: bucket,
                Key: `${prefix}/${file}`,
                Body: fs.readFileSync(path.join(out, file)),
                ContentType: file.endsWith(".json") ? "application/json" : "text/csv",
                ExpectedBucketOwner: stack.accountId,
                ChecksumAlgorithm: "SHA256",
                ...headers,
            }),
        );
    }
    report.line(`uploaded to s3://${bucket}/${prefix}/`);
    return `s3://${bucket}/${prefix}/`;
}
