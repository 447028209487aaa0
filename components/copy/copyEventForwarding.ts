/**
 * Forwards a deployment account's "copy into the central vault completed" (and, when asked,
 * "failed") events to the backup account's default event bus. A cross-account copy job belongs to
 * the account that started it, so its state-change event is raised there; the backup account's
 * second-region copy listens for completed copies, its alerting for failed ones.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, serviceTrustPolicy, toJson } from "../iam/policyDocument";
import { copyCompletedPattern } from "./secondRegionCopy";

export interface CopyEventForwardingArgs {
    accountId: string;
    centralVaultArn: pulumi.Input<string>;
    /** The backup account's default event bus in the central vault's region. */
    targetEventBusArn: string;
    roleName: string;
    /**
     * Copy states to forward: COMPLETED feeds the backup account's second-region copy; FAILED lets
     * the backup account alert on copies that never arrived (the job, and its event, live here).
     */
    states?: ForwardedCopyState[];
}

export type ForwardedCopyState = "COMPLETED" | "FAILED";

/** The forwarding rule's pattern: copies into the central vault that reached one of `states`. */
export function forwardedCopyPattern(centralVaultArn: string, states: ForwardedCopyState[]) {
    const pattern = copyCompletedPattern(centralVaultArn);
    return { ...pattern, detail: { ...pattern.detail, state: states } };
}

export class CopyEventForwarding extends pulumi.ComponentResource {
    readonly rule: aws.cloudwatch.EventRule;

    constructor(name: string, args: CopyEventForwardingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("backup:copy:CopyEventForwarding", name, {}, opts);
        const child = { parent: this };
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                name: args.roleName,
                assumeRolePolicy: toJson(serviceTrustPolicy("events.amazonaws.com", args.accountId)),
            },
            child,
        );
        new aws.iam.RolePolicy(
            `${name}-policy`,
            {
                role: role.name,
                name: "put-events-to-backup-account",
                policy: toJson(
                    policyDocument([
                        {
                            Sid: "ForwardToBackupAccount",
                            Effect: "Allow",
                            Action: "events:PutEvents",
                            Resource: args.targetEventBusArn,
                        },
                    ]),
                ),
            },
            child,
        );
        this.rule = new aws.cloudwatch.EventRule(
            `${name}-rule`,
            {
                name: `${args.roleName}-rule`,
                description:
                    "Copies into the backup account's central vault that completed (for its second-region copy) or failed (for its alerts)",
                eventPattern: pulumi
                    .output(args.centralVaultArn)
                    .apply((arn) => JSON.stringify(forwardedCopyPattern(arn, args.states ?? ["COMPLETED"]))),
            },
            child,
        );
        new aws.cloudwatch.EventTarget(
            `${name}-target`,
            { rule: this.rule.name, targetId: "backup-account-bus", arn: args.targetEventBusArn, roleArn: role.arn },
            child,
        );
        this.registerOutputs({ ruleArn: this.rule.arn });
    }
}
