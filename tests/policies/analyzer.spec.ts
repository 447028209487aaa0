/**
 * The policy pack through Pulumi's own entry point: `@pulumi/pulumi/cmd/run-policy-pack` started in
 * policies/ as the CLI starts it, driven over gRPC (GetAnalyzerInfo, Configure, ConfigureStack,
 * Analyze, AnalyzeStack) with the update-mode and preview-mode records of every checked-in stack and
 * with broken variants. Its verdicts must equal the in-process run's (offline/policyCheck.ts, which
 * `npm run plan` uses for speed): any difference is a bug in the in-process emulation.
 *
 * Config follows the CLI's rules for `--policy-pack-config` (pulumi/pulumi
 * pkg/resource/analyzer/config.go: schema defaults, then `all`, then each policy's entry, then
 * schema validation); stack tags are the stack file's `pulumi:tags`, which the CLI applies to the
 * stack (pulumi/pulumi#12856, pulumi/docs#17670).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { POLICY_PACK_NAME, PACK_ENFORCEMENT_LEVEL, allPolicies } from "../../policies/areas";
import { version as PACK_VERSION } from "../../policies/package.json";
import { packConfigFor, policyOptionsFor } from "../../offline/plan";
import { checkedInputs, checkPolicies, stackUrn } from "../../offline/policyCheck";
import {
    PolicyPackConfig,
    PolicyPackConfigError,
    parsePolicyPackConfig,
    policyInfosOf,
    reconcilePolicyPackConfig,
} from "../../offline/policyPackConfig";
import { checkedInStacks, stackConfig } from "../../offline/stack";
import type { PolicyViolation, RecordedResource } from "../../offline/types";
import { SECRET_REPLICA_TYPE } from "../../components/secrets/secretReplica";
import { TABLE, VAULT_LOCK } from "../../policies/lib/tokens";
import { ANALYZER_START_TIMEOUT_MS, AnalyzerProcess, POLICIES_DIR, sharedAnalyzer } from "../helpers/analyzerProcess";
import { runStackOffline } from "../helpers/engine";
import { takeoverSteps } from "../helpers/takeover";

// Started while the file loads, so the pack's type-checked start-up overlaps the specs before this one.
const analyzerReady = sharedAnalyzer();

const PROJECT = "vat-backup";
const MODES = [
    { name: "update", preview: false },
    { name: "preview", preview: true },
] as const;

interface Scenario {
    stack: string;
    records: RecordedResource[];
    tags: Record<string, string>;
    config: PolicyPackConfig;
    preview: boolean;
}

const key = (v: PolicyViolation) => `${v.policy}\u0000${v.level}\u0000${v.urn}\u0000${v.message}`;
const sorted = (vs: PolicyViolation[]) => [...vs].sort((a, b) => key(a).localeCompare(key(b)));
const mandatory = (vs: PolicyViolation[]) => vs.filter((v) => v.level === "mandatory");

describe("the policy pack in its real analyzer process (run-policy-pack over gRPC)", function () {
    this.timeout(ANALYZER_START_TIMEOUT_MS);
    let analyzer: AnalyzerProcess;

    before(async () => {
        analyzer = await analyzerReady;
    });

    /** The CLI's sequence for one preview or update: Configure, ConfigureStack, Analyze per resource, AnalyzeStack. */
    async function throughAnalyzer(s: Scenario): Promise<PolicyViolation[]> {
        const info = await analyzer.info();
        await analyzer.configure(reconcilePolicyPackConfig(info.policies, parsePolicyPackConfig(s.config)));
        await analyzer.configureStack({ stack: s.stack, project: PROJECT, tags: s.tags, preview: s.preview });
        return analyzer.analyzeRecords(s.records, checkedInputs, stackUrn(s.records, s.stack, PROJECT));
    }

    function inProcess(s: Scenario): PolicyViolation[] {
        return checkPolicies(s.records, { stack: s.stack, project: PROJECT, stackTags: s.tags, config: s.config });
    }

    /** Runs both and requires the same verdicts; returns them. */
    async function agree(s: Scenario): Promise<PolicyViolation[]> {
        const real = sorted(await throughAnalyzer(s));
        const offline = sorted(inProcess(s));
        assert.deepStrictEqual(offline, real, "the in-process policy run differs from the analyzer process");
        return real;
    }

    /** A checked-in stack as CI previews or deploys it: its pulumi:tags and policies/config/<stack>.json. */
    async function asCiRuns(stack: string, preview: boolean): Promise<Scenario> {
        const run = await runStackOffline(stack, {}, { preview });
        const options = policyOptionsFor(stack, stackConfig(stack), packConfigFor(stack));
        return { stack, records: run.resources, tags: options.stackTags ?? {}, config: options.config ?? {}, preview };
    }

    it("is started from policies/ and reports the pack and every policy as the in-process run knows them (GetAnalyzerInfo)", async () => {
        const info = await analyzer.info();
        assert.strictEqual(info.name, POLICY_PACK_NAME);
        assert.strictEqual(info.version, PACK_VERSION);
        // The CLI would apply a pack's initial config before the file's; this pack has none.
        assert.deepStrictEqual(info.initialConfig, []);
        const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
        assert.deepStrictEqual(
            [...info.policies].sort(byName),
            JSON.parse(JSON.stringify(policyInfosOf(allPolicies, PACK_ENFORCEMENT_LEVEL))).sort(byName),
        );
    });

    it("resolves @pulumi/pulumi and @pulumi/policy from the root install, by design: one SDK instance, the versions of the root lockfile", () => {
        // policies/ has no install of its own; Node resolution from policies/ climbs to the root node_modules.
        assert.ok(
            !fs.existsSync(path.join(POLICIES_DIR, "node_modules")),
            "policies/node_modules would be a second SDK",
        );
        assert.ok(
            !fs.existsSync(path.join(POLICIES_DIR, "package-lock.json")),
            "policies/ must not pin versions of its own",
        );
        for (const pkg of ["@pulumi/pulumi", "@pulumi/policy", "@pulumi/pulumi/cmd/run-policy-pack"]) {
            assert.strictEqual(
                require.resolve(pkg, { paths: [POLICIES_DIR] }),
                require.resolve(pkg),
                `${pkg} resolves differently from policies/`,
            );
        }
        const manifest = JSON.parse(fs.readFileSync(path.join(POLICIES_DIR, "package.json"), "utf8")) as {
            dependencies: Record<string, string>;
        };
        const root = JSON.parse(fs.readFileSync(path.join(POLICIES_DIR, "..", "package.json"), "utf8")) as {
            dependencies: Record<string, string>;
            devDependencies: Record<string, string>;
        };
        for (const [pkg, range] of Object.entries(manifest.dependencies))
            assert.strictEqual(
                range,
                root.dependencies[pkg] ?? root.devDependencies[pkg],
                `${pkg}: policies/package.json and the root disagree`,
            );
    });

    for (const stack of checkedInStacks()) {
        for (const mode of MODES) {
            it(`${stack}, ${mode.name} records: the same verdicts, and no mandatory violation, with the stack's pulumi:tags and pack config`, async () => {
                const verdict = await agree(await asCiRuns(stack, mode.preview));
                assert.deepStrictEqual(mandatory(verdict), []);
            });
        }
    }

    // Issue 15: an account rebuilt after a loss deploys before its tables and secrets exist, then takes
    // them over (tests/stacks/takeover.spec.ts); the unchanged pack, in its own process, at each step.
    it("prod in a rebuilt account: the same verdicts at every step of the take-over; no mandatory violation before or after, PITR off caught in between", async () => {
        const base = await asCiRuns("prod", false);
        const steps = await takeoverSteps(base.records, "111111111111", "prod");
        assert.deepStrictEqual(mandatory(await agree({ ...base, records: steps.emptyAccount.records })), []);
        assert.deepStrictEqual(mandatory(await agree({ ...base, records: steps.afterRestore.records })), []);
        const between = mandatory(await agree({ ...base, records: steps.refreshedAfterRestore.records }));
        assert.ok(between.length > 0 && between.every((v) => v.policy === "dynamodb-pitr-every-referenced-table"));
    });

    describe("broken variants, the same verdicts in both", () => {
        it("ci with neither pack config nor stack tags: stateful-resources-protected fails closed in both (the offline plan invents no tags)", async () => {
            const base = await asCiRuns("ci", false);
            const verdict = await agree({ ...base, tags: {}, config: {} });
            const closed = mandatory(verdict).filter((v) => v.policy === "stateful-resources-protected");
            assert.ok(closed.length > 0, "expected the protection policy to fail closed");
            for (const v of closed) assert.match(v.message, /production status is unknown/);
        });

        it("prod without the salt's replica: caught with the stack's pack config, and in neither without it (the plan invents no critical-secret list)", async () => {
            const base = await asCiRuns("prod", false);
            const records = base.records.filter(
                (r) => !(r.type === SECRET_REPLICA_TYPE && String(r.inputs.secretId).endsWith("user-sub-hash-salt")),
            );
            assert.ok(records.length < base.records.length, "prod has a salt replica to remove");
            const withConfig = await agree({ ...base, records });
            assert.ok(
                mandatory(withConfig).some(
                    (v) => v.policy === "critical-secrets-replicated" && v.message.includes("user-sub-hash-salt"),
                ),
                JSON.stringify(withConfig, null, 1),
            );
            const withoutConfig = await agree({ ...base, records, config: {} });
            assert.ok(!withoutConfig.some((v) => v.policy === "critical-secrets-replicated"));
        });

        it("prod, preview records: a table without PITR is caught by dynamodb-pitr-enabled", async () => {
            const base = await asCiRuns("prod", true);
            const stackResource = base.records.find((r) => r.type === "pulumi:pulumi:Stack")!;
            const urn = `urn:pulumi:prod::${PROJECT}::${TABLE}::receipts`;
            const records: RecordedResource[] = [
                ...base.records,
                {
                    urn,
                    type: TABLE,
                    name: "receipts",
                    custom: true,
                    parent: stackResource.urn,
                    provider: null,
                    protect: true,
                    inputs: { name: "prod-env-receipts", hashKey: "hashedSub" },
                    outputs: {},
                },
            ];
            const verdict = await agree({ ...base, records });
            assert.ok(mandatory(verdict).some((v) => v.policy === "dynamodb-pitr-enabled" && v.urn === urn));
        });

        it("backup, preview records: the central vault without its lock is caught by backup-vault-compliance-lock", async () => {
            const base = await asCiRuns("backup", true);
            const records = base.records.filter(
                (r) => !(r.type === VAULT_LOCK && r.inputs.backupVaultName === "central-backup-vault"),
            );
            const verdict = await agree({ ...base, records });
            assert.ok(mandatory(verdict).some((v) => v.policy === "backup-vault-compliance-lock"));
        });

        it("`all: advisory` downgrades every level in both, and a policy's own entry still wins", async () => {
            const base = await asCiRuns("ci", false);
            const verdict = await agree({
                ...base,
                tags: {},
                config: { all: "advisory", "dynamodb-pitr-enabled": "mandatory" },
            });
            const protection = verdict.filter((v) => v.policy === "stateful-resources-protected");
            assert.ok(protection.length > 0);
            for (const v of protection) assert.strictEqual(v.level, "advisory");
        });

        it("a setting outside a policy's schema stops the run before any resource is analyzed, as the CLI does", () => {
            const config = { "backup-rule-retention": { minRetentionDays: 0 } };
            assert.throws(
                () =>
                    reconcilePolicyPackConfig(
                        policyInfosOf(allPolicies, PACK_ENFORCEMENT_LEVEL),
                        parsePolicyPackConfig(config),
                    ),
                (e: Error) =>
                    e instanceof PolicyPackConfigError && /backup-rule-retention: minRetentionDays/.test(e.message),
            );
            assert.throws(
                () => inProcess({ stack: "ci", records: [], tags: {}, config, preview: false }),
                PolicyPackConfigError,
            );
        });
    });
});
