/**
 * Joining resources that refer to each other, the way the engine shows them to a stack policy.
 *
 * During preview the id or ARN of a resource being created is unknown, and reading it through the
 * engine's proxy throws. The engine also tells which resources each property depends on
 * (`propertyDependencies`), which is known even then: a joined resource is found by that first and
 * by value only when the property has no dependency (a literal name, or the offline plan).
 */
import type { PolicyResource } from "@pulumi/policy";

/** What `readOrUnknown` returns for a value the engine does not know yet. */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");

function isUnknownValueError(e: unknown): boolean {
    return e instanceof Error && e.constructor.name === "UnknownValueError";
}

/**
 * Reads a value that may be unknown during preview, telling unknown apart from absent. A policy
 * that lets the engine's error escape is reported whole as advisory ("can't run during preview"),
 * so the violations it already found stop blocking; a value it cannot judge yet is skipped instead
 * (the engine runs the policy again during the update, when the value is known).
 */
export function readOrUnknown<T>(read: () => T): T | typeof UNKNOWN {
    try {
        return read();
    } catch (e) {
        if (isUnknownValueError(e)) return UNKNOWN;
        throw e;
    }
}

/** Reads a value that may be unknown during preview; unknown reads as undefined. */
export function readKnown<T>(read: () => T): T | undefined {
    const value = readOrUnknown(read);
    return value === UNKNOWN ? undefined : value;
}

/** The known strings of a list-valued property (unknown elements and a wholly unknown list are skipped). */
export function knownStrings(read: () => unknown): string[] {
    const list = readKnown(read);
    if (!Array.isArray(list)) return typeof list === "string" ? [list] : [];
    const out: string[] = [];
    for (let i = 0; i < list.length; i++) {
        const v = readKnown(() => list[i]);
        if (typeof v === "string") out.push(v);
    }
    return out;
}

export function dependsOn(r: PolicyResource, property: string, target: PolicyResource): boolean {
    const deps = r.propertyDependencies?.[property];
    return !!deps && deps.some((d) => d.urn === target.urn);
}

/**
 * Resources indexed by what one of their properties refers to: the URNs it depends on, or else
 * its value. `find` then looks a target up by its URN and by each of its identifying values.
 */
export class ReferenceIndex {
    private readonly byKey = new Map<string, PolicyResource[]>();

    constructor(resources: PolicyResource[], property: string) {
        for (const r of resources) {
            const deps = r.propertyDependencies?.[property] ?? [];
            if (deps.length > 0) {
                for (const d of deps) this.add(d.urn, r);
                continue;
            }
            const value = readKnown(() => r.props[property]);
            if (typeof value === "string") this.add(value, r);
        }
    }

    find(target: PolicyResource, identifiers: (string | undefined)[]): PolicyResource[] {
        const found = new Set<PolicyResource>(this.byKey.get(target.urn) ?? []);
        for (const key of identifiers) {
            if (key) for (const r of this.byKey.get(key) ?? []) found.add(r);
        }
        return [...found];
    }

    private add(key: string, r: PolicyResource): void {
        const list = this.byKey.get(key);
        if (list) list.push(r);
        else this.byKey.set(key, [r]);
    }
}
