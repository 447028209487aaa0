/**
 * Runs a Pulumi program offline against the in-process engine and records every registration.
 *
 * This is the one engine behind `npm run plan`, the stack tests and the policy run: Pulumi's own
 * mock monitor with the estate mocks, plus a recorder that keeps what the real engine would keep
 * for each resource (URN, parent, provider, protect, inputs, outputs).
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as settings from "@pulumi/pulumi/runtime/settings";
import * as state from "@pulumi/pulumi/runtime/state";
import { EstateMocks } from "./mocks";
import { RecordedResource, SECRET } from "./types";

/** Signatures of the Pulumi wire format (sdk/nodejs/runtime/rpc.ts). */
const SPECIAL_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";

/**
 * Turns a value in Pulumi's wire format into plain JSON: secrets masked, references as URNs.
 * Unknowns (only a preview has them) stay as the engine's sentinel, which is what an analyzer sees.
 */
export function toPlain(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(toPlain).filter((v) => v !== undefined);
    if (value === null || typeof value !== "object") return value;
    const obj = value as Record<string, unknown>;
    switch (obj[SPECIAL_SIG]) {
        case SECRET_SIG:
            return SECRET;
        case RESOURCE_SIG:
            return obj.urn;
        case ASSET_SIG:
            return {
                asset: obj.path ?? (typeof obj.text === "string" ? `text (${obj.text.length} characters)` : obj.uri),
            };
        case ARCHIVE_SIG:
            return { archive: obj.path ?? (obj.assets ? Object.keys(obj.assets as object) : obj.uri) };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
        const plain = toPlain(v);
        if (plain !== undefined) out[k] = plain;
    }
    return out;
}

export interface OfflineRunOptions<T> {
    project: string;
    stack: string;
    /** Config as the CLI passes it: `namespace:key` → text (structured values as JSON). */
    config: Record<string, string>;
    /** Account and region of resources that name no provider. */
    defaultPlacement: { accountId: string; region: string };
    program: () => Promise<T> | T;
    /** Where the checked-in `Pulumi.<stack>.yaml` files are, for StackReferences to other stacks. */
    projectDir?: string;
    /**
     * Evaluate as `pulumi preview` does (dry run): every id and provider-computed output is unknown,
     * applies over them do not run, and records keep those values as the engine's unknown sentinel.
     */
    preview?: boolean;
}

export interface OfflineRun {
    project: string;
    stack: string;
    /** True for a dry run (`pulumi preview`), false for an update. */
    preview: boolean;
    resources: RecordedResource[];
    /** The stack outputs, as plain JSON. */
    outputs: Record<string, unknown>;
    /** `aws:` types the engine has no outputs for; their outputs are only the echoed inputs. */
    unknownTypes: string[];
}

/** A registration as it is recorded, before the monitor has given it a URN and outputs. */
type Registration = Omit<RecordedResource, "urn" | "outputs"> & { urn?: string };

/** The part of a RegisterResourceRequest or ReadResourceRequest the recorder reads. */
interface ResourceRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProvider(): string;
    getProtect?(): boolean;
    getDependenciesList?(): string[];
    getPropertydependenciesMap?(): { forEach(fn: (deps: { getUrnsList(): string[] }, key: string) => void): void };
}

/** The part of a monitor response the recorder reads (both responses carry the URN). */
interface ResourceResponse {
    getUrn(): string;
}

type Callback = (err: Error | null, res: ResourceResponse | undefined) => void;
type MonitorMethod<Req> = (req: Req, callback: Callback) => Promise<void>;
type WireStruct = { toJavaScript(): unknown } | undefined;

/** Runs `program` as stack `stack` and returns every resource it registered. */
export async function runOffline<T>(options: OfflineRunOptions<T>): Promise<OfflineRun> {
    const secretKeys = Object.entries(options.config)
        .filter(([, v]) => v === SECRET)
        .map(([k]) => k);
    pulumi.runtime.setAllConfig(options.config, secretKeys);
    const preview = options.preview ?? false;
    const mocks = new EstateMocks({
        defaultPlacement: options.defaultPlacement,
        projectDir: options.projectDir,
        preview,
        disabledDefaultProviders: disabledDefaultProviders(options.config),
    });
    await pulumi.runtime.setMocks(mocks, options.project, options.stack, preview);
    const monitor = settings.getMonitor() as unknown as MockMonitor;
    // URNs as the engine makes them: a child's type is its parent's whole qualified type, `$`, its
    // own type; the root stack's type is left out. (The SDK's mock keeps only the parent's last
    // type and includes the stack's, so its URNs would not match `pulumi preview` or a state export.)
    (monitor as unknown as { newUrn(parent: string, type: string, name: string): string }).newUrn = (
        parent,
        type,
        name,
    ) => engineUrn(options.stack, options.project, parent, type, name);

    const registrations: Registration[] = [];
    /** Records a request (a registration, or a read such as a StackReference), then passes it on. */
    const recording =
        <Req extends ResourceRequest>(
            forward: MonitorMethod<Req>,
            custom: (req: Req) => boolean,
            props: (req: Req) => WireStruct,
        ): MonitorMethod<Req> =>
        async (req, callback) => {
            const reg: Registration = {
                type: req.getType(),
                name: req.getName(),
                custom: custom(req),
                parent: req.getParent() || null,
                provider: providerUrn(req.getProvider()),
                protect: Boolean(req.getProtect?.()),
                dependencies: [...(req.getDependenciesList?.() ?? [])].sort(),
                inputs: decodeProviderInputs(
                    req.getType(),
                    (toPlain(props(req)?.toJavaScript() ?? {}) ?? {}) as Record<string, unknown>,
                ),
                ...dependenciesOf(req),
            };
            registrations.push(reg);
            return forward(req, (err, res) => {
                if (!err && res) reg.urn = res.getUrn();
                callback(err, res);
            });
        };
    const wire = monitor as unknown as {
        registerResource: MonitorMethod<ResourceRequest & { getCustom(): boolean; getObject(): WireStruct }>;
        readResource: MonitorMethod<ResourceRequest & { getProperties(): WireStruct }>;
    };
    wire.registerResource = recording(
        wire.registerResource.bind(monitor),
        (req) => req.getCustom(),
        (req) => req.getObject(),
    );
    wire.readResource = recording(
        wire.readResource.bind(monitor),
        () => true,
        (req) => req.getProperties(),
    );

    // Errors thrown inside applies surface as unhandled rejections in a real run, where the CLI stops
    // the program and fails the update; here they fail the plan at once too. Waiting for the program
    // instead would wait forever: registrations whose inputs depend on the failed value never settle.
    const failures: unknown[] = [];
    let stop: (reason: unknown) => void = () => undefined;
    const stopped = new Promise<never>((_, reject) => (stop = reject));
    stopped.catch(() => undefined);
    const onRejection = (reason: unknown) => {
        failures.push(reason);
        stop(reason);
    };
    process.on("unhandledRejection", onRejection);
    const restoreStackTraces = withoutSdkTraces();
    try {
        const outputs = await Promise.race([pulumi.runtime.runInPulumiStack(async () => options.program()), stopped]);
        // Internal to the SDK (marked @internal), but it is how the SDK itself drains registrations.
        await Promise.race([(settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs(), stopped]);
        if (failures.length) throw failures[0];
        if (mocks.refusals.length) throw mocks.refusals[0];
        const registered = monitor.getRegisteredResources();
        const resources: RecordedResource[] = registrations
            .filter((r): r is Registration & { urn: string } => r.urn !== undefined)
            .map((r) => ({
                urn: r.urn,
                type: r.type,
                name: r.name,
                custom: r.custom,
                parent: r.parent,
                provider: r.provider,
                protect: r.protect,
                ...(r.dependencies ? { dependencies: r.dependencies } : {}),
                ...(r.propertyDependencies ? { propertyDependencies: r.propertyDependencies } : {}),
                inputs: r.inputs,
                outputs: decodeProviderInputs(
                    r.type,
                    (toPlain(wireState(registered.get(r.urn)?.state)) ?? {}) as Record<string, unknown>,
                ),
            }));
        return {
            project: options.project,
            stack: options.stack,
            preview,
            resources,
            outputs: (toPlain(outputs ?? {}) ?? {}) as Record<string, unknown>,
            unknownTypes: [...mocks.unknownTypes].sort(),
        };
    } finally {
        process.off("unhandledRejection", onRejection);
        restoreStackTraces();
        if (failures.length) await forgetStoppedRegistrations();
    }
}

/**
 * The registrations a stopped program left pending are not leaks: the CLI would have ended the
 * program. The SDK counts pending promises at process exit and sets a failing exit code for them,
 * so the engine forgets them once the program's last continuations have run (the store is internal).
 */
async function forgetStoppedRegistrations(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    (state as unknown as { getStore(): { leakCandidates: Set<unknown> } }).getStore().leakCandidates = new Set();
}

/** The SDK's set of registered promises not yet settled, which it reports as leaks at exit. */
function leakCandidates(): Set<unknown> {
    return (state as unknown as { getStore(): { leakCandidates: Set<unknown> } }).getStore().leakCandidates;
}

/**
 * Pulumi captures a stack trace for every resource it constructs (resource.js `callsites()`, with
 * Error.stackTraceLimit raised to Infinity, for the source position it sends the engine) and for
 * every promise it registers (runtime/debuggable.js, four per property of every resource, kept for
 * its leak report). The CPU profile of a plan put more than a quarter of its time there
 * (docs/benchmarks.md), and the offline engine records neither the source positions nor the leak
 * traces. So during a run the SDK's promises join its leak report's set as before (the report at
 * exit still counts them) without a trace or the SDK's extra chain of two promises, resources report
 * no source position, and any other message-less capture made inside the SDK gets an empty trace. Errors keep their full trace (in V8's plain format
 * when thrown inside the SDK, mapped through source maps otherwise). VAT_BACKUP_SDK_TRACES=1 keeps
 * the SDK's traces: tests/offline/fastPath.spec.ts plans with them and compares the records.
 * Returns the function that puts everything back.
 */
function withoutSdkTraces(): () => void {
    const keepTraces = process.env.VAT_BACKUP_SDK_TRACES === "1";
    type Register = (p: Promise<unknown>, ctx: unknown) => Promise<unknown>;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: Register };
    const resourceClass = pulumi.Resource as unknown as { callsites(): unknown[] };
    const register = debuggable.debuggablePromise;
    const callsites = resourceClass.callsites;
    const previous = Error.prepareStackTrace;
    if (!keepTraces) {
        // The first registration goes through the SDK, which installs its leak report at exit; the
        // rest join the same set of candidates without the non-enumerable debug fields or the two
        // extra promises per registration that the SDK chains on (nothing here reads either).
        let reportInstalled = false;
        debuggable.debuggablePromise = (p, ctx) => {
            if (!reportInstalled) {
                reportInstalled = true;
                return register(p, ctx);
            }
            const candidates = leakCandidates();
            candidates.add(p);
            const settled = () => candidates.delete(p);
            p.then(settled, settled);
            return p;
        };
        resourceClass.callsites = () => [];
    }
    const sdk = `${path.sep}@pulumi${path.sep}pulumi${path.sep}`;
    // V8's own format (what applies without a formatter), never mapped through source maps.
    const plain = (error: Error, frames: NodeJS.CallSite[]) =>
        `${String(error)}${frames.map((f) => `\n    at ${String(f)}`).join("")}`;
    Error.prepareStackTrace = (error, frames) => {
        if (frames[0]?.getFileName()?.includes(sdk)) {
            if (!keepTraces && error instanceof Error && error.message === "") return "Error";
            return plain(error, frames);
        }
        return previous ? previous(error, frames) : plain(error, frames);
    };
    return () => {
        debuggable.debuggablePromise = register;
        resourceClass.callsites = callsites;
        Error.prepareStackTrace = previous;
    };
}

/** `urn:pulumi:<stack>::<project>::<qualified type>::<name>`, qualified by every ancestor but the stack. */
export function engineUrn(
    stack: string,
    project: string,
    parent: string | undefined,
    type: string,
    name: string,
): string {
    const parentType = parent ? parent.split("::")[2] : undefined;
    const qualified = !parentType || parentType === ROOT_STACK_TYPE ? type : `${parentType}$${type}`;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** The mock monitor keeps serialized state, or a protobuf Struct once a component registers outputs. */
function wireState(state: unknown): unknown {
    const struct = state as WireStruct | null;
    if (struct && typeof struct.toJavaScript === "function") return struct.toJavaScript();
    return state;
}

/** Provider resources receive structured inputs as JSON text; the record shows them as JSON. */
function decodeProviderInputs(type: string, props: Record<string, unknown>): Record<string, unknown> {
    if (!type.startsWith("pulumi:providers:")) return props;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props)) {
        if (typeof v === "string" && /^[[{]|^(true|false)$/.test(v)) {
            try {
                out[k] = JSON.parse(v);
                continue;
            } catch {
                // Not JSON after all: keep the text.
            }
        }
        out[k] = v;
    }
    return out;
}

/** What a registration depends on, as the engine keeps it for AnalyzeStack (only custom resources and components send it). */
function dependenciesOf(req: ResourceRequest): Pick<RecordedResource, "dependencies" | "propertyDependencies"> {
    const dependencies = [...new Set(req.getDependenciesList?.() ?? [])];
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap?.().forEach((deps, key) => {
        const urns = deps.getUrnsList();
        if (urns.length) propertyDependencies[key] = [...new Set(urns)];
    });
    return {
        ...(dependencies.length ? { dependencies } : {}),
        ...(Object.keys(propertyDependencies).length ? { propertyDependencies } : {}),
    };
}

/** `pulumi:disable-default-providers` from the stack's config: a list of package names, or `*`. */
function disabledDefaultProviders(config: Record<string, string>): string[] {
    const text = config["pulumi:disable-default-providers"];
    if (text === undefined) return [];
    try {
        const list = JSON.parse(text) as unknown;
        return Array.isArray(list) ? list.map(String) : [String(list)];
    } catch {
        return [text];
    }
}

/** Provider references read `urn::id`; the record keeps the URN. */
function providerUrn(ref: string | undefined): string | null {
    if (!ref) return null;
    return ref.split("::").slice(0, 4).join("::") || null;
}
