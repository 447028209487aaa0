/**
 * S3 replication between the estate's buckets, with the rule the runbook's archive paths depend on:
 * a replica is not replicated onward. S3 User Guide, "What does Amazon S3 replicate?", section
 * "What isn't replicated with replication configurations?": objects in the source bucket that are
 * replicas created by another replication rule are not replicated (with A → B and B → C, an object
 * written into A reaches B but never C); only S3 Batch Replication copies objects that have
 * previously been replicated ("Replicating existing objects with Batch Replication"). A replica's
 * HeadObject says `ReplicationStatus: REPLICA`, its source's says `COMPLETED`.
 *
 * Each enabled rule of a bucket copies every new object its prefix selects into its destination,
 * in the rule's storage class (S3: the source object's class when the rule names none).
 */
import * as naming from "../../naming";
import { ExportWriter, StoredObject } from "./drExports";

export interface ReplicationRuleStandIn {
    id: string;
    /** Bucket names (not ARNs). */
    source: string;
    destination: string;
    prefix?: string;
    enabled?: boolean;
    storageClass?: string;
}

export class ReplicatingBuckets {
    readonly buckets = new Map<string, Map<string, StoredObject>>();

    constructor(readonly rules: ReplicationRuleStandIn[]) {}

    /** A bucket's objects by key (created empty on first use; an ExportsStandIn can read it). */
    bucket(name: string): Map<string, StoredObject> {
        let objects = this.buckets.get(name);
        if (!objects) {
            objects = new Map();
            this.buckets.set(name, objects);
        }
        return objects;
    }

    /** A new object written into `bucket` by a client (not by replication). */
    put(bucket: string, key: string, body: string | Buffer, storageClass = "STANDARD"): void {
        this.write(bucket, key, { body: Buffer.isBuffer(body) ? body : Buffer.from(body), storageClass });
    }

    /** Writes DynamoDB exports into `bucket` as a client would, replicated like any other put. */
    exportWriter(bucket: string): ExportWriter {
        return new ExportWriter((key, body, storageClass) => this.put(bucket, key, body, storageClass));
    }

    /** The buckets holding `key` (the source first), each with its object's replication status. */
    holders(key: string): { bucket: string; status?: string }[] {
        return [...this.buckets]
            .filter(([, objects]) => objects.has(key))
            .map(([bucket, objects]) => ({ bucket, status: objects.get(key)?.replicationStatus }))
            .sort((a, b) => Number(a.status === "REPLICA") - Number(b.status === "REPLICA"));
    }

    private write(bucket: string, key: string, object: StoredObject): void {
        this.bucket(bucket).set(key, object);
        // The rule: a replica is not replicated again by the rules of the bucket it landed in.
        if (object.replicationStatus === "REPLICA") return;
        const rules = this.rules.filter(
            (r) => r.source === bucket && r.enabled !== false && key.startsWith(r.prefix ?? ""),
        );
        if (rules.length === 0) return;
        object.replicationStatus = "COMPLETED";
        for (const rule of rules)
            this.write(rule.destination, key, {
                body: object.body,
                storageClass: rule.storageClass ?? object.storageClass,
                replicationStatus: "REPLICA",
            });
    }
}

/** `arn:aws:s3:::name` → `name` (a replication rule names its destination by ARN). */
export const bucketNameOfArn = (arn: string): string => arn.replace(/^arn:aws[\w-]*:s3:::/, "");

/** A planned `aws:s3/bucketReplicationConfig:BucketReplicationConfig`'s inputs, as the engine records them. */
export interface PlannedReplicationConfig {
    bucket: string;
    rules: {
        id: string;
        status: string;
        filter?: { prefix?: string };
        destination: { bucket: string; storageClass?: string };
    }[];
}

/** The stand-in rules of planned replication configurations. */
export function rulesOfPlan(configs: PlannedReplicationConfig[]): ReplicationRuleStandIn[] {
    return configs.flatMap((c) =>
        c.rules.map((r) => ({
            id: r.id,
            source: c.bucket,
            destination: bucketNameOfArn(r.destination.bucket),
            prefix: r.filter?.prefix,
            enabled: r.status === "Enabled",
            storageClass: r.destination.storageClass,
        })),
    );
}

export interface EstatePlacement {
    environment: string;
    deploymentAccount: string;
    region: string;
    backupAccount: string;
    backupRegion: string;
    backupDrRegion: string;
}

export const PROD_PLACEMENT: EstatePlacement = {
    environment: "prod",
    deploymentAccount: "111111111111",
    region: "eu-west-2",
    backupAccount: "333333333333",
    backupRegion: "eu-west-2",
    backupDrRegion: "eu-west-1",
};

/**
 * The replication the stacks declare (stacks/deployment.ts and stacks/backup.ts; the stacks spec
 * checks the plans declare exactly these): the exports bucket straight into both archives, the
 * reports bucket straight into both archives, and the archive into the DR archive.
 */
export function estateReplicationRules(p: EstatePlacement = PROD_PLACEMENT): ReplicationRuleStandIn[] {
    const exportsBucket = naming.exportsBucketName(p.environment, p.deploymentAccount, p.region);
    const archive = naming.archiveBucketName(p.backupAccount, p.backupRegion);
    const drArchive = naming.archiveBucketName(p.backupAccount, p.backupDrRegion);
    const reports = naming.reportsBucketName(p.backupAccount, p.backupRegion);
    const rule = (id: string, source: string, destination: string) => ({
        id,
        source,
        destination,
        storageClass: "STANDARD",
    });
    return [
        rule(naming.EXPORTS_REPLICATION_RULE_ID, exportsBucket, archive),
        rule(naming.EXPORTS_DR_REPLICATION_RULE_ID, exportsBucket, drArchive),
        rule(naming.REPORTS_REPLICATION_RULE_ID, reports, archive),
        rule(naming.REPORTS_DR_REPLICATION_RULE_ID, reports, drArchive),
        rule(naming.ARCHIVE_REPLICATION_RULE_ID, archive, drArchive),
    ];
}
