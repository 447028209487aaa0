/**
 * The policy pack in its real analyzer process, driven over gRPC as the Pulumi CLI drives it.
 *
 * The CLI starts a Node.js policy pack by resolving `@pulumi/pulumi/cmd/run-policy-pack` from the
 * pack's directory and running it there with `<engine address> .` (the language host's RunPlugin
 * for kind `analyzer`, formerly the `pulumi-analyzer-policy` shim); the pack registers ts-node with
 * type checking, serves the Analyzer service on a loopback port and prints the port. The CLI then
 * calls GetAnalyzerInfo, Configure (the `--policy-pack-config` reconciled with the policies' schemas,
 * see offline/policyPackConfig.ts), ConfigureStack (stack, project, tags, dry run), Analyze per
 * resource with its checked inputs and AnalyzeStack once with every resource's state.
 *
 * One process serves the whole mocha run: the run's global setup (tests/helpers/mochaGlobal.ts)
 * starts it as the workers start and writes its port to the file named in VAT_BACKUP_ANALYZER_PORT_FILE,
 * which every worker inherits, and its teardown kills it. `sharedAnalyzer()` connects to it; run without that
 * setup (one spec file through /work/wt/mocha.sh, say), it starts a process of its own on first use
 * (a spec file calls it when loaded, so its start-up overlaps the specs before it) and a root
 * `after` hook kills it, so mocha exits. The analyzer keeps one configuration at a time, so only
 * tests/policies/analyzer.spec.ts configures it; other specs only read its info.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type { EnforcementLevel, PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigEntry, PolicyInfo } from "../../offline/policyPackConfig";
import type { PolicyViolation, RecordedResource } from "../../offline/types";

export const POLICIES_DIR = path.resolve(__dirname, "../../policies");

/** The CLI passes its own engine address first; run-policy-pack drops it, so any address will do. */
const ENGINE_ADDRESS_UNUSED = "127.0.0.1:1";
/**
 * How long a spec waits for the pack to serve: its start type-checks the pack (about 10 s of CPU
 * alone), and on a machine shared with other work that can take minutes. Only a hung process
 * reaches this; an exiting one fails at once.
 */
export const ANALYZER_START_TIMEOUT_MS = 600_000;

const LEVELS: Record<analyzerPb.EnforcementLevel, EnforcementLevel> = {
    [analyzerPb.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerPb.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerPb.EnforcementLevel.DISABLED]: "disabled",
    [analyzerPb.EnforcementLevel.REMEDIATE]: "remediate",
};
const LEVEL_CODES = Object.fromEntries(Object.entries(LEVELS).map(([code, level]) => [level, Number(code)])) as Record<
    EnforcementLevel,
    analyzerPb.EnforcementLevel
>;

type Unary<Req, Res> = (req: Req, callback: (err: grpc.ServiceError | null, res: Res) => void) => grpc.ClientUnaryCall;

function call<Req, Res>(method: Unary<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) =>
        method(req, (err, res) => (err ? reject(new Error(err.details || err.message)) : resolve(res))),
    );
}

/** A property bag in the wire format: plain JSON (the records already hold unknowns as the engine's sentinel). */
function struct(value: Record<string, unknown>): Struct {
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(value)) as Parameters<typeof Struct.fromJavaScript>[0]);
}

function options(record: RecordedResource): analyzerPb.AnalyzerResourceOptions {
    const opts = new analyzerPb.AnalyzerResourceOptions();
    opts.setProtect(record.protect);
    if (record.parent) opts.setParent(record.parent);
    return opts;
}

/** What the analyzer was told about a stack, and what it reported. */
export interface AnalyzerVerdict {
    violations: PolicyViolation[];
}

export interface StackContext {
    stack: string;
    project: string;
    tags: Record<string, string>;
    preview: boolean;
}

/** The file the global setup writes the run-wide analyzer's port to (or `error` and why), for every worker. */
export const ANALYZER_PORT_FILE_ENV = "VAT_BACKUP_ANALYZER_PORT_FILE";

/** The port the global setup's analyzer listens on, once it has printed it. */
async function publishedPort(file: string): Promise<number> {
    for (;;) {
        const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
        if (text.startsWith("error"))
            throw new Error(`the run's policy pack process failed to start: ${text.slice(6)}`);
        if (/^\d+\n/.test(text)) return Number(text.trim());
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

export class AnalyzerProcess {
    private constructor(
        /** The process, when this instance started it; undefined when it connected to the run's. */
        private readonly child: ChildProcess | undefined,
        private readonly client: AnalyzerClient,
        readonly stderr: () => string,
    ) {}

    /** Starts the pack as the CLI does and connects to the port it prints. */
    static async start(): Promise<AnalyzerProcess> {
        const { child, port, stderr } = await AnalyzerProcess.spawn();
        return new AnalyzerProcess(child, AnalyzerProcess.client(port), stderr);
    }

    /** Connects to a pack another process started (the run's global setup). */
    static connect(port: number): AnalyzerProcess {
        return new AnalyzerProcess(undefined, AnalyzerProcess.client(port), () => "");
    }

    private static client(port: number): AnalyzerClient {
        const grpcJs = loadGrpc();
        return new AnalyzerClient(`127.0.0.1:${port}`, grpcJs.credentials.createInsecure(), {
            "grpc.max_receive_message_length": 400 * 1024 * 1024,
        });
    }

    /** Starts the pack as the CLI does (run-policy-pack in policies/) and waits for the port it prints. */
    static async spawn(
        onStart: (child: ChildProcess) => void = () => undefined,
    ): Promise<{ child: ChildProcess; port: number; stderr: () => string }> {
        const script = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [POLICIES_DIR] });
        const env = { ...process.env };
        for (const key of Object.keys(env)) if (key.startsWith("TS_NODE_")) delete env[key];
        const child = spawn(process.execPath, [script, ENGINE_ADDRESS_UNUSED, "."], {
            cwd: POLICIES_DIR,
            env,
            stdio: ["ignore", "pipe", "pipe"],
        });
        children.add(child);
        child.on("exit", () => children.delete(child));
        onStart(child);
        let stderr = "";
        child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
        const port = await new Promise<number>((resolve, reject) => {
            let stdout = "";
            child.stdout!.on("data", (d: Buffer) => {
                stdout += d.toString();
                const line = /^(\d+)\s*$/m.exec(stdout);
                if (line) resolve(Number(line[1]));
            });
            child.on("exit", (code) => {
                reject(new Error(`the policy pack exited (code ${code}) before serving:\n${stderr}`));
            });
        });
        // Never let the child keep mocha alive, even if the `after` hook does not run.
        child.unref();
        (child.stdout as unknown as { unref?(): void }).unref?.();
        (child.stderr as unknown as { unref?(): void }).unref?.();
        return { child, port, stderr: () => stderr };
    }

    get pid(): number | undefined {
        return this.child?.pid;
    }

    get running(): boolean {
        return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
    }

    /** GetAnalyzerInfo: the pack's name and version, and each policy's level and config schema. */
    async info(): Promise<{
        name: string;
        version: string;
        policies: PolicyInfo[];
        initialConfig: string[];
    }> {
        const info = await call<Empty, analyzerPb.AnalyzerInfo>(
            (q, cb) => this.client.getAnalyzerInfo(q, cb),
            new Empty(),
        );
        return {
            name: info.getName(),
            version: info.getVersion(),
            initialConfig: [...info.getInitialconfigMap().keys()].map(String),
            policies: info.getPoliciesList().map((p) => {
                const schema = p.getConfigschema();
                const configSchema: PolicyConfigSchema | undefined = schema
                    ? {
                          properties: (schema.getProperties()?.toJavaScript() ??
                              {}) as PolicyConfigSchema["properties"],
                          ...(schema.getRequiredList().length ? { required: schema.getRequiredList() } : {}),
                      }
                    : undefined;
                return {
                    name: p.getName(),
                    enforcementLevel: LEVELS[p.getEnforcementlevel()],
                    ...(configSchema ? { configSchema } : {}),
                };
            }),
        };
    }

    /** Configure: every policy's reconciled level and settings, in one call, as the CLI sends them. */
    async configure(config: Record<string, PolicyConfigEntry>): Promise<void> {
        const req = new analyzerPb.ConfigureAnalyzerRequest();
        const map = req.getPolicyconfigMap();
        for (const [name, entry] of Object.entries(config)) {
            const policyConfig = new analyzerPb.PolicyConfig();
            if (entry.enforcementLevel) policyConfig.setEnforcementlevel(LEVEL_CODES[entry.enforcementLevel]);
            policyConfig.setProperties(struct(entry.properties ?? {}));
            map.set(name, policyConfig);
        }
        await call<analyzerPb.ConfigureAnalyzerRequest, Empty>((q, cb) => this.client.configure(q, cb), req);
    }

    /** ConfigureStack: the stack's identity and tags. */
    async configureStack(context: StackContext): Promise<void> {
        const req = new analyzerPb.AnalyzerStackConfigureRequest();
        req.setStack(context.stack);
        req.setProject(context.project);
        req.setDryRun(context.preview);
        const tags = req.getTagsMap();
        for (const [k, v] of Object.entries(context.tags)) tags.set(k, v);
        await call<analyzerPb.AnalyzerStackConfigureRequest, analyzerPb.AnalyzerStackConfigureResponse>(
            (q, cb) => this.client.configureStack(q, cb),
            req,
        );
    }

    /**
     * Analyze for each resource (its checked inputs, as after the provider's Check), then
     * AnalyzeStack over every resource's planned state; violations as the CLI reports them.
     */
    async analyzeRecords(
        records: RecordedResource[],
        checkedInputs: (r: RecordedResource) => Record<string, unknown>,
        stackUrn: string,
    ): Promise<PolicyViolation[]> {
        const byUrn = new Map(records.map((r) => [r.urn, r]));
        // One message per provider: every resource of the stack names one of a few providers.
        const providers = new Map<string, analyzerPb.AnalyzerProviderResource>();
        const providerOf = (r: RecordedResource) => {
            const p = r.provider ? byUrn.get(r.provider) : undefined;
            if (!p) return undefined;
            let provider = providers.get(p.urn);
            if (!provider) {
                provider = new analyzerPb.AnalyzerProviderResource();
                provider.setType(p.type);
                provider.setName(p.name);
                provider.setUrn(p.urn);
                provider.setProperties(struct({ ...p.inputs, ...p.outputs }));
                providers.set(p.urn, provider);
            }
            return provider;
        };
        const violations: PolicyViolation[] = [];
        const collect = (res: analyzerPb.AnalyzeResponse, urn: string) => {
            for (const d of res.getDiagnosticsList()) {
                // The analyzer prefixes a violation's message with the policy's description.
                const description = d.getDescription();
                const message = d.getMessage();
                violations.push({
                    policy: d.getPolicyname(),
                    level: LEVELS[d.getEnforcementlevel()] as PolicyViolation["level"],
                    urn: d.getUrn() || urn,
                    message:
                        description && message.startsWith(`${description}\n`)
                            ? message.slice(description.length + 1)
                            : message,
                });
            }
        };
        // The engine analyzes resources as their steps come, many at once; the pack answers each alone.
        const analyses = records.map((r) => {
            const req = new analyzerPb.AnalyzeRequest();
            req.setType(r.type);
            req.setName(r.name);
            req.setUrn(r.urn);
            req.setProperties(struct(checkedInputs(r)));
            req.setOptions(options(r));
            const provider = providerOf(r);
            if (provider) req.setProvider(provider);
            return call<analyzerPb.AnalyzeRequest, analyzerPb.AnalyzeResponse>(
                (q, cb) => this.client.analyze(q, cb),
                req,
            );
        });
        // A resource policy's violation belongs to the resource analyzed.
        (await Promise.all(analyses)).forEach((res, i) => collect(res, records[i].urn));
        const stackReq = new analyzerPb.AnalyzeStackRequest();
        stackReq.setResourcesList(
            records.map((r) => {
                const resource = new analyzerPb.AnalyzerResource();
                resource.setType(r.type);
                resource.setName(r.name);
                resource.setUrn(r.urn);
                resource.setProperties(struct({ ...r.inputs, ...r.outputs }));
                resource.setOptions(options(r));
                if (r.parent) resource.setParent(r.parent);
                resource.setDependenciesList(r.dependencies ?? []);
                const deps = resource.getPropertydependenciesMap();
                for (const [key, urns] of Object.entries(r.propertyDependencies ?? {})) {
                    const d = new analyzerPb.AnalyzerPropertyDependencies();
                    d.setUrnsList(urns);
                    deps.set(key, d);
                }
                const provider = providerOf(r);
                if (provider) resource.setProvider(provider);
                return resource;
            }),
        );
        collect(
            await call<analyzerPb.AnalyzeStackRequest, analyzerPb.AnalyzeResponse>(
                (q, cb) => this.client.analyzeStack(q, cb),
                stackReq,
            ),
            stackUrn,
        );
        return violations;
    }

    /** GetAnalyzerInfo as the engine receives it (the generated message). */
    rawInfo(): Promise<analyzerPb.AnalyzerInfo> {
        return call<Empty, analyzerPb.AnalyzerInfo>((q, cb) => this.client.getAnalyzerInfo(q, cb), new Empty());
    }

    /** Closes the channel, and kills the process if this instance started it. */
    stop(): void {
        this.client.close();
        if (this.running) this.child!.kill("SIGKILL");
    }
}

/** @grpc/grpc-js as @pulumi/pulumi's generated stubs load it (the same instance). */
function loadGrpc(): typeof grpc {
    const from = require.resolve("@pulumi/pulumi/proto/analyzer_grpc_pb");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(require.resolve("@grpc/grpc-js", { paths: [path.dirname(from)] })) as typeof grpc;
}

/** Every analyzer child still running, killed synchronously when this process exits. */
const children = new Set<ChildProcess>();
process.once("exit", () => {
    for (const child of children) child.kill("SIGKILL");
});

let shared: Promise<AnalyzerProcess> | undefined;

/**
 * The analyzer of this mocha run: the global setup's process, else one started on first use. Call it
 * at a spec file's top level: that registers the root `after` hook that closes the channel (and stops
 * a process started here) when the file is done; the next file to call it connects again.
 */
export function sharedAnalyzer(): Promise<AnalyzerProcess> {
    if (!shared) {
        const file = process.env[ANALYZER_PORT_FILE_ENV];
        const analyzer = file
            ? publishedPort(file).then((port) => AnalyzerProcess.connect(port))
            : AnalyzerProcess.start();
        shared = analyzer;
        analyzer.catch(() => undefined);
        if (typeof after === "function")
            after(async () => {
                if (shared === analyzer) shared = undefined;
                await analyzer.then(
                    (a) => a.stop(),
                    () => undefined,
                );
            });
    }
    return shared;
}
