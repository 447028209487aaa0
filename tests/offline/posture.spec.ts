import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT } from "../../naming";
import { TablePitr } from "../../components/dynamodb/tablePitr";
import { SecretReplica } from "../../components/secrets/secretReplica";
import { OfflineRun, runOffline } from "../../offline/engine";
import { main } from "../../offline/plan";
import { AssetPosture, parseVaultArn, Posture, posture, TYPES } from "../../offline/posture";
import { renderMarkdown, renderMermaid, renderPosture } from "../../offline/postureReport";
import { checkedInStacks, runStackOffline, stackConfig } from "../../offline/stack";
import { RecordedResource } from "../../offline/types";

const inputsOf = (run: OfflineRun, type: string) => run.resources.filter((r) => r.type === type);
const assetOf = (p: Posture, resource: string): AssetPosture => {
    const found = p.assets.find((a) => a.resource === resource);
    assert.ok(found, `no posture for ${resource}; have ${p.assets.map((a) => a.resource).join(", ")}`);
    return found;
};

interface PlanRule {
    ruleName: string;
    schedule: string;
    lifecycle: { deleteAfter?: number; coldStorageAfter?: number };
    copyActions: { destinationVaultArn: string; lifecycle: { deleteAfter?: number; coldStorageAfter?: number } }[];
}

/** Runs the real program as `stack`, with extra resources registered beside it (as a later stack change would). */
async function runWithExtras(stack: string, extras: () => void): Promise<OfflineRun> {
    const config = stackConfig(stack);
    const program = path.resolve(__dirname, "../../index.ts");
    return runOffline({
        project: PROJECT,
        stack,
        config,
        defaultPlacement: { accountId: config[`${PROJECT}:accountId`], region: config[`${PROJECT}:region`] },
        program: () => {
            delete require.cache[require.resolve(program)];
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const outputs = require(program) as Record<string, unknown>;
            extras();
            return outputs;
        },
    });
}

describe("posture report", () => {
    const runs = new Map<string, OfflineRun>();
    before(async () => {
        for (const stack of checkedInStacks()) runs.set(stack, await runStackOffline(stack));
    });

    it("covers every checked-in stack", () => {
        assert.deepEqual([...runs.keys()], ["backup", "ci", "org", "prod"]);
    });

    for (const stack of ["prod", "ci"]) {
        it(`${stack}: every table the backup selection lists is an asset, with the plan's rules and copies`, () => {
            const run = runs.get(stack)!;
            const p = posture([run]);
            const listed = inputsOf(run, TYPES.selection).flatMap((s) => (s.inputs.resources as string[] | undefined) ?? []);
            const tables = p.assets.filter((a) => a.asset.kind === "dynamodb-table");
            assert.deepEqual(tables.map((a) => `arn:aws:dynamodb:${a.placement.region}:${a.placement.accountId}:table/${a.resource}`).sort(), [...listed].sort());
            const rules = inputsOf(run, TYPES.plan)[0].inputs.rules as PlanRule[];
            for (const a of tables) {
                assert.deepEqual(
                    a.localBackups.map((l) => [l.rule, l.retentionDays, l.coldAfterDays, l.vaultName]),
                    rules.map((r) => [r.ruleName, r.lifecycle.deleteAfter, r.lifecycle.coldStorageAfter, (r as unknown as { targetVaultName: string }).targetVaultName]),
                );
                assert.deepEqual(
                    a.copies.map((c) => [c.rule, c.retentionDays, c.coldAfterDays, c.destinationVaultArn]),
                    rules.flatMap((r) => r.copyActions.map((c) => [r.ruleName, c.lifecycle.deleteAfter, c.lifecycle.coldStorageAfter, c.destinationVaultArn])),
                );
                for (const c of a.copies) {
                    assert.deepEqual(c.destination, parseVaultArn(c.destinationVaultArn));
                    assert.notEqual(c.destination.accountId, a.placement.accountId, "copies leave the account");
                }
            }
            // The daily rule (cron(0 2 * * ? *)) is the shortest copy: 24 h outside the account.
            assert.match(assetOf(p, `${stack}-env-receipts`).rpoOutside.value, /^24 h \('daily' copy/);
            assert.equal(assetOf(p, `${stack}-env-receipts`).asset.criticality, "critical");
            assert.equal(assetOf(p, `${stack}-env-submit-vat-async-requests`).asset.id, "*-async-requests");
        });

        it(`${stack}: the exports bucket is the 'backup exports' asset, read from the bucket resources`, () => {
            const run = runs.get(stack)!;
            const p = posture([run]);
            const bucket = inputsOf(run, TYPES.bucket)[0];
            const exportsAsset = assetOf(p, bucket.inputs.bucket as string);
            assert.equal(exportsAsset.asset.id, "backup exports");
            const versioned = inputsOf(run, TYPES.versioning).some((v) => (v.inputs.versioningConfiguration as { status: string }).status === "Enabled");
            assert.equal(exportsAsset.rtoInAccount.ok, versioned);
            // No replication configuration in this stack: nothing outside the account, marked.
            assert.equal(inputsOf(run, TYPES.replication).length, 0);
            assert.ok(exportsAsset.gaps.some((g) => /no replication outside the account/.test(g)));
        });

        it(`${stack}: with no PITR resource, every table is marked, and so are the assets the stack leaves out`, () => {
            const run = runs.get(stack)!;
            const p = posture([run]);
            assert.equal(inputsOf(run, TYPES.tablePitr).length, 0);
            for (const a of p.assets.filter((x) => x.asset.kind === "dynamodb-table")) {
                assert.equal(a.pitr, undefined);
                assert.ok(a.gaps.includes("PITR is not enabled by this stack"));
                assert.equal(a.rpoInside?.ok, false);
            }
            assert.deepEqual(p.unprotected.map((u) => u.asset).sort(), ["hmrc client secret", "user pool", "user-sub-hash-salt"]);
        });
    }

    it("backup: the vault locks and Object Lock are read from their configuration resources", () => {
        const run = runs.get("backup")!;
        const p = posture([run]);
        assert.equal(p.assets.length, 0, "the backup account holds copies, not the application's assets");
        const locks = inputsOf(run, TYPES.vaultLock);
        assert.equal(p.vaults.length, inputsOf(run, TYPES.vault).length);
        for (const lock of locks) {
            const vault = p.vaults.find((v) => v.name === lock.inputs.backupVaultName)!;
            assert.deepEqual(vault.lock, {
                mode: "compliance",
                minRetentionDays: lock.inputs.minRetentionDays,
                maxRetentionDays: lock.inputs.maxRetentionDays,
                changeableForDays: lock.inputs.changeableForDays,
            });
        }
        for (const ol of inputsOf(run, TYPES.objectLock)) {
            const bucket = p.buckets.find((b) => b.name === ol.inputs.bucket)!;
            const retention = (ol.inputs.rule as { defaultRetention: { mode: string; days: number } }).defaultRetention;
            assert.equal(bucket.objectLock?.mode, retention.mode.toLowerCase());
            assert.equal(bucket.objectLock?.days, retention.days);
        }
        const second = p.flows.filter((f) => f.kind === "second-region-copy");
        assert.equal(second.length, 1);
        assert.deepEqual([parseVaultArn(second[0].from)?.region, parseVaultArn(second[0].to)?.region], ["eu-west-2", "eu-west-1"]);
        assert.equal(p.flows.filter((f) => f.kind === "replication").length, inputsOf(run, TYPES.replication).length);
    });

    it("org: protects no asset and reports no gap of its own", () => {
        const p = posture([runs.get("org")!]);
        assert.deepEqual([p.assets.length, p.unprotected.length, p.gaps.length], [0, 0, 0]);
    });

    it("--all: the backup stack's locks and second-region copy extend the deployment stacks' copies", () => {
        const p = posture([...runs.values()]);
        const receipts = assetOf(p, "prod-env-receipts");
        for (const c of receipts.copies) {
            assert.equal(c.destinationVault?.name, "central-backup-vault");
            assert.equal(c.destinationVault?.lock?.mode, "compliance");
            assert.ok(c.onward && "name" in c.onward && c.onward.name === "dr-backup-vault" && c.onward.region === "eu-west-1");
        }
        assert.ok(receipts.immutability.some((t) => /central-backup-vault .*compliance lock 7-2557 d/.test(t)));
        assert.ok(!p.gaps.some((g) => /cross-account backup/.test(g)), "the org stack switches cross-account backup on");
        const withoutOrg = posture([runs.get("prod")!, runs.get("backup")!]);
        assert.ok(withoutOrg.gaps.some((g) => /switches cross-account backup on/.test(g)));
    });

    it("marks the gap when the monthly copy keeps less than the receipts' 7 years", async () => {
        const monthly = { schedule: "cron(0 4 1 * ? *)", lifecycle: { deleteAfterDays: 2555, moveToColdStorageAfterDays: 90 }, copyToBackupAccount: { deleteAfterDays: 400 } };
        const daily = { schedule: "cron(0 2 * * ? *)", lifecycle: { deleteAfterDays: 35 }, copyToBackupAccount: { deleteAfterDays: 35 } };
        const run = await runStackOffline("prod", { backupRules: { daily, monthly } });
        const p = posture([run]);
        const receipts = assetOf(p, "prod-env-receipts");
        assert.deepEqual(receipts.copies.map((c) => c.retentionDays), [35, 400]);
        assert.ok(receipts.gaps.includes("copies outside the account keep at most 400 d < 2555 d required (7 years (HMRC VAT records))"), receipts.gaps.join("\n"));
        // Medium and low assets need 90 and 7 days: 400 is plenty.
        assert.ok(!assetOf(p, "prod-env-hmrc-api-requests").gaps.some((g) => /copies outside/.test(g)));
        assert.ok(!assetOf(p, "prod-env-submit-vat-async-requests").gaps.some((g) => /copies outside/.test(g)));
        assert.ok(!posture([runs.get("prod")!]).gaps.some((g) => /copies outside the account keep/.test(g)), "the checked-in rules keep 2555 d");
    });

    it("marks copies whose retention the central vault's lock would refuse", async () => {
        const backup = await runStackOffline("backup", { centralVault: { lock: { minRetentionDays: 7, maxRetentionDays: 2000, changeableForDays: 3 } } });
        const p = posture([runs.get("prod")!, backup]);
        assert.ok(assetOf(p, "prod-env-receipts").gaps.some((g) => /'monthly' copies keep 2555 d but central-backup-vault's lock allows at most 2000 d/.test(g)));
    });

    it("reads PITR and secret replicas from their dynamic resources", async () => {
        const run = await runWithExtras("prod", () => {
            new TablePitr("receipts-pitr", { tableName: "prod-env-receipts", region: "eu-west-2", accountId: "111111111111" });
            new TablePitr("passes-pitr", { tableName: "prod-env-passes", recoveryPeriodDays: 7, region: "eu-west-2", accountId: "111111111111" });
            new SecretReplica("salt-replica", { secretId: "prod/submit/user-sub-hash-salt", region: "eu-west-2", accountId: "111111111111", replicaRegion: "eu-west-1", replicaKmsKeyId: "arn:aws:kms:eu-west-1:111111111111:key/1234" });
        });
        const p = posture([run]);
        const receipts = assetOf(p, "prod-env-receipts");
        assert.deepEqual(receipts.pitr, { windowDays: 35 });
        assert.deepEqual([receipts.rpoInside?.value, receipts.rpoInside?.ok], ["5 min (PITR)", true]);
        assert.equal(receipts.rtoInAccount.path, "pitr");
        assert.ok(!receipts.gaps.some((g) => /PITR/.test(g)));
        assert.ok(assetOf(p, "prod-env-passes").gaps.includes("PITR keeps 7 d, the requirements ask for 35 d"));
        const salt = assetOf(p, "prod/submit/user-sub-hash-salt");
        assert.equal(salt.asset.id, "user-sub-hash-salt");
        assert.deepEqual(salt.replicas.map((r) => r.target), ["eu-west-1"]);
        assert.equal(salt.rtoInAccount.ok, true);
        assert.ok(salt.gaps.some((g) => /no encrypted export of the secret outside the account/.test(g)));
        assert.ok(!p.unprotected.some((u) => u.asset === "user-sub-hash-salt"));
        assert.ok(p.flows.some((f) => f.kind === "secret-replica" && f.to.includes(":eu-west-1:")));
    });

    it("accepts plan documents as well as runs", () => {
        const docs = [...runs.values()].map((r) => ({ project: r.project, stack: r.stack, resources: JSON.parse(JSON.stringify(r.resources)) as RecordedResource[] }));
        assert.deepEqual(posture(docs), posture([...runs.values()]));
    });

    it("draws every vault, bucket and flow in the Mermaid diagram", () => {
        const p = posture([...runs.values()]);
        const diagram = renderMermaid(p);
        assert.match(diagram, /^flowchart LR/);
        for (const v of p.vaults) assert.ok(diagram.includes(`vault ${v.name}`), v.name);
        for (const b of p.buckets) assert.ok(diagram.includes(`bucket ${b.name}`), b.name);
        for (const account of ["111111111111", "222222222222", "333333333333"]) assert.ok(diagram.includes(`account ${account}`));
        for (const f of p.flows) assert.ok(diagram.includes(`"${f.label}"`), f.label);
        const edges = diagram.split("\n").filter((l) => /==>|\.->|-->/.test(l));
        assert.equal(edges.length, p.flows.length + 2, "one edge per flow, plus each deployment stack's tables to its vault");
        // A destination outside the plan is still drawn, in its own account.
        assert.match(renderMermaid(posture([runs.get("prod")!])), /account 333333333333[\s\S]*vault central-backup-vault<br\/>\(not in this plan\)/);
    });

    it("prints the table, and the Markdown report carries the diagram and every gap", () => {
        const p = posture([runs.get("prod")!]);
        const text = renderPosture(p);
        assert.match(text, /^Posture \(prod\)/);
        assert.match(text, /receipts \[critical\]  prod-env-receipts/);
        assert.match(text, new RegExp(`${p.gaps.length} gaps\\.$`));
        const md = renderMarkdown(p);
        assert.match(md, /```mermaid\nflowchart LR/);
        for (const g of p.gaps) assert.ok(md.includes(g), g);
    });
});

describe("npm run plan: posture", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "posture-"));

    async function plan(args: string[]): Promise<{ code: number; out: string }> {
        const out: string[] = [];
        const log = console.log;
        console.log = (...a: unknown[]) => out.push(a.join(" "));
        try {
            return { code: await main(["node", "plan", ...args]), out: out.join("\n") };
        } finally {
            console.log = log;
        }
    }

    it("--all prints the estate posture, writes the Markdown report and the JSON posture section", async () => {
        const md = path.join(dir, "estate.md");
        const json = path.join(dir, "estate.json");
        const { code, out } = await plan(["--all", "--markdown", md, "--json", json]);
        assert.equal(code, 0);
        assert.match(out, /Estate posture \(backup, ci, org, prod\)/);
        assert.match(fs.readFileSync(md, "utf8"), /```mermaid/);
        const doc = JSON.parse(fs.readFileSync(json, "utf8")) as { stacks: { stack: string }[]; posture: Posture };
        assert.deepEqual(doc.stacks.map((s) => s.stack), ["backup", "ci", "org", "prod"]);
        assert.ok(doc.posture.assets.some((a) => a.resource === "prod-env-receipts" && a.copies.every((c) => c.destinationVault?.lock?.mode === "compliance")));
    });

    it("--stack writes the posture into the plan JSON", async () => {
        const json = path.join(dir, "prod.json");
        const { code, out } = await plan(["--stack", "prod", "--json", json]);
        assert.equal(code, 0);
        assert.match(out, /Posture \(prod\)/);
        const doc = JSON.parse(fs.readFileSync(json, "utf8")) as { posture: Posture };
        assert.equal(doc.posture.stacks[0], "prod");
    });

    it("refuses both or neither of --stack and --all", async () => {
        const error = console.error;
        console.error = () => undefined;
        try {
            assert.equal((await plan([])).code, 2);
            assert.equal((await plan(["--all", "--stack", "prod"])).code, 2);
        } finally {
            console.error = error;
        }
    });
});
