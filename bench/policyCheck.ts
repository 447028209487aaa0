/**
 * Benchmark: the whole pack over 10,000 recorded resources must finish in under a second.
 * Run with `npx ts-node --transpile-only bench/policyCheck.ts`.
 */
import { checkPolicies } from "../offline/policyCheck";
import type { RecordedResource } from "../offline/types";
import { BUCKET, BUCKET_VERSIONING, PLAN, SELECTION, TABLE, VAULT, VAULT_NOTIFICATIONS } from "../policies/lib/tokens";

const record = (type: string, name: string, inputs: Record<string, unknown>): RecordedResource => ({
    urn: `urn:pulumi:bench::vat-backup::${type}::${name}`,
    type,
    name,
    custom: true,
    parent: null,
    provider: null,
    protect: true,
    inputs,
    outputs: {},
});

const resources: RecordedResource[] = [];
for (let i = 0; resources.length < 10_000; i++) {
    const table = `bench-env-table-${i}`;
    const bucket = `bench-env-backup-exports-${i}`;
    resources.push(
        record(TABLE, `t${i}`, {
            name: table,
            pointInTimeRecovery: { enabled: true },
            tags: { "backup-plan": "vat-backup" },
        }),
        record(VAULT, `v${i}`, { name: `vault-${i}`, kmsKeyArn: "arn:aws:kms:eu-west-2:111111111111:key/k" }),
        record(VAULT_NOTIFICATIONS, `n${i}`, {
            backupVaultName: `vault-${i}`,
            backupVaultEvents: ["COPY_JOB_FAILED"],
            snsTopicArn: "arn:aws:sns:eu-west-2:111111111111:t",
        }),
        record(BUCKET[0], `b${i}`, { bucket }),
        record(BUCKET_VERSIONING[0], `bv${i}`, { bucket, versioningConfiguration: { status: "Enabled" } }),
        record(PLAN, `p${i}`, {
            rules: [
                {
                    ruleName: "daily",
                    targetVaultName: `vault-${i}`,
                    schedule: "cron(0 2 * * ? *)",
                    lifecycle: { deleteAfter: 35 },
                },
            ],
        }),
    );
}
resources.push(
    record(SELECTION, "selection", {
        selectionTags: [{ type: "STRINGEQUALS", key: "backup-plan", value: "vat-backup" }],
    }),
);

const cpuStart = process.cpuUsage();
const start = process.hrtime.bigint();
const violations = checkPolicies(resources, {
    stack: "bench",
    project: "vat-backup",
    stackTags: { environment: "prod" },
});
const ms = Number(process.hrtime.bigint() - start) / 1e6;
const cpu = process.cpuUsage(cpuStart);
// CPU time is shown beside wall time: on a loaded machine the wall clock also counts waiting for a CPU.
console.log(
    `${resources.length} resources, ${violations.length} violations, ${ms.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU`,
);
process.exitCode = ms < 1000 ? 0 : 1;
