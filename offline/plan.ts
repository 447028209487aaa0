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
import { ConfigError, StackConfig, parseStackConfig, projectKeys, readStackFile } from "../stacks/config";
import { PROJECT_DIR, checkedInStacks, runStackOffline, stackConfig } from "./stack";
import { estimateCost, renderCost, renderCostDifference } from "./cost";
import { OfflineRun } from "./engine";
import { PolicyPackConfig, checkPolicies } from "./policyCheck";
import { Posture, posture } from "./posture";
import { renderMarkdown, renderPosture } from "./postureReport";
import { PlanDocument, PolicyViolation, RecordedResource } from "./types";

export function planDocument(
    run: OfflineRun,
    extras: { violations?: PolicyViolation[]; posture?: Posture } = {},
): PlanDocument {
    return {
        project: run.project,
        stack: run.stack,
        resources: run.resources,
        ...(extras.violations ? { policy: { violations: extras.violations } } : {}),
        ...(extras.posture ? { posture: extras.posture } : {}),
    };
}

/**
 * What `pulumi preview --policy-pack policies` would be given for this stack: its stack tags (the CI
 * sets `environment` on every stack: the backup and management accounts count as production) and
 * the pack config, which names the stack's critical secrets.
 */
export function policyOptionsFor(stack: string, cfg: StackConfig, packConfig: PolicyPackConfig = {}) {
    const criticalSecrets = cfg.role === "deployment" ? cfg.secrets.filter((s) => s.critical).map((s) => s.name) : [];
    return {
        stack,
        project: "vat-backup",
        stackTags: { environment: cfg.role === "deployment" ? cfg.environment : "prod" },
        config: { "critical-secrets-replicated": { criticalSecrets }, ...packConfig },
    };
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
    for (const r of run.resources) {
        const key = r.parent && run.resources.some((p) => p.urn === r.parent) ? r.parent : null;
        byParent.set(key, [...(byParent.get(key) ?? []), r]);
    }
    const providerLabel = new Map(
        run.resources.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.urn, `${r.name}`]),
    );
    const lines = [`Previewing update (${run.stack}), offline:`, "", `     Type${" ".repeat(55)}Name`];
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
    for (const [k, v] of Object.entries(run.outputs)) lines.push(`    ${k.padEnd(22)}: ${JSON.stringify(v)}`);
    if (run.unknownTypes.length)
        lines.push("", `Note: no computed outputs modelled for ${run.unknownTypes.join(", ")}`);
    return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
    const program = new Command("plan")
        .description("Show what `pulumi up` would create for a stack, without AWS or the Pulumi CLI")
        .option("--stack <name>", "stack to plan (reads Pulumi.<name>.yaml)")
        .option("--all", "plan every checked-in stack and report the estate's posture")
        .option("--json <file>", "write the plan as JSON")
        .option("--markdown <file>", "write the posture report (Markdown, with a Mermaid diagram)")
        .option("--policy-pack-config <file>", "policy levels and settings, as for pulumi preview --policy-pack-config")
        .option("--cost-compare <file>", "a changed Pulumi.<stack>.yaml: print the cost difference it makes")
        .exitOverride();
    program.parse(argv);
    const opts = program.opts<PlanOptions>();
    if (Boolean(opts.all) === Boolean(opts.stack)) {
        console.error("Give either --stack NAME or --all");
        return 2;
    }
    if (opts.all) return planAll(opts);
    let run: OfflineRun;
    try {
        run = await runStackOffline(opts.stack!);
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
    const stackPosture = reportPosture([run], opts);
    const costCode = reportCost(run.stack, opts);
    if (costCode !== 0) return costCode;
    if (opts.json) {
        fs.writeFileSync(
            opts.json,
            `${JSON.stringify(planDocument(run, { violations, posture: stackPosture }), null, 2)}\n`,
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
    costCompare?: string;
    stack?: string;
    all?: boolean;
    json?: string;
    markdown?: string;
    policyPackConfig?: string;
}

/** Runs the policy pack over a planned stack and prints its verdict. */
function runPolicies(run: OfflineRun, opts: PlanOptions): PolicyViolation[] {
    const cfg = parseStackConfig(projectKeys(stackConfig(run.stack)), run.stack);
    // The same pack config CI passes for this stack, unless another is named.
    const configFile = opts.policyPackConfig ?? path.join(PROJECT_DIR, "policies", "config", `${run.stack}.json`);
    if (opts.policyPackConfig && !fs.existsSync(configFile))
        throw new Error(`--policy-pack-config ${configFile} does not exist`);
    const packConfig = fs.existsSync(configFile)
        ? (JSON.parse(fs.readFileSync(configFile, "utf8")) as PolicyPackConfig)
        : {};
    const violations = checkPolicies(run.resources, policyOptionsFor(run.stack, cfg, packConfig));
    console.log(`\n${renderViolations(violations)}`);
    return violations;
}

/** Like `pulumi preview` with the pack: a mandatory violation fails the command. */
function exitCode(violations: PolicyViolation[]): number {
    return violations.some((v) => v.level === "mandatory") ? 1 : 0;
}

/** Prints the posture of the planned stacks after their trees, and writes the Markdown report if asked. */
function reportPosture(runs: OfflineRun[], opts: PlanOptions): Posture {
    const result = posture(runs);
    console.log(`\n${renderPosture(result)}`);
    if (opts.markdown) {
        fs.writeFileSync(opts.markdown, renderMarkdown(result));
        console.log(`\nWrote ${opts.markdown}`);
    }
    return result;
}

/** `--all`: every checked-in stack, one tree and policy verdict each, then the estate's posture. */
async function planAll(opts: PlanOptions): Promise<number> {
    const runs: OfflineRun[] = [];
    const violations = new Map<string, PolicyViolation[]>();
    for (const stack of checkedInStacks()) {
        let run: OfflineRun;
        try {
            run = await runStackOffline(stack);
        } catch (err) {
            console.error(`Plan of stack '${stack}' failed: ${err instanceof Error ? err.message : String(err)}`);
            return err instanceof ConfigError ? 2 : 1;
        }
        runs.push(run);
        console.log(renderTree(run));
        violations.set(stack, runPolicies(run, opts));
        console.log("");
    }
    const estate = reportPosture(runs, opts);
    if (opts.json) {
        const doc = {
            project: runs[0]?.project,
            stacks: runs.map((r) => planDocument(r, { violations: violations.get(r.stack) })),
            posture: estate,
        };
        fs.writeFileSync(opts.json, `${JSON.stringify(doc, null, 2)}\n`);
        console.log(`\nWrote ${opts.json}`);
    }
    return exitCode([...violations.values()].flat());
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
