/**
 * IAM policy documents as typed values. Every key, vault, bucket, topic and role policy in the
 * program is built from these types, so the grammar (Version, Effect, Principal, Action, Resource,
 * Condition operators) is checked by the compiler rather than discovered by AWS.
 */
import * as pulumi from "@pulumi/pulumi";

export type ConditionOperator =
    | "StringEquals"
    | "StringNotEquals"
    | "StringNotEqualsIfExists"
    | "StringLike"
    | "StringNotLike"
    | "ArnEquals"
    | "ArnLike"
    | "ArnNotEquals"
    | "ArnNotLike"
    | "Bool"
    | "BoolIfExists"
    | "NumericLessThan"
    | "NumericGreaterThan"
    | "Null"
    | "ForAnyValue:StringEquals"
    | "ForAllValues:StringEquals"
    | "ForAnyValue:StringLike";

export type Principal =
    | "*"
    | { AWS: pulumi.Input<string> | pulumi.Input<string>[] }
    | { Service: string | string[] }
    /** An identity provider, for web-identity trust (GitHub Actions OIDC). */
    | { Federated: pulumi.Input<string> };

export interface PolicyStatement {
    Sid: string;
    Effect: "Allow" | "Deny";
    Principal?: Principal;
    NotPrincipal?: Principal;
    Action: string | string[];
    /** Required in identity and resource policies; forbidden in a role's trust policy. */
    Resource?: pulumi.Input<string> | pulumi.Input<string>[];
    Condition?: Partial<
        Record<ConditionOperator, Record<string, pulumi.Input<string> | pulumi.Input<string>[] | boolean>>
    >;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

export function policyDocument(statements: PolicyStatement[]): PolicyDocument {
    const sids = new Set<string>();
    for (const s of statements) {
        if (!/^[A-Za-z0-9]+$/.test(s.Sid)) throw new Error(`IAM statement ids are alphanumeric: '${s.Sid}'`);
        if (sids.has(s.Sid)) throw new Error(`IAM statement ids must be unique within a policy: '${s.Sid}'`);
        sids.add(s.Sid);
    }
    return { Version: "2012-10-17", Statement: statements };
}

/** Serialises a document whose values may be outputs. */
export function toJson(doc: PolicyDocument): pulumi.Output<string> {
    return pulumi.jsonStringify(doc);
}

/**
 * A trust policy for an AWS service. Pass `sourceAccount` where the service sends aws:SourceAccount
 * when it assumes the role (the confused-deputy guard); leave it out where the service does not.
 */
export function serviceTrustPolicy(service: string, sourceAccount?: string): PolicyDocument {
    return policyDocument([
        {
            Sid: "TrustService",
            Effect: "Allow",
            Principal: { Service: service },
            Action: "sts:AssumeRole",
            ...(sourceAccount ? { Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } } } : {}),
        },
    ]);
}

/**
 * A dead-letter queue's policy for EventBridge: only the named rules may put the events they could
 * not deliver (aws:SourceArn, the confused-deputy guard EventBridge's DLQ documentation asks for).
 */
export function ruleDeadLetterQueuePolicy(
    queueArn: pulumi.Input<string>,
    ruleArns: pulumi.Input<string> | pulumi.Input<string>[],
): PolicyDocument {
    return policyDocument([
        {
            Sid: "UndeliveredRuleEvents",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sqs:SendMessage",
            Resource: queueArn,
            Condition: { ArnEquals: { "aws:SourceArn": ruleArns } },
        },
    ]);
}

/**
 * What every Lambda function of the program needs for itself beyond its work: send a failed async
 * event to its dead-letter queue (the on-failure destination) and write its own log group's streams.
 */
export function functionOwnStatements(
    deadLetterQueueArn: pulumi.Input<string>,
    logGroupArn: pulumi.Input<string>,
): PolicyStatement[] {
    return [
        { Sid: "DeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: deadLetterQueueArn },
        {
            Sid: "Logs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: pulumi.interpolate`${logGroupArn}:*`,
        },
    ];
}
