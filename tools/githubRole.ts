/**
 * `ts-node tools/githubRole.ts --stack NAME --role deploy|preview|checks`: the facts a workflow job
 * needs to assume its role in a stack's account, as `key=value` lines for `$GITHUB_OUTPUT`.
 *
 * The account and region come from Pulumi.NAME.yaml and the role names from the naming module, so
 * the workflows hold no account ids of their own and cannot drift from the stacks.
 */
import { Command } from "commander";
import * as naming from "../naming";
import { projectKeys, readStackFile } from "../stacks/config";

export const GITHUB_ROLES = {
    deploy: naming.GITHUB_DEPLOY_ROLE_NAME,
    preview: naming.GITHUB_PREVIEW_ROLE_NAME,
    checks: naming.GITHUB_CHECKS_ROLE_NAME,
} as const;
export type GithubRoleKind = keyof typeof GITHUB_ROLES;

export interface JobRole {
    "role-arn": string;
    "account-id": string;
    region: string;
    environment: string;
    /** The backup account's checks role, for `dr verify --backup-role-arn` (deployment stacks only). */
    "backup-checks-role-arn"?: string;
}

/** Reads the raw keys only: this runs for every stack role, before any stack-specific validation. */
export function jobRole(stack: string, kind: GithubRoleKind, projectDir?: string): JobRole {
    const keys = projectKeys(readStackFile(stack, projectDir));
    const accountId = keys.accountId;
    if (typeof accountId !== "string" || !/^\d{12}$/.test(accountId)) {
        throw new Error(`Pulumi.${stack}.yaml: vat-backup:accountId must be a quoted 12-digit account id`);
    }
    const region = typeof keys.region === "string" ? keys.region : "eu-west-2";
    const backup = keys.backupAccount as { accountId?: unknown } | undefined;
    const role: JobRole = {
        "role-arn": naming.iamRoleArn(accountId, GITHUB_ROLES[kind]),
        "account-id": accountId,
        region,
        environment: typeof keys.environment === "string" ? keys.environment : stack,
    };
    if (typeof backup?.accountId === "string")
        role["backup-checks-role-arn"] = naming.iamRoleArn(backup.accountId, naming.GITHUB_CHECKS_ROLE_NAME);
    return role;
}

export function outputLines(role: JobRole): string {
    return Object.entries(role)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n");
}

export function main(argv: string[]): number {
    const program = new Command("github-role")
        .requiredOption("--stack <name>", "stack whose account the job works in")
        .requiredOption("--role <kind>", `one of ${Object.keys(GITHUB_ROLES).join(", ")}`)
        .exitOverride();
    program.parse(argv);
    const opts = program.opts<{ stack: string; role: string }>();
    if (!(opts.role in GITHUB_ROLES)) throw new Error(`--role must be one of ${Object.keys(GITHUB_ROLES).join(", ")}`);
    console.log(outputLines(jobRole(opts.stack, opts.role as GithubRoleKind)));
    return 0;
}

if (require.main === module) {
    try {
        process.exitCode = main(process.argv);
    } catch (err) {
        console.error(err instanceof Error ? err.message : String(err));
        process.exitCode = 2;
    }
}
