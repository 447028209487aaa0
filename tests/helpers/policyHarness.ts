/**
 * Engine-like arguments for testing policies without the Pulumi CLI, in the manner of
 * pulumi-policy-aws's test utilities, with the engine's behaviour kept where it matters:
 *
 * - props pass through the policy SDK's own unknown-checking proxy, so a value marked `unknown.*`
 *   throws on access exactly as during `pulumi preview`, and the run reports it as the engine does;
 * - `isType`/`asType` match by type token (`__pulumiType`), `notApplicable` throws;
 * - `getConfig` returns the policy's config (never defaults: the engine passes none), stack tags
 *   come as a read-only map.
 *
 * Never construct a PolicyPack in a test: it starts a gRPC server that never exits. Import the
 * area modules' policies instead and run them here.
 */
import * as assert from "assert";
import type {
    PolicyProviderResource,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import {
    freezeTags,
    isTypeOf,
    PolicyOutcome,
    runResourcePolicy,
    runStackPolicy,
    throwNotApplicable,
} from "../../offline/policyCheck";
import type { RecordedResource } from "../../offline/types";

/** The policy SDK's proxy module (internal, untyped): the same sentinels and checks the engine uses. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T extends object>(value: T): T;
    unknownStringValue: string;
    unknownNumberValue: string;
    unknownBooleanValue: string;
    unknownArrayValue: string;
    unknownObjectValue: string;
};

/** Values unknown during preview (an output of a resource not yet created). */
export const unknown = {
    string: proxy.unknownStringValue as unknown as string,
    number: proxy.unknownNumberValue as unknown as number,
    boolean: proxy.unknownBooleanValue as unknown as boolean,
    array: proxy.unknownArrayValue as unknown as never[],
    object: proxy.unknownObjectValue as unknown as Record<string, never>,
};

export const PROJECT = "vat-backup";
export const STACK = "test";

export function urnOf(type: string, name: string, stack = STACK): string {
    return `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`;
}

export interface EngineContext {
    stackTags?: Record<string, string>;
    /** What `getConfig()` returns to the policy: its entry of --policy-pack-config, without enforcementLevel. */
    config?: Record<string, unknown>;
}

export interface FakeProvider {
    type?: string;
    name?: string;
    props: Record<string, unknown>;
}

export interface ResourceOptions extends EngineContext {
    name?: string;
    urn?: string;
    protect?: boolean;
    parent?: string;
    provider?: FakeProvider;
}

function providerOf(p: FakeProvider | undefined): PolicyProviderResource | undefined {
    if (!p) return undefined;
    const name = p.name ?? "provider";
    const type = p.type ?? "pulumi:providers:aws";
    return { type, name, urn: urnOf(type, name), props: proxy.unknownCheckingProxy({ ...p.props }) };
}

function optionsOf(protect: boolean | undefined, parent: string | undefined) {
    return {
        protect: protect ?? false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(parent ? { parent } : {}),
    };
}

/** Arguments for a resource policy: the resource's inputs as the engine passes them. */
export function resourceArgs(
    type: string,
    props: Record<string, unknown>,
    options: ResourceOptions = {},
): ResourceValidationArgs {
    const name = options.name ?? "subject";
    const proxied = proxy.unknownCheckingProxy(structuredClone(props));
    const args: ResourceValidationArgs = {
        type,
        props: proxied,
        urn: options.urn ?? urnOf(type, name),
        name,
        opts: optionsOf(options.protect, options.parent),
        stackTags: freezeTags(options.stackTags ?? {}),
        isType: (cls) => isTypeOf(type, cls),
        asType: (cls) => (isTypeOf(type, cls) ? (proxied as never) : undefined),
        getConfig: <T extends object>() => ({ ...options.config }) as T,
        notApplicable: throwNotApplicable,
    };
    const provider = providerOf(options.provider);
    if (provider) args.provider = provider;
    return args;
}

export interface FakeResource {
    type: string;
    name: string;
    props: Record<string, unknown>;
    protect?: boolean;
    /** Name of the parent resource in the same list. */
    parent?: string;
    /** Names of resources in the same list this one depends on. */
    dependencies?: string[];
    /** Per property, names of the resources in the same list it depends on (known even when the value is not). */
    propertyDependencies?: Record<string, string[]>;
    provider?: FakeProvider;
}

/** Arguments for a stack policy: every resource, linked by name to parents and dependencies. */
export function stackArgs(resources: FakeResource[], context: EngineContext = {}): StackValidationArgs {
    const byName = new Map<string, PolicyResource>();
    const built = resources.map((r) => {
        const proxied = proxy.unknownCheckingProxy(structuredClone(r.props));
        const resource: PolicyResource = {
            type: r.type,
            name: r.name,
            urn: urnOf(r.type, r.name),
            props: proxied,
            opts: optionsOf(
                r.protect,
                r.parent ? urnOf(resources.find((p) => p.name === r.parent)?.type ?? "", r.parent) : undefined,
            ),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isTypeOf(r.type, cls),
            asType: (cls) => (isTypeOf(r.type, cls) ? (proxied as never) : undefined),
        };
        const provider = providerOf(r.provider);
        if (provider) resource.provider = provider;
        byName.set(r.name, resource);
        return resource;
    });
    const find = (name: string) => {
        const found = byName.get(name);
        if (!found) throw new Error(`fixture refers to '${name}', which is not in the resource list`);
        return found;
    };
    resources.forEach((r, i) => {
        if (r.parent) built[i].parent = find(r.parent);
        built[i].dependencies = (r.dependencies ?? []).map(find);
        for (const [key, names] of Object.entries(r.propertyDependencies ?? {}))
            built[i].propertyDependencies[key] = names.map(find);
    });
    const args: StackValidationArgs = {
        resources: built,
        stackTags: freezeTags(context.stackTags ?? {}),
        getConfig: <T extends object>() => ({ ...context.config }) as T,
        notApplicable: throwNotApplicable,
    };
    return args;
}

/** Runs a policy over its arguments with the engine's handling of notApplicable and unknowns. */
export function runPolicy(policy: ResourceValidationPolicy, args: ResourceValidationArgs): PolicyOutcome;
export function runPolicy(policy: StackValidationPolicy, args: StackValidationArgs): PolicyOutcome;
export function runPolicy(
    policy: ResourceValidationPolicy | StackValidationPolicy,
    args: ResourceValidationArgs | StackValidationArgs,
): PolicyOutcome {
    return "validateStack" in policy
        ? runStackPolicy(policy, args as StackValidationArgs)
        : runResourcePolicy(policy, args as ResourceValidationArgs);
}

/** Asserts exactly one violation, whose message contains `fragment` (and, when given, whose urn is `urn`). */
export function assertViolation(outcome: PolicyOutcome, fragment: string, urn?: string): void {
    assert.strictEqual(outcome.previewSkipped, undefined, `policy did not run: ${outcome.previewSkipped}`);
    assert.strictEqual(outcome.notApplicable, undefined, `policy was not applicable: ${outcome.notApplicable}`);
    const messages = outcome.violations.map((v) => v.message);
    assert.strictEqual(
        outcome.violations.length,
        1,
        `expected one violation, got ${messages.length}:\n${messages.join("\n")}`,
    );
    assert.ok(messages[0].includes(fragment), `violation "${messages[0]}" does not contain "${fragment}"`);
    if (urn !== undefined) assert.strictEqual(outcome.violations[0].urn, urn);
}

/** Asserts the policy ran, applied, and found nothing. */
export function assertCompliant(outcome: PolicyOutcome): void {
    assert.strictEqual(outcome.previewSkipped, undefined, `policy did not run: ${outcome.previewSkipped}`);
    assert.strictEqual(outcome.notApplicable, undefined, `policy was not applicable: ${outcome.notApplicable}`);
    assert.deepStrictEqual(
        outcome.violations.map((v) => v.message),
        [],
    );
}

export function assertNotApplicable(outcome: PolicyOutcome, fragment = ""): void {
    assert.ok(outcome.notApplicable !== undefined, `expected notApplicable, got ${JSON.stringify(outcome)}`);
    assert.ok(
        outcome.notApplicable.includes(fragment),
        `reason "${outcome.notApplicable}" does not contain "${fragment}"`,
    );
    assert.deepStrictEqual(outcome.violations, []);
}

/** A record as the offline engine writes it, for checkPolicies. */
export function recorded(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    extra: Partial<RecordedResource> = {},
): RecordedResource {
    return {
        urn: urnOf(type, name),
        type,
        name,
        custom: !type.startsWith("pulumi:pulumi:") && !type.startsWith("backup:"),
        parent: null,
        provider: null,
        protect: false,
        inputs,
        outputs: {},
        ...extra,
    };
}
