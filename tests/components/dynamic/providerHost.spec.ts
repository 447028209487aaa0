/**
 * The dynamic providers through Pulumi's own provider host: `@pulumi/pulumi/cmd/dynamic-provider`
 * started in the project root as the engine starts it, sent the `__provider` text the real program
 * serialized for the prod stack, over gRPC (Configure, Check, Diff, Create, Read, Update, Delete),
 * against a loopback stand-in for STS, DynamoDB and Secrets Manager. The host runs as after
 * `npm ci --omit=dev` (no devDependency resolves), as a production install would run it.
 *
 * Refresh semantics follow Pulumi's `dynamic.ReadResult`: `id` is "the ID of the resource read back
 * (or blank if missing)" (pulumi.com/docs/reference/pkg/nodejs/pulumi/pulumi/interfaces/dynamic.ReadResult).
 * A table or secret that is missing is not a missing *resource* here: the resource stands for "PITR
 * (a replica) whenever it exists", so it reads back under its id as pending, and an account rebuilt
 * before its restore deploys with the same program (runbook, lost account).
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { PITR_LOGIC_MODULE, TABLE_PITR_TYPE } from "../../../components/dynamodb/tablePitr";
import { SECRET_REPLICA_LOGIC_MODULE, SECRET_REPLICA_TYPE } from "../../../components/secrets/secretReplica";
import type { RecordedResource } from "../../../offline/types";
import { AwsStandIn } from "../../helpers/awsStandIn";
import { runStackOffline } from "../../helpers/engine";
import { PROJECT_DIR, ProviderHost } from "../../helpers/providerHost";

const PROD = "111111111111";
const OMIT_DEV = path.resolve(__dirname, "../../helpers/omitDevDependencies.js");

/**
 * Paths in the `__provider` text of every deployed TablePitr and SecretReplica: the deployed
 * state loads them on refresh, update and delete. Moving a file breaks those resources, so it must
 * break this list first. Change it only together with a migration of every stack's state.
 */
const PINNED_LOGIC_MODULES = ["components/dynamodb/pitrProvider", "components/secrets/secretReplicaProvider"];

describe("dynamic providers through Pulumi's provider host (cmd/dynamic-provider), as after npm ci --omit=dev", function () {
    this.timeout(120_000);
    let aws: AwsStandIn;
    let host: ProviderHost;
    let records: RecordedResource[];

    before(async () => {
        aws = await AwsStandIn.start(PROD);
        records = (await runStackOffline("prod")).resources;
        host = await ProviderHost.start({
            AWS_ENDPOINT_URL: aws.endpoint,
            AWS_ACCESS_KEY_ID: "AKIASTANDIN",
            AWS_SECRET_ACCESS_KEY: "stand-in",
            AWS_REGION: "eu-west-2",
            AWS_EC2_METADATA_DISABLED: "true",
            NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${OMIT_DEV}`.trim(),
        });
    });
    after(async () => {
        host?.stop();
        await aws?.stop();
    });

    const dynamicRecord = (type: string, match: (r: RecordedResource) => boolean) => {
        const found = records.find((r) => r.type === type && match(r));
        assert.ok(found, `prod registers a ${type}`);
        return found;
    };
    const callsOf = (action: string) => aws.calls.filter((c) => c.action === action).length;

    it("loads the logic from pinned files that exist in the repository, whatever the provider text", () => {
        assert.deepEqual([PITR_LOGIC_MODULE, SECRET_REPLICA_LOGIC_MODULE], PINNED_LOGIC_MODULES);
        for (const module of PINNED_LOGIC_MODULES)
            assert.ok(fs.existsSync(path.join(PROJECT_DIR, `${module}.ts`)), `${module}.ts is missing`);
        const texts = records
            .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"))
            .map((r) => String(r.inputs.__provider));
        assert.ok(texts.length > 0);
        for (const text of texts) {
            assert.ok(
                PINNED_LOGIC_MODULES.some((m) => text.includes(JSON.stringify(m))),
                "provider names a pinned module",
            );
            assert.doesNotMatch(text, /ts-node/, "the serialized provider must not need ts-node, a devDependency");
        }
    });

    describe("TablePitr", () => {
        let table: RecordedResource;
        let inputs: Record<string, unknown>;
        let id: string;
        let state: Record<string, unknown>;

        before(() => {
            table = dynamicRecord(TABLE_PITR_TYPE, (r) => r.inputs.tableName === "prod-env-receipts");
        });

        it("in an account without the table (rebuilt before its restore), create succeeds as pending through the host", async () => {
            const checked = await host.check(table.urn, {}, table.inputs);
            const created = await host.create(table.urn, checked.inputs);
            assert.equal(created.id, `${PROD}/eu-west-2/prod-env-receipts`);
            assert.equal(created.outs.tableExists, false);
            assert.ok(!("pitrEnabled" in created.outs), "no PITR claim for a table that does not exist");
            assert.equal(created.outs.__provider, table.inputs.__provider, "the provider text stays in the state");
            const refreshed = await host.read(table.urn, created.id, created.outs);
            assert.equal(refreshed.id, created.id, "a refresh keeps the pending resource");
            assert.deepEqual(refreshed.props, created.outs);
            assert.deepEqual(await host.diff(table.urn, created.id, refreshed.props, checked.inputs), {
                changes: "some",
                replaces: [],
            });
            // Restored (PITR not yet on): the update takes the table over.
            aws.tables.set("prod-env-receipts", { pitr: false, recoveryPeriodDays: 1 });
            const updated = await host.update(table.urn, created.id, refreshed.props, checked.inputs);
            assert.equal(updated.tableExists, true);
            assert.equal(updated.pitrEnabled, true);
            assert.deepEqual(aws.tables.get("prod-env-receipts"), { pitr: true, recoveryPeriodDays: 35 });
            assert.equal((await host.diff(table.urn, created.id, updated, checked.inputs)).changes, "none");
            aws.tables.set("prod-env-receipts", { pitr: false, recoveryPeriodDays: 1 });
        });

        it("check accepts the program's inputs and rejects a period DynamoDB would reject", async () => {
            const checked = await host.check(table.urn, {}, table.inputs);
            assert.deepEqual(checked.failures, []);
            assert.equal(checked.inputs.__provider, table.inputs.__provider);
            inputs = checked.inputs;
            const bad = await host.check(table.urn, {}, { ...table.inputs, recoveryPeriodDays: 40 });
            assert.deepEqual(bad.failures, [
                "recoveryPeriodDays: 40 is outside the 1 to 35 whole days DynamoDB PITR accepts",
            ]);
        });

        it("create switches PITR on with the period asked for", async () => {
            const created = await host.create(table.urn, inputs);
            assert.equal(created.id, `${PROD}/eu-west-2/prod-env-receipts`);
            assert.equal(created.outs.pitrEnabled, true);
            assert.equal(created.outs.__provider, table.inputs.__provider, "the provider text stays in the state");
            assert.deepEqual(aws.tables.get("prod-env-receipts"), { pitr: true, recoveryPeriodDays: 35 });
            id = created.id;
            state = created.outs;
        });

        it("a refresh with nothing changed shows no change, though AWS's restorable window moved", async () => {
            const read = await host.read(table.urn, id, state);
            assert.equal(read.id, id);
            assert.deepEqual(read.props, state);
            assert.equal((await host.diff(table.urn, id, read.props, inputs)).changes, "none");
        });

        it("a refresh shows PITR switched off by hand, and the next update switches it back on", async () => {
            aws.tables.set("prod-env-receipts", { pitr: false, recoveryPeriodDays: 35 });
            const read = await host.read(table.urn, id, state);
            assert.equal(read.props.pitrEnabled, false);
            const diff = await host.diff(table.urn, id, read.props, inputs);
            assert.deepEqual(diff, { changes: "some", replaces: [] });
            const updated = await host.update(table.urn, id, read.props, inputs);
            assert.equal(updated.pitrEnabled, true);
            assert.equal(aws.tables.get("prod-env-receipts")?.pitr, true);
            state = updated;
        });

        it("delete makes no AWS call: PITR stays on the live table", async () => {
            const before = aws.calls.length;
            await host.delete(table.urn, id, state);
            assert.equal(aws.calls.length, before);
        });

        it("a refresh after the table is gone keeps the resource, pending, and plans the update that takes it back", async () => {
            aws.tables.delete("prod-env-receipts");
            const read = await host.read(table.urn, id, state);
            assert.equal(read.id, id);
            assert.equal(read.props.tableExists, false);
            assert.equal((await host.diff(table.urn, id, read.props, inputs)).changes, "some");
        });
    });

    describe("SecretReplica", () => {
        let replica: RecordedResource;
        let inputs: Record<string, unknown>;
        let id: string;
        let state: Record<string, unknown>;
        const SALT = "prod/submit/user-sub-hash-salt";

        before(() => {
            replica = dynamicRecord(SECRET_REPLICA_TYPE, (r) => r.inputs.secretId === SALT);
        });

        it("in an account without the secret (rebuilt before its recovery), create succeeds as pending through the host", async () => {
            const checked = await host.check(replica.urn, {}, replica.inputs);
            const created = await host.create(replica.urn, checked.inputs);
            assert.equal(created.outs.replicaStatus, "SecretNotFound");
            assert.equal(callsOf("ReplicateSecretToRegions"), 0);
            const refreshed = await host.read(replica.urn, created.id, created.outs);
            assert.equal(refreshed.id, created.id);
            assert.equal((await host.diff(replica.urn, created.id, refreshed.props, checked.inputs)).changes, "some");
        });

        it("check accepts the program's inputs, create replicates into the DR region under the DR key", async () => {
            aws.secrets.set(SALT, {
                arn: `arn:aws:secretsmanager:eu-west-2:${PROD}:secret:${SALT}-AbCdEf`,
                replicas: [],
            });
            // The DR key's ARN is computed by the offline engine; a real preview would have sent it unknown.
            const checked = await host.check(replica.urn, {}, replica.inputs);
            assert.deepEqual(checked.failures, []);
            inputs = checked.inputs;
            const created = await host.create(replica.urn, inputs);
            assert.equal(created.outs.replicaStatus, "InSync");
            assert.equal(callsOf("ReplicateSecretToRegions"), 1);
            assert.deepEqual(
                aws.secrets.get(SALT)?.replicas.map((r) => r.Region),
                ["eu-west-1"],
            );
            id = created.id;
            state = created.outs;
        });

        it("a refresh with nothing changed shows no change", async () => {
            const read = await host.read(replica.urn, id, state);
            assert.deepEqual(read.props, state);
            assert.equal((await host.diff(replica.urn, id, read.props, inputs)).changes, "none");
        });

        it("a refresh shows the replica removed by hand, and the next update replicates again", async () => {
            aws.secrets.get(SALT)!.replicas = [];
            const read = await host.read(replica.urn, id, state);
            assert.equal(read.props.replicaStatus, "Missing");
            assert.equal((await host.diff(replica.urn, id, read.props, inputs)).changes, "some");
            const updated = await host.update(replica.urn, id, read.props, inputs);
            assert.equal(updated.replicaStatus, "InSync");
            assert.equal(callsOf("ReplicateSecretToRegions"), 2);
            state = updated;
        });

        it("delete never removes the replica; a refresh after the secret is gone keeps the resource, pending", async () => {
            const before = aws.calls.length;
            await host.delete(replica.urn, id, state);
            assert.equal(aws.calls.length, before);
            aws.secrets.delete(SALT);
            const read = await host.read(replica.urn, id, state);
            assert.equal(read.id, id);
            assert.equal(read.props.replicaStatus, "SecretNotFound");
        });
    });
});
