/**
 * The fast path plans exactly what the slow path plans. `npm run plan`, mocha and the benchmark load
 * the project through offline/register.js (JavaScript kept per file content) and run the engine
 * without the SDK's debug stack traces (offline/engine.ts `withoutSdkTraces`); the Pulumi CLI loads
 * index.ts through ts-node, and the SDK keeps its traces. Lambda packages come from a cache of the
 * compiler's output (lambdas/package.ts). Nothing the engine records may differ between the two.
 */
import * as assert from "node:assert/strict";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { lambdaSources, transpileLambdaFile } from "../../lambdas/package";
import { main } from "../../offline/plan";
import { PROJECT_DIR } from "../../offline/stack";
import { runStackOffline } from "../helpers/engine";

/** Runs `node ARGS` in the project directory; resolves with its exit code and stderr. */
function node(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd: PROJECT_DIR, env, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("exit", (code) => resolve({ code, stderr }));
    });
}

/** A plan document with its resources in URN order, every record and every other field as written. */
function byUrn(plan: { resources: { urn: string }[] }): unknown {
    return { ...plan, resources: [...plan.resources].sort((a, b) => a.urn.localeCompare(b.urn)) };
}

describe("the fast path plans what the slow path plans", function () {
    this.timeout(180_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fast-path-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("prod through ts-node with the SDK's stack traces (as the CLI loads the program) gives the same plan, record for record", async () => {
        const slow = path.join(dir, "slow.json");
        const env: NodeJS.ProcessEnv = { ...process.env, VAT_BACKUP_SDK_TRACES: "1" };
        for (const key of Object.keys(env)) if (key.startsWith("TS_NODE_")) delete env[key];
        const child = node(
            ["-r", "ts-node/register/transpile-only", "offline/plan.ts", "--stack", "prod", "--json", slow],
            env,
        );

        const fast = path.join(dir, "fast.json");
        const log = console.log;
        console.log = () => undefined;
        let code: number;
        try {
            code = await main(["node", "plan", "--stack", "prod", "--json", fast], runStackOffline);
        } finally {
            console.log = log;
        }
        assert.equal(code, 0);
        const { code: slowCode, stderr } = await child;
        assert.equal(slowCode, 0, stderr);
        const slowText = fs.readFileSync(slow, "utf8");
        assert.ok(JSON.parse(slowText).resources.length > 100, "the slow plan recorded the stack");
        // Registration order between independent async chains (a dynamic provider's serialized closure
        // against a component's children) depends on what the process loaded before; the records do not.
        assert.deepEqual(byUrn(JSON.parse(fs.readFileSync(fast, "utf8"))), byUrn(JSON.parse(slowText)));
    });

    it("every Lambda package from the cache is the compiler's output, file for file", () => {
        const handlers = fs
            .readdirSync(path.join(PROJECT_DIR, "lambdas"), { withFileTypes: true })
            .filter((d) => d.isDirectory() && fs.existsSync(path.join(PROJECT_DIR, "lambdas", d.name, "handler.ts")))
            .map((d) => `lambdas/${d.name}/handler.ts`);
        assert.ok(handlers.length >= 4, `found ${handlers.join(", ")}`);
        for (const entry of handlers) {
            const expected: Record<string, string> = {};
            const visit = (file: string) => {
                const rel = path.relative(PROJECT_DIR, file).replace(/\.ts$/, ".js");
                if (expected[rel] !== undefined) return;
                const { outputText, imports } = transpileLambdaFile(file, fs.readFileSync(file, "utf8"));
                expected[rel] = outputText;
                for (const imported of imports.filter((i) => i.startsWith("."))) {
                    const resolved = path.resolve(path.dirname(file), imported);
                    visit([`${resolved}.ts`, path.join(resolved, "index.ts")].find((f) => fs.existsSync(f))!);
                }
            };
            visit(path.join(PROJECT_DIR, entry));
            assert.deepEqual(lambdaSources(entry), expected, entry);
        }
    });

    it("loads the SDK's Automation API, computeCodePaths' npm tooling and gRPC on first use, and each works then", async () => {
        const program = `
            require("@pulumi/pulumi");
            const loaded = (name) => Object.keys(require.cache).some((f) => f.includes("/node_modules/" + name + "/"));
            const deferred = ["execa", "js-yaml", "normalize-package-data", "fdir", "@npmcli/arborist", "@grpc/grpc-js", "@opentelemetry/api"];
            const atStart = deferred.filter(loaded);
            const pulumi = require("@pulumi/pulumi");
            if (typeof pulumi.automation.LocalWorkspace.create !== "function") throw new Error("no LocalWorkspace");
            if (!require("@pulumi/pulumi/errors").isGrpcError({ code: 14 })) throw new Error("no gRPC status codes");
            if (typeof require("@opentelemetry/api").trace.getTracer !== "function") throw new Error("no OpenTelemetry");
            pulumi.runtime.computeCodePaths({ extraIncludePaths: ["lambdas"] }).then((paths) => {
                console.error(JSON.stringify({ atStart, afterUse: deferred.filter(loaded), paths: paths.size }));
            });`;
        const { code, stderr } = await node(["-r", "./offline/register.js", "-e", program], { ...process.env });
        assert.equal(code, 0, stderr);
        const report = JSON.parse(stderr.trim().split("\n").pop()!);
        assert.deepEqual(report.atStart, [], "loaded at start");
        for (const used of ["execa", "js-yaml", "normalize-package-data", "@npmcli/arborist", "@grpc/grpc-js"])
            assert.ok(report.afterUse.includes(used), `${used} was not loaded when first needed`);
        assert.ok(report.paths > 0, "computeCodePaths found the program's files");
    });

    it("loads an @pulumi/aws service module when the program first reads it, as itself, and its resource types register then", async () => {
        const program = `
            const pulumi = require("@pulumi/pulumi");
            const aws = require("@pulumi/aws");
            const loaded = (service) => Boolean(require.cache[require.resolve("@pulumi/aws/" + service + "/index.js")]);
            const atStart = ["dynamodb", "glacier", "sagemaker"].filter(loaded);
            const table = aws.dynamodb.Table;
            const viaIndex = Object.keys(aws.glacier).includes("Vault") && "Vault" in aws.glacier;
            const fromPath = require("@pulumi/aws/glacier") === aws.glacier;
            const keys = Object.keys(aws).includes("sagemaker") && !("noSuchMember" in aws.glacier);
            const mod = pulumi.runtime.getResourceModule("aws", "dynamodb/table", undefined);
            console.error(JSON.stringify({
                atStart,
                afterUse: ["dynamodb", "glacier", "sagemaker"].filter(loaded),
                table: typeof table === "function" && table.isInstance !== undefined,
                viaIndex,
                fromPath,
                keys,
                registered: typeof mod?.construct === "function",
            }));`;
        const { code, stderr } = await node(["-r", "./offline/register.js", "-e", program], { ...process.env });
        assert.equal(code, 0, stderr);
        assert.deepEqual(JSON.parse(stderr.trim().split("\n").pop()!), {
            atStart: [],
            afterUse: ["dynamodb", "glacier"],
            table: true,
            viaIndex: true,
            fromPath: true,
            keys: true,
            registered: true,
        });
    });

    it("keeps the SDK's leak report: a registration that never settles fails the process at exit", async () => {
        // An input that never resolves is what a cycle between resources, or a forgotten await, leaves.
        const program = `
            const aws = require("@pulumi/aws");
            const { runOffline } = require("./offline/engine");
            runOffline({
                project: "vat-backup", stack: "test", config: {},
                defaultPlacement: { accountId: "111111111111", region: "eu-west-2" },
                program: () => {
                    const provider = new aws.Provider("p", { region: "eu-west-2" });
                    new aws.sns.Topic("t", { name: new Promise(() => undefined) }, { provider });
                    return {};
                },
            });`;
        const { code, stderr } = await node(["-r", "./offline/register.js", "-e", program], { ...process.env });
        assert.equal(code, 1, stderr);
        assert.match(stderr, /The Pulumi runtime detected that \d+ promises were still active/);
    });
});
