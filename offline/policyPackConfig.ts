/**
 * `--policy-pack-config` as the Pulumi CLI reads it and hands it to the analyzer, so the offline
 * policy run and the real analyzer process see the same config.
 *
 * The rules are the CLI's (pulumi/pulumi pkg/resource/analyzer/config.go, `parsePolicyPackConfig`
 * and `ReconcilePolicyPackConfig`):
 * 1. the file maps a policy name (or `all`) to an enforcement level, or to an object of settings
 *    with an optional `enforcementLevel`; any other value, or an unknown level, is an error; an
 *    entry with neither level nor settings is dropped;
 * 2. every policy starts from its own level (else the pack's) and the `default` of each property
 *    of its config schema;
 * 3. `all`'s level, when given, replaces every policy's level;
 * 4. each policy's entry then sets its level and merges its settings over the defaults;
 * 5. the result is validated against each policy's schema (an object with the schema's
 *    `properties` and `required`); any error fails the run before a resource is analyzed.
 * The analyzer then receives, in one Configure call, every policy's level and settings.
 */
import Ajv from "ajv";
import type { EnforcementLevel, Policies, PolicyConfigSchema } from "@pulumi/policy";

/** The shape of a `--policy-pack-config` file. */
export type PolicyPackConfig = Record<string, EnforcementLevel | Record<string, unknown>>;

/** One policy's entry after parsing or reconciling: the level and the settings `getConfig()` returns. */
export interface PolicyConfigEntry {
    enforcementLevel?: EnforcementLevel;
    properties?: Record<string, unknown>;
}

/** What the analyzer's GetAnalyzerInfo reports of a policy, and all the CLI needs to reconcile. */
export interface PolicyInfo {
    name: string;
    enforcementLevel: EnforcementLevel;
    configSchema?: PolicyConfigSchema;
}

const LEVELS: readonly string[] = ["advisory", "mandatory", "remediate", "disabled"];
const isLevel = (v: unknown): v is EnforcementLevel => typeof v === "string" && LEVELS.includes(v);

export class PolicyPackConfigError extends Error {}

/** Step 1: the file as the CLI parses it. */
export function parsePolicyPackConfig(config: PolicyPackConfig): Record<string, PolicyConfigEntry> {
    const result: Record<string, PolicyConfigEntry> = {};
    for (const [name, value] of Object.entries(config)) {
        let entry: PolicyConfigEntry;
        if (typeof value === "string") {
            if (!isLevel(value))
                throw new PolicyPackConfigError(
                    `parsing enforcement level for "${name}": "${value}" is not a valid enforcement level`,
                );
            entry = { enforcementLevel: value };
        } else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
            const { enforcementLevel, ...properties } = value;
            if (enforcementLevel !== undefined && !isLevel(enforcementLevel))
                throw new PolicyPackConfigError(
                    `parsing enforcement level for "${name}": ${JSON.stringify(enforcementLevel)} is not a valid enforcement level`,
                );
            entry = {};
            if (enforcementLevel !== undefined) entry.enforcementLevel = enforcementLevel;
            if (Object.keys(properties).length > 0) entry.properties = properties;
        } else {
            throw new PolicyPackConfigError(
                `parsing "${name}": ${JSON.stringify(value)} is not a valid value; must be a string or object`,
            );
        }
        if (entry.enforcementLevel === undefined && entry.properties === undefined) continue;
        result[name] = entry;
    }
    return result;
}

/** The policy infos the analyzer would report for `policies` (makeAnalyzerInfo in @pulumi/policy). */
export function policyInfosOf(policies: Policies, packLevel: EnforcementLevel): PolicyInfo[] {
    return policies.map((p) => ({
        name: p.name,
        enforcementLevel: p.enforcementLevel ?? packLevel,
        ...(p.configSchema ? { configSchema: p.configSchema } : {}),
    }));
}

const ajv = new Ajv({ allErrors: true, strict: false });
/** Compiled validators by the schema's JSON: the analyzer's schemas arrive as new objects on every call. */
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

/** The schema the CLI validates a policy's settings with: an object of the schema's properties. */
function validatorFor(configSchema: PolicyConfigSchema): ReturnType<typeof ajv.compile> {
    const schema = {
        type: "object",
        ...(Object.keys(configSchema.properties ?? {}).length ? { properties: configSchema.properties } : {}),
        ...(configSchema.required?.length ? { required: configSchema.required } : {}),
    };
    const key = JSON.stringify(schema);
    let validate = validators.get(key);
    if (!validate) {
        validate = ajv.compile(schema);
        validators.set(key, validate);
    }
    return validate;
}

/** Steps 2 to 5: every policy's level and settings, or the validation errors the CLI reports. */
export function reconcilePolicyPackConfig(
    infos: PolicyInfo[],
    given: Record<string, PolicyConfigEntry>,
): Record<string, PolicyConfigEntry> {
    const result: Record<string, PolicyConfigEntry> = {};
    for (const info of infos) {
        const entry: PolicyConfigEntry = { enforcementLevel: info.enforcementLevel };
        for (const [key, schema] of Object.entries(info.configSchema?.properties ?? {})) {
            if (schema && typeof schema === "object" && "default" in schema) {
                entry.properties ??= {};
                entry.properties[key] = structuredClone(schema.default);
            }
        }
        result[info.name] = entry;
    }
    const allLevel = given.all?.enforcementLevel;
    if (allLevel) for (const entry of Object.values(result)) entry.enforcementLevel = allLevel;
    for (const [name, entry] of Object.entries(given)) {
        const out = result[name] ?? {};
        if (entry.enforcementLevel) out.enforcementLevel = entry.enforcementLevel;
        if (entry.properties) out.properties = { ...out.properties, ...structuredClone(entry.properties) };
        result[name] = out;
    }
    const errors: string[] = [];
    for (const info of infos) {
        if (!info.configSchema) continue;
        const validate = validatorFor(info.configSchema);
        if (!validate(result[info.name].properties ?? {})) {
            for (const e of validate.errors ?? [])
                errors.push(`${info.name}: ${e.instancePath ? `${e.instancePath.slice(1)}: ` : ""}${e.message ?? ""}`);
        }
    }
    if (errors.length)
        throw new PolicyPackConfigError(`policy pack configuration is invalid:\n  ${errors.join("\n  ")}`);
    return result;
}
