import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OfflineRun } from "../../offline/engine";
import { main } from "../../offline/plan";
import { AssetPosture, parseVaultArn, Posture, posture, TYPES } from "../../offline/posture";
import { renderMarkdown, renderMermaid, renderPosture } from "../../offline/postureReport";
import { checkedInStacks } from "../../offline/stack";
import { RecordedResource } from "../../offline/types";
import { runStackOffline } from "../helpers/engine";

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
            const listed = inputsOf(run, TYPES.selection).flatMap(
                (s) => (s.inputs.resources as string[] | undefined) ?? [],
            );
            const tables = p.assets.filter((a) => a.asset.kind === "dynamodb-table");
            assert.deepEqual(
                tables
                    .map((a) => `arn:aws:dynamodb:${a.placement.region}:${a.placement.accountId}:table/${a.resource}`)
                    .sort(),
                [...listed].sort(),
            );
            const rules = inputsOf(run, TYPES.plan)[0].inputs.rules as PlanRule[];
            for (const a of tables) {
                assert.deepEqual(
                    a.localBackups.map((l) => [l.rule, l.retentionDays, l.coldAfterDays, l.vaultName]),
                    rules.map((r) => [
                        r.ruleName,
                        r.lifecycle.deleteAfter,
                        r.lifecycle.coldStorageAfter,
                        (r as unknown as { targetVaultName: string }).targetVaultName,
                    ]),
                );
                assert.deepEqual(
                    a.copies.map((c) => [c.rule, c.retentionDays, c.coldAfterDays, c.destinationVaultArn]),
                    rules.flatMap((r) =>
                        r.copyActions.map((c) => [
                            r.ruleName,
                            c.lifecycle.deleteAfter,
                            c.lifecycle.coldStorageAfter,
                            c.destinationVaultArn,
                        ]),
                    ),
                );
                for (const c of a.copies) {
                    assert.deepEqual(c.destination, parseVaultArn(c.destinationVaultArn));
                    assert.notEqual(c.destination.accountId, a.placement.accountId, "copies leave the account");
                }
            }
            // The daily rule (cron(0 2 * * ? *)) is the shortest copy: 24 h outside the account; the
            // critical table's hourly incremental export beats it (tests/offline/postureSchedules.spec.ts).
            assert.match(assetOf(p, `${stack}-env-bundles`).rpoOutside.value, /^24 h \('daily' copy/);
            assert.match(assetOf(p, `${stack}-env-receipts`).rpoOutside.value, /^1 h 15 min \(incremental export/);
            assert.equal(assetOf(p, `${stack}-env-receipts`).asset.criticality, "critical");
            assert.equal(assetOf(p, `${stack}-env-submit-vat-async-requests`).asset.id, "*-async-requests");
        });

        it(`${stack}: the exports bucket is the 'backup exports' asset, with its replication read from the resources`, () => {
            const run = runs.get(stack)!;
            const p = posture([run]);
            const bucket = inputsOf(run, TYPES.bucket)[0];
            const exportsAsset = assetOf(p, bucket.inputs.bucket as string);
            assert.equal(exportsAsset.asset.id, "backup exports");
            const versioned = inputsOf(run, TYPES.versioning).some(
                (v) => (v.inputs.versioningConfiguration as { status: string }).status === "Enabled",
            );
            assert.equal(exportsAsset.rtoInAccount.ok, versioned);
            type ReplicationRule = { destination: { bucket: string; replicationTime?: { time: { minutes: number } } } };
            const rules = inputsOf(run, TYPES.replication)
                .filter((r) => r.inputs.bucket === bucket.inputs.bucket)
                .flatMap((r) => r.inputs.rules as ReplicationRule[]);
            assert.ok(rules.length > 0, "the deployment stack replicates its exports");
            assert.deepEqual(
                exportsAsset.replicas.map((r) => r.target),
                rules.map((r) => r.destination.bucket),
            );
            assert.equal(
                exportsAsset.rpoOutside.value,
                `${rules[0].destination.replicationTime!.time.minutes} min (S3 RTC)`,
            );
            assert.equal(exportsAsset.rtoAccountLoss.path, "archive");
            // Without the replication configuration, the gap is marked.
            const withoutReplication = posture([
                { stack, resources: run.resources.filter((r) => r.type !== TYPES.replication) },
            ]);
            assert.ok(
                assetOf(withoutReplication, bucket.inputs.bucket as string).gaps.some((g) =>
                    /no replication outside the account/.test(g),
                ),
            );
        });

        it(`${stack}: PITR and secret replicas are read from their dynamic resources`, () => {
            const run = runs.get(stack)!;
            const p = posture([run]);
            const pitr = inputsOf(run, TYPES.tablePitr);
            assert.equal(pitr.length, p.assets.filter((a) => a.asset.kind === "dynamodb-table").length);
            for (const r of pitr) {
                const table = assetOf(p, r.inputs.tableName as string);
                assert.deepEqual(table.pitr, { windowDays: r.inputs.recoveryPeriodDays });
                assert.deepEqual(
                    [table.rpoInside?.value, table.rpoInside?.ok, table.rtoInAccount.path],
                    ["5 min (PITR)", true, "pitr"],
                );
            }
            const replicas = inputsOf(run, TYPES.secretReplica);
            assert.ok(replicas.length > 0);
            for (const r of replicas) {
                const secret = assetOf(p, r.inputs.secretId as string);
                assert.equal(secret.asset.kind, "secret");
                assert.equal(secret.asset.criticality, "critical");
                assert.equal(secret.replicas[0].target, r.inputs.replicaRegion);
                // The scheduled escrow is the copy outside the account (tests/offline/postureSchedules.spec.ts).
                assert.equal(secret.rtoAccountLoss.path, "escrow");
            }
            // Every asset of the requirements is protected by a resource of this stack (the user pool by its export).
            assert.deepEqual(
                p.unprotected.map((u) => u.asset),
                [],
            );
        });

        it(`${stack}: a plan that lost its PITR resources (the refactor the requirements recall) is marked on every table`, () => {
            const run = runs.get(stack)!;
            const p = posture([{ stack, resources: run.resources.filter((r) => r.type !== TYPES.tablePitr) }]);
            for (const a of p.assets.filter((x) => x.asset.kind === "dynamodb-table")) {
                assert.equal(a.pitr, undefined);
                assert.ok(a.gaps.includes("PITR is not enabled by this stack"));
                assert.deepEqual([a.rpoInside?.ok, a.rtoInAccount.path], [false, "localVault"]);
            }
        });
    }

    it("backup: the vault locks and Object Lock are read from their configuration resources", () => {
        const run = runs.get("backup")!;
        const p = posture([run]);
        assert.equal(p.assets.length, 0, "the backup account holds copies, not the application's assets");
        const locks = inputsOf(run, TYPES.vaultLock);
        assert.equal(p.vaults.length, inputsOf(run, TYPES.vault).length + inputsOf(run, TYPES.airGappedVault).length);
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
        assert.deepEqual(
            [parseVaultArn(second[0].from)?.region, parseVaultArn(second[0].to)?.region],
            ["eu-west-2", "eu-west-1"],
        );
        // One flow per replication rule: a configuration may replicate into several buckets.
        const rules = inputsOf(run, TYPES.replication).flatMap((r) => r.inputs.rules as unknown[]);
        assert.equal(p.flows.filter((f) => f.kind === "replication").length, rules.length);
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
            assert.ok(
                c.onward &&
                    "name" in c.onward &&
                    c.onward.name === "dr-backup-vault" &&
                    c.onward.region === "eu-west-1",
            );
        }
        assert.ok(receipts.immutability.some((t) => /central-backup-vault .*compliance lock 7-2557 d/.test(t)));
        assert.ok(
            !p.gaps.some((g) => /cross-account backup/.test(g)),
            "the org stack switches cross-account backup on",
        );
        const withoutOrg = posture([runs.get("prod")!, runs.get("backup")!]);
        assert.ok(withoutOrg.gaps.some((g) => /switches cross-account backup on/.test(g)));
    });

    it("marks the gap when the monthly copy keeps less than the receipts' 7 years", async () => {
        const monthly = {
            schedule: "cron(0 4 1 * ? *)",
            lifecycle: { deleteAfterDays: 2555, moveToColdStorageAfterDays: 90 },
            copyToBackupAccount: { deleteAfterDays: 400 },
        };
        const daily = {
            schedule: "cron(0 2 * * ? *)",
            lifecycle: { deleteAfterDays: 35 },
            copyToBackupAccount: { deleteAfterDays: 35 },
        };
        const run = await runStackOffline("prod", { backupRules: { daily, monthly } });
        const p = posture([run]);
        const receipts = assetOf(p, "prod-env-receipts");
        assert.deepEqual(
            receipts.copies.map((c) => c.retentionDays),
            [35, 400],
        );
        assert.ok(
            receipts.gaps.includes(
                "copies outside the account keep at most 400 d < 2555 d required (7 years (HMRC VAT records))",
            ),
            receipts.gaps.join("\n"),
        );
        // Medium and low assets need 90 and 7 days: 400 is plenty.
        assert.ok(!assetOf(p, "prod-env-hmrc-api-requests").gaps.some((g) => /copies outside/.test(g)));
        assert.ok(!assetOf(p, "prod-env-submit-vat-async-requests").gaps.some((g) => /copies outside/.test(g)));
        assert.ok(
            !posture([runs.get("prod")!]).gaps.some((g) => /copies outside the account keep/.test(g)),
            "the checked-in rules keep 2555 d",
        );
    });

    it("marks copies whose retention the central vault's lock would refuse", async () => {
        const backup = await runStackOffline("backup", {
            centralVault: { lock: { minRetentionDays: 7, maxRetentionDays: 2000, changeableForDays: 3 } },
        });
        const p = posture([runs.get("prod")!, backup]);
        assert.ok(
            assetOf(p, "prod-env-receipts").gaps.some((g) =>
                /'monthly' copies keep 2555 d but central-backup-vault's lock allows at most 2000 d/.test(g),
            ),
        );
    });

    it("marks a PITR window shorter than the requirements' 35 days", async () => {
        const p = posture([await runStackOffline("prod", { pitrRecoveryPeriodDays: 7 })]);
        for (const a of p.assets.filter((x) => x.asset.kind === "dynamodb-table")) {
            assert.deepEqual(a.pitr, { windowDays: 7 });
            assert.ok(a.gaps.includes("PITR keeps 7 d, the requirements ask for 35 d"));
        }
    });

    // "ReplicateSecretToRegions" (Secrets Manager API Reference): a replica under a customer managed key
    // needs kms:GenerateDataKey and kms:Encrypt on that key for every later write of the secret.
    it("marks a secret replica whose key does not let the secret's writers encrypt through Secrets Manager", async () => {
        const run = await runStackOffline("prod");
        const name = "prod/submit/user-sub-hash-salt";
        assert.ok(!assetOf(posture([run]), name).gaps.some((g) => /later writes fail to replicate/.test(g)));
        const narrowed = run.resources.map((r) => {
            if (r.type !== "aws:kms/key:Key" || r.name !== "secrets-dr-key-key") return r;
            const doc = JSON.parse(String(r.outputs.policy ?? r.inputs.policy));
            doc.Statement = doc.Statement.filter((st: { Sid: string }) => st.Sid !== "SecretWritersReplicate");
            const policy = JSON.stringify(doc);
            return { ...r, inputs: { ...r.inputs, policy }, outputs: { ...r.outputs, policy } };
        });
        const gaps = assetOf(posture([{ ...run, resources: narrowed }]), name).gaps;
        assert.ok(
            gaps.some((g) => /later writes fail to replicate/.test(g)),
            gaps.join("\n"),
        );
    });

    it("marks a critical secret the stack no longer replicates", async () => {
        const p = posture([await runStackOffline("prod", { secrets: [{ name: "prod/submit/hmrc/client_secret" }] })]);
        assert.ok(p.unprotected.some((u) => u.asset === "user-sub-hash-salt" && u.criticality === "critical"));
        assert.ok(p.gaps.includes("prod: user-sub-hash-salt (critical) is not protected by this stack"));
        assert.ok(
            p.flows.some(
                (f) =>
                    f.kind === "secret-replica" &&
                    f.from.endsWith(":eu-west-2:prod/submit/hmrc/client_secret") &&
                    f.to.includes(":eu-west-1:"),
            ),
        );
    });

    it("accepts plan documents as well as runs", () => {
        const docs = [...runs.values()].map((r) => ({
            project: r.project,
            stack: r.stack,
            resources: JSON.parse(JSON.stringify(r.resources)) as RecordedResource[],
        }));
        assert.deepEqual(posture(docs), posture([...runs.values()]));
    });

    it("draws every vault, bucket and flow in the Mermaid diagram", () => {
        const p = posture([...runs.values()]);
        const diagram = renderMermaid(p);
        assert.match(diagram, /^flowchart LR/);
        for (const v of p.vaults) assert.ok(diagram.includes(`vault ${v.name}`), v.name);
        for (const b of p.buckets) assert.ok(diagram.includes(`bucket ${b.name}`), b.name);
        for (const account of ["111111111111", "222222222222", "333333333333"])
            assert.ok(diagram.includes(`account ${account}`));
        for (const f of p.flows) assert.ok(diagram.includes(`"${f.label}"`), f.label);
        const edges = diagram.split("\n").filter((l) => /==>|\.->|-->/.test(l));
        assert.equal(
            edges.length,
            p.flows.length + 2,
            "one edge per flow, plus each deployment stack's tables to its vault",
        );
        // A destination outside the plan is still drawn, in its own account.
        assert.match(
            renderMermaid(posture([runs.get("prod")!])),
            /account 333333333333[\s\S]*vault central-backup-vault<br\/>\(not in this plan\)/,
        );
    });

    it("prints the table, and the Markdown report carries the diagram and every gap", () => {
        const p = posture([runs.get("prod")!]);
        const text = renderPosture(p);
        assert.match(text, /^Posture \(prod\)/);
        assert.match(text, /receipts \[critical\]  prod-env-receipts/);
        assert.match(text, p.gaps.length ? new RegExp(`${p.gaps.length} gaps\\.$`) : /No gaps\.$/);
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
            return { code: await main(["node", "plan", ...args], runStackOffline), out: out.join("\n") };
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
        assert.deepEqual(
            doc.stacks.map((s) => s.stack),
            ["backup", "ci", "org", "prod"],
        );
        assert.ok(
            doc.posture.assets.some(
                (a) =>
                    a.resource === "prod-env-receipts" &&
                    a.copies.every((c) => c.destinationVault?.lock?.mode === "compliance"),
            ),
        );
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

describe("posture: continuous proof (tamper alarms, validated restore tests)", () => {
    let prod: OfflineRun;
    before(async () => {
        prod = await runStackOffline("prod");
    });
    const proofGaps = (p: Posture) => p.gaps.filter((g) => /tamper alarm|restore test/.test(g));

    it("finds no gap in the prod plan as built", () => {
        assert.deepEqual(proofGaps(posture([prod])), []);
    });

    it("marks a GAP when the tamper rules or the validator's trigger are gone", () => {
        const mutated: OfflineRun = {
            ...prod,
            resources: prod.resources.filter(
                (r) =>
                    !(
                        r.type === TYPES.eventRule &&
                        (r.name.includes("tamper") || r.name === "restore-validation-completed")
                    ),
            ),
        };
        const gaps = proofGaps(posture([mutated]));
        assert.ok(
            gaps.some((g) => /no tamper alarm on DeleteRecoveryPoint, .*UpdateContinuousBackups/.test(g)),
            gaps.join("\n"),
        );
        assert.ok(
            gaps.some((g) => /nothing validates what they restored/.test(g)),
            gaps.join("\n"),
        );
    });
});
