/**
 * What the scheduled protection covers, derived from the stack config in one place, so the
 * deployment stack that creates the schedules and `dr verify` that checks their output agree.
 */
import { assetFor } from "./assets";

export type EscrowVersions = "all" | "current-and-previous";

/** The salt keeps every version (each still maps users to data); any other secret its current and previous. */
export function escrowVersionsOf(secret: { name: string; escrowVersions?: EscrowVersions }): EscrowVersions {
    return secret.escrowVersions ?? (secret.name.endsWith("user-sub-hash-salt") ? "all" : "current-and-previous");
}

export interface TableExportSettings {
    environment: string;
    tables: string[];
    automation: {
        tableExports: {
            full: { enabled: boolean; tables?: string[] };
            incremental: { enabled: boolean; tables?: string[] };
        };
    };
}

/** Tables by the requirements' criticality: full exports for critical and high, incremental for critical. */
export function exportTables(cfg: TableExportSettings): { full: string[]; incremental: string[] } {
    const of = (levels: string[]) =>
        cfg.tables.filter((t) => levels.includes(assetFor(t, cfg.environment)?.criticality ?? ""));
    const te = cfg.automation.tableExports;
    return {
        full: te.full.enabled ? (te.full.tables ?? of(["critical", "high"])) : [],
        incremental: te.incremental.enabled ? (te.incremental.tables ?? of(["critical"])) : [],
    };
}
