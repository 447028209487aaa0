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
 * - the monthly proofs (issue 17): a user-pool round trip wherever a user-pool export is scheduled
 *   (an export nobody ever imports is unproven), and an evidence pack: an enabled EventBridge
 *   Scheduler schedule whose input names the task (`users-round-trip`, `evidence-pack`) invokes a
 *   Lambda function of the stack.
 *
 * The policies read the rules' event patterns and the schedules' inputs, never the components that made them.
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
    SCHEDULER_SCHEDULE,
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

/**
 * The tasks of the stack's enabled schedules that invoke one of its Lambda functions (by the target's
 * ARN, or during preview, when the ARN is unknown, by the engine's dependency information), read from
 * the schedule's input (`{"task": ...}`); `undetermined` when an input is unknown during preview.
 */
export function scheduledTasks(resources: PolicyResource[]): { tasks: Set<string>; undetermined: boolean } {
    const functions = ofTypes(resources, LAMBDA_FUNCTION);
    const arns = new Set(
        functions.map((f) => readKnown(() => f.props.arn)).filter((a): a is string => typeof a === "string"),
    );
    const tasks = new Set<string>();
    let undetermined = false;
    for (const schedule of ofTypes(resources, SCHEDULER_SCHEDULE)) {
        if (readKnown(() => schedule.props.state) === "DISABLED") continue;
        const target = readOrUnknown(() => schedule.props.target as { arn?: unknown; input?: unknown } | undefined);
        if (target === UNKNOWN) {
            undetermined = true;
            continue;
        }
        const arn = readOrUnknown(() => target?.arn);
        const toFunction =
            arn === UNKNOWN
                ? (schedule.propertyDependencies?.target ?? []).some((d) => functions.some((f) => f.urn === d.urn))
                : typeof arn === "string" && (arns.has(arn) || arn.startsWith("arn:aws:lambda:"));
        if (!toFunction) continue;
        const input = readOrUnknown(() => target?.input);
        if (input === UNKNOWN) {
            undetermined = true;
            continue;
        }
        try {
            const task = (JSON.parse(String(input)) as { task?: unknown }).task;
            if (typeof task === "string") tasks.add(task);
        } catch {
            // Not a protection schedule's input.
        }
    }
    return { tasks, undetermined };
}

export const userPoolRoundTripRequired: StackValidationPolicy = {
    name: "user-pool-round-trip-required",
    description:
        "Production stacks that export a user pool on a schedule also prove the export monthly: an enabled EventBridge Scheduler " +
        "schedule invokes a Lambda function with the task 'users-round-trip' (the newest export imported into a scratch pool and compared).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
        "Keep `automation.userPoolRoundTrip.enabled` true: the deployment stack then creates the UserPoolRoundTrip component " +
        "(components/verification/userPoolRoundTrip.ts) and its monthly schedule.",
    configSchema: productionSchema,
    validateStack: validateStackWith([SCHEDULER_SCHEDULE], (args, report) => {
        const { tasks, undetermined } = scheduledTasks(args.resources);
        if (!tasks.has("user-pool-export") && !undetermined) args.notApplicable("No scheduled user-pool export");
        if (!productionOrStop(args, "user-pool-round-trip-required", report)) return;
        if (tasks.has("user-pool-export") && !tasks.has("users-round-trip") && !undetermined)
            report(
                "The user pool is exported on a schedule, but no enabled schedule runs the monthly round trip ('users-round-trip'): " +
                    "nobody learns that an export does not import until the day it is needed.",
            );
    }),
};

export const evidencePackRequired: StackValidationPolicy = {
    name: "evidence-pack-required",
    description:
        "Production stacks holding backups write a monthly evidence pack: an enabled EventBridge Scheduler schedule invokes a " +
        "Lambda function with the task 'evidence-pack' (restore tests, copy lags, audit results, drift and open gaps, under Object Lock).",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps:
        "Keep `automation.evidencePack.enabled` (deployment stacks) or `monitoring.evidencePack.enabled` (the backup stack) true: " +
        "the stack then creates the EvidencePack component (components/verification/evidencePack.ts) and its monthly schedule.",
    configSchema: productionSchema,
    validateStack: validateStackWith([VAULT], (args, report) => {
        if (!productionOrStop(args, "evidence-pack-required", report)) return;
        const { tasks, undetermined } = scheduledTasks(args.resources);
        if (!tasks.has("evidence-pack") && !undetermined)
            report(
                "The stack holds backups but no enabled schedule writes the monthly evidence pack ('evidence-pack'): an auditor " +
                    "gets no archived record of the month's restore tests, copies and audit results.",
            );
    }),
};

export const continuousProofPolicies = [
    tamperAlarmsRequired,
    restoreValidationRequired,
    userPoolRoundTripRequired,
    evidencePackRequired,
];
