/**
 * Runs the policy pack over what the offline engine recorded, as the Pulumi engine runs it during
 * `pulumi preview --policy-pack policies`: resource policies once per resource of a matching type,
 * seeing its inputs only; stack policies once with every resource's planned state, inputs and
 * outputs (parent, dependencies, provider and `protect` filled in),
 * each at its enforcement level unless the config overrides it as `--policy-pack-config` does.
 *
 * The engine's own rules are kept: the pack config is reconciled as the CLI does it (schema
 * defaults, `all`, each policy's entry, schema validation; see policyPackConfig.ts), a disabled
 * policy does not run, `remediate` reports as mandatory, `notApplicable()` ends a policy for that
 * resource silently, props pass through the policy SDK's unknown-checking proxy so a policy that
 * reads a value unknown during preview is reported as an advisory "can't run during preview", and
 * any other error fails the run (the CLI fails the preview).
 *
 * tests/policies/analyzer.spec.ts runs the same records through the real analyzer process
 * (`@pulumi/pulumi/cmd/run-policy-pack` over gRPC) and requires the same verdicts.
 */
import type {
    EnforcementLevel,
    Policies,
    Policy,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { allPolicies, PACK_ENFORCEMENT_LEVEL, POLICY_PACK_NAME } from "../policies/areas";
import { version as PACK_VERSION } from "../policies/package.json";
import { resourceTypesOf } from "../policies/lib/policy";
import { AUTO_NAME_PROPERTY } from "./mocks";
import {
    PolicyConfigEntry,
    PolicyPackConfig,
    parsePolicyPackConfig,
    policyInfosOf,
    reconcilePolicyPackConfig,
} from "./policyPackConfig";
import type { PolicyViolation, RecordedResource } from "./types";

export type { PolicyPackConfig } from "./policyPackConfig";

/** The policy SDK's proxy (internal, untyped): the same unknown sentinels and checks the analyzer uses. */
// The module has no type declarations of its own, so it is loaded untyped and given its one function's type.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownCheckingProxy } = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T extends object>(value: T): T;
};

export interface PolicyCheckOptions {
    stack: string;
    project: string;
    stackTags?: Record<string, string>;
    config?: PolicyPackConfig;
    /** The policies to run; the whole pack by default. */
    policies?: Policies;
}

export class NotApplicableError extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "Policy does not apply");
    }
}

export function throwNotApplicable(reason?: string): never {
    throw new NotApplicableError(reason);
}

function isUnknownValueError(e: unknown): e is Error {
    return e instanceof Error && e.constructor.name === "UnknownValueError";
}

export function isResourcePolicy(p: Policy): p is ResourceValidationPolicy {
    return (p as ResourceValidationPolicy).validateResource !== undefined;
}

export function isStackPolicy(p: Policy): p is StackValidationPolicy {
    return typeof (p as StackValidationPolicy).validateStack === "function";
}

/** Every policy's level and settings, as the CLI hands them to the analyzer's Configure call. */
export function reconciledConfig(
    config: PolicyPackConfig = {},
    policies: Policies = allPolicies,
): Record<string, PolicyConfigEntry> {
    return reconcilePolicyPackConfig(policyInfosOf(policies, PACK_ENFORCEMENT_LEVEL), parsePolicyPackConfig(config));
}

/** The level a policy runs at: its config's level, else `all`'s, else its own, else the pack's. */
export function enforcementLevelOf(policy: Policy, config: PolicyPackConfig = {}): EnforcementLevel {
    return reconciledConfig(config, [policy])[policy.name].enforcementLevel ?? PACK_ENFORCEMENT_LEVEL;
}

/** What `args.getConfig()` returns: the policy's settings (schema defaults, then the config's), without its level. */
export function policyConfigOf(policy: Policy, config: PolicyPackConfig = {}): Record<string, unknown> {
    return reconciledConfig(config, [policy])[policy.name].properties ?? {};
}

export interface PolicyOutcome {
    violations: { message: string; urn?: string }[];
    /** Set when the policy called notApplicable(). */
    notApplicable?: string;
    /** Set when the policy read a value unknown during preview; the engine reports it as advisory. */
    previewSkipped?: string;
}

function settle(policy: Policy, outcome: PolicyOutcome, run: () => unknown): void {
    try {
        const result = run();
        if (result instanceof Promise)
            throw new Error("asynchronous validations are not supported by the offline policy run");
    } catch (e) {
        if (e instanceof NotApplicableError) outcome.notApplicable = e.reason ?? e.message;
        else if (isUnknownValueError(e)) {
            outcome.previewSkipped = `can't run policy '${policy.name}' from policy pack '${POLICY_PACK_NAME}@v${PACK_VERSION}' during preview: ${e.message}`;
        } else {
            const message = e instanceof Error ? e.message : String(e);
            throw new Error(
                `Error validating with policy '${policy.name}' from policy pack '${POLICY_PACK_NAME}': ${message}`,
            );
        }
    }
}

/** Runs one resource policy's validations, as the engine's analyze call does. */
export function runResourcePolicy(policy: ResourceValidationPolicy, args: ResourceValidationArgs): PolicyOutcome {
    const outcome: PolicyOutcome = { violations: [] };
    const validations = Array.isArray(policy.validateResource)
        ? policy.validateResource
        : policy.validateResource
          ? [policy.validateResource]
          : [];
    for (const validate of validations) {
        // The engine ignores a urn passed for a resource policy: the violation is the resource's.
        settle(policy, outcome, () => validate(args, (message) => outcome.violations.push({ message, urn: args.urn })));
    }
    return outcome;
}

/** Runs one stack policy, as the engine's analyzeStack call does. */
export function runStackPolicy(policy: StackValidationPolicy, args: StackValidationArgs): PolicyOutcome {
    const outcome: PolicyOutcome = { violations: [] };
    settle(policy, outcome, () =>
        policy.validateStack(args, (message, urn) => outcome.violations.push({ message, urn })),
    );
    return outcome;
}

/** Type matching as the engine does it: by the class's `__pulumiType`, else its `isInstance`. */
export function isTypeOf(type: string, resourceClass: unknown): boolean {
    const token = (resourceClass as { __pulumiType?: unknown } | undefined)?.__pulumiType;
    if (typeof token === "string" && token.length > 0) return token === type;
    const isInstance = (resourceClass as { isInstance?: unknown } | undefined)?.isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

export function freezeTags(tags: Record<string, string>): ReadonlyMap<string, string> {
    return new Map(Object.entries(tags));
}

function optionsOf(record: RecordedResource): PolicyResourceOptions {
    const opts: PolicyResourceOptions = {
        protect: record.protect,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
    };
    if (record.parent) opts.parent = record.parent;
    return opts;
}

/** A provider reference may be `urn` or `urn::id`. */
function providerRecord(ref: string | null, byUrn: Map<string, RecordedResource>): RecordedResource | undefined {
    if (!ref) return undefined;
    return byUrn.get(ref) ?? byUrn.get(ref.slice(0, ref.lastIndexOf("::")));
}

interface Prepared {
    record: RecordedResource;
    /** What a resource policy sees: the resource's (checked) inputs only, as the engine's analyze call passes them. */
    inputs: Record<string, unknown>;
    /** What a stack policy sees: the planned state, inputs with the outputs merged over them. */
    state: Record<string, unknown>;
    opts: PolicyResourceOptions;
    provider?: PolicyProviderResource;
}

/**
 * The inputs after the provider's Check, which is what the engine shows a resource policy: the
 * program's inputs plus the physical name the provider generates when the program gives none.
 */
export function checkedInputs(record: RecordedResource): Record<string, unknown> {
    const inputs = { ...record.inputs };
    const autoName = AUTO_NAME_PROPERTY[record.type];
    if (autoName && inputs[autoName] === undefined && record.outputs[autoName] !== undefined)
        inputs[autoName] = record.outputs[autoName];
    return inputs;
}

function prepare(records: RecordedResource[]): Prepared[] {
    const byUrn = new Map(records.map((r) => [r.urn, r]));
    return records.map((record) => {
        const prepared: Prepared = {
            record,
            inputs: unknownCheckingProxy(checkedInputs(record)),
            state: unknownCheckingProxy({ ...record.inputs, ...record.outputs }),
            opts: optionsOf(record),
        };
        const p = providerRecord(record.provider, byUrn);
        if (p)
            prepared.provider = {
                type: p.type,
                urn: p.urn,
                name: p.name,
                props: unknownCheckingProxy({ ...p.inputs, ...p.outputs }),
            };
        return prepared;
    });
}

/** The stack's resources as a stack policy sees them, with parents and dependencies linked. */
function stackResources(prepared: Prepared[]): PolicyResource[] {
    const resources: PolicyResource[] = prepared.map(({ record, state: props, opts, provider }) => {
        const resource: PolicyResource = {
            type: record.type,
            name: record.name,
            urn: record.urn,
            props,
            opts,
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isTypeOf(record.type, cls),
            asType: (cls) => (isTypeOf(record.type, cls) ? (props as never) : undefined),
        };
        if (provider) resource.provider = provider;
        return resource;
    });
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const link = (urns: string[] | undefined) =>
        (urns ?? []).map((u) => byUrn.get(u)).filter((r): r is PolicyResource => !!r);
    prepared.forEach(({ record }, i) => {
        const resource = resources[i];
        const parent = record.parent ? byUrn.get(record.parent) : undefined;
        if (parent) resource.parent = parent;
        resource.dependencies = link(record.dependencies);
        for (const [key, urns] of Object.entries(record.propertyDependencies ?? {}))
            resource.propertyDependencies[key] = link(urns);
    });
    return resources;
}

export function stackUrn(resources: RecordedResource[], stack: string, project: string): string {
    return (
        resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ??
        `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`
    );
}

/** Every violation of every policy of the pack over the recorded resources. */
export function checkPolicies(resources: RecordedResource[], options: PolicyCheckOptions): PolicyViolation[] {
    const policies = options.policies ?? allPolicies;
    const config = reconciledConfig(options.config ?? {}, policies);
    const stackTags = freezeTags({ "pulumi:project": options.project, ...options.stackTags });
    const fallbackUrn = stackUrn(resources, options.stack, options.project);
    const violations: PolicyViolation[] = [];
    const prepared = prepare(resources);

    const report = (policy: Policy, level: EnforcementLevel, outcome: PolicyOutcome) => {
        for (const v of outcome.violations)
            violations.push({ policy: policy.name, level, urn: v.urn ?? fallbackUrn, message: v.message });
        if (outcome.previewSkipped)
            violations.push({
                policy: policy.name,
                level: "advisory",
                urn: fallbackUrn,
                message: outcome.previewSkipped,
            });
    };
    const levelToReport = (policy: Policy): EnforcementLevel | undefined => {
        const level = config[policy.name].enforcementLevel ?? PACK_ENFORCEMENT_LEVEL;
        if (level === "disabled") return undefined;
        return level === "remediate" ? "mandatory" : level;
    };

    // One argument bag per resource, reused by every resource policy (only getConfig differs):
    // 10,000 resources times a dozen policies would otherwise allocate a hundred thousand bags.
    const resourceArgs: ResourceValidationArgs[] = prepared.map(({ record, inputs: props, opts, provider }) => {
        const args: ResourceValidationArgs = {
            type: record.type,
            props,
            urn: record.urn,
            name: record.name,
            opts,
            stackTags,
            isType: (cls) => isTypeOf(record.type, cls),
            asType: (cls) => (isTypeOf(record.type, cls) ? (props as never) : undefined),
            getConfig: <T extends object>() => ({}) as T,
            notApplicable: throwNotApplicable,
        };
        if (provider) args.provider = provider;
        return args;
    });

    let stackView: PolicyResource[] | undefined;
    for (const policy of policies) {
        const level = levelToReport(policy);
        if (!level) continue;
        const policyConfig = config[policy.name].properties ?? {};
        const getConfig = <T extends object>() => ({ ...policyConfig }) as T;
        if (isResourcePolicy(policy)) {
            const validations = Array.isArray(policy.validateResource)
                ? policy.validateResource
                : policy.validateResource
                  ? [policy.validateResource]
                  : [];
            for (const validate of validations) {
                const types = resourceTypesOf(validate);
                const single: ResourceValidationPolicy = { ...policy, validateResource: validate };
                for (const args of resourceArgs) {
                    if (types && !types.includes(args.type)) continue;
                    args.getConfig = getConfig;
                    report(policy, level, runResourcePolicy(single, args));
                }
            }
        } else if (isStackPolicy(policy)) {
            stackView ??= stackResources(prepared);
            report(
                policy,
                level,
                runStackPolicy(policy, {
                    resources: stackView,
                    stackTags,
                    getConfig,
                    notApplicable: throwNotApplicable,
                }),
            );
        }
    }
    return violations;
}

/** True when a violation must stop the deployment. */
export function isBlocking(violation: PolicyViolation): boolean {
    return violation.level === "mandatory";
}
