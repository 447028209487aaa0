/**
 * Reads the stack config once, validates it, and hands out a typed object.
 *
 * `loadStackConfig()` is what the Pulumi program calls; `parseStackConfig()` takes the same keys as
 * a plain object, for the offline plan, the DR command line and tests.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { z } from "zod";
import { PROJECT } from "../../naming";
import { StackConfig, stackConfigSchema } from "./schema";

export * from "./schema";

/** The config was rejected: every problem is listed, each with its key, value and rule. */
export class ConfigError extends Error {
    constructor(
        readonly stack: string,
        readonly problems: string[],
    ) {
        super(
            `Invalid config for stack '${stack}' (nothing was created):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
        this.name = "ConfigError";
    }
}

/** The value at a zod issue path, shown back to the user beside the rule it breaks. */
function valueAt(raw: unknown, keyPath: PropertyKey[]): unknown {
    let cur: unknown = raw;
    for (const key of keyPath) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<PropertyKey, unknown>)[key];
    }
    return cur;
}

function describe(value: unknown): string {
    if (value === undefined) return "(missing)";
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function formatIssue(raw: Record<string, unknown>, issue: z.core.$ZodIssue): string {
    const [top, ...rest] = issue.path;
    const key = `${PROJECT}:${String(top ?? "")}${rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}`;
    if (issue.code === "unrecognized_keys") {
        const where = issue.path.length ? `${key}.` : `${PROJECT}:`;
        return issue.keys.map((k) => `${where}${k}: unknown key (a typo? nothing reads it)`).join("\n  - ");
    }
    if (issue.code === "invalid_key") {
        // A record key broke its rule: the key itself is the value to show.
        return `${key}: ${issue.issues.map((inner) => inner.message).join("; ")}`;
    }
    return `${key} = ${describe(valueAt(raw, issue.path))}: ${issue.message}`;
}

/** Validates the project's config keys (without the `vat-backup:` prefix). Throws ConfigError. */
export function parseStackConfig(raw: Record<string, unknown>, stack: string): StackConfig {
    const result = stackConfigSchema.safeParse(raw);
    if (!result.success) {
        throw new ConfigError(
            stack,
            result.error.issues.map((issue) => formatIssue(raw, issue)),
        );
    }
    const cfg = result.data;
    // Data is protected by default in prod and in the backup and management accounts.
    const protectData = cfg.protectData ?? (cfg.role !== "deployment" || cfg.environment === "prod");
    return { ...cfg, protectData } as StackConfig;
}

/**
 * Turns `project:key` config entries into an object of the project's keys. Pulumi hands structured
 * values over as JSON text; plain strings stay strings.
 */
export function projectKeys(all: Record<string, string>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(all)) {
        const [ns, key] = fullKey.split(":", 2);
        if (ns !== PROJECT || key === undefined) continue;
        out[key] = parseConfigText(text);
    }
    return out;
}

function parseConfigText(text: string): unknown {
    const trimmed = text.trim();
    if (/^[[{]/.test(trimmed) || trimmed === "true" || trimmed === "false") {
        try {
            return JSON.parse(trimmed);
        } catch {
            return text;
        }
    }
    if (/^-?\d+(\.\d+)?$/.test(trimmed) && !/^\d{12}$/.test(trimmed)) return Number(trimmed);
    return text;
}

/** Called by the Pulumi program: the running stack's config, validated. */
export function loadStackConfig(): StackConfig {
    // Imported here so that the DR command line can use this module without loading the Pulumi SDK.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    return parseStackConfig(projectKeys(pulumi.runtime.allConfig()), pulumi.getStack());
}

/** The marker for encrypted config values, which cannot be read without the stack's secrets provider. */
export const SECRET_PLACEHOLDER = "[secret]";

/** The config section of a `Pulumi.<stack>.yaml`, as the CLI would pass it to the program (`ns:key` → text). */
export function readStackFile(stack: string, projectDir = path.resolve(__dirname, "../..")): Record<string, string> {
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        const known = fs
            .readdirSync(projectDir)
            .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
            .map((f) => f.slice(7, -5));
        throw new Error(`No stack '${stack}': ${file} does not exist (stacks here: ${known.join(", ") || "none"})`);
    }
    const doc = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
        config[fullKey] = toConfigText(value);
    }
    return config;
}

function toConfigText(value: unknown): string {
    if (value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value)
        return SECRET_PLACEHOLDER;
    if (typeof value === "string") return value;
    return JSON.stringify(replaceSecrets(value));
}

function replaceSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(replaceSecrets);
    if (value !== null && typeof value === "object") {
        if ("secure" in value && Object.keys(value).length === 1) return SECRET_PLACEHOLDER;
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceSecrets(v)]));
    }
    return value;
}
