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

/** Edit distance between two strings (insertions, deletions, substitutions). */
export function levenshtein(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++)
            current[j] = Math.min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
            );
        previous = current;
    }
    return previous[b.length];
}

/** A namespace this close to the project's is taken for a misspelling of it, not another tool's config. */
export const MISSPELLED_NAMESPACE_DISTANCE = 2;

/** Keys under a misspelled namespace, which `projectKeys` keeps whole (`vat-bakup:protectData`) so they are reported. */
function misspelledKeys(raw: Record<string, unknown>): string[] {
    return Object.keys(raw)
        .filter((key) => key.includes(":"))
        .map((key) => {
            const [ns, rest] = key.split(":", 2);
            return `${key}: the namespace '${ns}' is a misspelling of '${PROJECT}' (within ${MISSPELLED_NAMESPACE_DISTANCE} edits), so nothing reads this key; write it as ${PROJECT}:${rest}`;
        });
}

/** Validates the project's config keys (without the `vat-backup:` prefix). Throws ConfigError. */
export function parseStackConfig(raw: Record<string, unknown>, stack: string): StackConfig {
    const misspelled = misspelledKeys(raw);
    const projectOnly = Object.fromEntries(Object.entries(raw).filter(([key]) => !key.includes(":")));
    const result = stackConfigSchema.safeParse(projectOnly);
    if (!result.success || misspelled.length > 0) {
        throw new ConfigError(stack, [
            ...misspelled,
            ...(result.success ? [] : result.error.issues.map((issue) => formatIssue(projectOnly, issue))),
        ]);
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
        if (key === undefined) continue;
        if (ns === PROJECT) out[key] = parseConfigText(text);
        // Kept whole, for parseStackConfig to reject: the README promises that typos are rejected.
        else if (levenshtein(ns, PROJECT) <= MISSPELLED_NAMESPACE_DISTANCE) out[fullKey] = parseConfigText(text);
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
        throw new StackFileError(stack, [
            `No stack '${stack}': ${file} does not exist (stacks here: ${known.join(", ") || "none"}). Fix: use one of those stacks, or create Pulumi.${stack}.yaml (pulumi stack init ${stack})`,
        ]);
    }
    const doc = parseStackYaml(file, stack);
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
        config[fullKey] = toConfigText(value);
    }
    return config;
}

/** A stack file that cannot be read as YAML (syntax, duplicate keys, tabs) or does not exist: exit 2, like bad config. */
export class StackFileError extends ConfigError {
    constructor(stack: string, problems: string[]) {
        super(stack, problems);
        this.name = "StackFileError";
        // The problems already name the file: no "invalid config" preamble before them.
        this.message = problems.length === 1 ? problems[0] : problems.map((p) => `- ${p}`).join("\n");
    }
}

/** What to do about each kind of YAML error the parser reports. */
function yamlFix(code: string, message: string): string {
    if (code === "DUPLICATE_KEY")
        return "keep one of the two entries (YAML keys must be unique; the CLI would reject the file too)";
    if (/tab/i.test(message) || code === "TAB_AS_INDENT")
        return "indent with spaces: YAML does not allow tabs for indentation";
    return "correct the YAML at that line (quote values that contain ': ' or start with a special character)";
}

/** Stack files parsed before, by path, with the text they were parsed from (a changed file is parsed again). */
const parsedStackFiles = new Map<string, { text: string; value: { config?: Record<string, unknown> } }>();

function parseStackYaml(file: string, stack: string): { config?: Record<string, unknown> } {
    const text = fs.readFileSync(file, "utf8");
    const parsed = parsedStackFiles.get(file);
    if (parsed?.text === text) return parsed.value;
    const value = parseStackText(file, text, stack);
    parsedStackFiles.set(file, { text, value });
    return value;
}

function parseStackText(file: string, text: string, stack: string): { config?: Record<string, unknown> } {
    const lines = new YAML.LineCounter();
    const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lines });
    const problems = [...doc.errors].map((e) => {
        const at = lines.linePos(e.pos[0]);
        const where = at ? `${file}:${at.line}:${at.col}` : file;
        return `${where}: ${e.message.split("\n")[0]}. Fix: ${yamlFix(e.code, e.message)}`;
    });
    // A tab before content is a YAML error only in some positions; the CLI's parser rejects them all.
    text.split("\n").forEach((line, i) => {
        const tab = /^[ ]*\t/.exec(line);
        if (tab && !problems.some((p) => p.startsWith(`${file}:${i + 1}:`)))
            problems.push(
                `${file}:${i + 1}:${tab[0].length}: a tab in the indentation. Fix: ${yamlFix("TAB_AS_INDENT", "tab")}`,
            );
    });
    if (problems.length > 0) throw new StackFileError(stack, problems);
    const value = (doc.toJS() ?? {}) as unknown;
    if (typeof value !== "object" || Array.isArray(value))
        throw new StackFileError(stack, [`${file}: the file is not a YAML mapping. Fix: start it with \`config:\``]);
    return value as { config?: Record<string, unknown> };
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
