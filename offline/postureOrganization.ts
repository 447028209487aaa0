/**
 * The organization's part of the posture: which accounts the organization backup policy covers
 * without a deployment stack of their own, what its plan gives them, and the restore path that
 * survives a lost backup account (the logically air-gapped vault shared through RAM), with its RTO.
 * Read from the planned resources (the policy document, its attachments, vaults, vault policies and
 * RAM associations; the declared member inventory is recorded as tags on the policy).
 */
import { scheduleIntervalHours } from "../aws/rules";
import { RESTORE_PATHS } from "../naming/assets";
import { RecordedResource } from "./types";

export interface OrganizationPlannedStack {
    stack: string;
    resources: RecordedResource[];
}

export interface PolicyRuleView {
    rule: string;
    intervalHours: number;
    retentionDays: number;
    copiesTo: string[];
}

export interface OrganizationPosture {
    /** OUs (or accounts) the backup policy is attached to. */
    policyTargets: string[];
    rules: PolicyRuleView[];
    /** Declared members of the targets that no planned deployment stack protects. */
    coveredOnlyByPolicy: { accountId: string; name: string }[];
    /** Declared members that also have a deployment stack. */
    coveredByStackToo: { accountId: string; name: string }[];
    airGapped?: {
        vaultArn: string;
        recoveryAccounts: string[];
        copiedBy: string[];
        rtoHours: number;
        assumption: string;
    };
    gaps: string[];
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const assigned = (v: unknown): unknown => (v && typeof v === "object" ? (v as Record<string, unknown>)["@@assign"] : v);

interface PolicyDoc {
    plans?: Record<string, { rules?: Record<string, Record<string, unknown>> }>;
}

function policyRules(doc: PolicyDoc): PolicyRuleView[] {
    const out: PolicyRuleView[] = [];
    for (const plan of Object.values(doc.plans ?? {}))
        for (const [rule, r] of Object.entries(plan.rules ?? {})) {
            const lifecycle = (r.lifecycle ?? {}) as Record<string, unknown>;
            out.push({
                rule,
                intervalHours: scheduleIntervalHours(String(assigned(r.schedule_expression))),
                retentionDays: Number(assigned(lifecycle.delete_after_days)),
                copiesTo: Object.values((r.copy_actions ?? {}) as Record<string, Record<string, unknown>>).map((c) =>
                    String(assigned(c.target_backup_vault_arn)),
                ),
            });
        }
    return out;
}

/** True when a vault policy admits CopyIntoBackupVault from the OU by organization path. */
function admitsOu(policyText: string | undefined, ou: string): boolean {
    if (!policyText) return false;
    const doc = JSON.parse(policyText) as { Statement: { Effect: string; Action: unknown; Condition?: unknown }[] };
    return doc.Statement.some(
        (s) =>
            s.Effect === "Allow" &&
            JSON.stringify(s.Action).includes("backup:CopyIntoBackupVault") &&
            JSON.stringify(s.Condition ?? {}).includes(`/${ou}/`),
    );
}

/** The organization posture, or undefined when no planned stack registers a backup policy. */
export function organizationPosture(
    runs: OrganizationPlannedStack[],
    deploymentAccounts: string[],
): OrganizationPosture | undefined {
    const all = runs.flatMap((r) => r.resources);
    const policy = all.find((r) => r.type === "aws:organizations/policy:Policy" && r.inputs.type === "BACKUP_POLICY");
    if (!policy) return undefined;
    const rules = policyRules(JSON.parse(String(policy.inputs.content)) as PolicyDoc);
    const policyTargets = all
        .filter((r) => r.type === "aws:organizations/policyAttachment:PolicyAttachment" && r.parent === policy.parent)
        .map((r) => String(r.inputs.targetId));
    // The org stack records the declared members of the policy's OUs as `member:<account>` tags.
    const members = Object.entries((policy.inputs.tags ?? {}) as Record<string, string>)
        .filter(([k]) => k.startsWith("member:"))
        .map(([k, name]) => ({ accountId: k.slice("member:".length), name }));
    const gaps: string[] = [];
    const vaultPolicies = all.filter((r) => r.type === "aws:backup/vaultPolicy:VaultPolicy");
    const vaults = all.filter(
        (r) =>
            r.type === "aws:backup/vault:Vault" ||
            r.type === "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault",
    );
    for (const destination of new Set(rules.flatMap((r) => r.copiesTo))) {
        const vault = vaults.find((v) => v.outputs.arn === destination);
        if (!vault) continue; // not in this plan: checked when planned with --all
        const vp = vaultPolicies.find((p) => p.inputs.backupVaultName === vault.inputs.name);
        for (const ou of policyTargets.filter((t) => t.startsWith("ou-")))
            if (!admitsOu(str(vp?.inputs.policy) ?? str(vp?.outputs.policy), ou))
                gaps.push(
                    `the backup policy copies into ${destination}, whose access policy does not admit ${ou}: every copy from the policy's accounts fails`,
                );
    }
    const lag = vaults.find((v) => v.type === "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault");
    let airGapped: OrganizationPosture["airGapped"];
    if (lag) {
        const vaultArn = String(lag.outputs.arn);
        const shares = all.filter(
            (r) => r.type === "aws:ram/resourceAssociation:ResourceAssociation" && r.inputs.resourceArn === vaultArn,
        );
        const recoveryAccounts = all
            .filter(
                (r) =>
                    r.type === "aws:ram/principalAssociation:PrincipalAssociation" &&
                    shares.some((s) => s.parent === r.parent),
            )
            .map((r) => String(r.inputs.principal));
        const copiedBy = rules.filter((r) => r.copiesTo.includes(vaultArn)).map((r) => r.rule);
        airGapped = { vaultArn, recoveryAccounts, copiedBy, ...pathOf("sharedAirGappedVault") };
        if (!recoveryAccounts.length)
            gaps.push(
                `the air-gapped vault ${vaultArn} is shared with no recovery account: restoring needs the backup account`,
            );
        if (!copiedBy.length) gaps.push(`nothing in the plan copies into the air-gapped vault ${vaultArn}`);
    }
    return {
        policyTargets,
        rules,
        coveredOnlyByPolicy: members.filter((m) => !deploymentAccounts.includes(m.accountId)),
        coveredByStackToo: members.filter((m) => deploymentAccounts.includes(m.accountId)),
        airGapped,
        gaps,
    };
}

function pathOf(path: keyof typeof RESTORE_PATHS) {
    return { rtoHours: RESTORE_PATHS[path].hours, assumption: RESTORE_PATHS[path].assumption };
}

/** The report lines of the organization section. */
export function renderOrganizationPosture(o: OrganizationPosture): string[] {
    const lines = [`Organization backup policy (attached to ${o.policyTargets.join(", ")}):`];
    for (const r of o.rules)
        lines.push(
            `  rule ${r.rule}: every ${r.intervalHours} h, kept ${r.retentionDays} d${r.copiesTo.length ? `, copied to ${r.copiesTo.join(", ")}` : ""}`,
        );
    lines.push(
        `  ${o.coveredOnlyByPolicy.length} account(s) covered only by the policy${o.coveredOnlyByPolicy.length ? `: ${o.coveredOnlyByPolicy.map((m) => `${m.name} (${m.accountId})`).join(", ")}` : ""}`,
        `  ${o.coveredByStackToo.length} account(s) covered by the policy and a deployment stack${o.coveredByStackToo.length ? `: ${o.coveredByStackToo.map((m) => `${m.name} (${m.accountId})`).join(", ")}` : ""}`,
    );
    if (o.airGapped) {
        const a = o.airGapped;
        lines.push(
            `  restore without the backup account: ${a.vaultArn} shared with ${a.recoveryAccounts.join(", ") || "no account"}; copied into by ${a.copiedBy.join(", ") || "nothing"}; RTO ${a.rtoHours} h (${a.assumption})`,
        );
    }
    for (const g of o.gaps) lines.push(`  GAP ${g}`);
    return lines;
}
