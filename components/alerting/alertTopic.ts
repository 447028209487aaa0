/**
 * The stack's alert topic: SNS, encrypted with a key of its own, publishable only by the AWS
 * services that raise backup alerts (AWS Backup, CloudWatch alarms, EventBridge rules) of this
 * account, with e-mail subscriptions from config.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accountRootArn } from "../../naming";
import { policyDocument, toJson } from "../iam/policyDocument";
import { BackupKey } from "../kms/backupKey";

export interface AlertTopicArgs {
    /** SNS topic name (1 to 256 letters, digits, '-' and '_'). */
    topicName: string;
    keyAlias: string;
    accountId: string;
    region: string;
    emails: string[];
    protect: boolean;
}

/** Services that publish alerts to the topic. */
export const ALERT_PUBLISHERS = ["backup.amazonaws.com", "cloudwatch.amazonaws.com", "events.amazonaws.com"];

export function alertTopicPolicy(topicArn: pulumi.Input<string>, accountId: string) {
    return policyDocument([
        {
            Sid: "AlertPublishers",
            Effect: "Allow",
            Principal: { Service: ALERT_PUBLISHERS },
            Action: "sns:Publish",
            Resource: topicArn,
            Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
        {
            Sid: "AccountManagesSubscriptions",
            Effect: "Allow",
            Principal: { AWS: accountRootArn(accountId) },
            Action: ["sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic", "sns:Subscribe"],
            Resource: topicArn,
        },
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "sns:Publish",
            Resource: topicArn,
            Condition: { Bool: { "aws:SecureTransport": false } },
        },
    ]);
}

export class AlertTopic extends pulumi.ComponentResource {
    readonly topic: aws.sns.Topic;
    readonly key: BackupKey;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: AlertTopicArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:alerting:AlertTopic", name, {}, opts);
        this.key = new BackupKey(
            `${name}-key`,
            {
                description: `Encrypts the ${args.topicName} alert topic`,
                aliasName: args.keyAlias,
                accountId: args.accountId,
                region: args.region,
                viaServices: ["sns"],
                servicePrincipals: ALERT_PUBLISHERS,
                protect: args.protect,
            },
            { parent: this },
        );
        this.topic = new aws.sns.Topic(
            `${name}-topic`,
            { name: args.topicName, kmsMasterKeyId: this.key.arn },
            { parent: this },
        );
        new aws.sns.TopicPolicy(
            `${name}-policy`,
            { arn: this.topic.arn, policy: toJson(alertTopicPolicy(this.topic.arn, args.accountId)) },
            { parent: this },
        );
        args.emails.forEach((email, i) => {
            new aws.sns.TopicSubscription(
                `${name}-email-${i}`,
                { topic: this.topic.arn, protocol: "email", endpoint: email },
                { parent: this },
            );
        });
        this.arn = this.topic.arn;
        this.registerOutputs({ arn: this.arn, keyArn: this.key.arn });
    }
}
