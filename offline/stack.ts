/**
 * Runs the real program (index.ts) for a checked-in stack, offline. Tests pass config overrides
 * rather than a different engine, so every test sees the program exactly as `pulumi up` would.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT } from "../naming";
import { readStackFile } from "../stacks/config";
import { OfflineRun, runOffline } from "./engine";

export const PROJECT_DIR = path.resolve(__dirname, "..");
const PROGRAM = path.join(PROJECT_DIR, "index.ts");

/** Config overrides by key without the project prefix (`tables`, `backupRules`...); `null` removes a key. */
export type ConfigOverrides = Record<string, unknown>;

export function stackConfig(stack: string, overrides: ConfigOverrides = {}): Record<string, string> {
    const config = readStackFile(stack, PROJECT_DIR);
    for (const [key, value] of Object.entries(overrides)) {
        const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
        if (value === null) delete config[fullKey];
        else config[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return config;
}

/** The stacks checked in beside the program (`Pulumi.<stack>.yaml`), in name order. */
export function checkedInStacks(projectDir = PROJECT_DIR): string[] {
    return fs
        .readdirSync(projectDir)
        .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
        .map((f) => f.slice("Pulumi.".length, -".yaml".length))
        .sort();
}

export interface RunModeOptions {
    /** Evaluate as `pulumi preview` (ids and computed outputs unknown) instead of `pulumi up`. */
    preview?: boolean;
}

/** Evaluates index.ts as stack `stack` against the offline engine. */
export async function runStackOffline(
    stack: string,
    overrides: ConfigOverrides = {},
    mode: RunModeOptions = {},
): Promise<OfflineRun> {
    return runConfigOffline(stack, stackConfig(stack, overrides), mode);
}

export async function runConfigOffline(
    stack: string,
    config: Record<string, string>,
    mode: RunModeOptions = {},
): Promise<OfflineRun> {
    const accountId = config[`${PROJECT}:accountId`] ?? "000000000000";
    const region = config[`${PROJECT}:region`] ?? config["aws:region"] ?? "eu-west-2";
    return runOffline({
        project: PROJECT,
        stack,
        config,
        defaultPlacement: { accountId, region },
        projectDir: PROJECT_DIR,
        preview: mode.preview ?? false,
        program: () => {
            // A fresh evaluation per run: the program reads its config when it is loaded.
            delete require.cache[require.resolve(PROGRAM)];
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            return require(PROGRAM) as Record<string, unknown>;
        },
    });
}
