/**
 * The user-pool export, in each deployment account: every user (attributes, `sub`, status, enabled),
 * every group and its members, and the pool's CSV header, as the `users.json` that `dr import-users`
 * reads (dr/commands/cognito.ts, userExportSchema), into the exports bucket under
 * `cognito-exports/<pool id>/<time>/`, from where replication carries it into both Object Lock
 * archives. Passwords can never be exported: a recovered pool makes every user reset theirs.
 *
 * Run by EventBridge Scheduler. ListUsers returns at most 60 users a page, with a PaginationToken
 * while more remain (Cognito API reference, ListUsers); ListGroups and ListUsersInGroup page with
 * NextToken. A group whose members cannot be read fails the run: a partial export would restore
 * users without their groups, silently.
 */
import {
    CognitoIdentityProviderClient,
    GetCSVHeaderCommand,
    ListGroupsCommand,
    ListUserPoolsCommand,
    ListUsersCommand,
    ListUsersInGroupCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { compactTimestamp } from "../../naming/escrowFormat";
import {
    CloudWatchClient,
    RetryOptions,
    Sender,
    publishMetrics,
    requireEnv,
    withThrottleRetry,
} from "../shared/runtime";

/** The shape of dr/commands/cognito.ts's userExportSchema (a test parses this output with it). */
export interface UserExportDocument {
    userPoolId: string;
    exportedAt: string;
    csvHeader: string[];
    users: { username: string; sub?: string; status?: string; enabled?: boolean; attributes: Record<string, string> }[];
    groups: { name: string; description?: string; precedence?: number; roleArn?: string }[];
    memberships: Record<string, string[]>;
}

export interface UserPoolExportConfig {
    userPoolName: string;
    bucket: string;
    /** The exports bucket's key: its policy refuses a PUT that does not name it (SSE-KMS). */
    bucketKmsKeyArn: string;
    prefix: string;
    accountId: string;
    metricNamespace: string;
}

export interface UserPoolExportDeps extends UserPoolExportConfig {
    cognito: Sender;
    s3: Sender;
    cloudwatch: Sender;
    now?: () => Date;
    log?: (entry: Record<string, unknown>) => void;
    retry?: RetryOptions;
}

export interface UserPoolExportOutcome {
    userPoolId: string;
    key: string;
    users: number;
    groups: number;
}

export function configFromEnv(env: Record<string, string | undefined>): UserPoolExportConfig {
    requireEnv(
        env,
        ["USER_POOL_NAME", "EXPORT_BUCKET", "EXPORT_KMS_KEY_ARN", "EXPORT_PREFIX", "ACCOUNT_ID", "METRIC_NAMESPACE"],
        "userPoolExport",
    );
    return {
        userPoolName: env.USER_POOL_NAME!,
        bucket: env.EXPORT_BUCKET!,
        bucketKmsKeyArn: env.EXPORT_KMS_KEY_ARN!,
        prefix: env.EXPORT_PREFIX!,
        accountId: env.ACCOUNT_ID!,
        metricNamespace: env.METRIC_NAMESPACE!,
    };
}

/** Every item of a paginated Cognito list. */
async function allPages<P, T>(
    deps: Pick<UserPoolExportDeps, "cognito" | "retry">,
    command: (token: string | undefined) => unknown,
    items: (page: P) => T[] | undefined,
    next: (page: P) => string | undefined,
): Promise<T[]> {
    const out: T[] = [];
    let token: string | undefined;
    do {
        const page = (await withThrottleRetry(() => deps.cognito.send(command(token)), deps.retry)) as P;
        out.push(...(items(page) ?? []));
        token = next(page);
    } while (token);
    return out;
}

type PoolsPage = { UserPools?: { Id?: string; Name?: string }[]; NextToken?: string };

async function resolvePoolId(deps: UserPoolExportDeps): Promise<string> {
    const pools = await allPages(
        deps,
        (token) => new ListUserPoolsCommand({ MaxResults: 60, NextToken: token }),
        (p: PoolsPage) => p.UserPools,
        (p: PoolsPage) => p.NextToken,
    );
    const matches = pools.filter((p) => p.Name === deps.userPoolName);
    if (matches.length !== 1 || !matches[0].Id)
        throw new Error(`${matches.length === 0 ? "no" : "more than one"} user pool named ${deps.userPoolName}`);
    return matches[0].Id;
}

export async function exportPool(deps: UserPoolExportDeps, at: Date): Promise<UserExportDocument> {
    const userPoolId = await resolvePoolId(deps);
    type UsersPage = {
        Users?: {
            Username?: string;
            Attributes?: { Name?: string; Value?: string }[];
            UserStatus?: string;
            Enabled?: boolean;
        }[];
        PaginationToken?: string;
        NextToken?: string;
    };
    const users = (
        await allPages(
            deps,
            (token) => new ListUsersCommand({ UserPoolId: userPoolId, Limit: 60, PaginationToken: token }),
            (p: UsersPage) => p.Users,
            (p: UsersPage) => p.PaginationToken,
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
    });
    type GroupsPage = {
        Groups?: { GroupName?: string; Description?: string; Precedence?: number; RoleArn?: string }[];
        NextToken?: string;
    };
    const groups = (
        await allPages(
            deps,
            (token) => new ListGroupsCommand({ UserPoolId: userPoolId, Limit: 60, NextToken: token }),
            (p: GroupsPage) => p.Groups,
            (p: GroupsPage) => p.NextToken,
        )
    ).map((g) => ({
        name: g.GroupName ?? "",
        description: g.Description,
        precedence: g.Precedence,
        roleArn: g.RoleArn,
    }));
    const memberships: Record<string, string[]> = {};
    for (const group of groups) {
        const members = await allPages(
            deps,
            (token) =>
                new ListUsersInGroupCommand({
                    UserPoolId: userPoolId,
                    GroupName: group.name,
                    Limit: 60,
                    NextToken: token,
                }),
            (p: UsersPage) => p.Users,
            (p: UsersPage) => p.NextToken,
        );
        memberships[group.name] = members.map((m) => m.Username ?? "");
    }
    const header = await withThrottleRetry(
        () => deps.cognito.send(new GetCSVHeaderCommand({ UserPoolId: userPoolId })),
        deps.retry,
    );
    return {
        userPoolId,
        exportedAt: at.toISOString(),
        csvHeader: header.CSVHeader ?? [],
        users,
        groups,
        memberships,
    };
}

export function makeHandler(deps: UserPoolExportDeps): (event?: unknown) => Promise<UserPoolExportOutcome> {
    const now = deps.now ?? (() => new Date());
    const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
    return async () => {
        const at = now();
        const doc = await exportPool(deps, at);
        const key = `${deps.prefix}/${doc.userPoolId}/${compactTimestamp(at.getTime())}/users.json`;
        await withThrottleRetry(
            () =>
                deps.s3.send(
                    new PutObjectCommand({
                        Bucket: deps.bucket,
                        Key: key,
                        Body: `${JSON.stringify(doc, null, 2)}\n`,
                        ContentType: "application/json",
                        ExpectedBucketOwner: deps.accountId,
                        ServerSideEncryption: "aws:kms",
                        SSEKMSKeyId: deps.bucketKmsKeyArn,
                        ChecksumAlgorithm: "SHA256",
                    }),
                ),
            deps.retry,
        );
        const dimensions = { UserPool: deps.userPoolName };
        await publishMetrics(
            deps.cloudwatch,
            deps.metricNamespace,
            [
                { name: "UserPoolExportRuns", value: 1, unit: "Count", dimensions },
                { name: "UserPoolExportedUsers", value: doc.users.length, unit: "Count", dimensions },
            ],
            at,
            deps.retry,
        );
        const outcome = { userPoolId: doc.userPoolId, key, users: doc.users.length, groups: doc.groups.length };
        log({ action: "user-pool-export", ...outcome });
        return outcome;
    };
}

let configured: ((event?: unknown) => Promise<UserPoolExportOutcome>) | undefined;

export async function handler(event?: unknown): Promise<UserPoolExportOutcome> {
    if (!configured) {
        const config = configFromEnv(process.env);
        configured = makeHandler({
            ...config,
            cognito: new CognitoIdentityProviderClient({}),
            s3: new S3Client({}),
            cloudwatch: new CloudWatchClient({}),
        });
    }
    return configured(event);
}
