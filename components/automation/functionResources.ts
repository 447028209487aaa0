/**
 * What every Lambda function of the program has beside it: a dead-letter queue for the async events
 * it could not process (its on-failure destination; SQS-managed encryption, 14 days, the longest
 * SQS keeps a message) and its own log group with a retention. Children keep the names
 * `${name}-dlq` and `${name}-logs` under the calling component.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export function functionQueueAndLogs(
    name: string,
    functionName: string,
    logRetentionDays: number,
    parent: pulumi.Resource,
): { deadLetterQueue: aws.sqs.Queue; logGroup: aws.cloudwatch.LogGroup } {
    const deadLetterQueue = new aws.sqs.Queue(
        `${name}-dlq`,
        { name: `${functionName}-dlq`, sqsManagedSseEnabled: true, messageRetentionSeconds: 1209600 },
        { parent },
    );
    const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-logs`,
        { name: `/aws/lambda/${functionName}`, retentionInDays: logRetentionDays },
        { parent },
    );
    return { deadLetterQueue, logGroup };
}
