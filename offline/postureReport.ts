/**
 * Renders a Posture: the text table `npm run plan` prints, and the Markdown report with a Mermaid
 * diagram of the accounts, vaults, buckets and the flows between them (`--markdown FILE`).
 */
import { renderOrganizationPosture } from "./postureOrganization";
import { AssetPosture, Flow, Measure, Placement, Posture, VaultView, BucketView } from "./posture";

const mark = (ok: boolean) => (ok ? "ok " : "GAP");
const days = (d: number | undefined) => (d === undefined ? "kept" : `${d} d`);

function ruleText(r: { rule: string; intervalHours: number; retentionDays?: number; coldAfterDays?: number }): string {
    const every =
        r.intervalHours >= 720
            ? "monthly"
            : r.intervalHours >= 168
              ? "weekly"
              : r.intervalHours >= 24
                ? "daily"
                : `every ${r.intervalHours} h`;
    return `${r.rule} (${r.rule === every ? "" : `${every}, `}${days(r.retentionDays)}${r.coldAfterDays !== undefined ? `, cold after ${r.coldAfterDays} d` : ""})`;
}

function copiesText(a: AssetPosture): string {
    if (!a.copies.length && !a.replicas.length) return "none";
    const byDestination = new Map<string, string[]>();
    for (const c of a.copies) {
        const onward = c.onward
            ? `, then ${"name" in c.onward ? `${c.onward.name} ${c.onward.region}` : c.onward.arn} (same retention)`
            : "";
        const key = `${c.destination.vaultName} ${c.destination.accountId} ${c.destination.region}${onward}`;
        byDestination.set(key, [...(byDestination.get(key) ?? []), ruleText(c)]);
    }
    const parts = [...byDestination].map(([dest, rules]) => `${rules.join(", ")} -> ${dest}`);
    for (const r of a.replicas) parts.push(r.detail);
    return parts.join("; ");
}

/** Per account and region, where the data really is (a replica is not replicated onward). */
function heldInText(a: AssetPosture): string {
    return (a.heldIn ?? []).map((h) => `${h.accountId} ${h.region} (${h.how})`).join("; ");
}

function measureLine(label: string, m: Measure | undefined): string {
    if (!m) return `    ${label.padEnd(16)}-`;
    return `    ${label.padEnd(16)}${mark(m.ok)} ${m.value}  (target ${m.target})`;
}

function assetBlock(a: AssetPosture): string[] {
    const lines = [
        `  ${a.asset.id} [${a.asset.criticality}${a.unlisted ? ", by default: not in the asset table" : ""}]  ${a.resource}  (${a.placement.accountId} ${a.placement.region}; RTO ${a.asset.rtoHours} h, retention ${a.asset.retention})`,
    ];
    if (a.asset.kind === "dynamodb-table") {
        lines.push(`    ${"PITR".padEnd(16)}${a.pitr ? `ok  ${a.pitr.windowDays}-day window` : "GAP not enabled"}`);
        lines.push(
            `    ${"local backups".padEnd(16)}${a.localBackups.length ? a.localBackups.map(ruleText).join(", ") + ` in ${[...new Set(a.localBackups.map((l) => l.vaultName))].join(", ")}` : "none"}`,
        );
    }
    lines.push(`    ${"outside account".padEnd(16)}${copiesText(a)}`);
    if (a.heldIn) lines.push(`    ${"held in".padEnd(16)}${heldInText(a)}`);
    lines.push(`    ${"immutability".padEnd(16)}${a.immutability.join("; ") || "none"}`);
    lines.push(measureLine("RPO inside", a.rpoInside));
    lines.push(measureLine("RPO outside", a.rpoOutside));
    lines.push(measureLine("RTO in account", a.rtoInAccount));
    lines.push(measureLine("RTO acct loss", a.rtoAccountLoss));
    if (a.rtoColdPoints) lines.push(measureLine("RTO cold points", a.rtoColdPoints));
    // Gaps already marked on a line above are not repeated.
    for (const g of a.gaps.filter((x) => !/^(RPO|RTO) |^PITR is not enabled/.test(x))) lines.push(`    GAP ${g}`);
    return lines;
}

/** Notes that every asset carries are printed once, below the table. */
function sharedNotes(p: Posture): { shared: string[]; own: (a: AssetPosture) => string[] } {
    const counts = new Map<string, number>();
    for (const a of p.assets) for (const n of a.notes) counts.set(n, (counts.get(n) ?? 0) + 1);
    const shared = [...counts].filter(([, c]) => c > 1).map(([n]) => n);
    return { shared, own: (a) => a.notes.filter((n) => !shared.includes(n)) };
}

/** The posture table `npm run plan` prints after the tree. */
export function renderPosture(p: Posture): string {
    const title = p.stacks.length === 1 ? `Posture (${p.stacks[0]})` : `Estate posture (${p.stacks.join(", ")})`;
    const lines = [title, ""];
    const { shared, own } = sharedNotes(p);
    for (const stack of p.stacks) {
        const assets = p.assets.filter((a) => a.stack === stack);
        const unprotected = p.unprotected.filter((u) => u.stack === stack);
        if (!assets.length && !unprotected.length) {
            const held =
                p.vaults.filter((v) => v.stack === stack).length + p.buckets.filter((b) => b.stack === stack).length;
            lines.push(
                `${stack}: protects no data asset directly${held ? ` (holds ${held} vaults and buckets, below)` : ""}`,
                "",
            );
            continue;
        }
        const gapCount = assets.reduce((n, a) => n + a.gaps.length, 0) + unprotected.length;
        lines.push(`${stack}: ${assets.length} assets protected, ${gapCount} gaps`);
        for (const a of assets) {
            lines.push(...assetBlock(a));
            for (const n of own(a)) lines.push(`    note: ${n}`);
        }
        for (const u of unprotected) lines.push(`  GAP ${u.asset} [${u.criticality}]: not protected by this stack`);
        lines.push("");
    }
    if (p.vaults.length || p.buckets.length) {
        lines.push("Vaults and buckets:");
        for (const v of p.vaults)
            lines.push(
                `  vault  ${v.name.padEnd(44)} ${v.accountId} ${v.region.padEnd(10)} ${v.lock ? `${v.lock.mode} lock ${v.lock.minRetentionDays ?? "-"}-${v.lock.maxRetentionDays ?? "-"} d` : "no lock"}`,
            );
        for (const b of p.buckets)
            lines.push(
                `  bucket ${b.name.padEnd(44)} ${b.accountId} ${b.region.padEnd(10)} ${b.objectLock ? `Object Lock ${b.objectLock.mode} ${days(b.objectLock.days)}` : "no Object Lock"}${b.versioned ? ", versioned" : ""}`,
            );
        lines.push("");
    }
    if (p.copyAlarms.length) {
        lines.push("Copy alarms (AWS counts a copy job under its destination vault's name):");
        for (const c of p.copyAlarms)
            lines.push(
                `  ${mark(c.ok)} ${c.stack}: ${vaultLabelOfArn(c.from)} -> ${vaultLabelOfArn(c.to)}: ${c.alarm ? `${c.alarm} watches BackupVaultName ${c.metricVaultName}` : `no alarm on BackupVaultName ${c.metricVaultName}`}`,
            );
        lines.push("");
    }
    if (p.organization) lines.push(...renderOrganizationPosture(p.organization), "");
    if (p.proofSchedules.length) lines.push("Monthly proofs:", ...p.proofSchedules.map((l) => `  - ${l}`), "");
    if (shared.length) lines.push("Notes:", ...shared.map((n) => `  - ${n}`), "");
    lines.push("RTO assumptions:", ...p.assumptions.map((a) => `  - ${a.path}: ${a.hours} h: ${a.assumption}`));
    lines.push("", p.gaps.length ? `${p.gaps.length} gaps.` : "No gaps.");
    return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Mermaid

interface Node {
    id: string;
    key: string;
    label: string;
    placement: Placement;
}

const ACCOUNT_REGION_IN_NAME = /-(\d{12})-([a-z]{2}(?:-[a-z]+)+-\d)$/;

function bucketPlacement(
    arn: string,
    buckets: BucketView[],
): { name: string; placement: Placement; bucket?: BucketView } {
    const bucket = buckets.find((b) => b.arn === arn);
    const name = arn.replace(/^arn:aws[\w-]*:s3:::/, "");
    if (bucket) return { name, placement: bucket, bucket };
    const m = ACCOUNT_REGION_IN_NAME.exec(name);
    return { name, placement: { accountId: m?.[1] ?? "?", region: m?.[2] ?? "?" } };
}

const escape = (text: string) => text.replace(/"/g, "'");

/** `arn:aws:backup:eu-west-2:333333333333:backup-vault:central-backup-vault` → `central-backup-vault (333333333333 eu-west-2)`. */
function vaultLabelOfArn(arn: string): string {
    const m = /^arn:aws[\w-]*:backup:([a-z0-9-]+):(\d{12}):[a-z-]+:(.+)$/.exec(arn);
    return m ? `${m[3]} (${m[2]} ${m[1]})` : arn;
}

function vaultLabel(v: VaultView): string {
    return `vault ${v.name}<br/>${v.lock ? `${v.lock.mode} lock ${v.lock.minRetentionDays ?? "-"}-${v.lock.maxRetentionDays ?? "-"} d` : "no lock"}`;
}

function bucketLabel(b: BucketView): string {
    return `bucket ${b.name}<br/>${b.objectLock ? `Object Lock ${b.objectLock.mode} ${days(b.objectLock.days)}` : "no Object Lock"}`;
}

/** A Mermaid flowchart generated from the posture: accounts and regions as subgraphs, flows as edges. */
export function renderMermaid(p: Posture): string {
    const nodes = new Map<string, Node>();
    const add = (key: string, label: string, placement: Placement) => {
        if (!nodes.has(key)) nodes.set(key, { id: `n${nodes.size}`, key, label, placement });
        return nodes.get(key)!;
    };
    for (const v of p.vaults) add(v.arn, vaultLabel(v), v);
    for (const b of p.buckets) add(b.arn, bucketLabel(b), b);
    const endpoint = (ref: string): Node => {
        const known = nodes.get(ref);
        if (known) return known;
        const vault = /^arn:aws[\w-]*:backup:([a-z0-9-]+):(\d{12}):backup-vault:(.+)$/.exec(ref);
        if (vault)
            return add(ref, `vault ${vault[3]}<br/>(not in this plan)`, { region: vault[1], accountId: vault[2] });
        if (ref.startsWith("arn:aws:s3:::")) {
            const { name, placement } = bucketPlacement(ref, p.buckets);
            return add(ref, `bucket ${name}<br/>(not in this plan)`, placement);
        }
        const secret = /^secret:([^:]+):([^:]+):(.+)$/.exec(ref);
        if (secret) return add(ref, `secret ${secret[3]}`, { accountId: secret[1], region: secret[2] });
        return add(ref, ref, { accountId: "?", region: "?" });
    };
    const edges: string[] = [];
    // The tables each deployment stack backs up, as one node per stack and local vault.
    const tableGroups = new Map<string, AssetPosture[]>();
    for (const a of p.assets.filter((x) => x.asset.kind === "dynamodb-table")) {
        const vaultName = a.localBackups[0]?.vaultName;
        const vault = p.vaults.find((v) => v.stack === a.stack && v.name === vaultName);
        const key = `${a.stack}\n${vault?.arn ?? ""}`;
        tableGroups.set(key, [...(tableGroups.get(key) ?? []), a]);
    }
    for (const [key, tables] of tableGroups) {
        const [stack, vaultArn] = key.split("\n");
        const names =
            tables.length <= 8
                ? tables
                      .map((t) =>
                          t.asset.id === "*-async-requests"
                              ? t.resource.replace(`${t.environment}-env-`, "")
                              : t.asset.id,
                      )
                      .join(", ")
                : `${tables.length} tables`;
        const node = add(`tables:${key}`, `DynamoDB ${stack}<br/>${names}`, tables[0].placement);
        const pitr = tables.every((t) => t.pitr) ? "PITR + " : "";
        if (vaultArn)
            edges.push(
                `    ${node.id} -- "${pitr}backup rules: ${escape([...new Set(tables[0].localBackups.map((l) => l.rule))].join(", "))}" --> ${endpoint(vaultArn).id}`,
            );
    }
    // Backup copies as thick arrows, replication as dotted ones (Mermaid: `A == text ==> B`, `A -. text .-> B`).
    const arrows: Record<Flow["kind"], [string, string]> = {
        "copy-action": ["==", "==>"],
        "second-region-copy": ["==", "==>"],
        replication: ["-.", ".->"],
        "secret-replica": ["-.", ".->"],
    };
    for (const f of p.flows)
        edges.push(
            `    ${endpoint(f.from).id} ${arrows[f.kind][0]} "${escape(f.label)}" ${arrows[f.kind][1]} ${endpoint(f.to).id}`,
        );

    const accounts = new Map<string, Map<string, Node[]>>();
    for (const n of nodes.values()) {
        const regions = accounts.get(n.placement.accountId) ?? new Map<string, Node[]>();
        regions.set(n.placement.region, [...(regions.get(n.placement.region) ?? []), n]);
        accounts.set(n.placement.accountId, regions);
    }
    const stacksIn = (accountId: string) => [
        ...new Set([...p.vaults, ...p.buckets].filter((x) => x.accountId === accountId).map((x) => x.stack)),
    ];
    const lines = ["flowchart LR"];
    let a = 0;
    for (const [accountId, regions] of accounts) {
        const stacks = stacksIn(accountId);
        lines.push(`  subgraph acct${a}["account ${accountId}${stacks.length ? ` (${stacks.join(", ")})` : ""}"]`);
        let r = 0;
        for (const [region, members] of regions) {
            lines.push(`    subgraph acct${a}r${r}["${region}"]`);
            for (const n of members) lines.push(`      ${n.id}["${escape(n.label)}"]`);
            lines.push("    end");
            r++;
        }
        lines.push("  end");
        a++;
    }
    lines.push(...edges);
    return lines.join("\n");
}

function mdCell(text: string): string {
    return text.replace(/\|/g, "\\|");
}

/** The Markdown report: the diagram, the table per asset, the gaps and the assumptions. */
export function renderMarkdown(p: Posture): string {
    const title =
        p.stacks.length === 1 ? `Backup posture: stack ${p.stacks[0]}` : `Backup posture: ${p.stacks.join(", ")}`;
    const out = [
        `# ${title}`,
        "",
        "Generated by `npm run plan` from the resources the program creates (offline); targets from the requirements (offline/assets.ts).",
        "",
        "## Accounts, vaults, buckets and flows",
        "",
        "```mermaid",
        renderMermaid(p),
        "```",
        "",
        "## Assets",
        "",
        "| stack | asset | criticality | resource | PITR | local backups | outside the account | immutability | RPO inside | RPO outside | RTO in account | RTO after account loss |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ];
    const m = (x: Measure | undefined) =>
        x ? `${x.ok ? "ok" : "**GAP**"} ${mdCell(x.value)} (target ${x.target})` : "-";
    for (const a of p.assets) {
        out.push(
            `| ${a.stack} | ${a.asset.id} | ${a.asset.criticality} | ${mdCell(a.resource)} | ${a.asset.kind !== "dynamodb-table" ? "-" : a.pitr ? `${a.pitr.windowDays} d` : "**GAP** none"} | ${a.localBackups.map(ruleText).join(", ") || "-"} | ${mdCell(copiesText(a))} | ${mdCell(a.immutability.join("; ") || "none")} | ${m(a.rpoInside)} | ${m(a.rpoOutside)} | ${m(a.rtoInAccount)} | ${m(a.rtoAccountLoss)} |`,
        );
    }
    for (const u of p.unprotected)
        out.push(`| ${u.stack} | ${u.asset} | ${u.criticality} | - | **not protected by this stack** | | | | | | | |`);
    const cold = p.assets.filter((a) => a.rtoColdPoints);
    if (cold.length) {
        out.push("", "## Restoring cold points after account loss", "");
        for (const a of cold) out.push(`- ${a.stack} ${mdCell(a.resource)}: ${m(a.rtoColdPoints)}`);
    }
    const held = p.assets.filter((a) => a.heldIn);
    if (held.length) {
        out.push("", "## Where the exports really are (a replica is not replicated onward)", "");
        for (const a of held) out.push(`- ${a.stack} ${mdCell(a.resource)}: ${mdCell(heldInText(a))}`);
    }
    if (p.copyAlarms.length) {
        out.push("", "## Copy alarms (AWS counts a copy job under its destination vault's name)", "");
        for (const c of p.copyAlarms)
            out.push(
                `- ${c.ok ? "ok" : "**GAP**"} ${c.stack}: ${vaultLabelOfArn(c.from)} -> ${vaultLabelOfArn(c.to)}: ${c.alarm ? `${c.alarm} watches BackupVaultName ${c.metricVaultName}` : `no alarm on BackupVaultName ${c.metricVaultName}`}`,
            );
    }
    out.push("", "## Gaps", "", ...(p.gaps.length ? p.gaps.map((g) => `- ${g}`) : ["None."]));
    const { shared } = sharedNotes(p);
    if (shared.length) out.push("", "## Notes", "", ...shared.map((n) => `- ${n}`));
    out.push(
        "",
        "## RTO assumptions",
        "",
        ...p.assumptions.map((x) => `- **${x.path}** (${x.hours} h): ${x.assumption}`),
        "",
    );
    return out.join("\n");
}
