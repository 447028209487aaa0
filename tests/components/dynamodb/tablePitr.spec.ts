import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DynamoDBClient, UpdateContinuousBackupsCommand } from "@aws-sdk/client-dynamodb";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient } from "aws-sdk-client-mock";
import { TABLE_PITR_TYPE, TablePitr } from "../../../components/dynamodb/tablePitr";
import type { RecordedResource } from "../../../offline/types";
import { runComponent } from "../../helpers/engine";
import { providerFromSerializedText } from "../../helpers/serializedProvider";

describe("TablePitr dynamic resource", () => {
    /** Registers one TablePitr on the offline engine and returns what the engine recorded of it. */
    async function register(name: string, recoveryPeriodDays?: number): Promise<RecordedResource> {
        const run = await runComponent(() => {
            new TablePitr(name, {
                tableName: "prod-env-receipts",
                recoveryPeriodDays,
                region: "eu-west-2",
                accountId: "111111111111",
                assumeRoleArn: "arn:aws:iam::111111111111:role/prod-env-deployment",
            });
        });
        return run.named(name);
    }

    it("registers its inputs under its own dynamic type token, defaulting to the full 35-day window", async () => {
        const registration = await register("receipts-pitr");
        assert.equal(registration.type, TABLE_PITR_TYPE);
        assert.equal(registration.type, "pulumi-nodejs:dynamic/backup:TablePitr");
        assert.equal(registration.inputs.tableName, "prod-env-receipts");
        assert.equal(registration.inputs.recoveryPeriodDays, 35);
        assert.equal(registration.inputs.region, "eu-west-2");
        assert.equal(registration.inputs.accountId, "111111111111");
        assert.equal(registration.inputs.assumeRoleArn, "arn:aws:iam::111111111111:role/prod-env-deployment");
    });

    it("serializes a small provider that loads its logic and the SDK only when it runs", async () => {
        const { inputs } = await register("bundles-pitr", 14);
        const text = String(inputs.__provider);
        assert.equal(typeof text, "string");
        assert.match(text, /components\/dynamodb\/pitrProvider/);
        assert.doesNotMatch(text, /@aws-sdk|UpdateContinuousBackups|DynamoDBClient/, "the SDK is not captured");
        assert.ok(text.length < 8000, `serialized provider is ${text.length} characters`);
    });

    it("still works after serialization: the deserialized provider enables PITR through the SDK", async () => {
        const { inputs } = await register("passes-pitr", 21);
        const dynamodb = mockClient(DynamoDBClient);
        const sts = mockClient(STSClient);
        try {
            sts.on(GetCallerIdentityCommand).resolves({ Account: "111111111111" });
            dynamodb.on(UpdateContinuousBackupsCommand).resolves({
                ContinuousBackupsDescription: {
                    ContinuousBackupsStatus: "ENABLED",
                    PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: "ENABLED", RecoveryPeriodInDays: 21 },
                },
            });
            const provider = providerFromSerializedText(String(inputs.__provider));

            const result = await provider.create(inputs);

            assert.equal(result.id, "111111111111/eu-west-2/prod-env-receipts");
            assert.equal(result.outs.pitrEnabled, true);
            assert.equal(
                dynamodb.commandCalls(UpdateContinuousBackupsCommand)[0].args[0].input.PointInTimeRecoverySpecification
                    ?.RecoveryPeriodInDays,
                21,
            );
            await provider.delete!(result.id, result.outs);
            assert.equal(
                dynamodb.commandCalls(UpdateContinuousBackupsCommand).length,
                1,
                "delete made no further call",
            );
        } finally {
            dynamodb.restore();
            sts.restore();
        }
    });

    it("loads its TypeScript logic in a plain Node process, as the provider host runs it (no ts-node preloaded)", async () => {
        const { inputs } = await register("subscriptions-pitr", 40);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pitr-host-"));
        const providerFile = path.join(dir, "provider.js");
        fs.writeFileSync(providerFile, String(inputs.__provider));
        // Mirrors cmd/dynamic-provider: requireFromString(text).handler(), file name '', cwd = program directory.
        const host = `
            const Module = require("module");
            const m = new Module("");
            m.paths = Module._nodeModulePaths(process.cwd());
            m._compile(require("fs").readFileSync(${JSON.stringify(providerFile)}, "utf8"), "");
            m.exports.handler().check({}, ${JSON.stringify({ ...inputs, __provider: undefined })})
                .then((result) => process.stdout.write(JSON.stringify(result.failures)));`;
        const output = execFileSync(process.execPath, ["-e", host], { cwd: process.cwd(), encoding: "utf8" });
        fs.rmSync(dir, { recursive: true, force: true });
        assert.deepEqual(JSON.parse(output), [
            { property: "recoveryPeriodDays", reason: "40 is outside the 1 to 35 whole days DynamoDB PITR accepts" },
        ]);
    });
});
