/**
 * Tamper alarms within minutes: EventBridge rules on the API calls an attacker or a careless change
 * would make to the backups (PITR switched off, a recovery point deleted or its lifecycle shortened,
 * a vault lock or access policy removed or replaced, a backup plan or selection deleted, a key
 * disabled or scheduled for deletion, the exports bucket's versioning suspended or its replication
 * removed, a secret's replica removed), each sent to the alert topic with who did what.
 *
 * These are "AWS API Call via CloudTrail" events (Amazon EventBridge User Guide, "AWS service events
 * delivered via AWS CloudTrail"): CloudTrail delivers them to the default bus of the account and
 * region where the call was made, on a best-effort basis, and EventBridge receives them only while a
 * CloudTrail trail records management events there ("Events from AWS services": a trail with logging
 * enabled is required for this detail-type). The stacks assume the organization trail of the `org`
 * stack (multi-region, management events, read and write): it is not created here. Read-only calls
 * (Get, List, Describe) are never delivered, so no rule waits for one.
 *
 * A region without the alert topic (the deployment accounts' DR region) forwards the matching calls
 * to the primary region's default bus (a cross-Region event bus target), where these same rules
 * alert: one topic per account, and the original `region` and `detail.awsRegion` stay in the event.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, serviceTrustPolicy, toJson } from "../iam/policyDocument";
import { JobEventRule, inputTemplate } from "./backupJobEvents";

export const CLOUDTRAIL_API_CALL = "AWS API Call via CloudTrail";

export interface TamperWatched {
    /** Tables whose PITR must stay on and which must not be deleted (their names). */
    tableNames: string[];
    /** Buckets whose versioning and replication must stay on (their names). */
    bucketNames: string[];
}

export interface TamperAlarmsArgs {
    /** Prefix of the rule names, e.g. `prod-env-backup`. EventBridge: 1 to 64 of [.-_A-Za-z0-9]. */
    namePrefix: string;
    watched: TamperWatched;
    /**
     * Where a matching call goes: the alert topic of this region (a message a person reads), or the
     * default bus of the primary region with the role EventBridge uses to put events there.
     */
    destination:
        | { alertTopicArn: pulumi.Input<string> }
        | { forwardToBusArn: string; accountId: string; forwardingRoleName: string };
}

/** One tamper rule: which calls of which service, and what the message says they endanger. */
export interface TamperRuleSpec {
    key: string;
    eventSource: string;
    source: string;
    eventNames: string[];
    /** Extra conditions on `detail.requestParameters`. */
    requestParameters?: Record<string, unknown>;
    /** What the call endangers, in the message. */
    consequence: string;
}

/**
 * The calls watched. PITR off is an UpdateContinuousBackups whose specification says false; a
 * suspended versioning is a PutBucketVersioning whose configuration says Suspended (CloudTrail keeps
 * the request's parameters under `detail.requestParameters`). Deletions of tables and changes of
 * buckets are narrowed to the watched names, since AWS Backup itself deletes the tables its restore
 * tests create; the account-wide calls (keys, vaults, plans, secrets) are rare enough to watch whole.
 */
export function tamperRuleSpecs(watched: TamperWatched): TamperRuleSpec[] {
    const specs: TamperRuleSpec[] = [];
    if (watched.tableNames.length) {
        specs.push(
            {
                key: "pitr-disabled",
                source: "aws.dynamodb",
                eventSource: "dynamodb.amazonaws.com",
                eventNames: ["UpdateContinuousBackups"],
                requestParameters: { pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: [false] } },
                consequence:
                    "Point-in-time recovery was switched off: the table loses its 35-day restore window now (the PITR resource switches it back on at the next pulumi up).",
            },
            {
                key: "table-deleted",
                source: "aws.dynamodb",
                eventSource: "dynamodb.amazonaws.com",
                eventNames: ["DeleteTable"],
                requestParameters: { tableName: watched.tableNames },
                consequence: "A protected table was deleted: restore it from PITR or AWS Backup (docs/runbook.md).",
            },
        );
    }
    specs.push(
        {
            key: "recovery-point-changed",
            source: "aws.backup",
            eventSource: "backup.amazonaws.com",
            eventNames: ["DeleteRecoveryPoint", "UpdateRecoveryPointLifecycle", "DisassociateRecoveryPoint"],
            consequence:
                "A recovery point was deleted or its retention changed: check that the vault still holds the points the plan promises.",
        },
        {
            key: "vault-protection-changed",
            source: "aws.backup",
            eventSource: "backup.amazonaws.com",
            eventNames: [
                "DeleteBackupVaultLockConfiguration",
                "DeleteBackupVaultAccessPolicy",
                "PutBackupVaultAccessPolicy",
                "DeleteBackupVault",
                "DeleteBackupVaultNotifications",
            ],
            consequence:
                "A vault's lock, access policy or notifications were removed or replaced: the vault may no longer refuse deletions. Compare with the program (pulumi preview --refresh).",
        },
        {
            key: "backup-plan-deleted",
            source: "aws.backup",
            eventSource: "backup.amazonaws.com",
            eventNames: ["DeleteBackupPlan", "DeleteBackupSelection", "DeleteRestoreTestingPlan"],
            consequence:
                "A backup plan, selection or restore testing plan was deleted: no new backups or restore tests until pulumi up recreates it.",
        },
        {
            key: "key-disabled",
            source: "aws.kms",
            eventSource: "kms.amazonaws.com",
            eventNames: ["DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy"],
            consequence:
                "A KMS key was disabled, scheduled for deletion or re-policed: backups and exports under it become unreadable. A scheduled deletion can be cancelled during its waiting period (CancelKeyDeletion).",
        },
        {
            key: "secret-replica-removed",
            source: "aws.secretsmanager",
            eventSource: "secretsmanager.amazonaws.com",
            eventNames: ["RemoveRegionsFromReplication", "StopReplicationToReplica", "DeleteSecret"],
            consequence:
                "A secret's DR-region replica was removed or the secret scheduled for deletion: the salt and client secret lose their second copy (restore with RestoreSecret during the recovery window).",
        },
    );
    if (watched.bucketNames.length) {
        specs.push(
            {
                key: "versioning-suspended",
                source: "aws.s3",
                eventSource: "s3.amazonaws.com",
                eventNames: ["PutBucketVersioning"],
                requestParameters: {
                    bucketName: watched.bucketNames,
                    VersioningConfiguration: { Status: ["Suspended"] },
                },
                consequence:
                    "Versioning of a bucket that holds backups was suspended: overwritten or deleted exports are no longer kept, and replication stops.",
            },
            {
                key: "replication-removed",
                source: "aws.s3",
                eventSource: "s3.amazonaws.com",
                eventNames: ["DeleteBucketReplication", "DeleteBucketLifecycle", "DeleteBucketPolicy"],
                requestParameters: { bucketName: watched.bucketNames },
                consequence:
                    "A backup bucket's replication, lifecycle or policy was removed: new exports stop reaching the backup account's archive.",
            },
        );
    }
    return specs;
}

export function tamperPattern(spec: TamperRuleSpec) {
    return {
        source: [spec.source],
        "detail-type": [CLOUDTRAIL_API_CALL],
        detail: {
            eventSource: [spec.eventSource],
            eventName: spec.eventNames,
            ...(spec.requestParameters ? { requestParameters: spec.requestParameters } : {}),
        },
    };
}

/** Who did what, where, and whether AWS refused it: the CloudTrail fields a responder needs. */
export function tamperEventRule(spec: TamperRuleSpec): JobEventRule {
    return {
        key: spec.key,
        description: `Tamper alarm: ${spec.eventNames.join(", ")} (${spec.eventSource})`,
        pattern: tamperPattern(spec),
        inputPaths: {
            account: "$.account",
            region: "$.detail.awsRegion",
            time: "$.detail.eventTime",
            eventName: "$.detail.eventName",
            who: "$.detail.userIdentity.arn",
            principalType: "$.detail.userIdentity.type",
            invokedBy: "$.detail.userIdentity.invokedBy",
            sourceIp: "$.detail.sourceIPAddress",
            userAgent: "$.detail.userAgent",
            parameters: "$.detail.requestParameters",
            errorCode: "$.detail.errorCode",
            eventId: "$.detail.eventID",
        },
        message:
            "TAMPER ALARM: <eventName> in account <account>, region <region>, at <time>.\n" +
            "Who: <who> (<principalType>, via <invokedBy>) from <sourceIp>, <userAgent>\n" +
            "Request: <parameters>\n" +
            "Error code (empty when AWS carried it out): <errorCode>\n" +
            `${spec.consequence}\n` +
            "CloudTrail event: <eventId>. If nobody expected this change, treat it as an incident.",
    };
}

/** One forwarding pattern for every watched call (the primary region's rules narrow it down). */
export function forwardingPattern(specs: TamperRuleSpec[]) {
    return {
        source: [...new Set(specs.map((s) => s.source))],
        "detail-type": [CLOUDTRAIL_API_CALL],
        detail: {
            eventSource: [...new Set(specs.map((s) => s.eventSource))],
            eventName: [...new Set(specs.flatMap((s) => s.eventNames))],
        },
    };
}

const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;

export class TamperAlarms extends pulumi.ComponentResource {
    readonly rules: aws.cloudwatch.EventRule[];

    constructor(name: string, args: TamperAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:monitoring:TamperAlarms", name, {}, opts);
        const specs = tamperRuleSpecs(args.watched);
        const ruleName = (key: string) => {
            const n = `${args.namePrefix}-tamper-${key}`;
            if (!RULE_NAME.test(n))
                throw new Error(`EventBridge rule names are 1 to 64 of letters, digits, '.', '-' and '_': '${n}'`);
            return n;
        };
        const destination = args.destination;
        if ("alertTopicArn" in destination) {
            this.rules = specs.map((spec) => {
                const rule = tamperEventRule(spec);
                const eventRule = new aws.cloudwatch.EventRule(
                    `${name}-${spec.key}`,
                    {
                        name: ruleName(spec.key),
                        description: rule.description,
                        eventPattern: JSON.stringify(rule.pattern),
                        state: "ENABLED",
                    },
                    { parent: this },
                );
                new aws.cloudwatch.EventTarget(
                    `${name}-${spec.key}-alert`,
                    {
                        rule: eventRule.name,
                        targetId: "alert-topic",
                        arn: destination.alertTopicArn,
                        inputTransformer: { inputPaths: rule.inputPaths, inputTemplate: inputTemplate(rule) },
                    },
                    { parent: this },
                );
                return eventRule;
            });
        } else {
            const rule = new aws.cloudwatch.EventRule(
                `${name}-forward`,
                {
                    name: ruleName("forward"),
                    description: "Tamper alarm: forward watched API calls to the primary region, where they alert",
                    eventPattern: JSON.stringify(forwardingPattern(specs)),
                    state: "ENABLED",
                },
                { parent: this },
            );
            const role = new aws.iam.Role(
                `${name}-forward-role`,
                {
                    name: destination.forwardingRoleName,
                    assumeRolePolicy: toJson(serviceTrustPolicy("events.amazonaws.com", destination.accountId)),
                    description: "EventBridge forwards tamper events to the primary region's default bus",
                },
                { parent: this },
            );
            new aws.iam.RolePolicy(
                `${name}-forward-policy`,
                {
                    role: role.name,
                    name: "forward-tamper-events",
                    policy: toJson(
                        policyDocument([
                            {
                                Sid: "PutToPrimaryBus",
                                Effect: "Allow",
                                Action: "events:PutEvents",
                                Resource: destination.forwardToBusArn,
                            },
                        ]),
                    ),
                },
                { parent: this },
            );
            new aws.cloudwatch.EventTarget(
                `${name}-forward-target`,
                {
                    rule: rule.name,
                    targetId: "primary-region-bus",
                    arn: destination.forwardToBusArn,
                    roleArn: role.arn,
                },
                { parent: this },
            );
            this.rules = [rule];
        }
        this.registerOutputs({ ruleArns: this.rules.map((r) => r.arn) });
    }
}
