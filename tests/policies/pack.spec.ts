/**
 * The pack loads as the Pulumi CLI loads it: `run-policy-pack` from @pulumi/pulumi, run in
 * policies/ with ts-node type-checking against policies/tsconfig.json, serving the analyzer gRPC
 * API. The test asks it for its metadata (GetAnalyzerInfo, what `pulumi policy publish` and the
 * engine read) and stops the process it started.
 */
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { allPolicies } from "../../policies/areas";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const emptyProto = require("google-protobuf/google/protobuf/empty_pb");

const PACK_DIR = path.resolve(__dirname, "../../policies");
const RUN_POLICY_PACK = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");

interface PolicyInfo {
    getName(): string;
    getEnforcementlevel(): number;
    getRemediationSteps(): string;
    getConfigschema(): { getProperties(): { toJavaScript(): Record<string, unknown> } | undefined } | undefined;
}
interface AnalyzerInfo {
    getName(): string;
    getVersion(): string;
    getPoliciesList(): PolicyInfo[];
}

describe("policies/ as a policy pack", function () {
    this.timeout(180_000);
    let child: ChildProcess | undefined;
    let info: AnalyzerInfo;

    before(async () => {
        child = spawn(process.execPath, [RUN_POLICY_PACK, "127.0.0.1:0", "."], {
            cwd: PACK_DIR,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stderr!.on("data", (d) => (stderr += d));
        const port = await new Promise<string>((resolve, reject) => {
            let out = "";
            child!.stdout!.on("data", (d) => {
                out += d;
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) resolve(m[1]);
            });
            child!.on("exit", (code) => reject(new Error(`policy pack exited with ${code}: ${stderr}`)));
        });
        const client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        info = await new Promise<AnalyzerInfo>((resolve, reject) =>
            client.getAnalyzerInfo(new emptyProto.Empty(), (err: Error | null, res: AnalyzerInfo) =>
                err ? reject(err) : resolve(res),
            ),
        );
        client.close();
    });

    after(() => {
        if (child && child.exitCode === null && child.pid !== undefined) process.kill(child.pid);
    });

    it("serves every policy of every area, under the pack's name and package version", () => {
        assert.strictEqual(info.getName(), "vat-backup-policies");
        assert.strictEqual(info.getVersion(), "0.1.0");
        assert.deepStrictEqual(
            info.getPoliciesList().map((p) => p.getName()),
            allPolicies.map((p) => p.name),
        );
    });

    it("declares the mandatory policies as mandatory, with remediation steps and config schemas", () => {
        const byName = new Map(info.getPoliciesList().map((p) => [p.getName(), p]));
        // analyzer.proto: ADVISORY = 0, MANDATORY = 1.
        for (const name of [
            "dynamodb-pitr-enabled",
            "dynamodb-pitr-recovery-period",
            "dynamodb-replica-pitr",
            "backup-selection-covers-tables",
        ]) {
            assert.strictEqual(byName.get(name)!.getEnforcementlevel(), 1, name);
        }
        for (const p of info.getPoliciesList()) assert.ok(p.getRemediationSteps().length > 20, p.getName());
        const schema = byName.get("dynamodb-pitr-recovery-period")!.getConfigschema()!.getProperties()!.toJavaScript();
        assert.deepStrictEqual(schema.minRecoveryPeriodDays, { type: "integer", minimum: 1, maximum: 35, default: 35 });
    });
});
