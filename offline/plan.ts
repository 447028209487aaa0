/**
 * `npm run plan -- --stack NAME [--json FILE] [--markdown FILE]`: what `pulumi up` would create, offline.
 *
 * Loads Pulumi.NAME.yaml, evaluates the real program against the offline engine, and prints the
 * resources as a tree the way `pulumi preview` does, then the backup posture of what it protects.
 * `--all` plans every checked-in stack and prints the estate's posture. `--json FILE` writes the
 * plan contract; `--markdown FILE` the posture report with its diagram.
 */
import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { PROJECT } from "../naming";
import { ConfigError, parseStackConfig, projectKeys, readStackFile } from "../stacks/config";
import { PROJECT_DIR, checkedInStacks, runStackOffline, stackConfig } from "./stack";
import { estimateCost, renderCost, renderCostDifference } from "./cost";
import { OfflineRun } from "./engine";
import { estateViolations, renderEstateViolations } from "./estateChecks";
import { PackConfigError, readPackConfig } from "./packConfig";
import { PolicyCheckOptions, PolicyPackConfig, checkPolicies } from "./policyCheck";
import { Posture, posture } from "./posture";
import { DrillReportError, MeasuredRto, readDrillReports } from "./drillReports";
import { renderMarkdown, renderPosture } from "./postureReport";
import { PlanDocument, PolicyViolation, RecordedResource, UNKNOWN } from "./types";

export function planDocument(
    run: OfflineRun,
    extras: { violations?: PolicyViolation[]; posture?: Posture } = {},
): PlanDocument {
    return {
        project: run.project,
        stack: run.stack,
        preview: run.preview,
        resources: run.resources,
        ...(extras.violations ? { policy: { violations: extras.violations } } : {}),
        ...(extras.posture ? { posture: extras.posture } : {}),
    };
}

/**
 * The stack tags the CLI sets from the stack file's `pulumi:tags` config on every update
 * (pulumi/pulumi#12856; the policy docs name it as the way to give a pack its stack tags,
 * pulumi/docs#17670). The offline plan reads the same key, so both see the same tags; nothing is
 * inferred from the rest of the stack's config.
 */
export function stackTagsOf(stack: string, stackFile: Record<string, string>): Record<string, string> {
    const text = stackFile["pulumi:tags"];
    if (text === undefined) return {};
    let tags: unknown;
    try {
        tags = JSON.parse(text);
    } catch {
        tags = undefined;
    }
    if (tags === null || typeof tags !== "object" || Array.isArray(tags))
        throw new ConfigError(stack, ["pulumi:tags must be a map of tag name to value (the stack tags the CLI sets)"]);
    return Object.fromEntries(Object.entries(tags as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/**
 * What `pulumi preview --policy-pack policies --policy-pack-config <file>` gives the pack for this
 * stack: the stack file's `pulumi:tags` and the pack config, exactly as given. Production status
 * and critical secrets come from that config, never from the program's own stack config.
 */
export function policyOptionsFor(
    stack: string,
    stackFile: Record<string, string>,
    packConfig: PolicyPackConfig = {},
): PolicyCheckOptions {
    return { stack, project: PROJECT, stackTags: stackTagsOf(stack, stackFile), config: packConfig };
}

export function renderViolations(violations: PolicyViolation[]): string {
    if (!violations.length) return "Policies:\n    every policy of the pack passed";
    const lines = ["Policy violations:"];
    for (const v of violations)
        lines.push(`    [${v.level}] ${v.policy}  (${v.urn.split("::").pop()})`, `        ${v.message}`);
    const mandatory = violations.filter((v) => v.level === "mandatory").length;
    lines.push(`    ${mandatory} mandatory, ${violations.length - mandatory} advisory`);
    return lines.join("\n");
}

/** The preview-style tree: one line per resource, children indented under their parent. */
export function renderTree(run: OfflineRun): string {
    const byParent = new Map<string | null, RecordedResource[]>();
    const urns = new Set(run.resources.map((r) => r.urn));
    for (const r of run.resources) {
        const key = r.parent && urns.has(r.parent) ? r.parent : null;
        const siblings = byParent.get(key);
        if (siblings) siblings.push(r);
        else byParent.set(key, [r]);
    }
    const providerLabel = new Map(
        run.resources.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.urn, `${r.name}`]),
    );
    const lines = [
        `Previewing update (${run.stack}), offline${run.preview ? ", as a dry run" : ""}:`,
        "",
        `     Type${" ".repeat(55)}Name`,
    ];
    const walk = (parent: string | null, depth: number) => {
        for (const r of byParent.get(parent) ?? []) {
            const indent = depth === 0 ? "" : `${"   ".repeat(depth - 1)} ├─ `;
            const flags = [
                r.protect ? "protected" : "",
                r.provider ? `via ${providerLabel.get(r.provider) ?? r.provider}` : "",
            ]
                .filter(Boolean)
                .join(", ");
            const left = ` +   ${indent}${r.type}`;
            lines.push(`${left.padEnd(62)} ${r.name}${flags ? `  [${flags}]` : ""}`);
            walk(r.urn, depth + 1);
        }
    };
    walk(null, 0);
    const custom = run.resources.filter((r) => r.custom).length;
    lines.push(
        "",
        "Resources:",
        `    + ${run.resources.length} to create (${custom} AWS and provider resources, ${run.resources.length - custom} components)`,
    );
    const protectedCount = run.resources.filter((r) => r.protect).length;
    lines.push(`    ${protectedCount} protected from deletion`);
    lines.push("", "Outputs:");
    for (const [k, v] of Object.entries(run.outputs))
        lines.push(`    ${k.padEnd(22)}: ${JSON.stringify(v).replaceAll(`"${UNKNOWN}"`, "output<unknown>")}`);
    if (run.unknownTypes.length)
        lines.push("", `Note: no computed outputs modelled for ${run.unknownTypes.join(", ")}`);
    return lines.join("\n");
}

/** How the command evaluates a stack: the engine itself, or (in tests) a cache of its runs. */
export type StackRunner = typeof runStackOffline;

export async function main(argv: string[], runStack: StackRunner = runStackOffline): Promise<number> {
    const program = new Command("plan")
        .description("Show what `pulumi up` would create for a stack, without AWS or the Pulumi CLI")
        .option("--stack <name>", "stack to plan (reads Pulumi.<name>.yaml)")
        .option("--all", "plan every checked-in stack and report the estate's posture")
        .option("--json <file>", "write the plan as JSON")
        .option("--markdown <file>", "write the posture report (Markdown, with a Mermaid diagram)")
        .option("--policy-pack-config <file>", "policy levels and settings, as for pulumi preview --policy-pack-config")
        .option("--preview", "evaluate as `pulumi preview` does: ids and provider-computed outputs unknown")
        .option("--cost-compare <file>", "a changed Pulumi.<stack>.yaml: print the cost difference it makes")
        .option(
            "--drill-report <file>",
            "a drill's measured RTOs (the JSON of dr drill/restore-from-export --measurement), cited beside the assumed ones; docs/drills/*.json are always read",
            (value: string, previous: string[] = []) => [...previous, value],
        )
        .exitOverride();
    program.parse(argv);
    const opts = program.opts<PlanOptions>();
    if (Boolean(opts.all) === Boolean(opts.stack)) {
        console.error("Give either --stack NAME or --all");
        return 2;
    }
    try {
        // Every failure before the program runs is bad input: exit 2, with the file and the fix.
        measurements = readDrillReports(opts.drillReport ?? [], path.join(PROJECT_DIR, "docs", "drills"));
        if (opts.all) {
            for (const stack of checkedInStacks()) packConfigFor(stack, opts.policyPackConfig);
            return await planAll(opts, runStack);
        }
        packConfigFor(opts.stack!, opts.policyPackConfig);
        stackConfig(opts.stack!);
    } catch (err) {
        if (err instanceof ConfigError || err instanceof PackConfigError || err instanceof DrillReportError) {
            console.error(err.message);
            return 2;
        }
        throw err;
    }
    let run: OfflineRun;
    try {
        run = await runStack(opts.stack!, {}, { preview: Boolean(opts.preview) });
    } catch (err) {
        if (err instanceof ConfigError) {
            console.error(err.message);
            return 2;
        }
        console.error(`Plan failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        return 1;
    }
    console.log(renderTree(run));
    const violations = runPolicies(run, opts);
    // The posture reads the values a resource will have; a dry run does not know them yet.
    const stackPosture = opts.preview ? undefined : reportPosture([run], opts);
    const costCode = reportCost(run.stack, opts);
    if (costCode !== 0) return costCode;
    if (opts.json) {
        fs.writeFileSync(
            opts.json,
            `${JSON.stringify(planDocument(run, { violations, ...(stackPosture ? { posture: stackPosture } : {}) }), null, 2)}\n`,
        );
        console.log(`\nWrote ${opts.json}`);
    }
    return exitCode(violations);
}

/** The estimated monthly cost of the stack, and with --cost-compare the difference a changed config makes. */
function reportCost(stack: string, opts: PlanOptions): number {
    const cfg = parseStackConfig(projectKeys(stackConfig(stack)), stack);
    const estimate = estimateCost(stack, cfg);
    console.log(`\n${renderCost(estimate)}`);
    if (!opts.costCompare) return 0;
    const named = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(opts.costCompare));
    if (!named) {
        console.error(`--cost-compare ${opts.costCompare}: name the changed stack file Pulumi.<name>.yaml`);
        return 2;
    }
    let changed;
    try {
        changed = parseStackConfig(
            projectKeys(readStackFile(named[1], path.dirname(path.resolve(opts.costCompare)))),
            stack,
        );
    } catch (err) {
        console.error(err instanceof Error ? err.message : String(err));
        return 2;
    }
    console.log(`\n${renderCostDifference(estimate, estimateCost(stack, changed))}`);
    return 0;
}

interface PlanOptions {
    drillReport?: string[];
    costCompare?: string;
    stack?: string;
    all?: boolean;
    json?: string;
    markdown?: string;
    policyPackConfig?: string;
    preview?: boolean;
}

/** The pack config for a stack: the named file, else the stack's policies/config/<stack>.json as CI passes it. */
export function packConfigFor(stack: string, file?: string): PolicyPackConfig {
    if (file) return readPackConfig(file);
    const ciFile = path.join(PROJECT_DIR, "policies", "config", `${stack}.json`);
    return fs.existsSync(ciFile) ? readPackConfig(ciFile) : {};
}

/** Runs the policy pack over a planned stack and prints its verdict. */
function runPolicies(run: OfflineRun, opts: PlanOptions): PolicyViolation[] {
    // The same pack config CI passes for this stack, unless another is named, and the stack file's tags.
    const packConfig = packConfigFor(run.stack, opts.policyPackConfig);
    const violations = checkPolicies(run.resources, policyOptionsFor(run.stack, stackConfig(run.stack), packConfig));
    console.log(`\n${renderViolations(violations)}`);
    return violations;
}

/** Like `pulumi preview` with the pack: a mandatory violation fails the command. */
function exitCode(violations: PolicyViolation[]): number {
    return violations.some((v) => v.level === "mandatory") ? 1 : 0;
}

/** Prints the posture of the planned stacks after their trees, and writes the Markdown report if asked. */
/** Measured RTOs: docs/drills/*.json and every --drill-report, read once before anything is planned. */
let measurements: MeasuredRto[] = [];

function reportPosture(runs: OfflineRun[], opts: PlanOptions): Posture {
    const result = posture(runs, { measurements });
    console.log(`\n${renderPosture(result)}`);
    if (opts.markdown) {
        fs.writeFileSync(opts.markdown, renderMarkdown(result));
        console.log(`\nWrote ${opts.markdown}`);
    }
    return result;
}

/** `--all`: every checked-in stack, one tree and policy verdict each, then the estate's posture. */
async function planAll(opts: PlanOptions, runStack: StackRunner): Promise<number> {
    const runs: OfflineRun[] = [];
    const violations = new Map<string, PolicyViolation[]>();
    for (const stack of checkedInStacks()) {
        let run: OfflineRun;
        try {
            run = await runStack(stack, {}, { preview: Boolean(opts.preview) });
        } catch (err) {
            console.error(`Plan of stack '${stack}' failed: ${err instanceof Error ? err.message : String(err)}`);
            return err instanceof ConfigError ? 2 : 1;
        }
        runs.push(run);
        console.log(renderTree(run));
        violations.set(stack, runPolicies(run, opts));
        console.log("");
    }
    const estate = opts.preview ? undefined : reportPosture(runs, opts);
    const wiring = opts.preview ? [] : estateViolations(runs);
    console.log(`\n${renderEstateViolations(wiring)}`);
    if (opts.json) {
        const doc = {
            project: runs[0]?.project,
            stacks: runs.map((r) => planDocument(r, { violations: violations.get(r.stack) })),
            posture: estate,
            estate: { violations: wiring },
        };
        fs.writeFileSync(opts.json, `${JSON.stringify(doc, null, 2)}\n`);
        console.log(`\nWrote ${opts.json}`);
    }
    // The wiring between stacks fails the run like a mandatory policy: AWS would deny those flows.
    return wiring.length > 0 ? 1 : exitCode([...violations.values()].flat());
}

if (require.main === module) {
    main(process.argv).then(
        (code) => process.exit(code),
        (err) => {
            console.error(err instanceof Error ? err.message : String(err));
            process.exit(2);
        },
    );
}
