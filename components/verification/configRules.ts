/**
 * AWS Config managed rules: the run-time layer of "PITR everywhere" and its companions. The policy
 * pack stops a bad deploy; these rules notice what changed afterwards (PITR once went off in an
 * unrelated refactor). Optionally the Config recorder itself, with its role, a delivery channel into
 * a bucket and its status, for accounts where Control Tower has not created one already. It records
 * only the types the rules and AWS Backup Audit Manager evaluate.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement, policyDocument, serviceTrustPolicy, toJson } from "../iam/policyDocument";

export interface ConfigRulesArgs {
    /** Prefix of the rule names (Config: 1 to 128 characters). */
    namePrefix: string;
    /** DYNAMODB_PITR_ENABLED and DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN on every table. */
    dynamoDbTables: boolean;
    /** S3_BUCKET_REPLICATION_ENABLED on this bucket (the exports bucket). */
    replicatedBucketName?: pulumi.Input<string>;
    /** S3_BUCKET_DEFAULT_LOCK_ENABLED on this bucket (the archive bucket). */
    lockedBucketName?: pulumi.Input<string>;
    /**
     * BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED on the account's vaults (the backup account),
     * with the principals the vault policies exempt from their deny (the break-glass role) as the
     * rule's principalArnList: without it a vault whose deny spares break-glass is never compliant.
     */
    vaultsRefuseManualDeletion?: { exemptPrincipalArns: string[] };
    /** Create the recorder; leave out where one exists (Control Tower creates one). */
    recorder?: ConfigRecorderArgs;
}

export interface ConfigRecorderArgs {
    accountId: string;
    roleName: string;
    bucketName: pulumi.Input<string>;
    bucketArn: pulumi.Input<string>;
    /** No leading or trailing '/'. */
    keyPrefix: string;
    /** The bucket's key: Config uploads with it, so the bucket's encryption statements admit the upload. */
    kmsKeyArn: pulumi.Input<string>;
}

/** The resource types Config records: those the rules below and the Audit Manager controls evaluate. */
export const RECORDED_RESOURCE_TYPES = [
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::Backup::BackupPlan",
    "AWS::Backup::BackupSelection",
    "AWS::Backup::BackupVault",
    "AWS::Backup::RecoveryPoint",
];

/**
 * The recorder's name (1 to 256 characters, "DescribeConfigurationRecorders", AWS Config API Reference).
 * An account holds one customer managed recorder per region ("PutConfigurationRecorder": otherwise
 * MaxNumberOfConfigurationRecordersExceededException), and the provider's error quotes the name it
 * tried: so the name tells whoever reads the failure which config switch to turn off.
 */
export const CONFIG_RECORDER_NAME = "vat-backup-recorder-set-monitoring.createConfigRecorder-false-where-one-exists";

export const CONFIG_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole";

export interface ManagedRuleSpec {
    key: string;
    identifier: string;
    description: string;
    scope: aws.types.input.cfg.RuleScope;
    /** The managed rule's parameters, as AWS names them (Config sends them as a JSON object of strings). */
    inputParameters?: Record<string, string>;
}

export function managedRuleSpecs(args: ConfigRulesArgs): ManagedRuleSpec[] {
    const specs: ManagedRuleSpec[] = [];
    if (args.dynamoDbTables) {
        const tables = { complianceResourceTypes: ["AWS::DynamoDB::Table"] };
        specs.push(
            {
                key: "dynamodb-pitr-enabled",
                identifier: "DYNAMODB_PITR_ENABLED",
                description: "Every DynamoDB table has point-in-time recovery on",
                scope: tables,
            },
            {
                key: "dynamodb-protected-by-backup-plan",
                identifier: "DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
                description: "Every DynamoDB table is in an AWS Backup plan",
                scope: tables,
            },
        );
    }
    if (args.replicatedBucketName) {
        specs.push({
            key: "exports-replication-enabled",
            identifier: "S3_BUCKET_REPLICATION_ENABLED",
            description: "The exports bucket replicates to the backup account",
            scope: { complianceResourceTypes: ["AWS::S3::Bucket"], complianceResourceId: args.replicatedBucketName },
        });
    }
    if (args.lockedBucketName) {
        specs.push({
            key: "archive-default-lock-enabled",
            identifier: "S3_BUCKET_DEFAULT_LOCK_ENABLED",
            description: "The archive bucket has Object Lock on by default",
            scope: { complianceResourceTypes: ["AWS::S3::Bucket"], complianceResourceId: args.lockedBucketName },
        });
    }
    if (args.vaultsRefuseManualDeletion) {
        specs.push({
            key: "recovery-point-manual-deletion-disabled",
            identifier: "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
            description: "No vault lets anyone but the break-glass role delete recovery points by hand",
            scope: { complianceResourceTypes: ["AWS::Backup::BackupVault"] },
            // "backup-recovery-point-manual-deletion-disabled" (AWS Config Developer Guide): principalArnList,
            // a comma-separated list of IAM ARNs the rule does not check.
            inputParameters: { principalArnList: args.vaultsRefuseManualDeletion.exemptPrincipalArns.join(",") },
        });
    }
    for (const spec of specs) {
        const name = `${args.namePrefix}-${spec.key}`;
        if (!/^[A-Za-z0-9_.-]{1,128}$/.test(name))
            throw new Error(`a Config rule name is 1 to 128 letters, digits, '-', '_' and '.': '${name}'`);
    }
    return specs;
}

/** Bucket statements Config's delivery needs (AWS Config Developer Guide, "Permissions for the Amazon S3 Bucket"). */
export function configDeliveryBucketStatements(
    bucketArn: pulumi.Output<string>,
    accountId: string,
    keyPrefix: string,
): PolicyStatement[] {
    const fromThisAccount = { StringEquals: { "aws:SourceAccount": accountId } };
    return [
        {
            Sid: "ConfigBucketPermissionsCheck",
            Effect: "Allow",
            Principal: { Service: "config.amazonaws.com" },
            Action: "s3:GetBucketAcl",
            Resource: bucketArn,
            Condition: fromThisAccount,
        },
        {
            Sid: "ConfigBucketExistenceCheck",
            Effect: "Allow",
            Principal: { Service: "config.amazonaws.com" },
            Action: "s3:ListBucket",
            Resource: bucketArn,
            Condition: fromThisAccount,
        },
        {
            Sid: "ConfigBucketDelivery",
            Effect: "Allow",
            Principal: { Service: "config.amazonaws.com" },
            Action: "s3:PutObject",
            Resource: pulumi.interpolate`${bucketArn}/${keyPrefix}/AWSLogs/${accountId}/Config/*`,
            Condition: {
                StringEquals: { "aws:SourceAccount": accountId, "s3:x-amz-acl": "bucket-owner-full-control" },
            },
        },
    ];
}

/** What the recorder's role may do beyond AWS_ConfigRole: deliver into its prefix, with the bucket's key. */
function recorderDeliveryPolicy(r: ConfigRecorderArgs) {
    return policyDocument([
        { Sid: "CheckBucket", Effect: "Allow", Action: "s3:GetBucketAcl", Resource: r.bucketArn },
        {
            Sid: "Deliver",
            Effect: "Allow",
            Action: "s3:PutObject",
            Resource: pulumi.interpolate`${r.bucketArn}/${r.keyPrefix}/AWSLogs/${r.accountId}/*`,
            Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control" } },
        },
        {
            Sid: "EncryptDeliveries",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: r.kmsKeyArn,
        },
    ]);
}

export class ConfigRules extends pulumi.ComponentResource {
    readonly rules: aws.cfg.Rule[];
    readonly recorder?: aws.cfg.Recorder;

    constructor(name: string, args: ConfigRulesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:verification:ConfigRules", name, {}, opts);
        const specs = managedRuleSpecs(args);
        let ready: pulumi.Resource[] = [];
        if (args.recorder) {
            const r = args.recorder;
            if (/^\/|\/$/.test(r.keyPrefix))
                throw new Error(`the Config delivery prefix must not start or end with '/': '${r.keyPrefix}'`);
            const role = new aws.iam.Role(
                `${name}-recorder-role`,
                {
                    name: r.roleName,
                    assumeRolePolicy: toJson(serviceTrustPolicy("config.amazonaws.com", r.accountId)),
                    description: "Assumed by AWS Config to record and deliver",
                },
                { parent: this },
            );
            const managed = new aws.iam.RolePolicyAttachment(
                `${name}-recorder-managed`,
                { role: role.name, policyArn: CONFIG_ROLE_POLICY },
                { parent: this },
            );
            const delivery = new aws.iam.RolePolicy(
                `${name}-recorder-delivery`,
                { role: role.name, name: "deliver-to-bucket", policy: toJson(recorderDeliveryPolicy(r)) },
                { parent: this },
            );
            this.recorder = new aws.cfg.Recorder(
                `${name}-recorder`,
                {
                    name: CONFIG_RECORDER_NAME,
                    roleArn: role.arn,
                    recordingGroup: {
                        allSupported: false,
                        includeGlobalResourceTypes: false,
                        resourceTypes: RECORDED_RESOURCE_TYPES,
                        recordingStrategies: [{ useOnly: "INCLUSION_BY_RESOURCE_TYPES" }],
                    },
                },
                { parent: this, dependsOn: [managed, delivery] },
            );
            const channel = new aws.cfg.DeliveryChannel(
                `${name}-delivery`,
                {
                    name: CONFIG_RECORDER_NAME,
                    s3BucketName: r.bucketName,
                    s3KeyPrefix: r.keyPrefix,
                    s3KmsKeyArn: r.kmsKeyArn,
                    snapshotDeliveryProperties: { deliveryFrequency: "TwentyFour_Hours" },
                },
                { parent: this, dependsOn: [this.recorder] },
            );
            const status = new aws.cfg.RecorderStatus(
                `${name}-recorder-status`,
                { name: this.recorder.name, isEnabled: true },
                { parent: this, dependsOn: [channel] },
            );
            ready = [status];
        }
        this.rules = specs.map(
            (spec) =>
                new aws.cfg.Rule(
                    `${name}-${spec.key}`,
                    {
                        name: `${args.namePrefix}-${spec.key}`,
                        description: spec.description,
                        source: { owner: "AWS", sourceIdentifier: spec.identifier },
                        scope: spec.scope,
                        ...(spec.inputParameters ? { inputParameters: JSON.stringify(spec.inputParameters) } : {}),
                    },
                    { parent: this, dependsOn: ready },
                ),
        );
        this.registerOutputs({ ruleArns: this.rules.map((r) => r.arn) });
    }
}
