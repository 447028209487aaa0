/**
 * Continuous proof of recoverability, in production stacks that hold backups (a backup vault):
 *
 * - tamper alarms: an enabled EventBridge rule with a target matches each API call that would
 *   silently weaken the backups ("AWS API Call via CloudTrail" events, Amazon EventBridge User Guide,
 *   "AWS service events delivered via AWS CloudTrail");
 * - restore validation: restore tests run (an AWS Backup restore testing plan) and an enabled rule
 *   sends completed restore jobs ("Restore Job State Change", status COMPLETED) to a Lambda function
 *   that checks the restored table and reports PutRestoreValidationResult (AWS Backup Developer
 *   Guide, "Restore testing validation").
 *
 * The policies read the rules' event patterns, never the components that made them.
 */
import type { PolicyResource, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { PRODUCTION_DEFAULTS, ProductionConfig, bucketTier, productionStatus } from "./lib/conventions";
import { ReferenceIndex, readKnown, readOrUnknown, UNKNOWN } from "./lib/joins";
import { configWithDefaults, ofTypes, validateStackWith } from "./lib/policy";
import {
    BUCKET,
    EVENT_RULE,
    EVENT_TARGET,
    LAMBDA_FUNCTION,
    RESTORE_TESTING_PLAN,
    SECRET_REPLICA,
    TABLE,
    TABLE_PITR,
    VAULT,
} from "./lib/tokens";

export const CLOUDTRAIL_API_CALL = "AWS API Call via CloudTrail";
export const RESTORE_JOB_STATE_CHANGE = "Restore Job State Change";

/** The calls a production stack must alarm on, and when (what the stack holds). */
export const TAMPER_CALLS: { eventName: string; when: "always" | "tables" | "buckets" | "secrets" }[] = [
    { eventName: "UpdateContinuousBackups", when: "tables" },
    { eventName: "DeleteRecoveryPoint", when: "always" },
    { eventName: "UpdateRecoveryPointLifecycle", when: "always" },
    { eventName: "DeleteBackupVaultLockConfiguration", when: "always" },
    { eventName: "DeleteBackupVaultAccessPolicy", when: "always" },
    { eventName: "PutBackupVaultAccessPolicy", when: "always" },
    { eventName: "DeleteBackupPlan", when: "always" },
    { eventName: "DeleteBackupSelection", when: "always" },
    { eventName: "DisableKey", when: "always" },
    { eventName: "ScheduleKeyDeletion", when: "always" },
    { eventName: "PutBucketVersioning", when: "buckets" },
    { eventName: "DeleteBucketReplication", when: "buckets" },
    { eventName: "RemoveRegionsFromReplication", when: "secrets" },
];

interface EventPattern {
    source?: unknown;
    "detail-type"?: unknown;
    detail?: Record<string, unknown>;
}

/** The rule's event pattern; `UNKNOWN` during preview when it is computed from another resource's output. */
function patternOf(rule: PolicyResource): EventPattern | undefined | typeof UNKNOWN {
    const text = readOrUnknown(() => rule.props.eventPattern);
    if (text === UNKNOWN) return UNKNOWN;
    if (typeof text !== "string") return undefined;
    try {
        const parsed = JSON.parse(text) as unknown;
        return parsed && typeof parsed === "object" ? (parsed as EventPattern) : undefined;
    } catch {
        return undefined;
    }
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

interface TargetedRule {
    rule: PolicyResource;
    pattern: EventPattern | typeof UNKNOWN;
    targets: PolicyResource[];
}

/**
 * Enabled rules that have at least one target, with their patterns. A pattern unknown during
 * preview is kept as `UNKNOWN`: such a rule may be the one a policy looks for, so the policy
 * judges it at the update instead of reporting it missing.
 */
function targetedRules(resources: PolicyResource[]): TargetedRule[] {
    const byRule = new ReferenceIndex(ofTypes(resources, EVENT_TARGET), "rule");
    const out: TargetedRule[] = [];
    for (const rule of ofTypes(resources, EVENT_RULE)) {
        if (readKnown(() => rule.props.state) === "DISABLED") continue;
        const pattern = patternOf(rule);
        if (!pattern) continue;
        const name = readKnown(() => rule.props.name);
        const targets = byRule.find(rule, [
            typeof name === "string" ? name : undefined,
            readKnown(() => rule.props.id) as string,
        ]);
        if (targets.length) out.push({ rule, pattern, targets });
    }
    return out;
}

function productionOrStop(
    args: Parameters<StackValidationPolicy["validateStack"]>[0],
    policyName: string,
    report: ReportViolation,
): boolean {
    const config = configWithDefaults<ProductionConfig>(args, PRODUCTION_DEFAULTS);
    const production = productionStatus(config, args.stackTags);
    if (production === false) args.notApplicable("Not a production stack");
    if (production === undefined) {
        report(
            `The stack's production status is unknown (neither this policy's config \`production\` nor the stack tag '${config.productionTagKey}' is set), ` +
                `so ${policyName} fails closed. Set the stack tag, or --policy-pack-config \`{ "${policyName}": { "production": true } }\` (or false).`,
        );
        return false;
    }
    return true;
}

const productionSchema = {
    properties: {
        production: {
            type: "boolean" as const,
            description: "Force the stack to count as production (true) or not (false).",
        },
        productionTagKey: { type: "string" as const, default: PRODUCTION_DEFAULTS.productionTagKey },
        productionTagValues: {
            type: "array" as const,
            items: { type: "string" as const },
            default: PRODUCTION_DEFAULTS.productionTagValues,
        },
    },
};

export const tamperAlarmsRequired: StackValidationPolicy = {
    name: "tamper-alarms-required",
    description:
        "Production stacks holding backups alarm within minutes on the API calls that weaken them (PITR off, recovery points " +
        "deleted or shortened, vault lock or policy removed, plans deleted, keys disabled or deleted, versioning suspended, " +
        "replication or secret replicas removed): an enabled EventBridge rule with a target matches each call.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Add the TamperAlarms component (components/monitoring/tamperAlarms.ts) to the stack, with the alert topic as destination.",
    configSchema: productionSchema,
    validateStack: validateStackWith([VAULT], (args, report) => {
        if (!productionOrStop(args, "tamper-alarms-required", report)) return;
        const holds = {
            always: true,
            tables: ofTypes(args.resources, [TABLE, TABLE_PITR]).length > 0,
            buckets: ofTypes(args.resources, BUCKET).some((b) => bucketTier(b.props) !== undefined),
            secrets: ofTypes(args.resources, SECRET_REPLICA).length > 0,
        };
        const watched = new Set<string>();
        let undetermined = false;
        for (const { pattern } of targetedRules(args.resources)) {
            if (pattern === UNKNOWN) {
                undetermined = true;
                continue;
            }
            if (!strings(pattern["detail-type"]).includes(CLOUDTRAIL_API_CALL)) continue;
            for (const name of strings(pattern.detail?.eventName)) watched.add(name);
        }
        const missing = TAMPER_CALLS.filter((c) => holds[c.when] && !watched.has(c.eventName)).map((c) => c.eventName);
        // A rule whose pattern is unknown during preview may watch the missing calls: judged at the update.
        if (missing.length && !undetermined)
            report(
                `No enabled EventBridge rule with a target alarms on ${missing.join(", ")} ("${CLOUDTRAIL_API_CALL}" events): ` +
                    "a change that weakens the backups would go unnoticed until the next daily check.",
            );
    }),
};

export const restoreValidationRequired: StackValidationPolicy = {
    name: "restore-validation-required",
    description:
        "Production stacks holding backups run AWS Backup restore tests and validate what each test restored: an enabled " +
        "EventBridge rule sends completed restore jobs to a Lambda function (which reports PutRestoreValidationResult).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Add the RestoreTesting and RestoreValidation components (components/verification/) to the stack's monitoring.",
    configSchema: productionSchema,
    validateStack: validateStackWith([VAULT], (args, report) => {
        if (!productionOrStop(args, "restore-validation-required", report)) return;
        if (ofTypes(args.resources, RESTORE_TESTING_PLAN).length === 0) {
            report("The stack holds backups but has no AWS Backup restore testing plan: no restore is ever tried.");
            return;
        }
        const functions = ofTypes(args.resources, LAMBDA_FUNCTION);
        const isFunctionTarget = (t: PolicyResource) => {
            const arn = readKnown(() => t.props.arn);
            if (typeof arn === "string" && arn.startsWith("arn:aws:lambda:")) return true;
            return (t.propertyDependencies?.arn ?? []).some((d) => functions.some((f) => f.urn === d.urn));
        };
        const toFunctions = targetedRules(args.resources).filter(({ targets }) => targets.some(isFunctionTarget));
        const validated = toFunctions.some(
            ({ pattern }) =>
                pattern !== UNKNOWN &&
                strings(pattern.source).includes("aws.backup") &&
                strings(pattern["detail-type"]).includes(RESTORE_JOB_STATE_CHANGE) &&
                strings(pattern.detail?.status).includes("COMPLETED"),
        );
        // A rule to a function whose pattern is unknown during preview may be the one: judged at the update.
        const undetermined = toFunctions.some(({ pattern }) => pattern === UNKNOWN);
        if (!validated && !undetermined)
            report(
                `Restore tests run, but no enabled EventBridge rule sends completed restore jobs ("${RESTORE_JOB_STATE_CHANGE}", status COMPLETED) ` +
                    "to a Lambda function: nothing checks what each test restored, and AWS Backup records no validation result.",
            );
    }),
};

export const continuousProofPolicies = [tamperAlarmsRequired, restoreValidationRequired];
