/**
 * Time for the DR tool: an injectable clock (so every wait runs instantly under test), the TIME
 * arguments people type at 3 a.m. (`-15m`, `2026-11-26T02:00:00Z`), and durations for people.
 */
import { UsageError } from "./errors";

export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time: ISO 8601 with a zone (`2026-11-26T02:00:00Z`, `...+01:00`) or relative to now
 * (`-15m`, `-2h`, `-1d`, `-1h30m`, `now`). A time without a zone is refused: at 3 a.m. nobody should
 * have to guess whether the tool read it as UTC or local time.
 */
export function parseTime(text: string, now: number, what = "time"): Date {
    const trimmed = text.trim();
    if (trimmed === "now") return new Date(now);
    const relative = /^-((?:\d+[smhdw])+)$/.exec(trimmed);
    if (relative) {
        let ms = 0;
        for (const [, n, unit] of relative[1].matchAll(/(\d+)([smhdw])/g)) ms += Number(n) * UNIT_MS[unit];
        return new Date(now - ms);
    }
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(trimmed)) {
        const parsed = new Date(trimmed);
        if (!Number.isNaN(parsed.getTime())) return parsed;
    }
    throw new UsageError(
        `${what} '${text}' is neither an ISO time with a zone nor a relative time`,
        "Write it as 2026-11-26T02:00:00Z (or with +01:00), or relative to now as -15m, -2h, -1d, -1h30m.",
    );
}

/** A duration in words a person can read at a glance: `45s`, `12m05s`, `3h07m`. */
export function formatDuration(ms: number): string {
    const totalSeconds = Math.max(0, Math.round(ms / 1000));
    const h = Math.floor(totalSeconds / 3600);
    const m = Math.floor((totalSeconds % 3600) / 60);
    const s = totalSeconds % 60;
    if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
    if (m > 0) return `${m}m${String(s).padStart(2, "0")}s`;
    return `${s}s`;
}

/** `20261126T021500Z`: sortable, safe in table names, S3 keys and job names. */
export function compactTimestamp(ms: number): string {
    return new Date(ms)
        .toISOString()
        .replace(/[-:]/g, "")
        .replace(/\.\d{3}/, "");
}
