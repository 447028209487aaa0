/**
 * Every critical secret has a scheduled escrow outside its account: an EventBridge Scheduler
 * schedule (enabled) invokes a Lambda function of the stack whose settings list the secret among
 * those it escrows (`ESCROW_SECRETS`, a JSON list of `{name, versions}`). A replica in another
 * region (critical-secrets-replicated) survives a region; only an escrow survives the account.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { readKnown, readOrUnknown, UNKNOWN } from "./lib/joins";
import { configWithDefaults, ofTypes } from "./lib/policy";

export const SCHEDULE = "aws:scheduler/schedule:Schedule";
export const LAMBDA_FUNCTION = "aws:lambda/function:Function";

export interface CriticalSecretsEscrowConfig {
    criticalSecrets: string[];
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

/**
 * The secrets a function escrows, from its environment; an unreadable list escrows nothing, and a
 * list unknown during preview is `UNKNOWN` (the policy cannot judge it yet).
 */
export function escrowedBy(fn: PolicyResource): string[] | typeof UNKNOWN {
    const value = readOrUnknown(
        () => (fn.props.environment as { variables?: Record<string, unknown> })?.variables?.ESCROW_SECRETS,
    );
    if (value === UNKNOWN) return UNKNOWN;
    const text = str(value);
    if (!text) return [];
    try {
        const list: unknown = JSON.parse(text);
        return Array.isArray(list) ? list.map((e) => str((e as { name?: unknown })?.name) ?? "").filter(Boolean) : [];
    } catch {
        return [];
    }
}

/**
 * The functions of the stack a schedule invokes: by its target's ARN when known, else (during
 * preview, when the function's ARN is not known yet) by the engine's dependency information.
 */
function scheduledFunctions(
    schedule: PolicyResource,
    functions: PolicyResource[],
    functionsByArn: Map<string, PolicyResource>,
): PolicyResource[] {
    const target = readOrUnknown(() => (schedule.props.target as { arn?: unknown } | undefined)?.arn);
    if (target !== UNKNOWN) {
        const fn = str(target) ? functionsByArn.get(target as string) : undefined;
        return fn ? [fn] : [];
    }
    const deps = schedule.propertyDependencies?.target ?? [];
    return functions.filter((f) => deps.some((d) => d.urn === f.urn));
}

export const criticalSecretsEscrowed: StackValidationPolicy = {
    name: "critical-secrets-escrowed",
    description:
        "Every critical secret (this policy's `criticalSecrets`) is escrowed on a schedule: an enabled EventBridge Scheduler schedule invokes a function that lists it in ESCROW_SECRETS.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
        "Keep `automation.secretEscrow.enabled` true and list the secret under `secrets` with `critical: true`; the deployment stack then creates the escrow function and its daily schedule.",
    configSchema: {
        properties: { criticalSecrets: { type: "array", items: { type: "string" }, default: [] } },
    },
    validateStack: (args, reportViolation) => {
        const { criticalSecrets } = configWithDefaults<CriticalSecretsEscrowConfig>(args, { criticalSecrets: [] });
        if (criticalSecrets.length === 0) args.notApplicable("No critical secrets configured");
        const functions = ofTypes(args.resources, LAMBDA_FUNCTION);
        const functionsByArn = new Map<string, PolicyResource>();
        for (const fn of functions) {
            const arn = str(readKnown(() => fn.props.arn));
            if (arn) functionsByArn.set(arn, fn);
        }
        const scheduled = new Set<string>();
        // During preview a scheduled function's list may be unknown: what it escrows is judged at the update.
        let undetermined = false;
        for (const schedule of ofTypes(args.resources, SCHEDULE)) {
            if (str(readKnown(() => schedule.props.state)) === "DISABLED") continue;
            for (const fn of scheduledFunctions(schedule, functions, functionsByArn)) {
                const names = escrowedBy(fn);
                if (names === UNKNOWN) undetermined = true;
                else for (const name of names) scheduled.add(name);
            }
        }
        if (undetermined) return;
        for (const name of criticalSecrets) {
            if (!scheduled.has(name))
                reportViolation(
                    `Critical secret '${name}' has no scheduled escrow: no enabled schedule invokes a function that escrows it (ESCROW_SECRETS). Without one it has no copy outside the account.`,
                );
        }
    },
};

export const secretEscrowPolicies = [criticalSecretsEscrowed];
