/**
 * Pulumi's own dynamic provider host (`@pulumi/pulumi/cmd/dynamic-provider`), started as the engine
 * starts it (plain Node, working directory the program directory, the engine's address as argument;
 * it prints the port it serves the ResourceProvider service on) and driven over gRPC with the
 * `__provider` text the program serialized. Used by the provider-host spec.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import type * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";

export const PROJECT_DIR = path.resolve(__dirname, "../..");
const ENGINE_ADDRESS_UNUSED = "127.0.0.1:1";

type Props = Record<string, unknown>;
type Unary<Req, Res> = (req: Req, callback: (err: grpc.ServiceError | null, res: Res) => void) => grpc.ClientUnaryCall;

function call<Req, Res>(method: Unary<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) =>
        method(req, (err, res) => (err ? reject(new Error(err.details || err.message)) : resolve(res))),
    );
}

const struct = (value: Props) =>
    Struct.fromJavaScript(JSON.parse(JSON.stringify(value)) as Parameters<typeof Struct.fromJavaScript>[0]);

export interface DiffResult {
    changes: "none" | "some" | "unknown";
    replaces: string[];
}

export class ProviderHost {
    private constructor(
        private readonly child: ChildProcess,
        private readonly client: ResourceProviderClient,
        readonly stderr: () => string,
    ) {}

    static async start(env: Record<string, string>): Promise<ProviderHost> {
        const script = require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [PROJECT_DIR] });
        const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
        for (const key of Object.keys(childEnv))
            if (key.startsWith("TS_NODE_") || key === "AWS_PROFILE") delete childEnv[key];
        const child = spawn(process.execPath, [script, ENGINE_ADDRESS_UNUSED], {
            cwd: PROJECT_DIR,
            env: childEnv,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
        const port = await new Promise<number>((resolve, reject) => {
            let stdout = "";
            child.stdout!.on("data", (d: Buffer) => {
                stdout += d.toString();
                const line = /^(\d+)\s*$/m.exec(stdout);
                if (line) resolve(Number(line[1]));
            });
            child.on("exit", (code) => reject(new Error(`the provider host exited (code ${code}):\n${stderr}`)));
        });
        child.unref();
        const grpcJs = loadGrpc();
        const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpcJs.credentials.createInsecure());
        const host = new ProviderHost(child, client, () => stderr);
        const configure = new providerPb.ConfigureRequest();
        configure.setArgs(struct({}));
        await call<providerPb.ConfigureRequest, providerPb.ConfigureResponse>(
            (q, cb) => client.configure(q, cb),
            configure,
        );
        return host;
    }

    async check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: string[] }> {
        const req = new providerPb.CheckRequest();
        req.setUrn(urn);
        req.setOlds(struct(olds));
        req.setNews(struct(news));
        const res = await call<providerPb.CheckRequest, providerPb.CheckResponse>(
            (q, cb) => this.client.check(q, cb),
            req,
        );
        return {
            inputs: (res.getInputs()?.toJavaScript() ?? {}) as Props,
            failures: res.getFailuresList().map((f) => `${f.getProperty()}: ${f.getReason()}`),
        };
    }

    async diff(urn: string, id: string, olds: Props, news: Props): Promise<DiffResult> {
        const req = new providerPb.DiffRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setOlds(struct(olds));
        req.setNews(struct(news));
        const res = await call<providerPb.DiffRequest, providerPb.DiffResponse>(
            (q, cb) => this.client.diff(q, cb),
            req,
        );
        const changes = res.getChanges();
        return {
            changes:
                changes === providerPb.DiffResponse.DiffChanges.DIFF_NONE
                    ? "none"
                    : changes === providerPb.DiffResponse.DiffChanges.DIFF_SOME
                      ? "some"
                      : "unknown",
            replaces: res.getReplacesList(),
        };
    }

    async create(urn: string, inputs: Props): Promise<{ id: string; outs: Props }> {
        const req = new providerPb.CreateRequest();
        req.setUrn(urn);
        req.setProperties(struct(inputs));
        const res = await call<providerPb.CreateRequest, providerPb.CreateResponse>(
            (q, cb) => this.client.create(q, cb),
            req,
        );
        return { id: res.getId(), outs: (res.getProperties()?.toJavaScript() ?? {}) as Props };
    }

    async read(urn: string, id: string, props: Props): Promise<{ id: string; props: Props }> {
        const req = new providerPb.ReadRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setProperties(struct(props));
        const res = await call<providerPb.ReadRequest, providerPb.ReadResponse>(
            (q, cb) => this.client.read(q, cb),
            req,
        );
        return { id: res.getId(), props: (res.getProperties()?.toJavaScript() ?? {}) as Props };
    }

    async update(urn: string, id: string, olds: Props, news: Props): Promise<Props> {
        const req = new providerPb.UpdateRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setOlds(struct(olds));
        req.setNews(struct(news));
        const res = await call<providerPb.UpdateRequest, providerPb.UpdateResponse>(
            (q, cb) => this.client.update(q, cb),
            req,
        );
        return (res.getProperties()?.toJavaScript() ?? {}) as Props;
    }

    async delete(urn: string, id: string, props: Props): Promise<void> {
        const req = new providerPb.DeleteRequest();
        req.setUrn(urn);
        req.setId(id);
        req.setProperties(struct(props));
        await call((q: providerPb.DeleteRequest, cb) => this.client.delete(q, cb), req);
    }

    stop(): void {
        this.client.close();
        if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    }
}

/** @grpc/grpc-js as @pulumi/pulumi's generated stubs load it (the same instance). */
function loadGrpc(): typeof grpc {
    const from = require.resolve("@pulumi/pulumi/proto/provider_grpc_pb");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(require.resolve("@grpc/grpc-js", { paths: [path.dirname(from)] })) as typeof grpc;
}
