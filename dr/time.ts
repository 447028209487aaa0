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
        if (!Number.isSafeInteger(ms) || ms > MAX_RELATIVE_MS)
            throw new UsageError(
                `${what} '${text}' reaches back more than ${MAX_RELATIVE_MS / (365 * 86_400_000)} years`,
                "Nothing older exists: the longest retention is seven years. Write a time inside it, e.g. -2h or -30d.",
            );
        return new Date(now - ms);
    }
    const iso = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-](\d{2}):(\d{2}))$/.exec(trimmed);
    if (iso) {
        const [, y, mo, d, h, mi, s = "0", , , oh = "0", om = "0"] = iso;
        const daysInMonth = new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate();
        // Date() rolls 2026-02-30 over to 2 March: a restore to the wrong time. Refuse it instead.
        if (
            Number(mo) < 1 ||
            Number(mo) > 12 ||
            Number(d) < 1 ||
            Number(d) > daysInMonth ||
            Number(h) > 23 ||
            Number(mi) > 59 ||
            Number(s) > 59 ||
            Number(oh) > 23 ||
            Number(om) > 59
        )
            throw new UsageError(
                `${what} '${text}' is not a date and time that exists`,
                "Check the day of the month and the hour (00-23), e.g. 2026-02-28T02:00:00Z.",
            );
        const parsed = new Date(trimmed);
        if (!Number.isNaN(parsed.getTime())) return parsed;
    }
    throw new UsageError(
        `${what} '${text}' is neither an ISO time with a zone nor a relative time`,
        "Write it as 2026-11-26T02:00:00Z (or with +01:00), or relative to now as -15m, -2h, -1d, -1h30m.",
    );
}

/** The longest reach back a relative time may have: ten years (the archive keeps seven). */
export const MAX_RELATIVE_MS = 10 * 365 * 86_400_000;

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
