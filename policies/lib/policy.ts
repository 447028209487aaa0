/**
 * Small helpers shared by the policy areas: type filtering by token, config with defaults, tags.
 */
import type {
    PolicyResource,
    ReportViolation,
    ResourceRemediation,
    ResourceValidation,
    ResourceValidationArgs,
    StackValidation,
    StackValidationArgs,
} from "@pulumi/policy";
import { readKnown } from "./joins";

const resourceTypes = new WeakMap<object, readonly string[]>();

/**
 * The type tokens a validation applies to, or undefined when it applies to every resource. The
 * offline runner uses this to skip resources without calling the policy.
 */
export function resourceTypesOf(validation: object): readonly string[] | undefined {
    return resourceTypes.get(validation);
}

/**
 * A resource validation that runs only for the given type tokens, with the properties typed.
 * Like the SDK's validateResourceOfType, but by token, so the pack never loads the provider SDK.
 * A single token is attached as `__pulumiType`, which the engine uses to skip other types cheaply.
 */
export function validateTypes<TProps>(
    tokens: string | readonly string[],
    validate: (props: TProps, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidation {
    const list = typeof tokens === "string" ? [tokens] : tokens;
    const fn: ResourceValidation = (args, reportViolation) => {
        if (!list.includes(args.type)) {
            args.notApplicable(`Policy only applies to resources of type ${list.map((t) => `'${t}'`).join(", ")}`);
        }
        validate(args.props as TProps, args, reportViolation);
    };
    if (list.length === 1) (fn as unknown as { __pulumiType: string }).__pulumiType = list[0];
    resourceTypes.set(fn, list);
    return fn;
}

/**
 * A stack validation that is not applicable when the stack holds none of the given types (so a
 * stack without tables does not fail a table policy), and otherwise sees every resource.
 */
export function validateStackWith(
    tokens: readonly string[],
    validate: (args: StackValidationArgs, reportViolation: ReportViolation) => void,
): StackValidation {
    return (args, reportViolation) => {
        if (!args.resources.some((r) => tokens.includes(r.type))) {
            args.notApplicable(
                `Policy only applies to stacks with resources of type ${tokens.map((t) => `'${t}'`).join(", ")}`,
            );
        }
        validate(args, reportViolation);
    };
}

/** The policy's config over its defaults: the engine passes `{}` when the user configured nothing. */
export function configWithDefaults<T extends object>(args: { getConfig<C extends object>(): C }, defaults: T): T {
    const given = args.getConfig<Partial<T>>();
    const merged = { ...defaults };
    for (const key of Object.keys(given) as (keyof T)[]) {
        if (given[key] !== undefined) merged[key] = given[key] as T[keyof T];
    }
    return merged;
}

/**
 * The resource's own tags. Provider default tags only appear in `tagsAll`, which is unknown during
 * preview, so a tag that decides a policy must be set on the resource itself.
 */
export function tagsOf(props: Record<string, unknown>): Record<string, string> {
    // During preview the whole map, or one value, may be unknown; only the known tags count.
    const tags = readKnown(() => props.tags);
    if (!tags || typeof tags !== "object") return {};
    const known: Record<string, string> = {};
    for (const key of Object.keys(tags)) {
        const value = readKnown(() => (tags as Record<string, unknown>)[key]);
        if (typeof value === "string") known[key] = value;
    }
    return known;
}

export function ofTypes(resources: PolicyResource[], tokens: string | readonly string[]): PolicyResource[] {
    const list = typeof tokens === "string" ? [tokens] : tokens;
    return resources.filter((r) => list.includes(r.type));
}

/** Glob match as AWS uses in ARNs and StringLike: `*` is any run of characters, `?` one character. */
export function globMatch(pattern: string, value: string): boolean {
    if (!pattern.includes("*") && !pattern.includes("?")) return pattern === value;
    const source = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${source}$`).test(value);
}

export function asArray<T>(value: T[] | undefined | null): T[] {
    return Array.isArray(value) ? value : [];
}

/** `name` (`urn`) for messages. */
export function describe(r: { name: string }): string {
    return `'${r.name}'`;
}

/**
 * A validation and its remediation from one function, like the SDK's validateRemediateResourceOfType
 * but by token: `check` reports each violation and returns the properties that would fix them (or
 * undefined when nothing needs fixing). At `remediate` the engine calls the remediation and applies
 * what it returns; at any other level only the violations are reported.
 */
export function validateRemediateTypes<TProps>(
    tokens: string | readonly string[],
    check: (
        props: TProps,
        args: ResourceValidationArgs,
        reportViolation: ReportViolation,
    ) => Record<string, unknown> | undefined,
): { validateResource: ResourceValidation; remediateResource: ResourceRemediation } {
    const list = typeof tokens === "string" ? [tokens] : tokens;
    const validateResource = validateTypes<TProps>(list, (props, args, reportViolation) => {
        check(props, args, reportViolation);
    });
    const remediateResource: ResourceRemediation = (args) => {
        if (!list.includes(args.type)) return undefined;
        return check(args.props as TProps, args, () => undefined);
    };
    return { validateResource, remediateResource };
}
