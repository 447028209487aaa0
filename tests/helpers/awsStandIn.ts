/**
 * A loopback stand-in for the three AWS APIs the dynamic providers call (STS, DynamoDB, Secrets
 * Manager), for the provider-host spec: the real SDK clients in the provider host reach it through
 * `AWS_ENDPOINT_URL` (the SDK's configured-endpoint variable). It speaks each service's wire
 * protocol as the SDK expects it: STS awsQuery (XML), DynamoDB JSON 1.0, Secrets Manager JSON 1.1,
 * with AWS's error codes. State is two maps a test changes to stage drift or deletion.
 */
import * as http from "http";
import type { AddressInfo } from "net";

export interface TableState {
    pitr: boolean;
    recoveryPeriodDays: number;
}

export interface SecretState {
    arn: string;
    replicas: { Region: string; KmsKeyId: string; Status: string }[];
}

export interface Call {
    service: "sts" | "dynamodb" | "secretsmanager";
    action: string;
    body: Record<string, unknown>;
}

export class AwsStandIn {
    readonly tables = new Map<string, TableState>();
    readonly secrets = new Map<string, SecretState>();
    readonly calls: Call[] = [];
    /** The clock AWS would report: it moves on every read, as the restorable window does. */
    private tick = 0;

    private constructor(
        private readonly server: http.Server,
        readonly accountId: string,
    ) {}

    static async start(accountId: string): Promise<AwsStandIn> {
        const holder: { standIn?: AwsStandIn } = {};
        const server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (d: Buffer) => (body += d.toString()));
            req.on("end", () => holder.standIn!.handle(req, body, res));
        });
        const standIn = new AwsStandIn(server, accountId);
        holder.standIn = standIn;
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        return standIn;
    }

    get endpoint(): string {
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    stop(): Promise<void> {
        return new Promise((resolve) => this.server.close(() => resolve()));
    }

    private handle(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
        const target = String(req.headers["x-amz-target"] ?? "");
        if (target.startsWith("DynamoDB_20120810.")) {
            const action = target.split(".")[1];
            const input = JSON.parse(body || "{}") as Record<string, unknown>;
            this.calls.push({ service: "dynamodb", action, body: input });
            return this.json(res, "1.0", this.dynamodb(action, input));
        }
        if (target.startsWith("secretsmanager.")) {
            const action = target.split(".")[1];
            const input = JSON.parse(body || "{}") as Record<string, unknown>;
            this.calls.push({ service: "secretsmanager", action, body: input });
            return this.json(res, "1.1", this.secretsManager(action, input));
        }
        const form = Object.fromEntries(new URLSearchParams(body));
        this.calls.push({ service: "sts", action: form.Action, body: form });
        res.setHeader("content-type", "text/xml");
        res.end(this.sts(form.Action, form));
    }

    private json(
        res: http.ServerResponse,
        version: string,
        [status, payload]: [number, Record<string, unknown>],
    ): void {
        res.statusCode = status;
        res.setHeader("content-type", `application/x-amz-json-${version}`);
        res.end(JSON.stringify(payload));
    }

    private sts(action: string, form: Record<string, string>): string {
        const ns = "https://sts.amazonaws.com/doc/2011-06-15/";
        const meta = "<ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata>";
        if (action === "AssumeRole") {
            const role = form.RoleArn.split("/").pop();
            return `<AssumeRoleResponse xmlns="${ns}"><AssumeRoleResult><Credentials><AccessKeyId>ASIASTANDIN</AccessKeyId><SecretAccessKey>stand-in</SecretAccessKey><SessionToken>stand-in</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::${this.accountId}:assumed-role/${role}/${form.RoleSessionName}</Arn><AssumedRoleId>AROASTANDIN:${form.RoleSessionName}</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>${meta}</AssumeRoleResponse>`;
        }
        return `<GetCallerIdentityResponse xmlns="${ns}"><GetCallerIdentityResult><Arn>arn:aws:sts::${this.accountId}:assumed-role/deploy/stand-in</Arn><UserId>AROASTANDIN:stand-in</UserId><Account>${this.accountId}</Account></GetCallerIdentityResult>${meta}</GetCallerIdentityResponse>`;
    }

    private dynamodb(action: string, input: Record<string, unknown>): [number, Record<string, unknown>] {
        const table = this.tables.get(String(input.TableName));
        if (!table)
            return [
                400,
                {
                    __type: "com.amazonaws.dynamodb.v20120810#TableNotFoundException",
                    message: `Table not found: ${String(input.TableName)}`,
                },
            ];
        if (action === "UpdateContinuousBackups") {
            const spec = input.PointInTimeRecoverySpecification as {
                PointInTimeRecoveryEnabled: boolean;
                RecoveryPeriodInDays?: number;
            };
            table.pitr = spec.PointInTimeRecoveryEnabled;
            table.recoveryPeriodDays = spec.RecoveryPeriodInDays ?? 35;
        }
        const now = 1_767_225_600 + this.tick++ * 60;
        return [
            200,
            {
                ContinuousBackupsDescription: {
                    ContinuousBackupsStatus: "ENABLED",
                    PointInTimeRecoveryDescription: table.pitr
                        ? {
                              PointInTimeRecoveryStatus: "ENABLED",
                              RecoveryPeriodInDays: table.recoveryPeriodDays,
                              EarliestRestorableDateTime: now - table.recoveryPeriodDays * 86_400,
                              LatestRestorableDateTime: now - 300,
                          }
                        : { PointInTimeRecoveryStatus: "DISABLED" },
                },
            },
        ];
    }

    private secretsManager(action: string, input: Record<string, unknown>): [number, Record<string, unknown>] {
        const secret = this.secrets.get(String(input.SecretId));
        if (!secret)
            return [
                400,
                { __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." },
            ];
        if (action === "ReplicateSecretToRegions") {
            for (const r of input.AddReplicaRegions as { Region: string; KmsKeyId: string }[])
                secret.replicas.push({ Region: r.Region, KmsKeyId: r.KmsKeyId, Status: "InSync" });
        }
        return [200, { ARN: secret.arn, Name: input.SecretId, ReplicationStatus: secret.replicas }];
    }
}
