/**
 * The Cognito export format shared by export-users and import-users, and the CSV the pool asks for.
 */
import { ListUserPoolsCommand } from "@aws-sdk/client-cognito-identity-provider";
import { z } from "zod";
import * as naming from "../../naming";
import { userImportCsv } from "../../naming/userImportCsv";
import { readAllPages } from "../aws/gate";
import { DrContext } from "../context";
import { UsageError } from "../errors";

export const exportedUserSchema = z.object({
    username: z.string(),
    sub: z.string().optional(),
    status: z.string().optional(),
    enabled: z.boolean().optional(),
    attributes: z.record(z.string(), z.string()),
});
export type ExportedUser = z.infer<typeof exportedUserSchema>;

export const exportedGroupSchema = z.object({
    name: z.string(),
    description: z.string().optional(),
    precedence: z.number().optional(),
    roleArn: z.string().optional(),
});
export type ExportedGroup = z.infer<typeof exportedGroupSchema>;

export const userExportSchema = z.object({
    userPoolId: z.string(),
    exportedAt: z.string(),
    csvHeader: z.array(z.string()),
    users: z.array(exportedUserSchema),
    groups: z.array(exportedGroupSchema),
    memberships: z.record(z.string(), z.array(z.string())),
});
export type UserExport = z.infer<typeof userExportSchema>;

export const USERS_JSON = "users.json";
export const USERS_CSV = "users.csv";

/** The pool id from --user-pool-id, or found by the stack's pool name `{env}-env-user-pool`. */
export async function resolveUserPoolId(ctx: DrContext, given: string | undefined): Promise<string> {
    if (given) return given;
    const stack = ctx.stack;
    if (!stack)
        throw new UsageError(
            "no user pool",
            "Pass --user-pool-id, or --stack to find the pool named {env}-env-user-pool.",
        );
    const name = naming.envName(stack.environment, "user-pool");
    const pools = await readAllPages(
        ctx.gate,
        ctx.clients().cognito,
        (token) => new ListUserPoolsCommand({ MaxResults: 60, NextToken: token }),
        (page) => page.UserPools,
        (page) => page.NextToken,
    );
    const matches = pools.filter((p) => p.Name === name);
    if (matches.length !== 1 || !matches[0].Id) {
        throw new UsageError(
            `${matches.length === 0 ? "no" : "more than one"} user pool named ${name} in ${ctx.region}`,
            "Pass --user-pool-id explicitly.",
        );
    }
    return matches[0].Id;
}

/** The import CSV in exactly the pool's GetCSVHeader columns (naming/userImportCsv.ts). */
export const buildImportCsv = (header: string[], users: ExportedUser[]): string => userImportCsv(header, users);
