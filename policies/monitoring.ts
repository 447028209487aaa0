/**
 * What tells a person that backups stopped: alarms that notify someone, AWS Backup event rules that
 * are switched on, and restore tests that test something.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { knownStrings, readKnown, readOrUnknown, UNKNOWN } from "./lib/joins";
import { configWithDefaults, ofTypes, validateStackWith, validateTypes } from "./lib/policy";
import {
    EVENT_RULE,
    EventRuleProps,
    METRIC_ALARM,
    MetricAlarmProps,
    RESTORE_TESTING_PLAN,
    RESTORE_TESTING_SELECTION,
} from "./lib/tokens";

export interface AlarmActionsConfig {
    /** Namespaces whose alarms must notify; every alarm when empty. */
    namespaces: string[];
}

export const ALARM_NAMESPACES = ["AWS/Backup", "AWS/S3", "AWS/Lambda", "AWS/SQS", "AWS/Events"];

export const alarmsNotify: ResourceValidationPolicy = {
    name: "backup-alarms-notify",
    description:
        "Every alarm on backups, copies, replication and the DR functions has its actions enabled and at least one alarm action: an " +
        "alarm nobody hears is no alarm.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Set `actionsEnabled: true` (the default) and `alarmActions: [<alert topic ARN>]` on the alarm.",
    configSchema: {
        properties: {
            namespaces: { type: "array", items: { type: "string" }, default: ALARM_NAMESPACES },
        },
    },
    validateResource: validateTypes<MetricAlarmProps>(METRIC_ALARM, (alarm, args, reportViolation) => {
        const { namespaces } = configWithDefaults<AlarmActionsConfig>(args, { namespaces: ALARM_NAMESPACES });
        const namespace = readKnown(() => alarm.namespace);
        if (namespaces.length > 0 && typeof namespace === "string" && !namespaces.includes(namespace)) {
            args.notApplicable(`Alarms of ${namespace} are not among the configured namespaces`);
        }
        if (alarm.actionsEnabled === false) {
            reportViolation(
                `Alarm '${args.name}' has its actions disabled, so it notifies nobody. Set \`actionsEnabled: true\`.`,
            );
        }
        const actions = readOrUnknown(() => alarm.alarmActions);
        // A list built from outputs is unknown during preview; the engine checks it again during the update.
        if (actions !== UNKNOWN && (!Array.isArray(actions) || actions.length === 0)) {
            reportViolation(
                `Alarm '${args.name}' has no alarm actions, so it notifies nobody. Add the alert topic to \`alarmActions\`.`,
            );
        }
    }),
};

export const backupEventRulesEnabled: ResourceValidationPolicy = {
    name: "backup-event-rules-enabled",
    description: "Every EventBridge rule on AWS Backup events (source `aws.backup`) is enabled.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps: 'Set the rule\'s `state` to "ENABLED" (or omit it).',
    validateResource: validateTypes<EventRuleProps>(EVENT_RULE, (rule, args, reportViolation) => {
        const pattern = readKnown(() => rule.eventPattern);
        let sources: unknown = undefined;
        try {
            sources = typeof pattern === "string" ? (JSON.parse(pattern) as { source?: unknown }).source : undefined;
        } catch {
            sources = undefined;
        }
        if (!Array.isArray(sources) || !sources.includes("aws.backup")) {
            args.notApplicable("The rule does not match AWS Backup events");
        }
        const state = readKnown(() => rule.state);
        const disabled = state === "DISABLED" || (state === undefined && rule.isEnabled === false);
        if (disabled) {
            reportViolation(
                `EventBridge rule '${args.name}' on AWS Backup events is disabled, so the failures it watches for reach nobody. Set \`state: "ENABLED"\`.`,
            );
        }
    }),
};

export const restoreTestsSelectSomething: StackValidationPolicy = {
    name: "backup-restore-testing-selects",
    description:
        "Every AWS Backup restore testing plan has a selection that names at least one protected resource (ARNs or conditions): a plan " +
        "that selects nothing tests nothing.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        "Add an aws.backup.RestoreTestingSelection with `restoreTestingPlanName` the plan's name and `protectedResourceArns` listing the critical tables.",
    validateStack: validateStackWith([RESTORE_TESTING_PLAN], (args, reportViolation) => {
        const selections = ofTypes(args.resources, RESTORE_TESTING_SELECTION);
        for (const plan of ofTypes(args.resources, RESTORE_TESTING_PLAN)) {
            const name = readKnown(() => plan.props.name);
            const mine = selections.filter(
                (s) =>
                    (s.propertyDependencies?.restoreTestingPlanName ?? []).some((d) => d.urn === plan.urn) ||
                    (typeof name === "string" && readKnown(() => s.props.restoreTestingPlanName) === name),
            );
            const selecting = mine.filter((s) => {
                const arns = knownStrings(() => s.props.protectedResourceArns);
                const conditions = readKnown(() => s.props.protectedResourceConditions);
                return arns.length > 0 || (!!conditions && Object.keys(conditions).length > 0);
            });
            if (selecting.length === 0) {
                reportViolation(
                    `Restore testing plan '${typeof name === "string" ? name : plan.name}' ` +
                        (mine.length === 0 ? "has no selection" : "has selections that name no resource") +
                        ", so it restores nothing. Add a RestoreTestingSelection naming the critical tables.",
                    plan.urn,
                );
            }
        }
    }),
};

export const monitoringPolicies = [alarmsNotify, backupEventRulesEnabled, restoreTestsSelectSomething];
