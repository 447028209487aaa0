/**
 * A stateful stand-in of the parts of the estate the runbook scenarios touch, enforcing the AWS
 * rules they depend on:
 * - Secrets Manager ("Replicate an AWS Secrets Manager secret to other AWS Regions"): a replica is
 *   read-only (PutSecretValue refused), a secret cannot be replicated into its own region, and a
 *   new value reaches the replicas.
 * - DynamoDB: a table deleted with PITR on leaves a SYSTEM backup; a restore creates a new table
 *   (never over an existing one) without PITR, TTL, tags or deletion protection ("Restoring a
 *   DynamoDB table": those must be set up again).
 * - IAM: a role name is unique in the account whatever the region (CreateRole of an existing name
 *   fails), and a job passing a role needs it to exist.
 * Elsewhere: drEstate.ts refuses StartCopyJob of a COLD recovery point (AWS Backup, "Backup and tag
 * copy"); drExports.ts refuses reading a Glacier object before its restore, and ImportTable over an
 * existing table; drReplication.ts replicates S3 objects by the stacks' rules and never replicates a
 * replica onward (S3 User Guide, "What does Amazon S3 replicate?").
 */
import {
    CreateSecretCommand,
    DescribeSecretCommand,
    GetSecretValueCommand,
    PutSecretValueCommand,
} from "@aws-sdk/client-secrets-manager";
import {
    DescribeContinuousBackupsCommand,
    DescribeTableCommand,
    DescribeTimeToLiveCommand,
    ListBackupsCommand,
    ListTagsOfResourceCommand,
    RestoreTableFromBackupCommand,
    RestoreTableToPointInTimeCommand,
    TagResourceCommand,
    UpdateContinuousBackupsCommand,
    UpdateTableCommand,
    UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { DrHarness, NOW, awsError } from "./drHarness";

interface StoredSecret {
    versions: string[];
    primaryRegion: string;
    replicaRegions: string[];
}

/** One Secrets Manager per region of the target account, sharing the replication rules. */
export class SecretsStandIn {
    /** region → name → secret */
    readonly regions = new Map<string, Map<string, StoredSecret>>();

    constructor(h: DrHarness, regions = ["eu-west-2", "eu-west-1"]) {
        for (const region of regions) {
            this.regions.set(region, new Map());
            const s = h.mocks("target", region).secrets;
            s.on(DescribeSecretCommand).callsFake((i: { SecretId: string }) => {
                const secret = this.get(region, i.SecretId);
                if (!secret) return Promise.reject(awsError("ResourceNotFoundException"));
                return {
                    Name: i.SecretId,
                    PrimaryRegion: secret.primaryRegion,
                    ReplicationStatus: secret.replicaRegions.map((r) => ({ Region: r, Status: "InSync" })),
                };
            });
            s.on(GetSecretValueCommand).callsFake((i: { SecretId: string }) => {
                const secret = this.get(region, i.SecretId);
                if (!secret) return Promise.reject(awsError("ResourceNotFoundException"));
                return { SecretString: secret.versions.at(-1), VersionId: `v${secret.versions.length}` };
            });
            s.on(CreateSecretCommand).callsFake(
                (i: { Name: string; SecretString: string; AddReplicaRegions?: { Region: string }[] }) => {
                    if (this.get(region, i.Name)) return Promise.reject(awsError("ResourceExistsException"));
                    const replicas = (i.AddReplicaRegions ?? []).map((r) => r.Region);
                    if (replicas.includes(region))
                        return Promise.reject(
                            awsError("InvalidParameterException", "a secret cannot be replicated to its own region"),
                        );
                    this.put(region, i.Name, {
                        versions: [i.SecretString],
                        primaryRegion: region,
                        replicaRegions: replicas,
                    });
                    return { Name: i.Name };
                },
            );
            s.on(PutSecretValueCommand).callsFake((i: { SecretId: string; SecretString: string }) => {
                const secret = this.get(region, i.SecretId);
                if (!secret) return Promise.reject(awsError("ResourceNotFoundException"));
                if (secret.primaryRegion !== region)
                    return Promise.reject(
                        awsError("InvalidRequestException", "Operation not permitted on a replica secret"),
                    );
                secret.versions.push(i.SecretString);
                return { VersionId: `v${secret.versions.length}` };
            });
        }
    }

    /** A secret as the deployment stack leaves it: primary in `primary`, replicated to `replicas`. */
    seed(name: string, value: string, primary = "eu-west-2", replicas = ["eu-west-1"]): void {
        this.put(primary, name, { versions: [value], primaryRegion: primary, replicaRegions: replicas });
    }

    private put(region: string, name: string, secret: StoredSecret): void {
        this.regions.get(region)?.set(name, secret);
        // The replicas share the primary's versions (replication keeps them in sync).
        for (const r of secret.replicaRegions) this.regions.get(r)?.set(name, secret);
    }

    get(region: string, name: string): StoredSecret | undefined {
        return this.regions.get(region)?.get(name);
    }

    /** The value a reader in `region` gets. */
    value(region: string, name: string): string | undefined {
        return this.get(region, name)?.versions.at(-1);
    }

    /** The secret is gone everywhere (deleted without a recovery window). */
    lose(name: string): void {
        for (const m of this.regions.values()) m.delete(name);
    }
}

interface StoredTable {
    status: string;
    pitr: boolean;
    ttl?: string;
    deletionProtection: boolean;
    tags: { Key: string; Value: string }[];
    items: number;
    restoredFrom?: string;
    /** More of DescribeTable's answer (key schema, GSIs) where a test needs it. */
    description?: Record<string, unknown>;
}

/** One account's DynamoDB in one region. */
export class TablesStandIn {
    readonly tables = new Map<string, StoredTable>();
    /** SYSTEM backups DynamoDB keeps of deleted tables that had PITR. */
    readonly systemBackups = new Map<string, { arn: string; created: Date; table: StoredTable }>();

    constructor(
        h: DrHarness,
        readonly account = "111111111111",
        readonly region = "eu-west-2",
    ) {
        const d = h.mocks("target", region).dynamodb;
        const arn = (t: string) => `arn:aws:dynamodb:${region}:${account}:table/${t}`;
        const missing = () => Promise.reject(awsError("ResourceNotFoundException"));
        d.on(DescribeTableCommand).callsFake((i: { TableName: string }) => {
            const t = this.tables.get(i.TableName);
            return t
                ? {
                      Table: {
                          TableName: i.TableName,
                          TableArn: arn(i.TableName),
                          TableStatus: t.status,
                          ItemCount: t.items,
                          DeletionProtectionEnabled: t.deletionProtection,
                          RestoreSummary: t.restoredFrom
                              ? { SourceBackupArn: t.restoredFrom, RestoreInProgress: false }
                              : undefined,
                          ...t.description,
                      },
                  }
                : missing();
        });
        d.on(DescribeContinuousBackupsCommand).callsFake((i: { TableName: string }) => {
            const t = this.tables.get(i.TableName);
            if (!t) return missing();
            return {
                ContinuousBackupsDescription: {
                    ContinuousBackupsStatus: "ENABLED",
                    PointInTimeRecoveryDescription: t.pitr
                        ? {
                              PointInTimeRecoveryStatus: "ENABLED",
                              RecoveryPeriodInDays: 35,
                              EarliestRestorableDateTime: new Date(NOW - 35 * 86_400_000),
                              LatestRestorableDateTime: new Date(h.clock.now() - 5 * 60_000),
                          }
                        : { PointInTimeRecoveryStatus: "DISABLED" },
                },
            };
        });
        d.on(DescribeTimeToLiveCommand).callsFake((i: { TableName: string }) => {
            const t = this.tables.get(i.TableName);
            if (!t) return missing();
            return {
                TimeToLiveDescription: t.ttl
                    ? { TimeToLiveStatus: "ENABLED", AttributeName: t.ttl }
                    : { TimeToLiveStatus: "DISABLED" },
            };
        });
        d.on(ListTagsOfResourceCommand).callsFake((i: { ResourceArn: string }) => ({
            Tags: this.tables.get(i.ResourceArn.replace(/^.*table\//, ""))?.tags ?? [],
        }));
        d.on(ListBackupsCommand).callsFake((i: { TableName: string }) => {
            const b = this.systemBackups.get(i.TableName);
            return {
                BackupSummaries: b
                    ? [{ BackupArn: b.arn, BackupStatus: "AVAILABLE", BackupCreationDateTime: b.created }]
                    : [],
            };
        });
        const restoreInto = (target: string, from: StoredTable, source: string) => {
            if (this.tables.has(target)) return Promise.reject(awsError("TableAlreadyExistsException"));
            // What a restore does not carry: PITR, TTL, tags, deletion protection.
            this.tables.set(target, {
                status: "ACTIVE",
                pitr: false,
                deletionProtection: false,
                tags: [],
                items: from.items,
                restoredFrom: source,
            });
            return {};
        };
        d.on(RestoreTableFromBackupCommand).callsFake((i: { TargetTableName: string; BackupArn: string }) => {
            const backup = [...this.systemBackups.values()].find((b) => b.arn === i.BackupArn);
            return backup ? restoreInto(i.TargetTableName, backup.table, i.BackupArn) : missing();
        });
        d.on(RestoreTableToPointInTimeCommand).callsFake((i: { SourceTableName: string; TargetTableName: string }) => {
            const source = this.tables.get(i.SourceTableName);
            return source ? restoreInto(i.TargetTableName, source, arn(i.SourceTableName)) : missing();
        });
        d.on(UpdateContinuousBackupsCommand).callsFake((i: { TableName: string }) => {
            const t = this.tables.get(i.TableName);
            if (!t) return missing();
            t.pitr = true;
            return {};
        });
        d.on(UpdateTimeToLiveCommand).callsFake(
            (i: { TableName: string; TimeToLiveSpecification: { AttributeName: string } }) => {
                const t = this.tables.get(i.TableName);
                if (!t) return missing();
                if (t.ttl) return Promise.reject(awsError("ValidationException", "TimeToLive is already enabled"));
                t.ttl = i.TimeToLiveSpecification.AttributeName;
                return {};
            },
        );
        d.on(TagResourceCommand).callsFake((i: { ResourceArn: string; Tags: { Key: string; Value: string }[] }) => {
            const t = this.tables.get(i.ResourceArn.replace(/^.*table\//, ""));
            if (!t) return missing();
            t.tags.push(...i.Tags);
            return {};
        });
        d.on(UpdateTableCommand).callsFake((i: { TableName: string; DeletionProtectionEnabled?: boolean }) => {
            const t = this.tables.get(i.TableName);
            if (!t) return missing();
            if (i.DeletionProtectionEnabled !== undefined) t.deletionProtection = i.DeletionProtectionEnabled;
            return {};
        });
    }

    /** A live, protected table as the deployment stack leaves it. */
    add(name: string, items = 1000): void {
        this.tables.set(name, {
            status: "ACTIVE",
            pitr: true,
            ttl: "expiresAt",
            deletionProtection: true,
            tags: [{ Key: "app", Value: "vat" }],
            items,
        });
    }

    /** Deleted with PITR on: DynamoDB keeps a SYSTEM backup. */
    delete(name: string, at: number): void {
        const t = this.tables.get(name);
        if (!t) throw new Error(`no table ${name}`);
        this.tables.delete(name);
        this.systemBackups.set(name, {
            arn: `arn:aws:dynamodb:${this.region}:${this.account}:table/${name}/backup/system-${at}`,
            created: new Date(at),
            table: t,
        });
    }
}

/**
 * IAM of one account: role names are unique in the account, whatever the region ("IAM object quotas
 * and names", IAM User Guide): CreateRole of a name that exists fails with EntityAlreadyExists, so a
 * second regional stack of one account must name its roles apart (naming.deploymentRoleName).
 */
export class IamStandIn {
    readonly roles = new Set<string>();

    /** What a stack's deploy does for each role it declares; the first existing name stops it, as CloudFormation or Pulumi would. */
    createRoles(names: string[]): void {
        for (const name of names) {
            if (this.roles.has(name))
                throw awsError("EntityAlreadyExistsException", `Role with name ${name} already exists.`);
            this.roles.add(name);
        }
    }

    /** A job passing `roleArn` needs the role to exist (AWS Backup refuses the job otherwise). */
    requireRole(roleArn: string): Error | undefined {
        const name = roleArn.replace(/^arn:aws[\w-]*:iam::\d{12}:role\//, "");
        return this.roles.has(name)
            ? undefined
            : awsError("InvalidParameterValueException", `IAM role ${roleArn} does not exist`);
    }
}
