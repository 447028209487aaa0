/**
 * Reads a `--policy-pack-config` file the way the Pulumi CLI takes it, and rejects before anything
 * runs what the engine would reject or silently ignore: unreadable JSON, an unknown policy name
 * (a typo disables nothing and configures nothing), an unknown level, a setting the policy's
 * config schema does not declare or whose value breaks it. Every message names the file.
 */
import * as fs from "fs";
import type { EnforcementLevel, Policies, Policy } from "@pulumi/policy";
import { allPolicies } from "../policies/areas";
import { levenshtein } from "../stacks/config";
import type { PolicyPackConfig } from "./policyCheck";

export const ENFORCEMENT_LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** The pack config could not be used: exit 2, as for bad stack config. */
export class PackConfigError extends Error {
    constructor(
        readonly file: string,
        readonly problems: string[],
    ) {
        super(
            `Invalid policy pack config ${file} (nothing was checked):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
        this.name = "PackConfigError";
    }
}

/** Line and column of a character offset, for JSON.parse's "at position N". */
function lineOf(text: string, offset: number): string {
    const before = text.slice(0, offset).split("\n");
    return `${before.length}:${before[before.length - 1].length + 1}`;
}

function closest(name: string, candidates: string[]): string | undefined {
    const scored = candidates.map((c) => ({ c, d: levenshtein(name, c) })).sort((a, b) => a.d - b.d);
    return scored[0] && scored[0].d <= 3 ? scored[0].c : undefined;
}

interface SchemaProperty {
    type?: string;
    minimum?: number;
    maximum?: number;
    items?: { type?: string };
}

/** The problems of one setting against its schema property (the JSON Schema subset the pack uses). */
function checkSetting(key: string, value: unknown, schema: SchemaProperty): string | undefined {
    const type = schema.type;
    if (type === "integer" || type === "number") {
        if (typeof value !== "number" || (type === "integer" && !Number.isInteger(value)))
            return `${key} must be ${type === "integer" ? "a whole number" : "a number"}`;
        if (schema.minimum !== undefined && value < schema.minimum) return `${key} is at least ${schema.minimum}`;
        if (schema.maximum !== undefined && value > schema.maximum) return `${key} is at most ${schema.maximum}`;
    } else if (type === "boolean" && typeof value !== "boolean") return `${key} must be true or false`;
    else if (type === "string" && typeof value !== "string") return `${key} must be a string`;
    else if (type === "array") {
        if (!Array.isArray(value)) return `${key} must be a list`;
        if (schema.items?.type === "string" && value.some((v) => typeof v !== "string"))
            return `${key} must be a list of strings`;
    }
    return undefined;
}

function checkPolicyEntry(name: string, entry: unknown, policy: Policy | undefined): string[] {
    const levelProblem = (level: unknown) =>
        ENFORCEMENT_LEVELS.includes(level as EnforcementLevel)
            ? undefined
            : `"${name}": level ${JSON.stringify(level)} is not one of ${ENFORCEMENT_LEVELS.join(", ")}`;
    if (typeof entry === "string") return [levelProblem(entry)].filter((p): p is string => !!p);
    if (!entry || typeof entry !== "object" || Array.isArray(entry))
        return [`"${name}": give a level (${ENFORCEMENT_LEVELS.join(", ")}) or an object of settings`];
    const problems: string[] = [];
    const properties = (policy?.configSchema?.properties ?? {}) as Record<string, SchemaProperty>;
    for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
        if (key === "enforcementLevel") {
            const p = levelProblem(value);
            if (p) problems.push(p);
            continue;
        }
        if (name === "all") {
            problems.push(`"all" takes only a level or enforcementLevel, not "${key}"`);
            continue;
        }
        const schema = properties[key];
        if (!schema) {
            const known = Object.keys(properties);
            problems.push(
                `"${name}": unknown setting "${key}" (the policy reads ${known.length ? known.join(", ") : "no settings"})`,
            );
            continue;
        }
        const p = checkSetting(key, value, schema);
        if (p) problems.push(`"${name}": ${p}`);
    }
    return problems;
}

/** Parses and checks a pack config file; throws PackConfigError naming the file, the line where known, and the fix. */
export function readPackConfig(file: string, policies: Policies = allPolicies): PolicyPackConfig {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new PackConfigError(file, [
            `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}). Fix: pass the path of an existing JSON file`,
        ]);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (e) {
        const message = (e as Error).message;
        const at = /position (\d+)/.exec(message);
        throw new PackConfigError(file, [
            `${at ? `line ${lineOf(text, Number(at[1]))}: ` : ""}not valid JSON (${message}). Fix: correct the JSON there (no trailing commas or comments)`,
        ]);
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
        throw new PackConfigError(file, ["must be a JSON object mapping policy names to a level or settings"]);
    const names = policies.map((p) => p.name);
    const problems: string[] = [];
    for (const [name, entry] of Object.entries(parsed as Record<string, unknown>)) {
        const policy = policies.find((p) => p.name === name);
        if (!policy && name !== "all") {
            const guess = closest(name, names);
            problems.push(
                `"${name}" is not a policy of the pack${guess ? ` (did you mean "${guess}"?)` : ""}; the engine would ignore it. Fix: use one of ${names.join(", ")}`,
            );
            continue;
        }
        problems.push(...checkPolicyEntry(name, entry, policy));
    }
    if (problems.length > 0) throw new PackConfigError(file, problems);
    return parsed as PolicyPackConfig;
}
