/**
 * The monthly evidence pack of one account (lambdas/evidencePack): restore tests and their measured
 * times, copy lags, Audit Manager report jobs, the drift workflow's summaries and the open gaps, one
 * Markdown and one JSON document, written under Object Lock into both archives:
 * - deployment account: into the exports bucket (`evidence-packs/<account>/`), whose replication
 *   carries it into both archives;
 * - backup account: straight into each archive bucket, every PUT with its SHA-256 (S3 requires
 *   Content-MD5 or an x-amz-checksum on an upload into a bucket with Object Lock default retention,
 *   S3 API Reference, PutObject) and SSE-KMS under the archive's key (its bucket policy denies others).
 *
 * The role reads AWS Backup's job lists (ListRestoreJobs, ListCopyJobs and ListReportJobs have no
 * resource-level permissions: "*"), only its own stack's drift summaries, and writes only its own
 * evidence prefix.
 */
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement } from "../iam/policyDocument";
import { ScheduledFunction } from "../automation/scheduledFunction";
import { AlarmSpec } from "../monitoring/alarms";

export interface EvidenceArchive {
    bucketName: pulumi.Input<string>;
    bucketArn: pulumi.Input<string>;
    region: string;
    kmsKeyArn: pulumi.Input<string>;
}

export type EvidencePackDestination =
    | {
          mode: "exports-bucket";
          bucketName: pulumi.Input<string>;
          bucketArn: pulumi.Input<string>;
          kmsKeyArn: pulumi.Input<string>;
      }
    | { mode: "archives"; archives: EvidenceArchive[] };

export interface EvidencePackArgs {
    functionName: string;
    roleName: string;
    schedulerRoleName: string;
    code: pulumi.asset.Archive;
    handler: string;
    /** The stack the account belongs to: the drift summaries' folder. */
    stack: string;
    accountId: string;
    region: string;
    destination: EvidencePackDestination;
    evidencePrefix: string;
    /** Where the drift workflow writes `<driftPrefix>/<stack>/<time>.json`, and the key that bucket uses. */
    driftBucketName: pulumi.Input<string>;
    driftBucketArn: pulumi.Input<string>;
    driftKeyArn: pulumi.Input<string>;
    driftPrefix: string;
    schedule: string;
    maxCopyLagHours: number;
    metricNamespace: string;
    alertTopicArn: pulumi.Input<string>;
}

const viaS3 = (region: string) => ({ StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } });

export function evidencePackStatements(
    args: Pick<
        EvidencePackArgs,
        | "stack"
        | "accountId"
        | "region"
        | "destination"
        | "evidencePrefix"
        | "driftBucketArn"
        | "driftKeyArn"
        | "driftPrefix"
        | "metricNamespace"
    >,
): PolicyStatement[] {
    const own = `${args.evidencePrefix}/${args.accountId}`;
    const d = args.destination;
    const writes: PolicyStatement[] =
        d.mode === "exports-bucket"
            ? [
                  {
                      Sid: "WriteEvidence",
                      Effect: "Allow",
                      Action: "s3:PutObject",
                      Resource: pulumi.interpolate`${d.bucketArn}/${own}/*`,
                  },
                  {
                      Sid: "WriteEvidenceEncrypted",
                      Effect: "Allow",
                      Action: "kms:GenerateDataKey",
                      Resource: d.kmsKeyArn,
                      Condition: viaS3(args.region),
                  },
              ]
            : [
                  {
                      Sid: "WriteEvidenceIntoEachArchive",
                      Effect: "Allow",
                      Action: "s3:PutObject",
                      Resource: d.archives.map((a) => pulumi.interpolate`${a.bucketArn}/${own}/*`),
                  },
                  ...d.archives.map((a, i): PolicyStatement => ({
                      Sid: `WriteEvidenceEncrypted${i}`,
                      Effect: "Allow",
                      Action: "kms:GenerateDataKey",
                      Resource: a.kmsKeyArn,
                      Condition: viaS3(a.region),
                  })),
              ];
    return [
        {
            // AWS Backup's List*Jobs actions have no resource types in IAM: "*".
            Sid: "ReadBackupJobs",
            Effect: "Allow",
            Action: ["backup:ListRestoreJobs", "backup:ListCopyJobs", "backup:ListReportJobs"],
            Resource: "*",
        },
        {
            Sid: "FindDriftSummaries",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: args.driftBucketArn,
            Condition: { StringLike: { "s3:prefix": `${args.driftPrefix}/${args.stack}/*` } },
        },
        {
            Sid: "ReadDriftSummaries",
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: pulumi.interpolate`${args.driftBucketArn}/${args.driftPrefix}/${args.stack}/*`,
        },
        {
            Sid: "ReadDriftSummariesEncrypted",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: args.driftKeyArn,
            Condition: viaS3(args.region),
        },
        ...writes,
        {
            Sid: "PublishEvidenceMetrics",
            Effect: "Allow",
            Action: "cloudwatch:PutMetricData",
            Resource: "*",
            Condition: { StringEquals: { "cloudwatch:namespace": args.metricNamespace } },
        },
    ];
}

export class EvidencePack extends pulumi.ComponentResource {
    readonly scheduled: ScheduledFunction;
    readonly alarmArns: pulumi.Output<string>[];

    constructor(name: string, args: EvidencePackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:verification:EvidencePack", name, {}, opts);
        const d = args.destination;
        const destinationEnv: Record<string, pulumi.Input<string>> = d.mode === "exports-bucket"
            ? { EVIDENCE_MODE: d.mode, EVIDENCE_BUCKET: d.bucketName, EVIDENCE_KMS_KEY_ARN: d.kmsKeyArn }
            : {
                  EVIDENCE_MODE: d.mode,
                  ARCHIVES: pulumi.jsonStringify(
                      d.archives.map((a) => ({ bucket: a.bucketName, region: a.region, kmsKeyArn: a.kmsKeyArn })),
                  ),
              };
        const gaps: AlarmSpec = {
            key: "open-gaps",
            description:
                "The month's evidence pack lists open gaps (a failed restore validation or copy, a slow copy, a failed audit report, " +
                "drift, or a check that never ran). Read evidence.md of the month in the archive.",
            namespace: args.metricNamespace,
            metricName: "EvidencePackOpenGaps",
            dimensions: { Account: args.accountId },
            statistic: "Maximum",
            window: { periodSeconds: 3600, evaluationPeriods: 1 },
            comparison: "GreaterThanOrEqualToThreshold",
            threshold: 1,
            treatMissingData: "notBreaching",
        };
        this.scheduled = new ScheduledFunction(
            name,
            {
                functionName: args.functionName,
                roleName: args.roleName,
                schedulerRoleName: args.schedulerRoleName,
                description: "Monthly evidence pack: restore tests, copy lags, audit reports, drift and open gaps",
                code: args.code,
                handler: args.handler,
                accountId: args.accountId,
                region: args.region,
                alarms: [gaps],
                alarmNamePrefix: args.functionName,
                alertTopicArn: args.alertTopicArn,
                environment: {
                    STACK: args.stack,
                    ACCOUNT_ID: args.accountId,
                    REGION: args.region,
                    EVIDENCE_PREFIX: args.evidencePrefix,
                    DRIFT_BUCKET: args.driftBucketName,
                    DRIFT_PREFIX: args.driftPrefix,
                    MAX_COPY_LAG_HOURS: String(args.maxCopyLagHours),
                    METRIC_NAMESPACE: args.metricNamespace,
                    ...destinationEnv,
                },
                statements: evidencePackStatements(args),
                schedules: [
                    {
                        key: "monthly",
                        description: "Write the previous month's evidence pack",
                        expression: args.schedule,
                        input: { task: "evidence-pack", account: args.accountId },
                    },
                ],
            },
            { parent: this },
        );
        this.alarmArns = this.scheduled.alarmArns;
        this.registerOutputs({ functionArn: this.scheduled.function.arn, alarmArns: this.alarmArns });
    }
}
